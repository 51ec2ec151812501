// Catalog: modules, their sell prices, the price history, settings and change counters; seeded
// with the known ispmanager modules of PROTOCOL.md §4. Migrations are forward-only and frozen once
// released: never edit one that has shipped, add a new one.
import { type Kysely, sql } from "kysely";

// Tariff ids are from the vendor (PROTOCOL.md §4). The intname of DDoS-GUARD is from the seed; the
// Dr.Web and BitNinja service names are [assumed] (the panel matches rows by id; staff can edit them).
const KNOWN_MODULES: Array<[region: "eu" | "ru", tariffId: number, name: string, intname: string, sort: number]> = [
  ["eu", 23221, "DDoS-GUARD", "DDoSGUARD", 10],
  ["eu", 55361, "Dr.Web Lite", "DrWebLite", 20],
  ["eu", 55362, "Dr.Web Pro", "DrWebPro", 21],
  ["eu", 55363, "Dr.Web Host", "DrWebHost", 22],
  ["eu", 55371, "BitNinja", "BitNinja", 30],
  ["ru", 23221, "DDoS-GUARD", "DDoSGUARD", 10],
  ["ru", 55377, "Dr.Web Lite", "DrWebLite", 20],
  ["ru", 55378, "Dr.Web Pro", "DrWebPro", 21],
  ["ru", 55379, "Dr.Web Host", "DrWebHost", 22],
  ["ru", 55390, "BitNinja", "BitNinja", 30],
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("change_counters")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("version", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("modules")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("region", "text", (c) => c.notNull().check(sql`region in ('eu', 'ru')`))
    .addColumn("tariff_id", "integer", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("intname", "text", (c) => c.notNull())
    .addColumn("addition_intname", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("upstream_available", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("sort_order", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("modules_region_tariff_unique", ["region", "tariff_id"])
    .execute();

  await db.schema
    .createTable("module_prices")
    .addColumn("module_id", "text", (c) => c.notNull().references("modules.id").onDelete("cascade"))
    .addColumn("period_months", "integer", (c) => c.notNull().check(sql`period_months in (1, 12)`))
    .addColumn("amount_minor", "bigint", (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("module_prices_pk", ["module_id", "period_months"])
    .execute();

  await db.schema
    .createTable("price_history")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("module_id", "text", (c) => c.notNull().references("modules.id").onDelete("cascade"))
    .addColumn("period_months", "integer", (c) => c.notNull())
    .addColumn("old_amount_minor", "bigint")
    .addColumn("old_currency", "text")
    .addColumn("new_amount_minor", "bigint")
    .addColumn("new_currency", "text")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("actor", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("price_history_module_idx").on("price_history").columns(["module_id", "created_at"]).execute();

  const now = new Date().toISOString();
  await db
    .insertInto("modules")
    .values(
      KNOWN_MODULES.map(([region, tariffId, name, intname, sort]) => ({
        id: `${region}-${tariffId}`,
        region,
        tariff_id: tariffId,
        name,
        intname,
        addition_intname: intname,
        enabled: 1,
        upstream_available: 1,
        sort_order: sort,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  await db.insertInto("change_counters").values({ name: "catalog", version: 1 }).execute();
}
