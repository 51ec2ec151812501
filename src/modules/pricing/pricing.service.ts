// Pricing use cases (ADR 0006): price sync from upstream costs, markup rules, pricing modes,
// exchange rates (by hand or from the ECB feed).
//
// A sync reads upstream's price list first — the one network call, outside any transaction — and
// then, in one transaction, writes costs, prices, price history (source "sync"), availability and
// alerts. The catalog counter is bumped only when panels would see a difference (a price, or a
// module's availability), so a sync that changes nothing keeps every node's price-list cache.
// When upstream fails, nothing changes: a price_sync_failed alert is recorded and the error thrown.
import type { ChangeCountersRepo } from "../../db/change-counters.repo.ts";
import type { Db, Executor } from "../../db/database.ts";
import type { CurrencyRateRow, ModuleRow, PricingRuleRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, invalidInput, isAppError, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { isCurrency, parseRatio } from "../../lib/money.ts";
import { TRIAL_PERIOD, type UpstreamClient, type UpstreamTariff } from "../../upstream/types.ts";
import { editionOf } from "../licenses/licenses.logic.ts";
import { ALERT_KINDS, type AlertsService } from "../alerts/alerts.service.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import { moduleIdFromRef, type PeriodMonths } from "../catalog/catalog.logic.ts";
import { fetchEcbXml, parseEcbRates } from "./ecb.ts";
import type { PricingRepo } from "./pricing.repo.ts";
import {
  changesPriceList,
  parseCurrencyCode,
  parseRule,
  planSync,
  priceChanged,
  type PricingMode,
  type PricingRule,
  type RateEntry,
  type SyncPlan,
} from "./pricing.logic.ts";

export const GLOBAL_SCOPE = "global";

export interface SyncReport extends SyncPlan {
  dryRun: boolean;
  /** True when panels see a difference; then (unless a dry run) the catalog counter was bumped. */
  priceListChanged: boolean;
  at: string;
}

export interface EcbFetchReport {
  asOf: string;
  /** Pairs written from the feed, e.g. "EUR/USD". */
  stored: string[];
  /** Pairs the feed has but a manual rate covers (manual rates are never overwritten). */
  keptManual: string[];
  /** Currencies of the feed partnerbill does not handle. */
  skipped: string[];
}

export interface RuleInput {
  /** A module (tariff id or full id); absent for the global rule. */
  module?: string;
  markupPercent?: string;
  markupFixed?: string;
  rounding?: string;
  currency: string;
}

export interface RuleListing {
  global: PricingRule | null;
  modules: Array<{
    id: string;
    tariffId: number;
    name: string;
    mode: PricingMode;
    /** The module's own rule, if any (it replaces the global one). */
    rule: PricingRule | null;
    /** Which rule prices it: its own, the global one, or none (priced by hand). */
    pricedBy: "module rule" | "global rule" | "hand";
  }>;
}

const SYNC_ALERT_KINDS = [ALERT_KINDS.negativeMargin, ALERT_KINDS.missingRate] as const;

export function ruleFromRow(row: PricingRuleRow): PricingRule {
  return {
    markupBp: Number(row.markup_bp),
    markupFixed: { minor: Number(row.markup_fixed_minor), currency: row.currency },
    rounding: row.rounding,
    currency: row.currency,
  };
}

function rateFromRow(row: CurrencyRateRow): RateEntry {
  return { base: row.base, quote: row.quote, rate: parseRatio(row.rate), source: row.source };
}

export function createPricingService(deps: {
  db: Db;
  pricing: PricingRepo;
  catalog: Pick<CatalogRepo, "listModules" | "listPrices" | "findModule" | "upsertPrice" | "deletePrice" | "insertHistory" | "setModuleFlags"> &
    Partial<Pick<CatalogRepo, "upsertLicenseTariff">>;
  counters: Pick<ChangeCountersRepo, "bump">;
  alerts: Pick<AlertsService, "raise" | "resolve">;
  upstream: Pick<UpstreamClient, "priceList"> & Partial<Pick<UpstreamClient, "softPriceList">>;
  clock: Clock;
  ids: IdGenerator;
  region: "eu" | "ru";
  /** The ECB reference-rate feed (ECB_RATES_URL). */
  ecbUrl: string;
  /** Called after a committed change panels can see (drops this node's price-list cache at once). */
  onChange?: () => void;
}) {
  const { db, pricing, catalog, counters, alerts, clock, ids, region } = deps;

  async function findModuleOrFail(ex: Executor, ref: string): Promise<ModuleRow> {
    const id = moduleIdFromRef(ref, region);
    const m = await catalog.findModule(ex, id);
    if (!m || m.region !== region) throw notFound(`No module with id ${ref} in the ${region.toUpperCase()} catalog`, { module: ref });
    return m;
  }

  /** Upstream's price list, or an error that says the sync changed nothing. */
  async function fetchTariffs(dryRun: boolean): Promise<UpstreamTariff[]> {
    try {
      const tariffs = await deps.upstream.priceList();
      // A real client area always lists modules; an empty list is a glitch, and believing it would
      // mark every module unavailable.
      if (tariffs.length === 0) throw new AppError("upstream_unavailable", "upstream listed no modules at all");
      return tariffs;
    } catch (e) {
      const cause = e instanceof Error ? e.message : String(e);
      const error = new AppError(
        isAppError(e) ? e.code : "upstream_unavailable",
        `Price sync failed, nothing was changed: ${cause}`,
        isAppError(e) ? e.details : undefined,
      );
      if (!dryRun) {
        try {
          await alerts.raise(db, { kind: ALERT_KINDS.priceSyncFailed, subject: null, message: error.message });
        } catch {
          // The database is failing too; the sync error below is still the one to report.
        }
      }
      throw error;
    }
  }

  /**
   * License tariffs (issue 15): upstream's pricelist.export&itemtype=soft, or null when there is
   * none to sync — no license client, a failure (module prices still sync; the next run retries),
   * or an empty list (a glitch that must not mark every license tariff unavailable).
   */
  async function fetchSoftTariffs(): Promise<UpstreamTariff[] | null> {
    if (!deps.upstream.softPriceList || !catalog.upsertLicenseTariff) return null;
    try {
      const tariffs = await deps.upstream.softPriceList();
      return tariffs.length > 0 ? tariffs : null;
    } catch {
      return null;
    }
  }

  /** License tariffs upstream lists become catalog rows (Russian ids are only known this way). */
  async function adoptLicenseTariffs(ex: Executor, tariffs: UpstreamTariff[], now: string): Promise<void> {
    let sort = 100;
    for (const t of tariffs) {
      await catalog.upsertLicenseTariff!(ex, { region, tariffId: t.id, name: t.name, intname: t.intname, edition: editionOf(t), trial: t.periods.some((p) => p.months === TRIAL_PERIOD), sortOrder: sort++ }, now);
    }
  }

  function mergePlans(a: SyncPlan, b: SyncPlan | null): SyncPlan {
    if (!b) return a;
    return { rows: [...a.rows, ...b.rows], availability: [...a.availability, ...b.availability], unknownTariffs: a.unknownTariffs, alerts: [...a.alerts, ...b.alerts] };
  }

  async function readAndPlan(ex: Executor, tariffs: UpstreamTariff[], product: "module" | "license" = "module"): Promise<SyncPlan> {
    const [modules, costs, prices, rules, rates] = await Promise.all([
      catalog.listModules(ex, region, product),
      pricing.listCosts(ex, region),
      catalog.listPrices(ex, region, product),
      pricing.listRules(ex),
      pricing.listRates(ex),
    ]);
    const global = rules.find((r) => r.scope === GLOBAL_SCOPE);
    return planSync({
      modules: modules.map((m) => ({
        id: m.id,
        tariffId: m.tariff_id,
        name: m.name,
        mode: m.pricing_mode,
        upstreamAvailable: m.upstream_available === 1,
      })),
      costs: costs.map((c) => ({
        moduleId: c.module_id,
        period: c.period_months as PeriodMonths,
        cost: { minor: Number(c.cost_minor), currency: c.currency },
        costText: c.cost_text,
      })),
      prices: prices.map((p) => ({
        moduleId: p.module_id,
        period: p.period_months as PeriodMonths,
        price: { minor: Number(p.amount_minor), currency: p.currency },
      })),
      globalRule: global ? ruleFromRow(global) : null,
      moduleRules: new Map(rules.filter((r) => r.module_id !== null).map((r) => [r.module_id!, ruleFromRow(r)])),
      rates: rates.map(rateFromRow),
      tariffs,
    });
  }

  async function apply(tx: Executor, plan: SyncPlan, now: string): Promise<void> {
    for (const row of plan.rows) {
      if (row.costWrite === "upsert" && row.newCost) {
        await pricing.upsertCost(tx, {
          module_id: row.moduleId,
          period_months: row.period,
          cost_minor: row.newCost.minor,
          currency: row.newCost.currency,
          cost_text: row.newCostText ?? "",
          synced_at: now,
        });
      } else if (row.costWrite === "delete") {
        await pricing.deleteCost(tx, row.moduleId, row.period);
      }
      if (!priceChanged(row)) continue;
      if (row.newPrice) {
        await catalog.upsertPrice(tx, {
          module_id: row.moduleId,
          period_months: row.period,
          amount_minor: row.newPrice.minor,
          currency: row.newPrice.currency,
          updated_at: now,
        });
      } else {
        await catalog.deletePrice(tx, row.moduleId, row.period);
      }
      await catalog.insertHistory(tx, {
        id: ids.next("ph"),
        module_id: row.moduleId,
        period_months: row.period,
        old_amount_minor: row.oldPrice?.minor ?? null,
        old_currency: row.oldPrice?.currency ?? null,
        new_amount_minor: row.newPrice?.minor ?? null,
        new_currency: row.newPrice?.currency ?? null,
        source: "sync",
        actor: null,
        created_at: now,
      });
    }
    for (const a of plan.availability) {
      await catalog.setModuleFlags(tx, a.moduleId, { upstream_available: a.available ? 1 : 0 }, now);
    }
    // Open margin alerts of modules that no longer have the problem are resolved; the others are
    // raised (or refreshed, one open alert per module and kind).
    for (const moduleId of new Set(plan.rows.map((r) => r.moduleId))) {
      const raised = new Set(plan.alerts.filter((a) => a.moduleId === moduleId).map((a) => a.kind));
      await alerts.resolve(tx, SYNC_ALERT_KINDS.filter((k) => !raised.has(k)), moduleId);
    }
    for (const a of plan.alerts) await alerts.raise(tx, { kind: a.kind, subject: a.moduleId, message: a.message });
    await alerts.resolve(tx, [ALERT_KINDS.priceSyncFailed], null);
    if (changesPriceList(plan)) await counters.bump(tx, "catalog");
  }

  /**
   * Reads upstream's costs and recomputes prices. With `dryRun` it only reports what would change:
   * nothing is written, not even an alert.
   */
  async function sync(opts: { dryRun?: boolean } = {}): Promise<SyncReport> {
    const dryRun = opts.dryRun ?? false;
    const tariffs = await fetchTariffs(dryRun);
    const soft = await fetchSoftTariffs();
    const at = clock.now().toISOString();
    const plan = dryRun
      ? mergePlans(await readAndPlan(db, tariffs), soft ? await readAndPlan(db, soft, "license") : null)
      : await db.transaction().execute(async (tx) => {
          await pricing.lockCatalog(tx);
          if (soft) await adoptLicenseTariffs(tx, soft, at);
          const p = mergePlans(await readAndPlan(tx, tariffs), soft ? await readAndPlan(tx, soft, "license") : null);
          await apply(tx, p, at);
          return p;
        });
    const priceListChanged = changesPriceList(plan);
    if (priceListChanged && !dryRun) deps.onChange?.();
    return { ...plan, dryRun, priceListChanged, at };
  }

  /**
   * Fetches the ECB reference rates and stores them as EUR/XXX pairs. Manual rates always win: a
   * pair staff entered (in either direction) is not overwritten. A failure records an alert.
   */
  async function fetchEcbRates(url: string = deps.ecbUrl): Promise<EcbFetchReport> {
    let feed;
    try {
      feed = parseEcbRates(await fetchEcbXml(url));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      try {
        await alerts.raise(db, { kind: ALERT_KINDS.ratesFetchFailed, subject: null, message });
      } catch {
        // The database is failing too; the fetch error is still the one to report.
      }
      throw isAppError(e) ? e : new AppError("upstream_unavailable", message);
    }
    const { asOf, rates } = feed;
    const now = clock.now().toISOString();
    return db.transaction().execute(async (tx) => {
      const manual = new Set(
        (await pricing.listRates(tx)).filter((r) => r.source === "manual").flatMap((r) => [`${r.base}/${r.quote}`, `${r.quote}/${r.base}`]),
      );
      const report: EcbFetchReport = { asOf, stored: [], keptManual: [], skipped: [] };
      for (const { currency, rate } of rates) {
        const pair = `EUR/${currency}`;
        if (!isCurrency(currency) || currency === "EUR") report.skipped.push(currency);
        else if (manual.has(pair)) report.keptManual.push(pair);
        else {
          await pricing.upsertRate(tx, { base: "EUR", quote: currency, rate, source: "ecb", as_of: asOf, updated_at: now });
          report.stored.push(pair);
        }
      }
      await alerts.resolve(tx, [ALERT_KINDS.ratesFetchFailed], null);
      return report;
    });
  }

  /**
   * The daily job: refresh ECB rates when the feed is in use (some stored rate came from it), then
   * sync. A failed rate fetch is an alert, not a failed sync: the stored rates still apply.
   */
  async function syncPrices(): Promise<{ sync: SyncReport; rates: EcbFetchReport | null; ratesError: string | null }> {
    let rates: EcbFetchReport | null = null;
    let ratesError: string | null = null;
    if ((await pricing.listRates(db)).some((r) => r.source === "ecb")) {
      try {
        rates = await fetchEcbRates();
      } catch (e) {
        ratesError = e instanceof Error ? e.message : String(e);
      }
    }
    return { sync: await sync({ dryRun: false }), rates, ratesError };
  }

  /**
   * Sets the global rule, or a module's own rule (which replaces the global one for it and switches
   * the module to rule pricing). Prices follow at the next sync.
   */
  async function setRule(input: RuleInput): Promise<{ scope: string; module: ModuleRow | null; rule: PricingRule; manualModules: number }> {
    const rule = parseRule(input);
    const now = clock.now().toISOString();
    return db.transaction().execute(async (tx) => {
      const m = input.module === undefined ? null : await findModuleOrFail(tx, input.module);
      const scope = m ? m.id : GLOBAL_SCOPE;
      await pricing.upsertRule(tx, {
        scope,
        module_id: m ? m.id : null,
        markup_bp: rule.markupBp,
        markup_fixed_minor: rule.markupFixed.minor,
        rounding: rule.rounding,
        currency: rule.currency,
        updated_at: now,
      });
      if (m) await pricing.setPricingMode(tx, [m.id], "rules", now);
      const manualModules = (await catalog.listModules(tx, region)).filter((x) => x.pricing_mode === "manual").length;
      return { scope, module: m, rule, manualModules };
    });
  }

  /** Removes the global rule or a module's own rule (the module then follows the global rule). */
  async function removeRule(moduleRef?: string): Promise<void> {
    const scope = moduleRef === undefined ? GLOBAL_SCOPE : (await findModuleOrFail(db, moduleRef)).id;
    if (!(await pricing.deleteRule(db, scope))) {
      throw notFound(moduleRef === undefined ? "There is no global rule" : `Module ${moduleRef} has no rule of its own`);
    }
  }

  async function listRules(): Promise<RuleListing> {
    const [modules, rules] = await Promise.all([catalog.listModules(db, region), pricing.listRules(db)]);
    const byScope = new Map(rules.map((r) => [r.scope, ruleFromRow(r)]));
    const global = byScope.get(GLOBAL_SCOPE) ?? null;
    return {
      global,
      modules: modules.map((m) => {
        const own = byScope.get(m.id) ?? null;
        const pricedBy = m.pricing_mode === "manual" ? "hand" : own ? "module rule" : global ? "global rule" : "hand";
        return { id: m.id, tariffId: m.tariff_id, name: m.name, mode: m.pricing_mode, rule: own, pricedBy };
      }),
    };
  }

  /** Switches modules (or all of the region's) between hand-set and rule-computed prices. */
  async function setMode(refs: string[] | "all", mode: PricingMode): Promise<number> {
    const now = clock.now().toISOString();
    return db.transaction().execute(async (tx) => {
      const ids =
        refs === "all"
          ? (await catalog.listModules(tx, region)).map((m) => m.id)
          : await Promise.all(refs.map(async (r) => (await findModuleOrFail(tx, r)).id));
      return pricing.setPricingMode(tx, ids, mode, now);
    });
  }

  /**
   * Sets a manual rate: 1 base = rate quote. A stored rate for the inverse pair is removed, so the
   * two directions can never disagree.
   */
  async function setRate(baseText: string, quoteText: string, rateText: string): Promise<CurrencyRateRow> {
    const base = parseCurrencyCode(baseText);
    const quote = parseCurrencyCode(quoteText);
    if (base === quote) throw invalidInput("A rate needs two different currencies");
    const rate = rateText.trim();
    parseRatio(rate);
    const now = clock.now().toISOString();
    const row: CurrencyRateRow = { base, quote, rate, source: "manual", as_of: now.slice(0, 10), updated_at: now };
    await db.transaction().execute(async (tx) => {
      await pricing.deleteRate(tx, quote, base);
      await pricing.upsertRate(tx, row);
    });
    return row;
  }

  async function removeRate(baseText: string, quoteText: string): Promise<void> {
    const base = parseCurrencyCode(baseText);
    const quote = parseCurrencyCode(quoteText);
    if (!(await pricing.deleteRate(db, base, quote))) throw notFound(`There is no ${base}/${quote} rate`);
  }

  function listRates(): Promise<CurrencyRateRow[]> {
    return pricing.listRates(db);
  }

  return { sync, syncPrices, fetchEcbRates, setRule, removeRule, listRules, setMode, setRate, removeRate, listRates };
}

export type PricingService = ReturnType<typeof createPricingService>;
