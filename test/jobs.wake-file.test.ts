// SQLite has no LISTEN/NOTIFY: a worker learns of work queued by another process on the same file
// through the watched wake file (src/jobs/file-signal.ts, docs/adr/0034). The worker here polls
// only every 10 minutes, and the job is queued over a second connection with its own queue (no
// in-process signal can reach the worker): only the file can wake it before waitFor gives up.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createDatabase } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { createFileWakeSignal, wakeFileOf } from "../src/jobs/file-signal.ts";
import { bindJob } from "../src/jobs/job.ts";
import { createJobQueue } from "../src/jobs/queue.ts";
import { createJobWorker } from "../src/jobs/worker.ts";
import { createJobRegistry } from "../src/jobs/registry.ts";
import { createMetrics } from "../src/app/metrics.ts";
import { systemClock } from "../src/lib/clock.ts";
import { randomIds } from "../src/lib/ids.ts";
import { silentLogger, testJob, waitFor } from "./helpers/jobs.ts";
import { ROOT } from "./helpers/cli.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "pb-wake-"));
  dirs.push(d);
  return d;
}

describe("job wake-ups across processes on SQLite", () => {
  it("wakes a worker that polls every 10 minutes when another connection queues a job", async () => {
    const file = join(tempDir(), "pb.db");
    const a = createDatabase(`sqlite:${file}`);
    const b = createDatabase(`sqlite:${file}`);
    await migrateToLatest(a.db);
    assert.equal(a.file, file);
    const ran: string[] = [];
    const job = testJob("test.wake", async (_p, ctx) => void ran.push(ctx.job.id));
    const signalA = createFileWakeSignal(wakeFileOf(file), silentLogger);
    const queueA = createJobQueue({ db: a.db, dialect: "sqlite", clock: systemClock, ids: randomIds, crossProcess: signalA });
    const worker = createJobWorker(
      { queue: queueA, registry: createJobRegistry([bindJob(job, {})]), clock: systemClock, logger: silentLogger, metrics: createMetrics(), listener: signalA },
      { concurrency: 1, leaseMs: 30_000, pollMs: 600_000, graceMs: 1000 },
    );
    const queueB = createJobQueue({ db: b.db, dialect: "sqlite", clock: systemClock, ids: randomIds, crossProcess: createFileWakeSignal(wakeFileOf(file), silentLogger) });
    await worker.start();
    try {
      for (let i = 0; i < 3; i++) {
        const { job: queued } = await queueB.enqueue(b.db, { kind: "test.wake", key: `wake:${i}` });
        await waitFor(`job ${i} to run`, () => ran.includes(queued.id));
        assert.equal((await queueB.get(queued.id))?.state, "done");
      }
    } finally {
      await worker.stop();
      await a.close();
      await b.close();
    }
  });

  it("delivers a touch from another process to the watcher", async () => {
    const file = wakeFileOf(join(tempDir(), "pb.db"));
    let wakes = 0;
    const signal = createFileWakeSignal(file, silentLogger);
    await signal.start(() => void wakes++);
    try {
      const before = wakes;
      const script = `import { createFileWakeSignal } from "./src/jobs/file-signal.ts"; createFileWakeSignal(${JSON.stringify(file)}, { warn() {} }).notify();`;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, stdio: "ignore" });
      assert.equal(await new Promise((resolve) => child.on("exit", resolve)), 0);
      await waitFor("the other process's touch to arrive", () => wakes > before);
    } finally {
      await signal.stop();
    }
  });
});
