// The job queue as the domain modules see it (docs/ARCHITECTURE.md, layers): they enqueue in their
// own transaction (the outbox) and staff read and retry jobs; src/jobs/queue.ts implements it and
// the composition root (src/app/wiring/) hands it in. Modules never import src/jobs/: the kind
// names they enqueue are handed in with the queue (src/jobs/kinds.ts declares them).
import type { Executor } from "../db/database.ts";
import type { JobRow, JobState } from "../db/schema.ts";

export interface EnqueueInput {
  kind: string;
  payload?: unknown;
  /** Unique per job while its row exists; a second enqueue with the same key is a no-op. */
  key: string;
  /** Not before this time (default: now). */
  runAt?: Date;
  /** Overrides the handler's maxAttempts for this job. */
  maxAttempts?: number;
}

export interface EnqueueResult {
  job: JobRow;
  /** False when a job with this key already existed (it is returned unchanged). */
  created: boolean;
}

/** Queues a job in `ex`'s transaction: it exists if and only if that transaction commits. */
export interface Enqueuer {
  enqueue(ex: Executor, input: EnqueueInput): Promise<EnqueueResult>;
}

export interface JobListFilter {
  state?: JobState;
  kind?: string;
  limit?: number;
}

/** What staff see of the queue and may do to it (the admin console). */
export interface JobsAdmin {
  list(filter?: JobListFilter): Promise<JobRow[]>;
  countByState(): Promise<Record<string, number>>;
  /** A dead or failed job queued again now. */
  retry(id: string, ex?: Executor): Promise<JobRow>;
  /** Every dead job queued again; returns how many. */
  retryAllDead(ex?: Executor): Promise<number>;
}
