// EU VAT identification numbers: syntax only. Whether a number is registered is VIES's to say,
// and VIES is a network service that is often down; partnerbill does not call it (ADR 0015).
// A number that passes here has its country's shape — enough to tell a business from a consumer
// for the reverse charge, with the seller responsible for checking doubtful ones in VIES.
import { invalidInput } from "../../lib/errors.ts";

/** EU member states (ISO 3166-1 alpha-2). */
export const EU_COUNTRIES: ReadonlySet<string> = new Set([
  "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
  "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
]);

/** The VAT prefix of a country: Greece writes EL, everyone else their ISO code. */
export function vatPrefixOf(country: string): string {
  return country === "GR" ? "EL" : country;
}

// The shape of the number after the prefix, per country (European Commission VIES formats).
const VAT_PATTERNS: Readonly<Record<string, RegExp>> = {
  AT: /^U\d{8}$/,
  BE: /^[01]\d{9}$/,
  BG: /^\d{9,10}$/,
  CY: /^\d{8}[A-Z]$/,
  CZ: /^\d{8,10}$/,
  DE: /^\d{9}$/,
  DK: /^\d{8}$/,
  EE: /^\d{9}$/,
  EL: /^\d{9}$/,
  ES: /^[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^\d{8}$/,
  FR: /^[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^\d{11}$/,
  HU: /^\d{8}$/,
  IE: /^(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^\d{11}$/,
  LT: /^(\d{9}|\d{12})$/,
  LU: /^\d{8}$/,
  LV: /^\d{11}$/,
  MT: /^\d{8}$/,
  NL: /^\d{9}B\d{2}$/,
  PL: /^\d{10}$/,
  PT: /^\d{9}$/,
  RO: /^[1-9]\d{1,9}$/,
  SE: /^\d{10}01$/,
  SI: /^\d{8}$/,
  SK: /^\d{10}$/,
};

/** "de 123.456.789" → "DE123456789": upper case, no spaces, dots or dashes. */
export function compactVatId(input: string): string {
  return input.replace(/[\s.\-]/g, "").toUpperCase();
}

/** True when `vatId` (compacted, with prefix) has the shape of `country`'s VAT numbers. */
export function isValidEuVatId(vatId: string, country: string): boolean {
  if (!EU_COUNTRIES.has(country)) return false;
  const prefix = vatPrefixOf(country);
  if (!vatId.startsWith(prefix)) return false;
  return VAT_PATTERNS[prefix]?.test(vatId.slice(prefix.length)) ?? false;
}

const COUNTRY = /^[A-Z]{2}$/;

/** "de" → "DE"; refuses anything that is not two letters. */
export function normalizeCountry(input: string): string {
  const c = input.trim().toUpperCase();
  if (!COUNTRY.test(c)) throw invalidInput(`"${input.slice(0, 20)}" is not a two-letter country code (ISO 3166-1, e.g. DE)`);
  return c;
}

/**
 * Normalises a VAT id for storage. For an EU country the number must have that country's shape; a
 * number typed without its prefix gets it ("123456789" in DE → "DE123456789"). Outside the EU the
 * text is kept as typed (compacted): other countries' tax numbers have no common form.
 */
export function normalizeVatId(input: string, country: string | null): string {
  const compact = compactVatId(input);
  if (compact.length === 0 || compact.length > 20 || !/^[A-Z0-9+*]+$/.test(compact)) {
    throw invalidInput(`"${input.slice(0, 30)}" is not a VAT number`);
  }
  if (!country) throw invalidInput("Give the country before the VAT number");
  if (!EU_COUNTRIES.has(country)) return compact;
  const prefix = vatPrefixOf(country);
  let withPrefix = compact;
  if (!compact.startsWith(prefix)) {
    const other = compact.slice(0, 2);
    if (/^[A-Z]{2}$/.test(other) && VAT_PATTERNS[other]) throw invalidInput(`"${input.slice(0, 30)}" is a VAT number of ${other}, not of ${country}`);
    withPrefix = prefix + compact;
  }
  if (!isValidEuVatId(withPrefix, country)) {
    throw invalidInput(`"${input.slice(0, 30)}" is not a valid ${country} VAT number (expected ${prefix} followed by the ${country} format)`);
  }
  return withPrefix;
}
