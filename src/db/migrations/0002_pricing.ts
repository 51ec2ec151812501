// Pricing: upstream costs, markup rules, exchange rates, each module's pricing mode, and alerts
// (a general table: price sync writes the first kinds, other features add theirs). Same conventions
// as 0001: ISO text timestamps, integer flags, bigint minor units with the currency beside them.
// Rates are decimal text, never a float column, so "98.50" reads back as exactly 98.50.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // manual: staff set the sell prices (`prices set`); rules: price sync computes them from the
  // cost. Existing modules start manual so an upgrade never overwrites a hand-set price.
  await db.schema
    .alterTable("modules")
    .addColumn("pricing_mode", "text", (c) => c.notNull().defaultTo("manual").check(sql`pricing_mode in ('manual', 'rules')`))
    .execute();

  await db.schema
    .createTable("module_costs")
    .addColumn("module_id", "text", (c) => c.notNull().references("modules.id").onDelete("cascade"))
    .addColumn("period_months", "integer", (c) => c.notNull().check(sql`period_months in (1, 12)`))
    .addColumn("cost_minor", "bigint", (c) => c.notNull().check(sql`cost_minor >= 0`))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("cost_text", "text", (c) => c.notNull())
    .addColumn("synced_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("module_costs_pk", ["module_id", "period_months"])
    .execute();

  // One global rule (scope 'global') and at most one rule per module (scope = the module id); the
  // check keeps scope and module_id in step so the foreign key also guards module rules.
  await db.schema
    .createTable("pricing_rules")
    .addColumn("scope", "text", (c) => c.primaryKey())
    .addColumn("module_id", "text", (c) => c.references("modules.id").onDelete("cascade"))
    .addColumn("markup_bp", "integer", (c) => c.notNull().defaultTo(0).check(sql`markup_bp > -10000`))
    .addColumn("markup_fixed_minor", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("rounding", "text", (c) => c.notNull().check(sql`rounding in ('whole', '99', 'none')`))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addCheckConstraint(
      "pricing_rules_scope_check",
      sql`(scope = 'global' and module_id is null) or (module_id is not null and scope = module_id)`,
    )
    .execute();

  // 1 base = rate quote. One row per ordered pair; manual rows are never overwritten by the feed.
  await db.schema
    .createTable("currency_rates")
    .addColumn("base", "text", (c) => c.notNull())
    .addColumn("quote", "text", (c) => c.notNull())
    .addColumn("rate", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull().check(sql`source in ('manual', 'ecb')`))
    .addColumn("as_of", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("currency_rates_pk", ["base", "quote"])
    .addCheckConstraint("currency_rates_pair_check", sql`base <> quote`)
    .execute();

  await db.schema
    .createTable("alerts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("subject", "text")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .addColumn("resolved_at", "text")
    .execute();
  await db.schema.createIndex("alerts_open_idx").on("alerts").columns(["kind", "subject", "resolved_at"]).execute();
}
