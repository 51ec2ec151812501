// Pure catalog rules: which periods exist, how a module is referred to, how prices are validated.
import { invalidInput } from "../../lib/errors.ts";
import { isCurrency, parseDecimal, type Money } from "../../lib/money.ts";
import type { ModulePriceRow, ModuleRow } from "../../db/schema.ts";

/** Billing periods partnerbill sells, in months. The panel itself uses only the monthly one. */
export const PERIODS = [1, 12] as const;
export type PeriodMonths = (typeof PERIODS)[number];

export function parsePeriod(value: string | number): PeriodMonths {
  const n = typeof value === "number" ? value : /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (n === 1 || n === 12) return n;
  throw invalidInput(`Period must be 1 or 12 (months), not "${String(value)}"`);
}

/**
 * A module is referred to by its tariff id in the configured region ("23221") or by its full id
 * ("eu-23221").
 */
export function moduleIdFromRef(ref: string, region: "eu" | "ru"): string {
  const trimmed = ref.trim();
  if (/^(eu|ru)-\d{1,9}$/.test(trimmed)) return trimmed;
  if (/^\d{1,9}$/.test(trimmed)) return `${region}-${Number(trimmed)}`;
  throw invalidInput(`"${ref}" is not a module id (use the tariff id, e.g. 23221, or eu-23221)`);
}

/** A sell price as staff type it: "950", "950.00"; positive, in a known currency. */
export function parseSellPrice(amount: string, currency: string): Money {
  const code = currency.trim().toUpperCase();
  if (!isCurrency(code)) throw invalidInput(`Unknown currency "${currency}" (use an ISO 4217 code such as RUB, EUR, USD)`);
  const m = parseDecimal(amount, code);
  if (m.minor <= 0) throw invalidInput(`Price must be greater than zero, not "${amount}"`);
  return m;
}

export interface CatalogEntry {
  module: ModuleRow;
  /** Sell prices by period; absent periods are not sold. */
  prices: Partial<Record<PeriodMonths, Money>>;
}

export function joinPrices(modules: ModuleRow[], prices: ModulePriceRow[]): CatalogEntry[] {
  const byModule = new Map<string, CatalogEntry>();
  for (const m of modules) byModule.set(m.id, { module: m, prices: {} });
  for (const p of prices) {
    const entry = byModule.get(p.module_id);
    if (entry && (p.period_months === 1 || p.period_months === 12)) {
      entry.prices[p.period_months] = { minor: Number(p.amount_minor), currency: p.currency };
    }
  }
  return [...byModule.values()];
}

/** Sellable = enabled and has a monthly price (the panel shows no Buy button without one). */
export function isSellable(e: CatalogEntry): boolean {
  return e.module.enabled === 1 && e.prices[1] !== undefined;
}
