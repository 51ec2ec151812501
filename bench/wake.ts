// `npm run bench:wake`: on SQLite, how long a job queued by another process (the CLI, a second
// node) waits before a worker runs it. A worker-only `partnerbill serve --roles worker` runs on a
// fresh SQLite file; this process queues a jobs.cleanup job over its own connection N times and
// measures until the job is done (polling the row every 2 ms). Before the wake file (ADR 0034) the
// worker found such jobs at its 1 s poll: --no-signal queues without touching the file, which is
// that baseline, measured the same way. Options: --jobs <n> (default 50), --no-signal.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../src/app/logger.ts";
import { createDatabase } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { createFileWakeSignal, wakeFileOf } from "../src/jobs/file-signal.ts";
import { createJobQueue } from "../src/jobs/queue.ts";
import { systemClock } from "../src/lib/clock.ts";
import { randomIds } from "../src/lib/ids.ts";
import { intOption } from "./args.ts";

const argv = process.argv.slice(2);
const SIGNAL = !argv.includes("--no-signal");
const JOBS = argv.includes("--jobs") ? intOption("jobs", argv[argv.indexOf("--jobs") + 1] ?? "", 1, 10_000) : 50;
const dir = mkdtempSync(join(tmpdir(), "pb-bench-wake-"));
const file = join(dir, "pb.db");
const database = createDatabase(`sqlite:${file}`);
const child = spawn(process.execPath, [join(import.meta.dirname, "..", "bin", "partnerbill.js"), "serve", "--roles", "worker"], {
  env: { PATH: process.env["PATH"] ?? "", HOME: dir, DATA_DIR: dir, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: "warn" },
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  await migrateToLatest(database.db);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("partnerbill is running")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`worker exited ${code}`)));
  });
  const queue = createJobQueue({ db: database.db, dialect: "sqlite", clock: systemClock, ids: randomIds, ...(SIGNAL ? { crossProcess: createFileWakeSignal(wakeFileOf(file), createLogger("silent")) } : {}) });
  const waits: number[] = [];
  for (let i = 0; i < JOBS; i++) {
    // Let the worker go idle (it waits for a wake-up or its poll), at a varying point of its poll.
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 300));
    const t0 = performance.now();
    const { job } = await queue.enqueue(database.db, { kind: "jobs.cleanup", payload: { olderThanDays: 30 }, key: `bench:${i}` });
    while ((await queue.get(job.id))?.state !== "done") await new Promise((r) => setTimeout(r, 2));
    waits.push(performance.now() - t0);
  }
  waits.sort((a, b) => a - b);
  const q = (p: number) => waits[Math.min(waits.length - 1, Math.floor(p * waits.length))]!;
  process.stdout.write(
    `queued by another process → done, ${JOBS} jobs on SQLite, ${SIGNAL ? "wake file" : "no wake-up (poll only)"}, node ${process.version}\n` +
      `  p50 ${q(0.5).toFixed(1)} ms   p90 ${q(0.9).toFixed(1)} ms   max ${waits.at(-1)!.toFixed(1)} ms   (target p50 < 100 ms; the 1 s poll alone: ~500 ms mean)\n`,
  );
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
