import assert from "node:assert/strict";
import { it } from "node:test";
import { z } from "zod";
import { bindJob, PermanentJobError } from "../src/jobs/job.ts";
import { manualClock } from "../src/lib/clock.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { anotherConnection, deferred, metricValue, queueOver, settlesWithin, testJob, waitFor, workerOver } from "./helpers/jobs.ts";

const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

describeEachDialect("job worker", (ctx) => {
  it("runs a job's handler with its validated payload and marks the job done", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    const seen: unknown[] = [];
    const job = testJob("test.echo", async (p, c) => { seen.push({ p, attempt: c.job.attempt, key: c.job.key }); }, {
      schema: z.object({ orderId: z.string(), note: z.string().default("none") }),
    });
    const { worker, metrics } = workerOver(database, queue, [bindJob(job, {})]);
    const { job: row } = await queue.enqueue(database.db, { kind: "test.echo", payload: { orderId: "ord_1" }, key: "k" });
    assert.equal(await worker.runOnce(), 1);
    assert.deepEqual(seen, [{ p: { orderId: "ord_1", note: "none" }, attempt: 1, key: "k" }]);
    const done = await queue.get(row.id);
    assert.equal(done?.state, "done");
    assert.equal(done?.lease_owner, null);
    assert.equal(await metricValue(metrics, "partnerbill_jobs_total", { kind: "test.echo", result: "done" }), 1);
  });

  it("retries a failing job with growing, jittered delays, then moves it to the dead letter", async () => {
    const { database } = ctx();
    const clock = manualClock("2026-12-01T10:00:00Z");
    const queue = queueOver(database, clock);
    let runs = 0;
    const job = testJob("test.flaky", async () => {
      runs++;
      throw new Error("upstream unreachable: https://partner:hunter2@api.example.com/billmgr?authinfo=partner:hunter2");
    }, { maxAttempts: 3, backoff: { baseMs: 1000, maxMs: 60_000 } });
    const { worker, metrics } = workerOver(database, queue, [bindJob(job, {})], { clock, random: () => 0.5 });
    const { job: row } = await queue.enqueue(database.db, { kind: "test.flaky", key: "k" });

    assert.equal(await worker.runOnce(), 1);
    let r = await queue.get(row.id);
    assert.equal(r?.state, "queued");
    assert.equal(r?.attempts, 1);
    // Ceiling 1000 ms after the first failure; equal jitter at 0.5 → 750 ms.
    assert.equal(r?.run_at, "2026-12-01T10:00:00.750Z");
    assert.match(r?.last_error ?? "", /upstream unreachable/);
    assert.doesNotMatch(r?.last_error ?? "", /hunter2/, "secrets in error messages are redacted");

    assert.equal(await worker.runOnce(), 0, "not due before its backoff");
    clock.advance(750);
    assert.equal(await worker.runOnce(), 1);
    r = await queue.get(row.id);
    assert.equal(r?.attempts, 2);
    assert.equal(r?.run_at, "2026-12-01T10:00:02.250Z", "ceiling doubled to 2000 ms → 1500 ms");

    clock.advance(1500);
    assert.equal(await worker.runOnce(), 1);
    r = await queue.get(row.id);
    assert.equal(r?.state, "dead");
    assert.equal(r?.attempts, 3);
    assert.ok(r?.finished_at);
    assert.equal(runs, 3);
    clock.advance(3_600_000);
    assert.equal(await worker.runOnce(), 0, "a dead job is never claimed");
    assert.equal(await metricValue(metrics, "partnerbill_jobs_total", { kind: "test.flaky", result: "retry" }), 2);
    assert.equal(await metricValue(metrics, "partnerbill_jobs_total", { kind: "test.flaky", result: "dead" }), 1);
  });

  it("uses the attempts given at enqueue over the handler's", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    const job = testJob("test.fail", async () => { throw new Error("no"); }, { maxAttempts: 5 });
    const { worker } = workerOver(database, queue, [bindJob(job, {})]);
    const { job: row } = await queue.enqueue(database.db, { kind: "test.fail", key: "k", maxAttempts: 1 });
    await worker.runOnce();
    assert.equal((await queue.get(row.id))?.state, "dead");
  });

  it("sends a job with an invalid payload, an unknown kind or a permanent error to the dead letter at once", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    let ran = 0;
    const strict = testJob("test.strict", async () => { ran++; }, { schema: z.object({ orderId: z.string() }) });
    const refuses = testJob("test.refuses", async () => { throw new PermanentJobError("the order no longer exists"); });
    const { worker } = workerOver(database, queue, [bindJob(strict, {}), bindJob(refuses, {})]);
    const bad = await queue.enqueue(database.db, { kind: "test.strict", payload: { orderId: 42 }, key: "bad" });
    const unknown = await queue.enqueue(database.db, { kind: "test.nobody", key: "unknown" });
    const permanent = await queue.enqueue(database.db, { kind: "test.refuses", key: "permanent" });
    assert.equal(await worker.runOnce(), 3);
    assert.equal(ran, 0);

    const b = await queue.get(bad.job.id);
    assert.equal(b?.state, "dead");
    assert.equal(b?.attempts, 1);
    assert.match(b?.last_error ?? "", /Invalid payload for test\.strict/);
    assert.match(b?.last_error ?? "", /orderId/);
    const u = await queue.get(unknown.job.id);
    assert.equal(u?.state, "dead");
    assert.match(u?.last_error ?? "", /No handler for job kind "test\.nobody"/);
    const p = await queue.get(permanent.job.id);
    assert.equal(p?.state, "dead");
    assert.match(p?.last_error ?? "", /PermanentJobError: the order no longer exists/);
  });

  it("fails an attempt that runs past its timeout and aborts the handler's signal", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    let abortedWith: unknown;
    const job = testJob("test.slow", async (_p, c) => {
      await untilAborted(c.signal);
      abortedWith = c.signal.reason;
    }, { timeoutMs: 50, maxAttempts: 2, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const { worker } = workerOver(database, queue, [bindJob(job, {})]);
    const { job: row } = await queue.enqueue(database.db, { kind: "test.slow", key: "k" });
    await worker.runOnce();
    const r = await queue.get(row.id);
    assert.equal(r?.state, "queued");
    assert.match(r?.last_error ?? "", /timed out after 50 ms/);
    assert.ok(abortedWith instanceof Error);
  });

  it("keeps extending the lease of a long job so no other node takes it", async () => {
    const { database } = ctx();
    const clock = manualClock("2026-12-01T10:00:00Z");
    const queue = queueOver(database, clock);
    const finish = deferred();
    const started = deferred();
    const job = testJob("test.long", async () => {
      started.resolve();
      await finish.promise;
    });
    const { worker } = workerOver(database, queue, [bindJob(job, {})], { leaseMs: 1000, clock });
    await worker.start();
    const { job: row } = await queue.enqueue(database.db, { kind: "test.long", key: "k" });
    await started.promise;
    // Each round: see the worker renew the lease to a full length from "now", then move time on
    // by more than half of it. After three rounds the first lease is long gone, yet the job was
    // never claimable by another node.
    for (let round = 0; round < 3; round++) {
      await waitFor("the worker to renew the lease", async () =>
        (await queue.get(row.id))?.lease_expires_at === new Date(clock.now().getTime() + 1000).toISOString());
      clock.advance(600);
      assert.deepEqual(await queue.claim("thief", 5, 1000), []);
    }
    finish.resolve();
    await waitFor("the job to be done", async () => (await queue.get(row.id))?.state === "done");
    assert.equal((await queue.get(row.id))?.attempts, 1);
    await worker.stop();
  });

  it("on stop, lets running handlers finish within the grace period and releases the rest", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    const quickCanFinish = deferred();
    const started = new Set<string>();
    let stuckSawAbort = false;
    const quick = testJob("test.quick", async (_p, c) => {
      started.add(c.job.id);
      await quickCanFinish.promise;
    });
    const stuck = testJob("test.stuck", async (_p, c) => {
      started.add(c.job.id);
      await untilAborted(c.signal);
      stuckSawAbort = true;
    });
    const { worker } = workerOver(database, queue, [bindJob(quick, {}), bindJob(stuck, {})]);
    await worker.start();
    const q = await queue.enqueue(database.db, { kind: "test.quick", key: "quick" });
    const s1 = await queue.enqueue(database.db, { kind: "test.stuck", key: "stuck-1" });
    const s2 = await queue.enqueue(database.db, { kind: "test.stuck", key: "stuck-2" });
    await waitFor("three handlers to start", () => started.size === 3);

    const stopping = worker.stop(500);
    quickCanFinish.resolve();
    const result = await stopping;
    assert.deepEqual(result, { finished: 1, released: 2 });
    assert.equal((await queue.get(q.job.id))?.state, "done");
    for (const s of [s1, s2]) {
      const r = await queue.get(s.job.id);
      assert.equal(r?.state, "queued");
      assert.equal(r?.attempts, 0, "an interrupted attempt is not counted");
      assert.equal(r?.lease_owner, null);
    }
    await waitFor("the stuck handlers to see the abort", () => stuckSawAbort);
    // Released jobs are claimable by any node at once.
    assert.equal((await queue.claim("other-node", 5, 30_000)).length, 2);
    // And the stopped worker claims nothing more.
    await queue.enqueue(database.db, { kind: "test.quick", key: "after-stop" });
    assert.equal(worker.activeJobs().length, 0);
  });

  it("starts a job enqueued while it idles at once, not at the next poll", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    const started = deferred();
    const job = testJob("test.ping", async () => started.resolve());
    // With a 60 s poll, only the wake-up signal can start the job within the deadline below.
    const w = workerOver(database, queue, [bindJob(job, {})], { pollMs: 60_000 });
    const idle = w.nextClaim();
    await w.worker.start();
    await idle;
    await queue.enqueue(database.db, { kind: "test.ping", key: "k" });
    const woke = await settlesWithin(started.promise, 10_000);
    await w.worker.stop();
    assert.ok(woke, "the job did not start before the safety-net poll");
  });

  it("starts a job enqueued in a transaction once the transaction commits", async () => {
    const { database, dialect } = ctx();
    const queue = queueOver(database);
    const started = deferred();
    const job = testJob("test.ping", async () => started.resolve());
    const w = workerOver(database, queue, [bindJob(job, {})], { pollMs: 60_000 });
    const idle = w.nextClaim();
    await w.worker.start();
    await idle;
    await database.db.transaction().execute(async (tx) => {
      const claimedEarly = w.nextClaim();
      await queue.enqueue(tx, { kind: "test.ping", key: "k" });
      // On PostgreSQL the in-process signal makes the worker look before the commit and find
      // nothing, so the start below can only come from the NOTIFY delivered at commit. (On SQLite
      // that look waits for the transaction's connection and sees the committed row.)
      if (dialect === "postgres") await claimedEarly;
    });
    const woke = await settlesWithin(started.promise, 10_000);
    await w.worker.stop();
    assert.ok(woke, "the job did not start before the safety-net poll");
  });

  it("runs a job another node enqueued (PostgreSQL: woken by LISTEN/NOTIFY, not the poll)", async () => {
    const t = ctx();
    const queue = queueOver(t.database);
    const started = deferred();
    const job = testJob("test.ping", async () => started.resolve());
    const w = workerOver(t.database, queue, [bindJob(job, {})], { pollMs: t.dialect === "postgres" ? 60_000 : 200 });
    const idle = w.nextClaim();
    await w.worker.start();
    await idle;
    // Another node (PostgreSQL: its own pool, so only LISTEN/NOTIFY can wake this worker) or,
    // on SQLite, another process-like connection (woken by the poll: one process owns SQLite).
    const other = anotherConnection(t);
    try {
      await queueOver(other).enqueue(other.db, { kind: "test.ping", key: "k" });
      assert.ok(await settlesWithin(started.promise, 10_000), "the job enqueued by another node did not start");
    } finally {
      await w.worker.stop();
      await other.close();
    }
  });
});
