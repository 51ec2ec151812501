// What each module earns: its sell prices next to what the client area charges (the costs the
// last price sync stored), converted with the stored rates the way the margin guard converts them.
import type { Db } from "../../db/database.ts";
import { parseRatio, type Money } from "../../lib/money.ts";
import type { CatalogService } from "../catalog/catalog.service.ts";
import type { CatalogEntry, PeriodMonths } from "../catalog/catalog.logic.ts";
import { costIn, type RateEntry } from "./pricing.logic.ts";
import type { PricingRepo } from "./pricing.repo.ts";

export interface PeriodMargin {
  price: Money | null;
  /** The cost as upstream states it. */
  cost: Money | null;
  /** price − cost (in the price's currency); null without a price, a cost or a rate. */
  margin: Money | null;
}

export interface ModuleMargins {
  entry: CatalogEntry;
  periods: Record<PeriodMonths, PeriodMargin>;
  /** Some period sells below its cost. */
  negative: boolean;
}

export function createMarginsService(deps: {
  db: Db;
  pricing: Pick<PricingRepo, "listCosts" | "listRates">;
  catalog: Pick<CatalogService, "listModules">;
  region: "eu" | "ru";
}) {
  async function list(): Promise<ModuleMargins[]> {
    const [entries, costs, rateRows] = await Promise.all([deps.catalog.listModules(), deps.pricing.listCosts(deps.db, deps.region), deps.pricing.listRates(deps.db)]);
    const rates: RateEntry[] = rateRows.map((r) => ({ base: r.base, quote: r.quote, rate: parseRatio(r.rate), source: r.source }));
    const costOf = new Map(costs.map((c) => [`${c.module_id}/${c.period_months}`, { minor: Number(c.cost_minor), currency: c.currency }]));
    return entries.map((entry) => {
      const period = (p: PeriodMonths): PeriodMargin => {
        const price = entry.prices[p] ?? null;
        const cost = costOf.get(`${entry.module.id}/${p}`) ?? null;
        const converted = price && cost ? costIn(cost, price.currency, rates) : null;
        return { price, cost, margin: price && converted ? { minor: price.minor - converted.minor, currency: price.currency } : null };
      };
      const periods = { 1: period(1), 12: period(12) };
      return { entry, periods, negative: [periods[1], periods[12]].some((x) => x.margin !== null && x.margin.minor < 0) };
    });
  }

  return { list };
}

export type MarginsService = ReturnType<typeof createMarginsService>;
