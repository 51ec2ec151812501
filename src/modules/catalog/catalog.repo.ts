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
    /** Catalog rows of one product: modules (the default — every existing caller) or license tariffs. */
    listModules(ex: Executor, region: "eu" | "ru", product: "module" | "license" = "module"): Promise<ModuleRow[]> {
      return ex
        .selectFrom("modules")
        .selectAll()
        .where("region", "=", region)
        .where("product", "=", product)
        .orderBy("sort_order")
        .orderBy("tariff_id")
        .execute();
    },

    /**
     * A license tariff upstream lists (price sync): created when new — disabled, priced by rules —
     * its name, edition and trial flag kept up to date. Returns whether it was new.
     */
    async upsertLicenseTariff(
      ex: Executor,
      t: { region: "eu" | "ru"; tariffId: number; name: string; intname: string; edition: string | null; trial: boolean; sortOrder: number },
      now: string,
    ): Promise<boolean> {
      const id = `${t.region}-${t.tariffId}`;
      const existing = await ex.selectFrom("modules").select(["id", "product"]).where("id", "=", id).executeTakeFirst();
      if (existing) {
        // A module and a license tariff never share an id upstream; if one did, the module row stays as it is.
        if (existing.product !== "license") return false;
        await ex.updateTable("modules").set({ name: t.name, intname: t.intname, edition: t.edition, trial: t.trial ? 1 : 0, updated_at: now }).where("id", "=", id).execute();
        return false;
      }
      await ex
        .insertInto("modules")
        .values({
          id,
          region: t.region,
          tariff_id: t.tariffId,
          name: t.name,
          intname: t.intname,
          addition_intname: t.intname,
          enabled: 0,
          upstream_available: 1,
          pricing_mode: "rules",
          product: "license",
          edition: t.edition,
          trial: t.trial ? 1 : 0,
          sort_order: t.sortOrder,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return true;
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

    listPrices(ex: Executor, region: "eu" | "ru", product: "module" | "license" = "module"): Promise<ModulePriceRow[]> {
      return ex
        .selectFrom("module_prices")
        .innerJoin("modules", "modules.id", "module_prices.module_id")
        .selectAll("module_prices")
        .where("modules.region", "=", region)
        .where("modules.product", "=", product)
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
