// Catalog use cases: list modules with their prices, switch modules on and off, set and clear
// sell prices. Every change is one transaction that writes the change, its price history and the
// catalog change counter (which tells every node's price-list cache to rebuild).
import type { Db } from "../../db/database.ts";
import type { ChangeCountersRepo } from "../../db/change-counters.repo.ts";
import type { Clock } from "../../lib/clock.ts";
import { invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import type { Money } from "../../lib/money.ts";
import type { ModuleRow } from "../../db/schema.ts";
import type { CatalogRepo } from "./catalog.repo.ts";
import { joinPrices, moduleIdFromRef, parsePeriod, parseSellPrice, type CatalogEntry, type PeriodMonths } from "./catalog.logic.ts";

/** Who or what made a change, for price history and (later) the audit log. */
export interface Actor {
  source: "cli" | "admin" | "api" | "sync" | "seed";
  name?: string;
}

/** Demo sell prices for a fresh sandbox install, in the currency of each client area. */
const DEMO_PRICES: Record<"eu" | "ru", Record<number, [monthly: string, yearly: string]>> = {
  eu: { 23221: ["11.90", "119.00"], 55361: ["4.90", "49.00"], 55362: ["8.90", "89.00"], 55363: ["14.90", "149.00"], 55371: ["9.90", "99.00"] },
  ru: { 23221: ["950.00", "9500.00"], 55377: ["390.00", "3900.00"], 55378: ["690.00", "6900.00"], 55379: ["1190.00", "11900.00"], 55390: ["790.00", "7900.00"] },
};
const DEMO_CURRENCY = { eu: "EUR", ru: "RUB" } as const;
/** Demo sell prices of license editions (above the sandbox's costs), set on tariffs price sync found. */
const DEMO_LICENSE_PRICES: Record<"eu" | "ru", Record<string, [monthly: string, yearly: string]>> = {
  eu: { lite: ["8.90", "89.00"], pro: ["16.90", "169.00"], host: ["32.90", "329.00"], business: ["59.90", "599.00"] },
  ru: { lite: ["590.00", "5900.00"], pro: ["1190.00", "11900.00"], host: ["2390.00", "23900.00"], business: ["4490.00", "44900.00"] },
};

export function createCatalogService(deps: {
  db: Db;
  catalog: CatalogRepo;
  counters: Pick<ChangeCountersRepo, "bump">;
  clock: Clock;
  ids: IdGenerator;
  region: "eu" | "ru";
  /** Called after a committed change (drops this node's price-list cache at once). */
  onChange?: () => void;
}) {
  const { db, catalog, counters, clock, ids, region } = deps;

  async function findModuleOrFail(ref: string): Promise<ModuleRow> {
    const id = moduleIdFromRef(ref, region);
    const m = await catalog.findModule(db, id);
    if (!m || m.region !== region) throw notFound(`No module with id ${ref} in the ${region.toUpperCase()} catalog`, { module: ref });
    return m;
  }

  async function listModules(): Promise<CatalogEntry[]> {
    const [modules, prices] = await Promise.all([catalog.listModules(db, region), catalog.listPrices(db, region)]);
    return joinPrices(modules, prices);
  }

  /** ispmanager license tariffs (issue 15): the same rows, prices and switches as modules. */
  async function listLicenseTariffs(): Promise<CatalogEntry[]> {
    const [rows, prices] = await Promise.all([catalog.listModules(db, region, "license"), catalog.listPrices(db, region, "license")]);
    return joinPrices(rows, prices);
  }

  async function getModule(ref: string): Promise<CatalogEntry> {
    const m = await findModuleOrFail(ref);
    return joinPrices([m], await catalog.pricesOf(db, m.id))[0]!;
  }

  async function setEnabled(ref: string, enabled: boolean): Promise<ModuleRow> {
    const m = await findModuleOrFail(ref);
    if ((m.enabled === 1) === enabled) return m;
    await db.transaction().execute(async (tx) => {
      await catalog.setModuleFlags(tx, m.id, { enabled: enabled ? 1 : 0 }, clock.now().toISOString());
      await counters.bump(tx, "catalog");
    });
    deps.onChange?.();
    return { ...m, enabled: enabled ? 1 : 0 };
  }

  async function setPrice(
    ref: string,
    input: { period: string | number; amount: string; currency: string },
    actor: Actor,
  ): Promise<{ module: ModuleRow; period: PeriodMonths; price: Money; previous: Money | null }> {
    const period = parsePeriod(input.period);
    const price = parseSellPrice(input.amount, input.currency);
    const m = await findModuleOrFail(ref);
    // Setting the price it already has (a price sync every period) must not bump the counter nor
    // drop caches: every node would rebuild its price list for nothing.
    let changed = false;
    const previous = await db.transaction().execute(async (tx) => {
      const existing = await catalog.pricesOf(tx, m.id);
      const other = existing.find((p) => p.period_months !== period);
      if (other && other.currency !== price.currency) {
        throw invalidInput(
          `Module ${m.tariff_id} has its ${other.period_months}-month price in ${other.currency}; ` +
            `a module is priced in one currency. Clear that price first or use ${other.currency}.`,
        );
      }
      const old = existing.find((p) => p.period_months === period);
      if (old && Number(old.amount_minor) === price.minor && old.currency === price.currency) return old;
      const now = clock.now().toISOString();
      await catalog.upsertPrice(tx, { module_id: m.id, period_months: period, amount_minor: price.minor, currency: price.currency, updated_at: now });
      await catalog.insertHistory(tx, {
        id: ids.next("ph"),
        module_id: m.id,
        period_months: period,
        old_amount_minor: old ? Number(old.amount_minor) : null,
        old_currency: old?.currency ?? null,
        new_amount_minor: price.minor,
        new_currency: price.currency,
        source: actor.source,
        actor: actor.name ?? null,
        created_at: now,
      });
      await counters.bump(tx, "catalog");
      changed = true;
      return old ?? null;
    });
    if (changed) deps.onChange?.();
    return {
      module: m,
      period,
      price,
      previous: previous ? { minor: Number(previous.amount_minor), currency: previous.currency } : null,
    };
  }

  async function clearPrice(ref: string, periodInput: string | number, actor: Actor): Promise<boolean> {
    const period = parsePeriod(periodInput);
    const m = await findModuleOrFail(ref);
    const cleared = await db.transaction().execute(async (tx) => {
      const old = (await catalog.pricesOf(tx, m.id)).find((p) => p.period_months === period);
      if (!old) return false;
      const now = clock.now().toISOString();
      await catalog.deletePrice(tx, m.id, period);
      await catalog.insertHistory(tx, {
        id: ids.next("ph"),
        module_id: m.id,
        period_months: period,
        old_amount_minor: Number(old.amount_minor),
        old_currency: old.currency,
        new_amount_minor: null,
        new_currency: null,
        source: actor.source,
        actor: actor.name ?? null,
        created_at: now,
      });
      await counters.bump(tx, "catalog");
      return true;
    });
    if (cleared) deps.onChange?.();
    return cleared;
  }

  /** Puts demo prices on an empty catalog (a fresh sandbox install). Does nothing once any price exists. */
  async function seedDemoPrices(): Promise<number> {
    if ((await catalog.countPrices(db)) > 0) return 0;
    let n = 0;
    for (const [tariff, [monthly, yearly]] of Object.entries(DEMO_PRICES[region])) {
      await setPrice(tariff, { period: 1, amount: monthly, currency: DEMO_CURRENCY[region] }, { source: "seed" });
      await setPrice(tariff, { period: 12, amount: yearly, currency: DEMO_CURRENCY[region] }, { source: "seed" });
      n++;
    }
    return n;
  }

  /**
   * Demo data (issue 15): license tariffs that price sync found and nobody priced yet are put on
   * sale with demo prices. Trials are left alone: checkout does not sell them yet. Returns how
   * many tariffs it touched.
   */
  async function seedDemoLicensePrices(): Promise<number> {
    let n = 0;
    for (const e of await listLicenseTariffs()) {
      if (e.module.trial === 1 || Object.keys(e.prices).length > 0 || e.module.enabled === 1) continue;
      const demo = e.module.edition ? DEMO_LICENSE_PRICES[region][e.module.edition] : undefined;
      if (!demo) continue;
      await setPrice(String(e.module.tariff_id), { period: 1, amount: demo[0], currency: DEMO_CURRENCY[region] }, { source: "seed" });
      await setPrice(String(e.module.tariff_id), { period: 12, amount: demo[1], currency: DEMO_CURRENCY[region] }, { source: "seed" });
      await setEnabled(String(e.module.tariff_id), true);
      n++;
    }
    return n;
  }

  async function history(ref: string, limit = 50) {
    const m = await findModuleOrFail(ref);
    return catalog.listHistory(db, m.id, limit);
  }

  return { listModules, listLicenseTariffs, getModule, setEnabled, setPrice, clearPrice, seedDemoPrices, seedDemoLicensePrices, history };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
