// The durable job queue (src/jobs, docs/adr/0007-durable-job-queue.md). One row per job; the row
// is the outbox entry, the lease and the dead letter at once. Migrations are forward-only and
// frozen once released: never edit one that has shipped, add a new one.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    // JSON text on both dialects: the worker validates it against the handler's schema anyway.
    .addColumn("payload", "text", (c) => c.notNull())
    // Unique for as long as the row exists: a second enqueue with the same key is a no-op.
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("state", "text", (c) =>
      c.notNull().check(sql`state in ('queued', 'running', 'done', 'dead', 'cancelled')`),
    )
    .addColumn("run_at", "text", (c) => c.notNull())
    // Claims so far, the one in progress included.
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    // NULL: the handler's own maxAttempts applies (so a deploy that changes it reaches queued jobs).
    .addColumn("max_attempts", "integer")
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", "text")
    .addColumn("last_error", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text")
    .execute();

  // The claim query reads exactly these two sets: due queued jobs in run_at order, and running
  // jobs whose lease has run out. Partial indexes keep them small however many done rows pile up.
  await db.schema
    .createIndex("jobs_ready_idx")
    .on("jobs")
    .columns(["run_at", "id"])
    .where(sql.ref("state"), "=", sql.lit("queued"))
    .execute();
  await db.schema
    .createIndex("jobs_lease_idx")
    .on("jobs")
    .column("lease_expires_at")
    .where(sql.ref("state"), "=", sql.lit("running"))
    .execute();
  // `jobs list`, dead-letter listing and the clean-up of old finished jobs.
  await db.schema.createIndex("jobs_state_idx").on("jobs").columns(["state", "updated_at"]).execute();
}
