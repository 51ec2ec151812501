// The only code that reads and writes the catalog tables.
import type { Executor } from "../../db/database.ts";
import type { ModulePriceRow, ModuleRow, PriceHistoryRow } from "../../db/schema.ts";

export interface PriceWrite {
  module_id: string;
  period_months: number;
  amount_minor: number;
  currency: string;
  updated_at: string;
}

export function createCatalogRepo() {
  return {
    listModules(ex: Executor, region: "eu" | "ru"): Promise<ModuleRow[]> {
      return ex
        .selectFrom("modules")
        .selectAll()
        .where("region", "=", region)
        .orderBy("sort_order")
        .orderBy("tariff_id")
        .execute();
    },

    findModule(ex: Executor, id: string): Promise<ModuleRow | undefined> {
      return ex.selectFrom("modules").selectAll().where("id", "=", id).executeTakeFirst();
    },

    async setModuleFlags(
      ex: Executor,
      id: string,
      flags: { enabled?: number; upstream_available?: number },
      now: string,
    ): Promise<void> {
      await ex.updateTable("modules").set({ ...flags, updated_at: now }).where("id", "=", id).execute();
    },

    listPrices(ex: Executor, region: "eu" | "ru"): Promise<ModulePriceRow[]> {
      return ex
        .selectFrom("module_prices")
        .innerJoin("modules", "modules.id", "module_prices.module_id")
        .selectAll("module_prices")
        .where("modules.region", "=", region)
        .orderBy("module_prices.module_id")
        .orderBy("module_prices.period_months")
        .execute();
    },

    pricesOf(ex: Executor, moduleId: string): Promise<ModulePriceRow[]> {
      return ex
        .selectFrom("module_prices")
        .selectAll()
        .where("module_id", "=", moduleId)
        .orderBy("period_months")
        .execute();
    },

    async upsertPrice(ex: Executor, p: PriceWrite): Promise<void> {
      await ex
        .insertInto("module_prices")
        .values(p)
        .onConflict((oc) =>
          oc.columns(["module_id", "period_months"]).doUpdateSet({
            amount_minor: p.amount_minor,
            currency: p.currency,
            updated_at: p.updated_at,
          }),
        )
        .execute();
    },

    async deletePrice(ex: Executor, moduleId: string, periodMonths: number): Promise<void> {
      await ex
        .deleteFrom("module_prices")
        .where("module_id", "=", moduleId)
        .where("period_months", "=", periodMonths)
        .execute();
    },

    async countPrices(ex: Executor): Promise<number> {
      const row = await ex.selectFrom("module_prices").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async insertHistory(ex: Executor, row: PriceHistoryRow): Promise<void> {
      await ex.insertInto("price_history").values(row).execute();
    },

    listHistory(ex: Executor, moduleId: string, limit = 50): Promise<PriceHistoryRow[]> {
      return ex
        .selectFrom("price_history")
        .selectAll()
        .where("module_id", "=", moduleId)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(limit)
        .execute();
    },
  };
}

export type CatalogRepo = ReturnType<typeof createCatalogRepo>;
