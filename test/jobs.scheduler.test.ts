import assert from "node:assert/strict";
import { it } from "node:test";
import { createScheduler, type PeriodicTask } from "../src/jobs/scheduler.ts";
import { manualClock } from "../src/lib/clock.ts";
import { createTestContainer } from "./helpers/app.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { anotherConnection, queueOver, silentLogger } from "./helpers/jobs.ts";

const TASKS: PeriodicTask[] = [
  { kind: "test.hourly", every: "hourly", payload: { scope: "all" } },
  { kind: "test.daily", every: "daily", offsetMs: 3 * 3_600_000, payload: (p) => ({ day: p.start.toISOString() }) },
];

describeEachDialect("job scheduler", (ctx) => {
  it("enqueues each period once even when several nodes run the scheduler at the same time", async () => {
    const t = ctx();
    const clock = manualClock("2026-12-01T10:15:00Z");
    const other = anotherConnection(t);
    try {
      const schedulers = [t.database, other, t.database].map((d) =>
        createScheduler({ db: d.db, queue: queueOver(d, clock), clock, logger: silentLogger }, { tasks: TASKS }),
      );
      const created = await Promise.all(schedulers.map((s) => s.tick()));
      assert.equal(created.reduce((a, b) => a + b, 0), 2, "one job per task");
      assert.equal((await Promise.all(schedulers.map((s) => s.tick()))).reduce((a, b) => a + b, 0), 0, "a repeated tick adds nothing");

      clock.advance(50 * 60_000); // 11:05: a new hour, the same day (days start at 03:00)
      const next = await Promise.all(schedulers.map((s) => s.tick()));
      assert.equal(next.reduce((a, b) => a + b, 0), 1);

      const queue = queueOver(t.database, clock);
      const jobs = (await queue.list({ limit: 100 })).map((j) => [j.idempotency_key, JSON.parse(j.payload)]).sort();
      assert.deepEqual(jobs, [
        ["test.daily:2026-12-01T03:00:00.000Z", { day: "2026-12-01T03:00:00.000Z" }],
        ["test.hourly:2026-12-01T10:00:00.000Z", { scope: "all" }],
        ["test.hourly:2026-12-01T11:00:00.000Z", { scope: "all" }],
      ]);
    } finally {
      await other.close();
    }
  });

  it("refuses two periodic tasks of one kind", () => {
    const { database } = ctx();
    const clock = manualClock();
    assert.throws(
      () => createScheduler({ db: database.db, queue: queueOver(database, clock), clock, logger: silentLogger }, { tasks: [TASKS[0]!, TASKS[0]!] }),
      /registered twice/,
    );
  });

  it("schedules the built-in clean-up, whose job deletes old finished jobs", async () => {
    const { container: c, clock } = createTestContainer(ctx());
    const old = await c.queue.enqueue(c.db, { kind: "test.a", key: "old" });
    await c.queue.claim("n", 1, 30_000);
    await c.queue.complete(old.job.id, "n");
    clock.advance(40 * 86_400_000);

    assert.ok((await c.jobs.createScheduler().tick()) >= 1);
    const cleanup = (await c.queue.list({ kind: "jobs.cleanup" }))[0];
    assert.ok(cleanup, "a jobs.cleanup job was enqueued");
    const worker = c.jobs.createWorker();
    await worker.runOnce();
    assert.equal((await c.queue.get(cleanup.id))?.state, "done");
    assert.equal(await c.queue.get(old.job.id), undefined, "the 40-day-old done job is gone");
  });
});
