// The only code that reads and writes pricing tables: module costs, pricing rules, exchange rates
// and each module's pricing mode.
import { sql } from "kysely";
import type { Executor } from "../../db/database.ts";
import type { CurrencyRateRow, ModuleCostRow, PricingRuleRow } from "../../db/schema.ts";

export function createPricingRepo() {
  return {
    /**
     * Takes the catalog's write lock for the rest of the transaction by touching the `catalog`
     * counter row without changing it: on PostgreSQL a second sync (or a price change) waits for
     * this one instead of reading the state it is about to overwrite; on SQLite the transaction
     * takes the write lock before it reads, so it cannot fail later on a stale read snapshot.
     */
    async lockCatalog(ex: Executor): Promise<void> {
      await ex.updateTable("change_counters").set({ version: sql`version` }).where("name", "=", "catalog").execute();
    },

    listCosts(ex: Executor, region: "eu" | "ru"): Promise<ModuleCostRow[]> {
      return ex
        .selectFrom("module_costs")
        .innerJoin("modules", "modules.id", "module_costs.module_id")
        .selectAll("module_costs")
        .where("modules.region", "=", region)
        .orderBy("module_costs.module_id")
        .orderBy("module_costs.period_months")
        .execute();
    },

    /** What upstream charges for a module and period, if price sync has seen it. */
    findCost(ex: Executor, moduleId: string, periodMonths: number): Promise<ModuleCostRow | undefined> {
      return ex.selectFrom("module_costs").selectAll().where("module_id", "=", moduleId).where("period_months", "=", periodMonths).executeTakeFirst();
    },

    async upsertCost(ex: Executor, row: ModuleCostRow): Promise<void> {
      await ex
        .insertInto("module_costs")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["module_id", "period_months"]).doUpdateSet({
            cost_minor: row.cost_minor,
            currency: row.currency,
            cost_text: row.cost_text,
            synced_at: row.synced_at,
          }),
        )
        .execute();
    },

    async deleteCost(ex: Executor, moduleId: string, periodMonths: number): Promise<void> {
      await ex.deleteFrom("module_costs").where("module_id", "=", moduleId).where("period_months", "=", periodMonths).execute();
    },

    listRules(ex: Executor): Promise<PricingRuleRow[]> {
      return ex.selectFrom("pricing_rules").selectAll().orderBy("scope").execute();
    },

    async upsertRule(ex: Executor, row: PricingRuleRow): Promise<void> {
      await ex
        .insertInto("pricing_rules")
        .values(row)
        .onConflict((oc) =>
          oc.column("scope").doUpdateSet({
            markup_bp: row.markup_bp,
            markup_fixed_minor: row.markup_fixed_minor,
            rounding: row.rounding,
            currency: row.currency,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },

    async deleteRule(ex: Executor, scope: string): Promise<boolean> {
      const r = await ex.deleteFrom("pricing_rules").where("scope", "=", scope).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async setPricingMode(ex: Executor, moduleIds: readonly string[], mode: "manual" | "rules", now: string): Promise<number> {
      if (moduleIds.length === 0) return 0;
      const r = await ex
        .updateTable("modules")
        .set({ pricing_mode: mode, updated_at: now })
        .where("id", "in", moduleIds)
        .where("pricing_mode", "<>", mode)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    listRates(ex: Executor): Promise<CurrencyRateRow[]> {
      return ex.selectFrom("currency_rates").selectAll().orderBy("base").orderBy("quote").execute();
    },

    async upsertRate(ex: Executor, row: CurrencyRateRow): Promise<void> {
      await ex
        .insertInto("currency_rates")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["base", "quote"]).doUpdateSet({
            rate: row.rate,
            source: row.source,
            as_of: row.as_of,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },

    async deleteRate(ex: Executor, base: string, quote: string): Promise<boolean> {
      const r = await ex.deleteFrom("currency_rates").where("base", "=", base).where("quote", "=", quote).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export type PricingRepo = ReturnType<typeof createPricingRepo>;
