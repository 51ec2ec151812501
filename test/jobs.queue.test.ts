import assert from "node:assert/strict";
import { it } from "node:test";
import { sql } from "kysely";
import { manualClock } from "../src/lib/clock.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { anotherConnection, queueOver } from "./helpers/jobs.ts";

describeEachDialect("job queue", (ctx) => {
  it("enqueues a key once and returns the existing job on a second enqueue", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    const first = await queue.enqueue(database.db, { kind: "test.a", payload: { orderId: "ord_1" }, key: "order:ord_1:a" });
    const again = await queue.enqueue(database.db, { kind: "test.a", payload: { orderId: "other" }, key: "order:ord_1:a" });
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(again.job.id, first.job.id);
    assert.deepEqual(JSON.parse(again.job.payload), { orderId: "ord_1" });
    assert.equal((await queue.list()).length, 1);
    await assert.rejects(queue.enqueue(database.db, { kind: "test.b", key: "order:ord_1:a" }), { code: "conflict" });
    await assert.rejects(queue.enqueue(database.db, { kind: "test.a", key: "" }), { code: "invalid_input" });
  });

  it("enqueues inside the caller's transaction: nothing is left when it rolls back", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    await assert.rejects(
      database.db.transaction().execute(async (tx) => {
        await queue.enqueue(tx, { kind: "test.a", key: "k1" });
        throw new Error("state change failed");
      }),
      /state change failed/,
    );
    assert.equal(await queue.findByKey(database.db, "k1"), undefined);
    await database.db.transaction().execute((tx) => queue.enqueue(tx, { kind: "test.a", key: "k1" }));
    assert.equal((await queue.findByKey(database.db, "k1"))?.state, "queued");
  });

  it("claims due jobs in run_at order, leasing them and counting the attempt", async () => {
    const { database } = ctx();
    const clock = manualClock("2026-12-01T10:00:00Z");
    const queue = queueOver(database, clock);
    await queue.enqueue(database.db, { kind: "test.a", key: "later", runAt: new Date("2026-12-01T10:05:00Z") });
    await queue.enqueue(database.db, { kind: "test.a", key: "second", runAt: new Date("2026-12-01T09:59:00Z") });
    await queue.enqueue(database.db, { kind: "test.a", key: "first", runAt: new Date("2026-12-01T09:58:00Z") });

    const claimed = await queue.claim("node-a", 10, 3_600_000);
    assert.deepEqual(claimed.map((j) => j.idempotency_key), ["first", "second"]);
    for (const j of claimed) {
      assert.equal(j.state, "running");
      assert.equal(j.attempts, 1);
      assert.equal(j.lease_owner, "node-a");
      assert.equal(j.lease_expires_at, "2026-12-01T11:00:00.000Z");
    }
    assert.deepEqual(await queue.claim("node-b", 10, 30_000), [], "leased and future jobs are not claimable");
    clock.advance(5 * 60_000);
    assert.deepEqual((await queue.claim("node-b", 10, 30_000)).map((j) => j.idempotency_key), ["later"]);
  });

  it("never hands the same job to two claimers running at once", async () => {
    const t = ctx();
    const queue = queueOver(t.database);
    const total = 200;
    await t.database.db.transaction().execute(async (tx) => {
      for (let i = 0; i < total; i++) await queue.enqueue(tx, { kind: "test.a", key: `job-${i}` });
    });
    // Separate pools (PostgreSQL) or connections to the same file (SQLite), like separate nodes.
    const others = [anotherConnection(t), anotherConnection(t), anotherConnection(t)];
    try {
      // Connected before the race starts, so that no claimer is late for a reason of its own.
      await Promise.all(others.map((d) => sql`select 1`.execute(d.db)));
      const claimers = [queue, ...others.map((d) => queueOver(d))];
      const got = await Promise.all(
        claimers.map(async (q, i) => {
          const ids: string[] = [];
          for (;;) {
            const jobs = await q.claim(`claimer-${i}`, 7, 60_000);
            if (jobs.length === 0) return ids;
            ids.push(...jobs.map((j) => j.id));
          }
        }),
      );
      const all = got.flat();
      assert.equal(all.length, total, "every job claimed");
      assert.equal(new Set(all).size, total, "no job claimed twice");
      assert.ok(got.filter((ids) => ids.length > 0).length > 1, "the claimers really ran side by side");
    } finally {
      await Promise.all(others.map((d) => d.close()));
    }
  });

  it("lets another node re-claim a job whose lease expired, and refuses the old owner's outcome", async () => {
    const { database } = ctx();
    const clock = manualClock("2026-12-01T10:00:00Z");
    const queue = queueOver(database, clock);
    const { job } = await queue.enqueue(database.db, { kind: "test.a", key: "k" });
    await queue.claim("dead-node", 1, 30_000);
    clock.advance(29_999);
    assert.deepEqual(await queue.claim("node-b", 1, 30_000), [], "the lease still holds");
    clock.advance(1);
    const [again] = await queue.claim("node-b", 1, 30_000);
    assert.equal(again?.id, job.id);
    assert.equal(again?.attempts, 2);
    assert.equal(again?.lease_owner, "node-b");
    assert.equal(await queue.complete(job.id, "dead-node"), false);
    assert.deepEqual(await queue.extendLeases("dead-node", [job.id], 30_000), []);
    assert.equal(await queue.complete(job.id, "node-b"), true);
    const done = await queue.get(job.id);
    assert.equal(done?.state, "done");
    assert.equal(done?.lease_owner, null);
    assert.equal(done?.finished_at, "2026-12-01T10:00:30.000Z");
  });

  it("extends a lease so that the job is not re-claimed while its handler runs", async () => {
    const { database } = ctx();
    const clock = manualClock("2026-12-01T10:00:00Z");
    const queue = queueOver(database, clock);
    const { job } = await queue.enqueue(database.db, { kind: "test.a", key: "k" });
    await queue.claim("node-a", 1, 30_000);
    clock.advance(20_000);
    assert.deepEqual(await queue.extendLeases("node-a", [job.id], 30_000), [job.id]);
    clock.advance(20_000);
    assert.deepEqual(await queue.claim("node-b", 1, 30_000), []);
  });

  it("releases jobs at shutdown without counting the attempt, and wakes workers", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    let wakes = 0;
    const unsubscribe = queue.subscribe(() => wakes++);
    await queue.enqueue(database.db, { kind: "test.a", key: "a" });
    await queue.enqueue(database.db, { kind: "test.a", key: "b" });
    const claimed = await queue.claim("node-a", 2, 30_000);
    const before = wakes;
    assert.equal(await queue.release("node-b", claimed.map((j) => j.id)), 0, "only the owner can release");
    assert.equal(await queue.release("node-a", claimed.map((j) => j.id)), 2);
    assert.ok(wakes > before);
    unsubscribe();
    for (const j of claimed) {
      const row = await queue.get(j.id);
      assert.equal(row?.state, "queued");
      assert.equal(row?.attempts, 0);
      assert.equal(row?.lease_owner, null);
    }
    assert.equal((await queue.claim("node-b", 5, 30_000)).length, 2);
  });

  it("revives a dead job with fresh attempts, and refuses to retry one that is not dead", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    const { job } = await queue.enqueue(database.db, { kind: "test.a", key: "k" });
    await assert.rejects(queue.retry(job.id), { code: "conflict" });
    await assert.rejects(queue.retry("job_missing"), { code: "not_found" });
    await queue.claim("node-a", 1, 30_000);
    assert.equal(await queue.fail(job.id, "node-a", "Error: upstream said no", null), true);
    const dead = await queue.get(job.id);
    assert.equal(dead?.state, "dead");
    assert.ok(dead?.finished_at);
    assert.deepEqual((await queue.list({ state: "dead" })).map((j) => j.id), [job.id]);

    const revived = await queue.retry(job.id);
    assert.equal(revived.state, "queued");
    assert.equal(revived.attempts, 0);
    assert.equal(revived.finished_at, null);
    assert.equal(revived.last_error, "Error: upstream said no", "the last error stays visible until the next attempt");
    assert.equal((await queue.claim("node-a", 1, 30_000))[0]?.id, job.id);
  });

  it("cancels a queued job by key but not one that is running", async () => {
    const { database } = ctx();
    const queue = queueOver(database);
    await queue.enqueue(database.db, { kind: "test.a", key: "reminder" });
    await queue.enqueue(database.db, { kind: "test.a", key: "running" });
    assert.equal(await queue.cancel(database.db, "reminder"), true);
    await queue.claim("node-a", 5, 30_000);
    assert.equal(await queue.cancel(database.db, "running"), false);
    assert.equal((await queue.findByKey(database.db, "reminder"))?.state, "cancelled");
  });

  it("deletes old done and cancelled jobs but keeps dead ones and recent ones", async () => {
    const { database } = ctx();
    const clock = manualClock("2026-11-01T00:00:00Z");
    const queue = queueOver(database, clock);
    for (const key of ["old-done", "old-dead", "old-cancelled"]) await queue.enqueue(database.db, { kind: "test.a", key });
    await queue.cancel(database.db, "old-cancelled");
    const claimed = await queue.claim("n", 2, 30_000);
    await queue.complete(claimed.find((j) => j.idempotency_key === "old-done")!.id, "n");
    await queue.fail(claimed.find((j) => j.idempotency_key === "old-dead")!.id, "n", "x", null);
    clock.set("2026-12-01T00:00:00Z");
    await queue.enqueue(database.db, { kind: "test.a", key: "new-done" });
    const [fresh] = await queue.claim("n", 1, 30_000);
    await queue.complete(fresh!.id, "n");

    assert.equal(await queue.deleteFinished(new Date("2026-11-15T00:00:00Z")), 2);
    assert.deepEqual((await queue.list()).map((j) => j.idempotency_key).sort(), ["new-done", "old-dead"]);
  });

  it("reports queue depth and the age of the oldest due job", async () => {
    const { database } = ctx();
    const clock = manualClock("2026-12-01T10:00:00Z");
    const queue = queueOver(database, clock);
    await queue.enqueue(database.db, { kind: "test.a", key: "a", runAt: new Date("2026-12-01T09:00:00Z") });
    await queue.enqueue(database.db, { kind: "test.a", key: "b" });
    await queue.enqueue(database.db, { kind: "test.a", key: "future", runAt: new Date("2026-12-02T00:00:00Z") });
    assert.deepEqual(await queue.stats(), { ready: 2, oldestReadyAt: "2026-12-01T09:00:00.000Z", running: 0, dead: 0 });
  });
});
