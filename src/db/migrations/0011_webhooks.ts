// The orders list's indexes (docs/adr/0018-orders-list.md) and outgoing webhooks: endpoints with
// their encrypted signing secrets, and one delivery row per (endpoint, event) — the delivery log
// (docs/adr/0019-outgoing-webhooks.md). Forward-only: never edit once released.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // The orders list is newest first, paged by the key (created_at, id). One index per filter that
  // pins a column by equality, each ending in (created_at, id), so a page of any single filter is
  // a range scan of one index in its order — no sort, however many orders there are and however
  // deep the page. The unfiltered list uses orders_created_idx (0004).
  for (const column of ["state", "kind", "customer_id", "license_id", "module_id"]) {
    await db.schema.createIndex(`orders_${column}_created_idx`).on("orders").columns([column, "created_at", "id"]).execute();
  }
  // Every query it served is served by orders_customer_id_created_idx, which starts with its columns.
  await db.schema.dropIndex("orders_customer_idx").execute();
  // The admin console's ledger page lists transactions newest first in keyset pages.
  await db.schema.createIndex("ledger_transactions_created_idx").on("ledger_transactions").columns(["created_at", "id"]).execute();

  await db.schema
    .createTable("webhook_endpoints")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
    // The signing secret, sealed with SECRET_KEY (src/lib/secret-box.ts); never stored in clear.
    .addColumn("secret_enc", "text", (c) => c.notNull())
    // JSON array of event types, e.g. ["order.paid","order.active"].
    .addColumn("events", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_by", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("endpoint_id", "text", (c) => c.notNull().references("webhook_endpoints.id").onDelete("cascade"))
    // The event's id is shared by its deliveries to several endpoints (receivers de-duplicate on it).
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("event_type", "text", (c) => c.notNull())
    // The exact JSON body sent (and signed) on every attempt.
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'delivered', 'failed')`))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_status", "integer")
    .addColumn("last_error", "text")
    .addColumn("last_attempt_at", "text")
    .addColumn("next_attempt_at", "text")
    .addColumn("delivered_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("webhook_deliveries_event", ["endpoint_id", "event_id"])
    .execute();
  await db.schema.createIndex("webhook_deliveries_endpoint_idx").on("webhook_deliveries").columns(["endpoint_id", "created_at", "id"]).execute();
  await db.schema.createIndex("webhook_deliveries_created_idx").on("webhook_deliveries").columns(["created_at", "id"]).execute();
}
