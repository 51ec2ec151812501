// The worker role: claims due jobs, runs their handlers with up to `concurrency` at once, and
// records each outcome. It wakes when work arrives (the queue's in-process signal, and on
// PostgreSQL the LISTEN of ./listener.ts) and otherwise polls slowly as a safety net.
//
// While a handler runs, its lease is extended every third of the lease; a node that dies stops
// extending, its leases run out, and another node claims the jobs again. On stop (SIGTERM) the
// worker claims nothing more, gives running handlers a grace period, then releases what is left
// so any node can take it at once — without counting the interrupted attempt.
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Logger } from "../ports/logger.ts";
import type { JobMetrics } from "../ports/metrics.ts";
import type { JobRow } from "../db/schema.ts";
import type { Clock } from "../lib/clock.ts";
import { backoffDelay } from "./backoff.ts";
import { describeError, PermanentJobError, RetryLater, type JobContext } from "./job.ts";
import type { WakeSource } from "./listener.ts";
import type { JobQueue } from "./queue.ts";
import type { JobRegistry } from "./registry.ts";

export const DEFAULT_JOB_TIMEOUT_MS = 5 * 60_000;

export interface WorkerOptions {
  concurrency: number;
  leaseMs: number;
  /** Safety-net poll when no wake-up arrives (default 1 s). Delayed jobs (retries, runAt) start within it. */
  pollMs?: number;
  /** How long stop() lets running handlers finish before releasing them (default 10 s). */
  graceMs?: number;
  /** How often queue depth gauges are refreshed (default 15 s). */
  statsMs?: number;
  /** Lease owner name (default host:pid:random); unique per worker. */
  owner?: string;
}

export interface StopResult {
  /** Handlers that finished within the grace period. */
  finished: number;
  /** Jobs handed back to the queue. */
  released: number;
}

class JobTimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = "JobTimeoutError";
  }
}
/** Abort reasons after which the job is no longer ours to record. */
class LeaseLostError extends Error {
  override name = "LeaseLostError";
}
class ReleasedError extends Error {
  override name = "ReleasedError";
}

interface Running {
  job: JobRow;
  controller: AbortController;
  done: Promise<void>;
}

type Outcome = "done" | "retry" | "dead" | "released" | "lost";

/** Rejects with the signal's reason once it aborts; the handler's own promise is left to settle. */
function untilSettledOrAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => { signal.removeEventListener("abort", onAbort); resolve(v); },
      (e) => { signal.removeEventListener("abort", onAbort); reject(e); },
    );
  });
}

export function createJobWorker(
  deps: {
    queue: Pick<JobQueue, "claim" | "complete" | "fail" | "release" | "extendLeases" | "subscribe" | "stats">;
    registry: JobRegistry;
    clock: Clock;
    logger: Logger;
    metrics: JobMetrics;
    /** Cross-node wake-ups (PostgreSQL LISTEN); absent on SQLite, where one process owns the file. */
    listener?: WakeSource;
    random?: () => number;
  },
  opts: WorkerOptions,
) {
  const { queue, registry, clock, metrics } = deps;
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const log = deps.logger.child({ worker: owner });
  const pollMs = opts.pollMs ?? 1000;
  const graceMs = opts.graceMs ?? 10_000;
  const statsMs = opts.statsMs ?? 15_000;
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new Error("worker concurrency must be a positive integer");

  const active = new Map<string, Running>();
  let running = false;
  let loopDone: Promise<void> = Promise.resolve();
  let unsubscribe: () => void = () => {};
  let leaseTimer: NodeJS.Timeout | null = null;
  let statsTimer: NodeJS.Timeout | null = null;

  // Wake-ups: a flag (work may have arrived while we were busy claiming) and the pending wait.
  let woken = false;
  let interruptWait: (() => void) | null = null;
  function wake(): void {
    woken = true;
    interruptWait?.();
  }
  function waitForWake(ms: number): Promise<void> {
    if (woken) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interruptWait = null;
        resolve();
      }
      interruptWait = done;
    });
  }

  function count(kind: string, result: Outcome): void {
    metrics.jobsTotal.inc({ kind, result });
  }

  async function renewLeases(): Promise<void> {
    const ids = [...active.keys()];
    if (ids.length === 0) return;
    try {
      const held = new Set(await queue.extendLeases(owner, ids, opts.leaseMs));
      for (const id of ids) {
        if (!held.has(id)) active.get(id)?.controller.abort(new LeaseLostError("this node no longer holds the job's lease"));
      }
    } catch (err) {
      // The database is unreachable: keep trying; if the leases run out meanwhile, another node
      // takes the jobs and the next renewal tells these handlers to stop.
      log.warn({ err }, "could not extend job leases");
    }
  }

  function trackLeases(): void {
    if (active.size > 0 && !leaseTimer) {
      leaseTimer = setInterval(() => void renewLeases(), Math.max(50, Math.floor(opts.leaseMs / 3)));
      leaseTimer.unref();
    } else if (active.size === 0 && leaseTimer) {
      clearInterval(leaseTimer);
      leaseTimer = null;
    }
  }

  /** Records an outcome unless the job stopped being ours (released at shutdown, or lease lost). */
  async function record(job: JobRow, outcome: "done" | "retry" | "dead", error?: string, retryAt?: Date): Promise<void> {
    const kept =
      outcome === "done"
        ? await queue.complete(job.id, owner)
        : await queue.fail(job.id, owner, error ?? "", outcome === "retry" ? retryAt! : null);
    if (kept) {
      count(job.kind, outcome);
      return;
    }
    count(job.kind, "lost");
    log.warn({ job: job.id, kind: job.kind, outcome }, "job finished after this node lost its lease; the outcome was not recorded (another node has it)");
  }

  async function execute(job: JobRow, controller: AbortController): Promise<void> {
    const jlog = log.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    const bound = registry.get(job.kind);
    if (!bound) {
      jlog.error("no handler for this job kind on this node; moved to the dead letter");
      return record(job, "dead", `No handler for job kind "${job.kind}" on this node`);
    }
    const def = bound.def;
    const maxAttempts = job.max_attempts ?? def.maxAttempts;

    let raw: unknown;
    try {
      raw = JSON.parse(job.payload);
    } catch {
      return record(job, "dead", "Invalid payload: not JSON");
    }
    const parsed = def.payloadSchema.safeParse(raw);
    if (!parsed.success) {
      jlog.error({ issues: parsed.error.issues }, "invalid job payload; moved to the dead letter");
      return record(job, "dead", `Invalid payload for ${job.kind}: ${z.prettifyError(parsed.error)}`);
    }
    if (job.attempts > maxAttempts) {
      // The previous, last allowed attempt never reported back: its node died or hung past the
      // lease. Running it again would exceed the attempts the handler asked for.
      jlog.error("the last attempt never finished (lease expired); moved to the dead letter");
      return record(job, "dead", `Gave up after ${maxAttempts} attempts: the last one never finished (its worker stopped and the lease expired)`);
    }

    const timeoutMs = def.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    const timer = setTimeout(() => controller.abort(new JobTimeoutError(timeoutMs)), timeoutMs);
    const ctx: JobContext = {
      job: { id: job.id, kind: job.kind, key: job.idempotency_key, attempt: job.attempts, maxAttempts },
      signal: controller.signal,
      logger: jlog,
      now: () => clock.now(),
      deps: bound.deps,
    };
    const started = performance.now();
    try {
      const work = Promise.resolve().then(() => def.handle(parsed.data, ctx));
      // A handler that ignores its signal keeps running; its late result must not surface as an
      // unhandled rejection.
      work.catch(() => {});
      await untilSettledOrAborted(work, controller.signal);
      metrics.jobDuration.observe({ kind: job.kind }, (performance.now() - started) / 1000);
      await record(job, "done");
    } catch (err) {
      metrics.jobDuration.observe({ kind: job.kind }, (performance.now() - started) / 1000);
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
      if (reason instanceof ReleasedError) {
        count(job.kind, "released");
        jlog.info("handler interrupted by shutdown; the job was released to the queue");
        return;
      }
      if (reason instanceof LeaseLostError) {
        count(job.kind, "lost");
        jlog.warn("handler stopped: this node lost the job's lease");
        return;
      }
      const error = describeError(reason instanceof JobTimeoutError ? reason : err);
      if (err instanceof PermanentJobError || job.attempts >= maxAttempts) {
        jlog.error({ err }, `job failed for good after ${job.attempts} attempt(s); moved to the dead letter`);
        await record(job, "dead", error);
        return;
      }
      // A handler that knows when trying again makes sense (e.g. after an upstream settle window)
      // says so; otherwise the handler's backoff decides.
      const delay = err instanceof RetryLater && err.retryAfterMs !== undefined ? err.retryAfterMs : backoffDelay(job.attempts, def.backoff, deps.random);
      const retryAt = new Date(clock.now().getTime() + delay);
      jlog.warn({ err, retryAt: retryAt.toISOString() }, "job failed; will retry");
      await record(job, "retry", error, retryAt);
    } finally {
      clearTimeout(timer);
    }
  }

  function launch(job: JobRow): Running {
    const controller = new AbortController();
    const entry: Running = { job, controller, done: Promise.resolve() };
    active.set(job.id, entry);
    trackLeases();
    entry.done = execute(job, controller)
      .catch((err) => log.error({ err, job: job.id }, "could not record a job's outcome; its lease will expire and it will run again"))
      .finally(() => {
        active.delete(job.id);
        trackLeases();
        wake();
      });
    return entry;
  }

  async function loop(): Promise<void> {
    while (running) {
      woken = false;
      const free = opts.concurrency - active.size;
      if (free > 0) {
        try {
          for (const job of await queue.claim(owner, free, opts.leaseMs)) launch(job);
        } catch (err) {
          log.error({ err }, "could not claim jobs");
        }
      }
      if (!running) break;
      await waitForWake(pollMs);
    }
  }

  async function refreshStats(): Promise<void> {
    try {
      const s = await queue.stats();
      metrics.jobsReady.set(s.ready);
      metrics.jobsDead.set(s.dead);
      const age = s.oldestReadyAt ? (clock.now().getTime() - Date.parse(s.oldestReadyAt)) / 1000 : 0;
      metrics.jobsOldestReadyAge.set(Math.max(0, age));
    } catch (err) {
      log.warn({ err }, "could not read job queue statistics");
    }
  }

  return {
    owner,

    /** Starts claiming and running jobs until stop(). */
    async start(): Promise<void> {
      if (running) return;
      running = true;
      unsubscribe = queue.subscribe(wake);
      await deps.listener?.start(wake);
      statsTimer = setInterval(() => void refreshStats(), statsMs);
      statsTimer.unref();
      void refreshStats();
      loopDone = loop();
      log.info({ concurrency: opts.concurrency, leaseMs: opts.leaseMs }, "job worker started");
    },

    /**
     * Stops claiming, lets running handlers finish for up to `grace` ms, then releases the rest
     * (their handlers' signals abort) so another node can take them at once.
     */
    async stop(grace: number = graceMs): Promise<StopResult> {
      const wasRunning = running;
      running = false;
      // Every job in hand from now on, including any a claim in flight still brings in.
      const inHand = new Set(active.keys());
      unsubscribe();
      wake();
      if (statsTimer) clearInterval(statsTimer);
      statsTimer = null;
      await deps.listener?.stop();
      await loopDone;
      for (const id of active.keys()) inHand.add(id);
      if (active.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...active.values()].map((r) => r.done)),
          new Promise<void>((resolve) => { timer = setTimeout(resolve, grace); }),
        ]);
        clearTimeout(timer);
      }
      const left = [...active.values()];
      let released = 0;
      if (left.length > 0) {
        try {
          released = await queue.release(owner, left.map((r) => r.job.id));
        } catch (err) {
          log.error({ err }, "could not release jobs at shutdown; they run again when their leases expire");
        }
        for (const r of left) {
          // No longer ours: forget it now, so no lease renewal starts again for it.
          active.delete(r.job.id);
          r.controller.abort(new ReleasedError("the worker is shutting down"));
        }
      }
      if (leaseTimer) clearInterval(leaseTimer);
      leaseTimer = null;
      const finished = inHand.size - left.length;
      if (wasRunning) log.info({ finished, released }, "job worker stopped");
      return { finished, released };
    },

    /**
     * Claims what is due now (up to `concurrency` jobs), runs it and waits for the outcomes.
     * Returns how many jobs it ran. For one-shot use (tests, a `jobs` command); not beside start().
     */
    async runOnce(): Promise<number> {
      const jobs = await queue.claim(owner, opts.concurrency, opts.leaseMs);
      await Promise.all(jobs.map((job) => launch(job).done));
      return jobs.length;
    },

    /** Jobs whose handlers are running now. */
    activeJobs(): string[] {
      return [...active.keys()];
    },

    /** Looks for due work now instead of at the next poll. */
    wake,
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;
