// Reselling ispmanager licenses (issue 15, docs/adr/0044-license-ordering.md).
// - modules.product: a catalog row is a module ("module") or an ispmanager license tariff
//   ("license"); license tariffs share the catalog's prices, costs, rules, margin guard and price
//   sync. edition (lite|pro|host|business) and trial describe a license tariff. License tariff rows
//   are created by price sync from upstream's pricelist.export&itemtype=soft (no ids hard-coded).
// - orders.product: what a purchase buys. A license purchase has no license id until upstream
//   made one (license_id 0); ip is the server's IP, license_name the name shown upstream.
// - customer_licenses: the licenses customers hold. One upstream license belongs to at most one
//   row (unique upstream_license_id), so two workers adopting the same license cannot both commit.
//   The key is stored encrypted (secret-box) once upstream generated it.
// Forward-only: never edit once released.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("modules").addColumn("product", "text", (c) => c.notNull().defaultTo("module")).execute();
  await db.schema.alterTable("modules").addColumn("edition", "text").execute();
  await db.schema.alterTable("modules").addColumn("trial", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("orders").addColumn("product", "text", (c) => c.notNull().defaultTo("module")).execute();
  await db.schema.alterTable("orders").addColumn("license_name", "text").execute();
  await db.schema.alterTable("orders").addColumn("customer_license_id", "text").execute();
  await db.schema.createIndex("orders_product_ip_idx").on("orders").columns(["product", "ip", "state"]).execute();

  await db.schema
    .createTable("customer_licenses")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("module_id", "text", (c) => c.notNull().references("modules.id"))
    .addColumn("tariff_id", "integer", (c) => c.notNull())
    .addColumn("upstream_license_id", "bigint", (c) => c.notNull().unique())
    .addColumn("ip", "text", (c) => c.notNull())
    .addColumn("name", "text")
    .addColumn("period_months", "integer", (c) => c.notNull())
    .addColumn("price_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("trial", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("expires_on", "text")
    .addColumn("upstream_status", "text")
    .addColumn("upstream_checked_at", "text")
    // active | expired | deleted
    .addColumn("state", "text", (c) => c.notNull())
    // pending (upstream has not generated it yet) | ready
    .addColumn("key_state", "text", (c) => c.notNull())
    .addColumn("key_enc", "text")
    .addColumn("key_ready_at", "text")
    .addColumn("key_mailed_at", "text")
    .addColumn("ip_changes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_order_id", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("customer_licenses_customer_idx").on("customer_licenses").column("customer_id").execute();
  await db.schema.createIndex("customer_licenses_ip_idx").on("customer_licenses").columns(["ip", "state"]).execute();
}
