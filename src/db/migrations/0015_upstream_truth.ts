// Upstream as the source of truth (docs/adr/0030, 0031): customer modules keep upstream's expiry
// and status as last read, with our own arithmetic beside it; orders count insufficient-funds
// refusals and know when to try again; the partner's upstream balance as last read; alerts say who
// resolved them; staff opt in to alert e-mail. Forward-only: never edit once released.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("customer_modules").addColumn("expected_expires_on", "text").execute();
  await db.schema.alterTable("customer_modules").addColumn("upstream_status", "text").execute();
  await db.schema.alterTable("customer_modules").addColumn("upstream_checked_at", "text").execute();

  // Refusals for lack of upstream funds: proven non-placements, never counted in upstream_attempts.
  await db.schema.alterTable("orders").addColumn("funds_refusals", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("orders").addColumn("funds_retry_at", "text").execute();

  await db.schema.alterTable("alerts").addColumn("resolved_by", "text").execute();
  await db.schema.createIndex("alerts_open_kind_idx").on("alerts").columns(["resolved_at", "kind"]).execute();

  await db.schema.alterTable("staff_users").addColumn("alert_emails", "integer", (c) => c.notNull().defaultTo(0)).execute();

  // One row ('partner'): the client-area balance as last read, and when a rise (a top-up) was seen.
  await db.schema
    .createTable("upstream_balance")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("balance_minor", "integer")
    .addColumn("currency", "text")
    .addColumn("checked_at", "text", (c) => c.notNull())
    .addColumn("read_at", "text")
    .addColumn("error", "text")
    .addColumn("topped_up_at", "text")
    .execute();
}
