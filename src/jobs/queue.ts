// The durable job queue: the only code that reads and writes the `jobs` table. A job is a row;
// enqueueing is an INSERT that can share the caller's transaction (the outbox: an order's state
// change and its next job commit together or not at all), and claiming is ONE statement that both
// picks due rows and leases them, so two workers can never hold the same job at once:
//   - PostgreSQL: the picking sub-select locks its rows FOR UPDATE SKIP LOCKED, so concurrent
//     claimers on any number of nodes skip each other's rows instead of waiting or double-taking;
//   - SQLite: writers are serialised (one write lock per database file, taken when the UPDATE
//     starts), so a single UPDATE … WHERE id IN (SELECT …) RETURNING * is atomic by itself, across
//     connections and processes alike.
// A lease that runs out (its worker died) makes the job claimable again: delivery is at least
// once, and exactly-once *effect* is up to the handler (docs/adr/0007-durable-job-queue.md).
//
// Workers are woken when work arrives: an in-process event, and on PostgreSQL a NOTIFY that is
// sent in the enqueueing transaction and so delivered to every node's listener at commit.
import { EventEmitter } from "node:events";
import { sql } from "kysely";
import type { Db, Dialect, Executor } from "../db/database.ts";
import type { JobRow, JobState } from "../db/schema.ts";
import type { Clock } from "../lib/clock.ts";
import { conflict, invalidInput, notFound } from "../lib/errors.ts";
import type { IdGenerator } from "../lib/ids.ts";
import type { EnqueueInput, EnqueueResult, JobListFilter } from "../ports/queue.ts";

export type { EnqueueInput, EnqueueResult, JobListFilter };

export interface QueueStats {
  /** Queued and due now. */
  ready: number;
  /** run_at of the oldest due job, or null. */
  oldestReadyAt: string | null;
  running: number;
  dead: number;
}

/**
 * The NOTIFY channel, as an SQL expression. It includes the schema, so that several partnerbill
 * databases (or test schemas) in one PostgreSQL cluster do not wake each other's workers; md5
 * keeps it a valid identifier whatever the schema is called.
 */
export const NOTIFY_CHANNEL_SQL = "'partnerbill_jobs_' || md5(current_schema())";

const WAKE = "wake";

export function createJobQueue(deps: { db: Db; dialect: Dialect; clock: Clock; ids: IdGenerator; crossProcess?: { notify(): void } }) {
  const { db, dialect, clock, ids } = deps;
  const signal = new EventEmitter();
  signal.setMaxListeners(0);

  const iso = (d: Date) => d.toISOString();
  const count = (r: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | undefined) =>
    Number(r?.numUpdatedRows ?? r?.numDeletedRows ?? 0n);

  /**
   * Tells workers there is work. On PostgreSQL the NOTIFY rides in `ex`'s transaction and is
   * delivered at commit (never for a rollback). The in-process event fires at once; inside an
   * uncommitted transaction that is early but harmless: on SQLite the worker's claim waits for the
   * connection the transaction holds, on PostgreSQL it finds nothing and the NOTIFY follows.
   */
  async function wake(ex: Executor): Promise<void> {
    if (dialect === "postgres") await sql`select pg_notify(${sql.raw(NOTIFY_CHANNEL_SQL)}, '')`.execute(ex);
    // SQLite: the other processes on the file (src/jobs/file-signal.ts).
    deps.crossProcess?.notify();
    signal.emit(WAKE);
  }

  async function get(id: string): Promise<JobRow | undefined> {
    return db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
  }

  return {
    /**
     * Adds a job unless one with the same key exists. Pass the transaction of the state change
     * that calls for the job, so that both commit together.
     */
    async enqueue(ex: Executor, input: EnqueueInput): Promise<EnqueueResult> {
      if (!input.kind) throw invalidInput("A job needs a kind");
      if (!input.key) throw invalidInput("A job needs an idempotency key");
      if (input.maxAttempts !== undefined && (!Number.isInteger(input.maxAttempts) || input.maxAttempts < 1)) {
        throw invalidInput("maxAttempts must be a positive integer");
      }
      const now = iso(clock.now());
      const inserted = await ex
        .insertInto("jobs")
        .values({
          id: ids.next("job"),
          kind: input.kind,
          payload: JSON.stringify(input.payload ?? {}),
          idempotency_key: input.key,
          state: "queued",
          run_at: input.runAt ? iso(input.runAt) : now,
          attempts: 0,
          max_attempts: input.maxAttempts ?? null,
          lease_owner: null,
          lease_expires_at: null,
          last_error: null,
          created_at: now,
          updated_at: now,
          finished_at: null,
        })
        .onConflict((oc) => oc.column("idempotency_key").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted) {
        await wake(ex);
        return { job: inserted, created: true };
      }
      const existing = await ex.selectFrom("jobs").selectAll().where("idempotency_key", "=", input.key).executeTakeFirstOrThrow();
      if (existing.kind !== input.kind) {
        // Two different kinds of work sharing a key is a bug in the caller, not a duplicate.
        throw conflict(`Idempotency key "${input.key}" already belongs to a ${existing.kind} job`, { jobId: existing.id });
      }
      return { job: existing, created: false };
    },

    /**
     * Leases up to `limit` jobs to `owner` for `leaseMs`: due queued jobs, and running jobs whose
     * lease has expired (their worker died). Each claim counts as an attempt.
     */
    async claim(owner: string, limit: number, leaseMs: number): Promise<JobRow[]> {
      if (limit <= 0) return [];
      const t = clock.now();
      const now = iso(t);
      const rows = await db
        .with("picked", (qb) =>
          qb
            .selectFrom("jobs")
            .select("id")
            .where((eb) =>
              eb.or([
                eb.and([eb("state", "=", "queued"), eb("run_at", "<=", now)]),
                eb.and([eb("state", "=", "running"), eb("lease_expires_at", "<=", now)]),
              ]),
            )
            .orderBy("run_at")
            .orderBy("id")
            .limit(limit)
            .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
        )
        .updateTable("jobs")
        .set((eb) => ({
          state: "running",
          attempts: eb("attempts", "+", 1),
          lease_owner: owner,
          lease_expires_at: iso(new Date(t.getTime() + leaseMs)),
          updated_at: now,
        }))
        .where("id", "in", (eb) => eb.selectFrom("picked").select("picked.id"))
        .returningAll()
        .execute();
      return rows.sort((a, b) => (a.run_at === b.run_at ? (a.id < b.id ? -1 : 1) : a.run_at < b.run_at ? -1 : 1));
    },

    /** Pushes the lease of `ids` forward; returns the ids `owner` still holds. */
    async extendLeases(owner: string, ids: string[], leaseMs: number): Promise<string[]> {
      if (ids.length === 0) return [];
      const t = clock.now();
      const rows = await db
        .updateTable("jobs")
        .set({ lease_expires_at: iso(new Date(t.getTime() + leaseMs)), updated_at: iso(t) })
        .where("id", "in", ids)
        .where("state", "=", "running")
        .where("lease_owner", "=", owner)
        .returning("id")
        .execute();
      return rows.map((r) => r.id);
    },

    /** Marks a job done. False when `owner` no longer held it (its lease expired and was re-claimed). */
    async complete(id: string, owner: string): Promise<boolean> {
      const now = iso(clock.now());
      const r = await db
        .updateTable("jobs")
        .set({ state: "done", lease_owner: null, lease_expires_at: null, updated_at: now, finished_at: now })
        .where("id", "=", id)
        .where("state", "=", "running")
        .where("lease_owner", "=", owner)
        .executeTakeFirst();
      return count(r) > 0;
    },

    /**
     * Records a failed attempt: queued again at `retryAt`, or dead (the dead-letter state, listed
     * by `partnerbill jobs list --dead`) when `retryAt` is null. False when `owner` no longer held it.
     */
    async fail(id: string, owner: string, error: string, retryAt: Date | null): Promise<boolean> {
      const now = iso(clock.now());
      const r = await db
        .updateTable("jobs")
        .set(
          retryAt
            ? { state: "queued", run_at: iso(retryAt), lease_owner: null, lease_expires_at: null, last_error: error, updated_at: now }
            : { state: "dead", lease_owner: null, lease_expires_at: null, last_error: error, updated_at: now, finished_at: now },
        )
        .where("id", "=", id)
        .where("state", "=", "running")
        .where("lease_owner", "=", owner)
        .executeTakeFirst();
      return count(r) > 0;
    },

    /**
     * Hands jobs back without counting the attempt (a worker shutting down): they are queued as
     * they were and any node may claim them at once.
     */
    async release(owner: string, ids: string[]): Promise<number> {
      if (ids.length === 0) return 0;
      const now = iso(clock.now());
      const r = await db
        .updateTable("jobs")
        .set((eb) => ({ state: "queued", attempts: eb("attempts", "-", 1), lease_owner: null, lease_expires_at: null, updated_at: now }))
        .where("id", "in", ids)
        .where("state", "=", "running")
        .where("lease_owner", "=", owner)
        .executeTakeFirst();
      const released = count(r);
      if (released > 0) await wake(db);
      return released;
    },

    /** Cancels a queued job by its key (work that is no longer wanted). False if it was not queued. */
    async cancel(ex: Executor, key: string): Promise<boolean> {
      const now = iso(clock.now());
      const r = await ex
        .updateTable("jobs")
        .set({ state: "cancelled", updated_at: now, finished_at: now })
        .where("idempotency_key", "=", key)
        .where("state", "=", "queued")
        .executeTakeFirst();
      return count(r) > 0;
    },

    get,

    findByKey(ex: Executor, key: string): Promise<JobRow | undefined> {
      return ex.selectFrom("jobs").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
    },

    /** Newest first by last change. */
    list(filter: JobListFilter = {}): Promise<JobRow[]> {
      return db
        .selectFrom("jobs")
        .selectAll()
        .$if(filter.state !== undefined, (q) => q.where("state", "=", filter.state!))
        .$if(filter.kind !== undefined, (q) => q.where("kind", "=", filter.kind!))
        .orderBy("updated_at", "desc")
        .orderBy("id", "desc")
        .limit(filter.limit ?? 50)
        .execute();
    },

    /**
     * Revives a dead (or cancelled) job with a fresh set of attempts, due now. Pass `ex` to do it
     * inside a transaction (the admin console writes its audit entry in the same commit).
     */
    async retry(id: string, ex: Executor = db): Promise<JobRow> {
      const now = iso(clock.now());
      const row = await ex
        .updateTable("jobs")
        .set({ state: "queued", attempts: 0, run_at: now, lease_owner: null, lease_expires_at: null, finished_at: null, updated_at: now })
        .where("id", "=", id)
        .where("state", "in", ["dead", "cancelled"])
        .returningAll()
        .executeTakeFirst();
      if (!row) {
        const job = await ex.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirst();
        if (!job) throw notFound(`No job ${id}`);
        throw conflict(`Job ${id} is ${job.state}; only dead or cancelled jobs can be retried`);
      }
      await wake(ex);
      return row;
    },

    /** Revives every dead job; returns how many (`ex`: as for retry). */
    async retryAllDead(ex: Executor = db): Promise<number> {
      const now = iso(clock.now());
      const r = await ex
        .updateTable("jobs")
        .set({ state: "queued", attempts: 0, run_at: now, lease_owner: null, lease_expires_at: null, finished_at: null, updated_at: now })
        .where("state", "=", "dead")
        .executeTakeFirst();
      const n = count(r);
      if (n > 0) await wake(ex);
      return n;
    },

    /** How many jobs are in each state (states with none are absent). */
    async countByState(): Promise<Record<string, number>> {
      const rows = await db.selectFrom("jobs").select((eb) => ["state", eb.fn.countAll<number>().as("n")]).groupBy("state").execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },

    /**
     * Deletes done and cancelled jobs that finished before `before`. Dead jobs stay until someone
     * looks at them. A deleted job's key can be enqueued again.
     */
    async deleteFinished(before: Date): Promise<number> {
      const r = await db
        .deleteFrom("jobs")
        .where("state", "in", ["done", "cancelled"])
        .where("finished_at", "<", iso(before))
        .executeTakeFirst();
      return count(r);
    },

    async stats(): Promise<QueueStats> {
      const now = iso(clock.now());
      const ready = await db
        .selectFrom("jobs")
        .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("run_at").as("oldest")])
        .where("state", "=", "queued")
        .where("run_at", "<=", now)
        .executeTakeFirstOrThrow();
      const byState = await db
        .selectFrom("jobs")
        .select((eb) => ["state", eb.fn.countAll<number>().as("n")])
        .where("state", "in", ["running", "dead"])
        .groupBy("state")
        .execute();
      const of = (s: JobState) => Number(byState.find((r) => r.state === s)?.n ?? 0);
      return { ready: Number(ready.n), oldestReadyAt: ready.oldest ?? null, running: of("running"), dead: of("dead") };
    },

    /** Runs `listener` whenever this process enqueues or releases work. Returns an unsubscribe. */
    subscribe(listener: () => void): () => void {
      signal.on(WAKE, listener);
      return () => signal.off(WAKE, listener);
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
