// Renewals (one row per renewal order, unique per module and term), renewal reminders (the outbox
// e-mail will read), the history of each customer module, and reconciliation reports with their
// findings. Forward-only: never edit once released.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("renewals")
    .addColumn("order_id", "text", (c) => c.primaryKey().references("orders.id"))
    .addColumn("customer_module_id", "text", (c) => c.notNull().references("customer_modules.id"))
    // The expiry this renewal extends. One renewal per module and term, even from two nodes at once.
    .addColumn("term_expires_on", "text", (c) => c.notNull())
    // Exactly-once bookkeeping for service.prolong: the module's upstream expiry read right before
    // the latest call. A later attempt that finds upstream past it knows the call took effect.
    .addColumn("expiry_before_call", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("renewals_term", ["customer_module_id", "term_expires_on"])
    .execute();

  await db.schema
    .createTable("renewal_reminders")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("order_id", "text", (c) => c.notNull().references("orders.id"))
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("customer_module_id", "text", (c) => c.notNull().references("customer_modules.id"))
    // due: the invoice could not be paid from the balance; final: the last day(s) before expiry.
    .addColumn("stage", "text", (c) => c.notNull().check(sql`stage in ('due', 'final')`))
    .addColumn("amount_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("expires_on", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    // Set by whatever delivers it (e-mail comes later); NULL rows are the outbox.
    .addColumn("sent_at", "text")
    .addUniqueConstraint("renewal_reminders_once", ["order_id", "stage"])
    .execute();
  await db.schema.createIndex("renewal_reminders_unsent_idx").on("renewal_reminders").columns(["sent_at", "created_at"]).execute();

  await db.schema
    .createTable("customer_module_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("customer_module_id", "text", (c) => c.notNull().references("customer_modules.id"))
    .addColumn("at", "text", (c) => c.notNull())
    // renewed | expired | moved | expiry_accepted | status_accepted | license_accepted | expiry_followed
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("detail", "text")
    .addColumn("actor", "text")
    .execute();
  await db.schema.createIndex("customer_module_events_module_idx").on("customer_module_events").columns(["customer_module_id", "at"]).execute();

  await db.schema
    .createTable("reconciliation_reports")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("trigger", "text", (c) => c.notNull())
    .addColumn("actor", "text")
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('clean', 'drift', 'failed')`))
    .addColumn("upstream_modules", "integer", (c) => c.notNull())
    .addColumn("local_modules", "integer", (c) => c.notNull())
    .addColumn("findings", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .execute();
  await db.schema.createIndex("reconciliation_reports_started_idx").on("reconciliation_reports").columns(["started_at", "id"]).execute();

  await db.schema
    .createTable("reconciliation_findings")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("report_id", "text", (c) => c.notNull().references("reconciliation_reports.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    // drift: staff must look (an alert is raised); info: expected, shown for completeness.
    .addColumn("severity", "text", (c) => c.notNull().check(sql`severity in ('drift', 'info')`))
    .addColumn("customer_module_id", "text")
    .addColumn("upstream_service_id", "bigint")
    .addColumn("order_id", "text")
    .addColumn("license_id", "bigint")
    .addColumn("tariff_id", "integer")
    .addColumn("local_value", "text")
    .addColumn("upstream_value", "text")
    .addColumn("message", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("reconciliation_findings_report_idx").on("reconciliation_findings").columns(["report_id", "kind"]).execute();
}
