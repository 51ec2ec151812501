// Pure pricing rules (ADR 0006): how a sell price follows from an upstream cost, a markup rule and
// exchange rates; the margin guard; and the plan of a price sync — what changes, and why.
//
// Every rounding on the way from cost to price goes UP, so a published price is never below what
// the rule says exactly, and a cost converted into the sell currency is never understated:
//   1. cost → sell currency at the rate (rounded up to a minor unit);
//   2. × (100 % + markup percent) (rounded up);
//   3. + fixed markup;
//   4. the rule's rounding: none | whole (up to whole units) | 99 (up to the next x.99).
import { invalidInput } from "../../lib/errors.ts";
import {
  convert,
  exponentOf,
  format,
  isCurrency,
  money,
  parseDecimal,
  percentOf,
  roundToWhole,
  type Money,
  type Ratio,
} from "../../lib/money.ts";
import type { UpstreamTariff } from "../../upstream/types.ts";
import { PERIODS, type PeriodMonths } from "../catalog/catalog.logic.ts";

export const PRICING_MODES = ["manual", "rules"] as const;
export type PricingMode = (typeof PRICING_MODES)[number];

export const PRICE_ROUNDINGS = ["whole", "99", "none"] as const;
export type PriceRounding = (typeof PRICE_ROUNDINGS)[number];

export interface PricingRule {
  /** Percent markup in basis points: 2000 = 20 %, -500 = a 5 % discount. */
  markupBp: number;
  /** Fixed markup in the sell currency, added after the percentage (may be negative). */
  markupFixed: Money;
  rounding: PriceRounding;
  /** The sell currency. */
  currency: string;
}

export interface RateEntry {
  /** 1 base = rate quote. */
  base: string;
  quote: string;
  rate: Ratio;
  source: "manual" | "ecb";
}

// ---------------------------------------------------------------------------------------------
// Input parsing (what staff type on the CLI or in the admin UI)

export function parsePricingMode(text: string): PricingMode {
  const t = text.trim().toLowerCase();
  if (t === "manual" || t === "rules") return t;
  throw invalidInput(`Pricing mode must be manual or rules, not "${text}"`);
}

export function parseRounding(text: string): PriceRounding {
  const t = text.trim().toLowerCase();
  if (t === "whole" || t === "99" || t === "none") return t;
  throw invalidInput(`Rounding must be whole, 99 or none, not "${text}"`);
}

export function parseCurrencyCode(text: string): string {
  const code = text.trim().toUpperCase();
  if (!isCurrency(code)) throw invalidInput(`Unknown currency "${text}" (use an ISO 4217 code such as RUB, EUR, USD)`);
  return code;
}

/** Basis points of a percentage as typed: "20" → 2000, "12.5" → 1250, "-5" → -500. */
export function parsePercent(text: string): number {
  const m = /^(-)?(\d{1,5})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) throw invalidInput(`"${text}" is not a percentage (e.g. 20 or 12.5, at most two decimals)`);
  const bp = Number(m[2]) * 100 + Number((m[3] ?? "").padEnd(2, "0"));
  return m[1] ? -bp : bp;
}

/** Validates a rule as a whole; returns it unchanged. */
export function validateRule(rule: PricingRule): PricingRule {
  if (!isCurrency(rule.currency)) throw invalidInput(`Unknown currency "${rule.currency}"`);
  if (rule.markupFixed.currency !== rule.currency) throw invalidInput("The fixed markup must be in the sell currency");
  if (!Number.isSafeInteger(rule.markupBp) || rule.markupBp <= -10_000) {
    throw invalidInput("The markup percentage must be above -100 %");
  }
  if (rule.markupBp > 1_000_000) throw invalidInput("The markup percentage must be at most 10000 %");
  if (rule.rounding === "99" && exponentOf(rule.currency) === 0) {
    throw invalidInput(`Rounding 99 needs a currency with minor units; ${rule.currency} has none (use whole or none)`);
  }
  return rule;
}

/** Builds and validates a rule from typed text. Omitted markups are zero; omitted rounding is none. */
export function parseRule(input: { markupPercent?: string; markupFixed?: string; rounding?: string; currency: string }): PricingRule {
  const currency = parseCurrencyCode(input.currency);
  return validateRule({
    markupBp: input.markupPercent === undefined ? 0 : parsePercent(input.markupPercent),
    markupFixed: input.markupFixed === undefined ? money(0, currency) : parseDecimal(input.markupFixed, currency),
    rounding: input.rounding === undefined ? "none" : parseRounding(input.rounding),
    currency,
  });
}

/** "+20 % +1.00 EUR, rounding 99, sold in EUR" — for people. */
export function describeRule(rule: PricingRule): string {
  const abs = Math.abs(rule.markupBp);
  const frac = abs % 100 === 0 ? "" : `.${String(abs % 100).padStart(2, "0").replace(/0$/, "")}`;
  const pct = `${rule.markupBp < 0 ? "-" : "+"}${Math.trunc(abs / 100)}${frac} %`;
  const fixed = `${rule.markupFixed.minor < 0 ? "" : "+"}${format(rule.markupFixed)}`;
  return `${pct} ${fixed}, rounding ${rule.rounding}, sold in ${rule.currency}`;
}

// ---------------------------------------------------------------------------------------------
// Exchange rates

const ONE: Ratio = { numerator: 1n, denominator: 1n };

function invert(r: Ratio): Ratio {
  return { numerator: r.denominator, denominator: r.numerator };
}

function times(a: Ratio, b: Ratio): Ratio {
  return { numerator: a.numerator * b.numerator, denominator: a.denominator * b.denominator };
}

/** The stored rate for a pair in either direction; manual rates win over the feed's. */
function pairRate(rates: readonly RateEntry[], from: string, to: string): Ratio | null {
  for (const source of ["manual", "ecb"] as const) {
    const direct = rates.find((r) => r.source === source && r.base === from && r.quote === to);
    if (direct) return direct.rate;
    const inverse = rates.find((r) => r.source === source && r.base === to && r.quote === from);
    if (inverse) return invert(inverse.rate);
  }
  return null;
}

/**
 * Units of `to` per one unit of `from`: the pair itself (either direction), else a cross rate
 * through EUR (the ECB publishes every rate against EUR). Null when there is no way to convert.
 */
export function findRate(rates: readonly RateEntry[], from: string, to: string): Ratio | null {
  if (from === to) return ONE;
  const pair = pairRate(rates, from, to);
  if (pair) return pair;
  if (from !== "EUR" && to !== "EUR") {
    const a = pairRate(rates, from, "EUR");
    const b = pairRate(rates, "EUR", to);
    if (a && b) return times(a, b);
  }
  return null;
}

/** A cost expressed in another currency, rounded up (never understated); null without a rate. */
export function costIn(cost: Money, currency: string, rates: readonly RateEntry[]): Money | null {
  if (cost.currency === currency) return cost;
  const rate = findRate(rates, cost.currency, currency);
  return rate ? convert(cost, currency, rate, "up") : null;
}

// ---------------------------------------------------------------------------------------------
// Prices

/**
 * Applies a rule's rounding. `whole`: up to whole units (12.01 → 13.00; 12.00 stays). `99`: up to
 * the smallest amount ending in .99 that is not below it (12.00 → 12.99, 11.99 stays, 12.995 never
 * arises). `none`: as is. Amounts at or below zero are left alone — they are never published.
 */
export function applyRounding(m: Money, rounding: PriceRounding): Money {
  if (m.minor <= 0 || rounding === "none") return m;
  if (rounding === "whole") return roundToWhole(m, "up");
  const next = roundToWhole(money(m.minor + 1, m.currency), "up");
  return money(next.minor - 1, m.currency);
}

export type ComputedPrice =
  | { ok: true; price: Money; cost: Money }
  | { ok: false; missingRate: { from: string; to: string } };

/** The sell price a rule gives for a cost, with the cost in the sell currency beside it. */
export function computeSellPrice(cost: Money, rule: PricingRule, rates: readonly RateEntry[]): ComputedPrice {
  const converted = costIn(cost, rule.currency, rates);
  if (!converted) return { ok: false, missingRate: { from: cost.currency, to: rule.currency } };
  // One multiplication by (100 % + markup): with a negative markup the factor is still positive,
  // so "up" still means toward the larger price.
  const marked = percentOf(converted, 10_000 + rule.markupBp, "up");
  const withFixed = money(marked.minor + rule.markupFixed.minor, rule.currency);
  return { ok: true, price: applyRounding(withFixed, rule.rounding), cost: converted };
}

export type MarginCheck =
  | { status: "safe"; cost: Money }
  | { status: "below_cost"; cost: Money }
  | { status: "no_rate"; from: string; to: string };

/** The margin guard: a price is publishable when it is positive and not below the cost. */
export function checkMargin(price: Money, cost: Money, rates: readonly RateEntry[]): MarginCheck {
  const c = costIn(cost, price.currency, rates);
  if (!c) return { status: "no_rate", from: cost.currency, to: price.currency };
  return { status: price.minor > 0 && price.minor >= c.minor ? "safe" : "below_cost", cost: c };
}

// ---------------------------------------------------------------------------------------------
// The plan of a price sync

export type SyncAction = "unchanged" | "updated" | "withheld" | "kept-last-safe";

export interface SyncModule {
  id: string;
  tariffId: number;
  name: string;
  mode: PricingMode;
  upstreamAvailable: boolean;
}

export interface SyncCost {
  moduleId: string;
  period: PeriodMonths;
  cost: Money;
  costText: string;
}

export interface SyncPrice {
  moduleId: string;
  period: PeriodMonths;
  price: Money;
}

export interface SyncInput {
  modules: readonly SyncModule[];
  costs: readonly SyncCost[];
  prices: readonly SyncPrice[];
  globalRule: PricingRule | null;
  moduleRules: ReadonlyMap<string, PricingRule>;
  rates: readonly RateEntry[];
  tariffs: readonly UpstreamTariff[];
}

export interface SyncRow {
  moduleId: string;
  tariffId: number;
  name: string;
  period: PeriodMonths;
  mode: PricingMode;
  oldCost: Money | null;
  newCost: Money | null;
  /** upsert: upstream listed this cost; delete: upstream lists the module without this period;
   * keep: upstream does not list the module at all (its last cost is kept for the guard). */
  costWrite: "upsert" | "delete" | "keep";
  newCostText: string | null;
  oldPrice: Money | null;
  newPrice: Money | null;
  action: SyncAction;
  /** Why, for people: "below cost 9.65 EUR", "no RUB→EUR rate", "priced by hand". */
  note: string;
}

export interface SyncAlert {
  kind: "negative_margin" | "missing_rate";
  moduleId: string;
  message: string;
}

export interface SyncPlan {
  rows: SyncRow[];
  /** Modules whose upstream availability flips. */
  availability: Array<{ moduleId: string; tariffId: number; name: string; available: boolean }>;
  /** Tariffs upstream lists that are not in this region's catalog (not sold; for information). */
  unknownTariffs: number[];
  /** One alert per module and kind, its periods joined. */
  alerts: SyncAlert[];
}

const PERIOD_WORD: Record<PeriodMonths, string> = { 1: "monthly", 12: "yearly" };

function same(a: Money | null, b: Money | null): boolean {
  if (a === null || b === null) return a === b;
  return a.minor === b.minor && a.currency === b.currency;
}

interface Decision {
  newPrice: Money | null;
  action: SyncAction;
  note: string;
  /** Raise an alert of this kind; its text is the note. */
  alert?: SyncAlert["kind"];
}

/** The old price, if it is still safe against the cost, else nothing: the guard's fallback. */
function fallback(oldPrice: Money | null, cost: Money, currency: string, rates: readonly RateEntry[], why: string, alert: SyncAlert["kind"]): Decision {
  if (oldPrice && oldPrice.currency === currency && checkMargin(oldPrice, cost, rates).status === "safe") {
    return { newPrice: oldPrice, action: "kept-last-safe", note: `${why}; kept ${format(oldPrice)}`, alert };
  }
  return { newPrice: null, action: "withheld", note: `${why}; withheld`, alert };
}

function decideByRule(rule: PricingRule, cost: Money | null, oldPrice: Money | null, rates: readonly RateEntry[], noCostWhy: string): Decision {
  if (!cost) {
    return oldPrice
      ? { newPrice: null, action: "withheld", note: `${noCostWhy}; not sold` }
      : { newPrice: null, action: "unchanged", note: noCostWhy };
  }
  const computed = computeSellPrice(cost, rule, rates);
  if (!computed.ok) {
    const why = `no ${computed.missingRate.from}→${computed.missingRate.to} rate`;
    return fallback(oldPrice, cost, rule.currency, rates, why, "missing_rate");
  }
  if (computed.price.minor > 0 && computed.price.minor >= computed.cost.minor) {
    const changed = !same(oldPrice, computed.price);
    return { newPrice: computed.price, action: changed ? "updated" : "unchanged", note: "rule" };
  }
  const why = `rule gives ${format(computed.price)}, below cost ${format(computed.cost)}`;
  return fallback(oldPrice, cost, rule.currency, rates, why, "negative_margin");
}

function decideByHand(cost: Money | null, oldPrice: Money | null, rates: readonly RateEntry[], why: string): Decision {
  if (!oldPrice) return { newPrice: null, action: "unchanged", note: why };
  if (!cost) return { newPrice: oldPrice, action: "unchanged", note: `${why}; no cost known` };
  const m = checkMargin(oldPrice, cost, rates);
  if (m.status === "safe") return { newPrice: oldPrice, action: "unchanged", note: why };
  // A hand-set price has no earlier safe version to fall back to: it is withheld, and the alert
  // says how to put it back.
  if (m.status === "no_rate") {
    const note = `no ${m.from}→${m.to} rate to check ${format(oldPrice)} against its cost; withheld`;
    return { newPrice: null, action: "withheld", note, alert: "missing_rate" };
  }
  const note = `${format(oldPrice)} is below cost ${format(m.cost)}; withheld`;
  return { newPrice: null, action: "withheld", note, alert: "negative_margin" };
}

/** Decides, for every module and period of the catalog, the new cost and price after a sync. */
export function planSync(input: SyncInput): SyncPlan {
  const tariffs = new Map(input.tariffs.map((t) => [t.id, t]));
  const known = new Set(input.modules.map((m) => m.tariffId));
  const key = (moduleId: string, period: number) => `${moduleId}|${period}`;
  const costs = new Map(input.costs.map((c) => [key(c.moduleId, c.period), c]));
  const prices = new Map(input.prices.map((p) => [key(p.moduleId, p.period), p.price]));

  const plan: SyncPlan = {
    rows: [],
    availability: [],
    unknownTariffs: [...tariffs.keys()].filter((id) => !known.has(id)).sort((a, b) => a - b),
    alerts: [],
  };

  for (const m of input.modules) {
    const tariff = tariffs.get(m.tariffId);
    if ((tariff !== undefined) !== m.upstreamAvailable) {
      plan.availability.push({ moduleId: m.id, tariffId: m.tariffId, name: m.name, available: tariff !== undefined });
    }
    const rule = m.mode === "rules" ? (input.moduleRules.get(m.id) ?? input.globalRule) : null;
    const alertTexts = new Map<SyncAlert["kind"], string[]>();

    for (const period of PERIODS) {
      const old = costs.get(key(m.id, period)) ?? null;
      const listed = tariff?.periods.find((p) => p.months === period);
      const newCost = tariff ? (listed?.cost ?? null) : (old?.cost ?? null);
      const costWrite = listed ? "upsert" : tariff ? "delete" : "keep";
      const oldPrice = prices.get(key(m.id, period)) ?? null;
      if (!old && !newCost && !oldPrice) continue;

      const noCostWhy = tariff ? `upstream lists no ${period}-month cost` : "no cost known";
      const d = rule
        ? decideByRule(rule, newCost, oldPrice, input.rates, noCostWhy)
        : decideByHand(newCost, oldPrice, input.rates, m.mode === "rules" ? "no pricing rule, priced by hand" : "priced by hand");
      if (d.alert) {
        const list = alertTexts.get(d.alert) ?? [];
        list.push(`${PERIOD_WORD[period]}: ${d.note}`);
        alertTexts.set(d.alert, list);
      }
      plan.rows.push({
        moduleId: m.id,
        tariffId: m.tariffId,
        name: m.name,
        period,
        mode: m.mode,
        oldCost: old?.cost ?? null,
        newCost,
        costWrite: costWrite === "delete" && !old ? "keep" : costWrite,
        newCostText: listed?.costText ?? null,
        oldPrice,
        newPrice: d.newPrice,
        action: d.action,
        note: d.note,
      });
    }
    for (const [kind, texts] of alertTexts) {
      plan.alerts.push({ kind, moduleId: m.id, message: `${m.name} (${m.tariffId}) — ${texts.join(" | ")}` });
    }
  }
  return plan;
}

/** Does applying the plan change what panels see (a price, or a module's availability)? */
export function changesPriceList(plan: SyncPlan): boolean {
  return plan.availability.length > 0 || plan.rows.some((r) => !same(r.oldPrice, r.newPrice));
}

export function priceChanged(row: SyncRow): boolean {
  return !same(row.oldPrice, row.newPrice);
}
