// Money is an integer count of minor units plus an ISO 4217 currency code. All arithmetic on
// money goes through this file with an explicit rounding mode; nothing multiplies a price by a
// float. Decimal strings (from people, from upstream's 4-decimal costs) are parsed with BigInt so
// that "0.1 + 0.2" problems cannot happen.

import { invalidInput } from "./errors.ts";

export interface Money {
  readonly minor: number;
  readonly currency: string;
}

/** Minor-unit exponents of the currencies partnerbill accepts. Extend with care: the exponent of a
 * currency decides how every stored amount in it is read. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  RUB: 2, EUR: 2, USD: 2, GBP: 2, CHF: 2, PLN: 2, CZK: 2, KZT: 2, UAH: 2, BYN: 2, UZS: 2,
  AMD: 2, GEL: 2, AZN: 2, KGS: 2, TRY: 2, CNY: 2, INR: 2, BRL: 2, CAD: 2, AUD: 2, SEK: 2,
  NOK: 2, DKK: 2, HUF: 2, RON: 2, BGN: 2, ILS: 2, AED: 2, SGD: 2, HKD: 2, MXN: 2, ZAR: 2,
  JPY: 0, KRW: 0, VND: 0, ISK: 0,
};

export type Rounding = "half_up" | "half_even" | "down" | "up";

export function isCurrency(code: string): boolean {
  return Object.hasOwn(CURRENCY_EXPONENTS, code);
}

export function exponentOf(currency: string): number {
  const e = CURRENCY_EXPONENTS[currency];
  if (e === undefined) throw invalidInput(`Unknown currency "${currency}"`, { currency });
  return e;
}

export function money(minor: number, currency: string): Money {
  if (!Number.isSafeInteger(minor)) throw invalidInput("Amount is not a whole number of minor units");
  exponentOf(currency);
  return { minor, currency };
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string ("950", "950.5", "950.00", "950.0000") into minor units.
 * With `rounding` unset, more fraction digits than the currency has are refused unless they are
 * zeros ("950.0000" RUB is fine, "950.005" RUB is not); with a rounding mode they are rounded.
 */
export function parseDecimal(text: string, currency: string, rounding?: Rounding): Money {
  const exp = exponentOf(currency);
  const m = DECIMAL.exec(text.trim());
  if (!m) throw invalidInput(`"${text}" is not a decimal amount (use digits and an optional point, e.g. 950.00)`);
  const negative = m[1] === "-";
  const whole = m[2] ?? "0";
  const frac = m[3] ?? "";
  const kept = frac.slice(0, exp).padEnd(exp, "0");
  const rest = frac.slice(exp);
  let units = BigInt(whole + kept);
  if (rest.length > 0 && /[1-9]/.test(rest)) {
    if (!rounding) {
      throw invalidInput(`"${text}" has more than ${exp} decimal places for ${currency}`);
    }
    units = roundMagnitude(units, rest, rounding);
  }
  if (negative) units = -units;
  if (units > BigInt(Number.MAX_SAFE_INTEGER) || units < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalidInput(`"${text}" is too large`);
  }
  return { minor: Number(units), currency };
}

/** Rounds a magnitude given its discarded digits: "down" is toward zero, "up" away from it. */
function roundMagnitude(units: bigint, rest: string, rounding: Rounding): bigint {
  const first = rest.charCodeAt(0) - 48;
  const tailNonZero = /[1-9]/.test(rest.slice(1));
  switch (rounding) {
    case "down":
      return units;
    case "up":
      return units + 1n;
    case "half_up":
      return first >= 5 ? units + 1n : units;
    case "half_even": {
      if (first > 5 || (first === 5 && tailNonZero)) return units + 1n;
      if (first === 5 && !tailNonZero) return units % 2n === 0n ? units : units + 1n;
      return units;
    }
  }
}

/** Formats with exactly `decimals` fraction digits (default: the currency's exponent). */
export function toDecimal(m: Money, decimals = exponentOf(m.currency)): string {
  const exp = exponentOf(m.currency);
  const negative = m.minor < 0;
  const digits = String(Math.abs(m.minor)).padStart(exp + 1, "0");
  const whole = exp === 0 ? digits : digits.slice(0, -exp);
  let frac = exp === 0 ? "" : digits.slice(-exp);
  if (decimals > exp) frac = frac.padEnd(decimals, "0");
  else if (decimals < exp) {
    if (/[1-9]/.test(frac.slice(decimals))) throw new Error("toDecimal would lose precision");
    frac = frac.slice(0, decimals);
  }
  return `${negative ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

/** "950.00 RUB" — for people (CLI, pages). */
export function format(m: Money): string {
  return `${toDecimal(m)} ${m.currency}`;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new Error(`Currency mismatch: ${a.currency} vs ${b.currency}`);
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.minor + b.minor, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.minor - b.minor, a.currency);
}

export function negate(a: Money): Money {
  return money(-a.minor, a.currency);
}

export function isZero(a: Money): boolean {
  return a.minor === 0;
}

export function compare(a: Money, b: Money): number {
  sameCurrency(a, b);
  return a.minor - b.minor;
}

/** a × numerator / denominator with an explicit rounding mode (exact integer arithmetic). */
export function multiplyRatio(a: Money, numerator: bigint, denominator: bigint, rounding: Rounding): Money {
  if (denominator <= 0n) throw new Error("denominator must be positive");
  const product = BigInt(a.minor) * numerator;
  const negative = product < 0n;
  const abs = negative ? -product : product;
  let q = abs / denominator;
  const r = abs % denominator;
  if (r !== 0n) {
    const twice = r * 2n;
    switch (rounding) {
      case "down": break;
      case "up": q += 1n; break;
      case "half_up": if (twice >= denominator) q += 1n; break;
      case "half_even":
        if (twice > denominator || (twice === denominator && q % 2n === 1n)) q += 1n;
        break;
    }
  }
  return money(Number(negative ? -q : q), a.currency);
}

/** An exact positive ratio of two integers, e.g. an exchange rate: "98.50" is 9850/100. */
export interface Ratio {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const RATIO = /^(\d{1,15})(?:\.(\d{1,12}))?$/;

/**
 * Parses a positive decimal ("98.5", "0.010245") into an exact ratio. Signs, exponents, zero and
 * more than 12 fraction digits are refused: a rate or a factor is never read through a float.
 */
export function parseRatio(text: string): Ratio {
  const m = RATIO.exec(text.trim());
  if (!m) throw invalidInput(`"${text}" is not a positive decimal number (e.g. 98.50)`);
  const frac = m[2] ?? "";
  const numerator = BigInt((m[1] ?? "0") + frac);
  if (numerator === 0n) throw invalidInput(`"${text}" must be greater than zero`);
  return { numerator, denominator: 10n ** BigInt(frac.length) };
}

/** a × basisPoints / 10 000 (100 basis points = 1 %, 12 000 = 120 %) with an explicit rounding mode. */
export function percentOf(a: Money, basisPoints: number, rounding: Rounding): Money {
  if (!Number.isSafeInteger(basisPoints)) throw new Error("basis points must be a whole number");
  return multiplyRatio(a, BigInt(basisPoints), 10_000n, rounding);
}

/**
 * Converts `a` into currency `to` at `rate` — units of `to` per one unit of `a.currency` — with an
 * explicit rounding mode. The currencies may have different exponents (EUR 2, JPY 0).
 */
export function convert(a: Money, to: string, rate: Ratio, rounding: Rounding): Money {
  const numerator = rate.numerator * 10n ** BigInt(exponentOf(to));
  const denominator = rate.denominator * 10n ** BigInt(exponentOf(a.currency));
  return money(multiplyRatio(a, numerator, denominator, rounding).minor, to);
}

/** Rounds to whole units of the currency: 12.01 EUR is 13.00 "up" and 12.00 "down". */
export function roundToWhole(a: Money, rounding: Rounding): Money {
  const unit = 10n ** BigInt(exponentOf(a.currency));
  return money(multiplyRatio(a, 1n, unit, rounding).minor * Number(unit), a.currency);
}
