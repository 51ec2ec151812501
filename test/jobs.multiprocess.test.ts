// Several worker processes on one database, as several `partnerbill serve` nodes would be: every
// job's effect happens once, and the jobs of a node that dies (SIGKILL: no shutdown, no release)
// are finished by another node once their leases expire.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { sql } from "kysely";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { queueOver, waitFor } from "./helpers/jobs.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURE = join(ROOT, "test", "fixtures", "job-worker.ts");
const JOBS = 240;
const CONCURRENCY = 4;
// Long enough that a live worker's leases do not lapse when a loaded machine stalls it for a
// moment (that would be a legitimate redelivery, but not the one this test is about); short
// enough that the killed worker's jobs are taken over within seconds.
const LEASE_MS = 5000;

interface WorkerProcess {
  name: string;
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  output: () => string;
}

function startWorker(t: TestDatabase, name: string): WorkerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", DATABASE_URL: t.url, WORKER_NAME: name, LEASE_MS: String(LEASE_MS), CONCURRENCY: String(CONCURRENCY) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready\n")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`worker ${name} exited (${code}) before it was ready: ${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { name, child, ready, exited, output: () => out };
}

async function scalar(t: TestDatabase, query: ReturnType<typeof sql<{ n: number | string }>>): Promise<number> {
  const r = await query.execute(t.database.db);
  return Number(r.rows[0]?.n ?? 0);
}

describeEachDialect("job queue across processes", (ctx) => {
  it("runs every job's effect exactly once on two worker processes, one of them killed mid-way", async () => {
    const t = ctx();
    const db = t.database.db;
    await sql`create table test_runs (job_id text not null, worker text not null)`.execute(db);
    await sql`create table test_effects (job_id text primary key, worker text not null)`.execute(db);

    const a = startWorker(t, "A");
    const b = startWorker(t, "B");
    try {
      await Promise.all([a.ready, b.ready]);
      const queue = queueOver(t.database);
      await db.transaction().execute(async (tx) => {
        for (let i = 0; i < JOBS; i++) await queue.enqueue(tx, { kind: "test.record", payload: { n: i }, key: `record-${i}` });
      });

      await waitFor("both workers to run jobs and a third of the effects to happen", async () =>
        (await scalar(t, sql`select count(*) as n from test_effects`)) >= JOBS / 3 &&
        (await scalar(t, sql`select count(distinct worker) as n from test_runs`)) === 2,
      );
      a.child.kill("SIGKILL");
      await a.exited;

      const runsAtKill = (await sql<{ job_id: string; worker: string }>`select job_id, worker from test_runs`.execute(db)).rows;
      assert.equal(new Set(runsAtKill.map((r) => r.job_id)).size, runsAtKill.length, `while both ran, no job was delivered twice\nA: ${a.output()}\nB: ${b.output()}`);
      const heldByA = (await queue.list({ state: "running", limit: 1000 })).filter((j) => j.lease_owner === "A").map((j) => j.id);
      assert.ok(heldByA.length <= CONCURRENCY);

      await waitFor("every job to be done", async () => (await queue.stats()).ready === 0 &&
        (await scalar(t, sql`select count(*) as n from jobs where state = 'done'`)) === JOBS, 60_000);

      b.child.kill("SIGTERM");
      assert.equal(await b.exited, 0, `B stops cleanly on SIGTERM: ${b.output()}`);

      const jobIds = (await queue.list({ limit: 1000 })).map((j) => j.id).sort();
      const effects = (await sql<{ job_id: string }>`select job_id from test_effects`.execute(db)).rows.map((r) => r.job_id).sort();
      assert.deepEqual(effects, jobIds, "exactly one effect per job");

      const runs = (await sql<{ job_id: string; worker: string }>`select job_id, worker from test_runs`.execute(db)).rows;
      const byJob = new Map<string, string[]>();
      for (const r of runs) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r.worker]);
      const redelivered = [...byJob].filter(([, ws]) => ws.length > 1);
      for (const [id, ws] of redelivered) {
        assert.deepEqual(ws.sort(), ["A", "B"], `job ${id} was redelivered only because A died holding it`);
        assert.ok(heldByA.includes(id), `job ${id} was in A's hands when A was killed`);
      }
      const byA = (rows: Array<{ worker: string }>) => rows.filter((r) => r.worker === "A").length;
      assert.equal(byA(runs), byA(runsAtKill), "nothing ran on the killed worker afterwards");
      assert.ok((await scalar(t, sql`select count(*) as n from jobs where attempts = 2`)) <= heldByA.length);
    } finally {
      for (const w of [a, b]) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    }
  });
});
