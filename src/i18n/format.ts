// Numbers, money, percentages and dates for people, in their locale, through Intl:
// ru "15 000,00 ₽", "7 декабря 2026 г.", "19 %"; en "€1,234.50", "December 7, 2026", "19%".
// Money is formatted from its exact decimal string, never through a float of the minor units.
// lib/money.ts format() ("950.00 RUB") stays for the CLI and logs, where a fixed form is wanted.
import { exponentOf, toDecimal, type Money } from "../lib/money.ts";
import { intlTag, type Locale } from "./locales.ts";

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMoney(m: Money, locale: Locale): string {
  const id = `${locale}:${m.currency}`;
  let f = moneyFormats.get(id);
  if (!f) {
    const digits = exponentOf(m.currency);
    f = new Intl.NumberFormat(intlTag(locale), { style: "currency", currency: m.currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    moneyFormats.set(id, f);
  }
  // Intl.NumberFormat formats a decimal string exactly (ECMA-402 NumberFormat v3).
  return f.format(toDecimal(m) as unknown as number);
}

export function formatNumber(n: number, locale: Locale, opts: Intl.NumberFormatOptions = {}): string {
  return new Intl.NumberFormat(intlTag(locale), opts).format(n);
}

/** A rate in basis points (1900 → "19%" / "19 %", 1250 → "12.5%" / "12,5 %"). */
export function formatPercentBp(basisPoints: number, locale: Locale): string {
  return new Intl.NumberFormat(intlTag(locale), { style: "percent", maximumFractionDigits: 2 }).format(basisPoints / 10_000);
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;

/**
 * A calendar date ("2026-12-07" or an ISO timestamp, read in UTC) as people write it:
 * "7 декабря 2026 г." / "December 7, 2026". Text that is not a date is returned as it is.
 */
export function formatDate(value: string, locale: Locale): string {
  const m = DAY.exec(value);
  if (!m) return value;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(d.getTime())) return value;
  return new Intl.DateTimeFormat(intlTag(locale), { dateStyle: "long", timeZone: "UTC" }).format(d);
}

/** A moment with the time of day, in UTC: "7 декабря 2026 г., 14:05 UTC" / "December 7, 2026, 2:05 PM UTC". */
export function formatDateTime(value: string | Date, locale: Locale): string {
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(intlTag(locale), { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }).format(d) + " UTC";
}
