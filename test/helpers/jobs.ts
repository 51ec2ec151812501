// Building blocks for the job queue tests: a queue and a worker over a test database, test job
// definitions, and waiting for a condition with a deadline (a deadline is a failure bound, not a
// timing assertion).
import { z } from "zod";
import { createLogger } from "../../src/app/logger.ts";
import { createMetrics } from "../../src/app/metrics.ts";
import { createDatabase, type Database } from "../../src/db/database.ts";
import { defineJob, type BoundJob, type JobContext } from "../../src/jobs/job.ts";
import { createPgJobListener } from "../../src/jobs/listener.ts";
import { createJobQueue, type JobQueue } from "../../src/jobs/queue.ts";
import { createJobRegistry } from "../../src/jobs/registry.ts";
import { createJobWorker, type WorkerOptions } from "../../src/jobs/worker.ts";
import { systemClock, type Clock } from "../../src/lib/clock.ts";
import { randomIds } from "../../src/lib/ids.ts";
import type { TestDatabase } from "./db.ts";

export const silentLogger = createLogger("silent");

export function queueOver(database: Database, clock: Clock = systemClock): JobQueue {
  return createJobQueue({ db: database.db, dialect: database.dialect, clock, ids: randomIds });
}

/** Another node (PostgreSQL) or connection (SQLite) on the same test database. */
export function anotherConnection(t: TestDatabase): Database {
  return createDatabase(t.url, { poolSize: 3 });
}

export function workerOver(
  database: Database,
  queue: JobQueue,
  jobs: BoundJob[],
  opts: Partial<WorkerOptions> & { clock?: Clock; random?: () => number } = {},
) {
  const metrics = createMetrics();
  const { clock = systemClock, random, ...workerOpts } = opts;
  // Counting claims lets a test know the worker has looked for work and gone idle.
  let claims = 0;
  const claimed: Array<() => void> = [];
  const countingQueue: JobQueue = {
    ...queue,
    claim: async (...args: Parameters<JobQueue["claim"]>) => {
      const rows = await queue.claim(...args);
      claims++;
      for (const f of claimed.splice(0)) f();
      return rows;
    },
  };
  const worker = createJobWorker(
    {
      queue: countingQueue,
      registry: createJobRegistry(jobs),
      clock,
      logger: silentLogger,
      metrics,
      ...(database.pgPool ? { listener: createPgJobListener(database.pgPool, silentLogger, { retryMs: 100 }) } : {}),
      ...(random ? { random } : {}),
    },
    { concurrency: 4, leaseMs: 30_000, pollMs: 1000, graceMs: 1000, ...workerOpts },
  );
  return {
    worker,
    metrics,
    claims: () => claims,
    /** Resolves after the next claim the worker makes has returned. */
    nextClaim: () => new Promise<void>((resolve) => claimed.push(resolve)),
  };
}

export async function metricValue(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>): Promise<number> {
  const m = await metrics.registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

/** Resolves with true if `p` settles within `ms`, false otherwise. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([p.then(() => true), new Promise<boolean>((res) => { timer = setTimeout(() => res(false), ms); })]);
  clearTimeout(timer);
  return r;
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const noBackoff = { baseMs: 0, maxMs: 0 };

/** A job that calls `fn` with its payload and context. */
export function testJob<S extends z.ZodType = z.ZodObject<{}>>(
  kind: string,
  fn: (payload: z.output<S>, ctx: JobContext) => Promise<void>,
  opts: { maxAttempts?: number; backoff?: { baseMs: number; maxMs: number }; timeoutMs?: number; schema?: S } = {},
) {
  return defineJob({
    kind,
    payloadSchema: (opts.schema ?? z.object({})) as S,
    maxAttempts: opts.maxAttempts ?? 3,
    backoff: opts.backoff ?? noBackoff,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    handle: fn,
  });
}
