// Customers, the double-entry ledger, orders with their timeline, and the modules customers own.
// Forward-only: never edit once released.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("customers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("name", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  // Accounts are identified by (kind, owner, currency); owner is '' for the partner's own accounts.
  await db.schema
    .createTable("ledger_accounts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("owner", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("ledger_accounts_identity", ["kind", "owner", "currency"])
    .execute();

  await db.schema
    .createTable("ledger_transactions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("memo", "text", (c) => c.notNull())
    .addColumn("order_id", "text")
    .addColumn("actor", "text")
    // One money movement per business fact: e.g. "order:<id>:payment" makes a second payment of
    // the same order impossible, even from two nodes at once.
    .addColumn("idempotency_key", "text", (c) => c.unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("ledger_transactions_order_idx").on("ledger_transactions").column("order_id").execute();

  await db.schema
    .createTable("ledger_entries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("transaction_id", "text", (c) => c.notNull().references("ledger_transactions.id"))
    .addColumn("account_id", "text", (c) => c.notNull().references("ledger_accounts.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("ledger_entries_account_idx").on("ledger_entries").columns(["account_id", "created_at"]).execute();
  await db.schema.createIndex("ledger_entries_transaction_idx").on("ledger_entries").column("transaction_id").execute();

  await db.schema
    .createTable("orders")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('purchase', 'renewal')`))
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.references("customers.id"))
    .addColumn("module_id", "text", (c) => c.notNull().references("modules.id"))
    .addColumn("tariff_id", "integer", (c) => c.notNull())
    .addColumn("license_id", "bigint", (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("period_months", "integer", (c) => c.notNull())
    .addColumn("price_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("fulfillment", "text", (c) => c.notNull())
    .addColumn("browser_key", "text")
    .addColumn("customer_module_id", "text")
    .addColumn("upstream_service_id", "bigint")
    .addColumn("upstream_expires_on", "text")
    // Exactly-once bookkeeping: when we last decided to call upstream, and which upstream module
    // ids already existed on the license then (so a retry can recognise the one we bought).
    .addColumn("intent_at", "text")
    .addColumn("intent_known_ids", "text")
    .addColumn("upstream_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("reason", "text")
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("paid_at", "text")
    .addColumn("activated_at", "text")
    .execute();
  await db.schema.createIndex("orders_state_idx").on("orders").columns(["state", "updated_at"]).execute();
  await db.schema.createIndex("orders_customer_idx").on("orders").columns(["customer_id", "created_at"]).execute();
  await db.schema.createIndex("orders_license_idx").on("orders").columns(["license_id", "module_id"]).execute();
  await db.schema.createIndex("orders_created_idx").on("orders").columns(["created_at", "id"]).execute();

  await db.schema
    .createTable("order_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("order_id", "text", (c) => c.notNull().references("orders.id"))
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("from_state", "text")
    .addColumn("to_state", "text")
    .addColumn("detail", "text")
    .addColumn("actor", "text")
    .execute();
  await db.schema.createIndex("order_events_order_idx").on("order_events").columns(["order_id", "at"]).execute();

  await db.schema
    .createTable("customer_modules")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("module_id", "text", (c) => c.notNull().references("modules.id"))
    .addColumn("tariff_id", "integer", (c) => c.notNull())
    .addColumn("license_id", "bigint", (c) => c.notNull())
    .addColumn("ip", "text")
    // One upstream module belongs to at most one local record: a second adoption fails here.
    .addColumn("upstream_service_id", "bigint", (c) => c.notNull().unique())
    .addColumn("period_months", "integer", (c) => c.notNull())
    .addColumn("price_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("expires_on", "text")
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("renewal", "text", (c) => c.notNull())
    .addColumn("created_order_id", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("customer_modules_expiry_idx").on("customer_modules").columns(["state", "expires_on"]).execute();
  await db.schema.createIndex("customer_modules_customer_idx").on("customer_modules").column("customer_id").execute();
}
