// The scheduler role: turns periodic work (price sync, reconciliation, renewals, reminders,
// clean-up) into ordinary jobs. Every tick it enqueues, for each task, the job of the period that
// contains "now", keyed `${kind}:${period start}` — so any number of nodes running the scheduler
// enqueue each period once (the queue's unique key does the de-duplication, no leader election),
// and a tick that is late or repeated changes nothing.
//
// Periods are aligned to UTC (hourly at :00, daily at 00:00 UTC, n ms at multiples of n since the
// epoch), shifted by `offsetMs`. A period during which no scheduler ran at all is not caught up:
// periodic handlers look at the state of the world ("renewals due by now"), not at the period.
import type { Logger } from "../ports/logger.ts";
import type { Db } from "../db/database.ts";
import type { Clock } from "../lib/clock.ts";
import type { JobQueue } from "./queue.ts";

export type Every = "hourly" | "daily" | number;

export interface PeriodicTask {
  kind: string;
  every: Every;
  /** Shifts the period boundaries, e.g. daily at 03:00 UTC: offsetMs = 3 h. */
  offsetMs?: number;
  /** The job's payload, or a function of the period it runs for. */
  payload?: Record<string, unknown> | ((period: Period) => Record<string, unknown>);
  maxAttempts?: number;
}

export interface Period {
  start: Date;
  end: Date;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function periodMs(every: Every): number {
  if (every === "hourly") return HOUR;
  if (every === "daily") return DAY;
  if (!Number.isInteger(every) || every < 1000) throw new Error(`A periodic task runs at most every second (got ${String(every)})`);
  return every;
}

/** The period of `every` that contains `at`. */
export function periodOf(at: Date, every: Every, offsetMs = 0): Period {
  const len = periodMs(every);
  const start = Math.floor((at.getTime() - offsetMs) / len) * len + offsetMs;
  return { start: new Date(start), end: new Date(start + len) };
}

export function periodKey(kind: string, period: Period): string {
  return `${kind}:${period.start.toISOString()}`;
}

export function createScheduler(
  deps: { db: Db; queue: Pick<JobQueue, "enqueue">; clock: Clock; logger: Logger },
  opts: { tasks: PeriodicTask[]; tickMs?: number },
) {
  const tickMs = opts.tickMs ?? 30_000;
  const log = deps.logger.child({ role: "scheduler" });
  const kinds = new Set<string>();
  for (const t of opts.tasks) {
    // Two tasks of one kind would share keys, and the second would silently never run.
    if (kinds.has(t.kind)) throw new Error(`Periodic task ${t.kind} is registered twice`);
    kinds.add(t.kind);
    periodMs(t.every);
  }

  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<number> | null = null;

  /** Enqueues the current period's job of every task; returns how many were new. */
  async function tick(): Promise<number> {
    const now = deps.clock.now();
    let created = 0;
    for (const task of opts.tasks) {
      const period = periodOf(now, task.every, task.offsetMs);
      const payload = typeof task.payload === "function" ? task.payload(period) : task.payload;
      try {
        const r = await deps.queue.enqueue(deps.db, {
          kind: task.kind,
          payload,
          key: periodKey(task.kind, period),
          ...(task.maxAttempts ? { maxAttempts: task.maxAttempts } : {}),
        });
        if (r.created) {
          created++;
          log.info({ kind: task.kind, period: period.start.toISOString() }, "periodic job enqueued");
        }
      } catch (err) {
        log.error({ err, kind: task.kind }, "could not enqueue a periodic job; the next tick tries again");
      }
    }
    return created;
  }

  function runTick(): void {
    if (ticking) return;
    ticking = tick().finally(() => { ticking = null; });
  }

  return {
    tick,
    /** Ticks now and then every `tickMs` until stop(). */
    start(): void {
      if (timer) return;
      runTick();
      timer = setInterval(runTick, tickMs);
      log.info({ tasks: opts.tasks.map((t) => t.kind), tickMs }, "scheduler started");
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await ticking;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
