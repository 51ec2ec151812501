// Country names in English and Russian from i18n-iso-countries (a maintained ISO 3166-1 list), and
// the options of a country <select>: the value is the ISO code — what is stored and what decides
// VAT — and the label the name in the page's language, sorted as that language sorts.
import { createRequire } from "node:module";
import countries from "i18n-iso-countries/index.js";
import type { Locale } from "./locales.ts";

// The package's Node entry loads every one of its ~80 languages; we register the two we speak.
const require = createRequire(import.meta.url);
countries.registerLocale(require("i18n-iso-countries/langs/en.json"));
countries.registerLocale(require("i18n-iso-countries/langs/ru.json"));

export interface CountryOption {
  code: string;
  name: string;
  selected: boolean;
}

/** "DE" → "Germany" / "Германия"; undefined for a code that is not a country. */
export function countryName(code: string | null | undefined, locale: Locale): string | undefined {
  if (!code || !/^[A-Za-z]{2}$/.test(code)) return undefined;
  return countries.getName(code.toUpperCase(), locale) ?? undefined;
}

/** Whether `code` is an ISO 3166-1 alpha-2 code of the list. */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code);
}

const optionCache = new Map<Locale, Array<{ code: string; name: string }>>();

/** Every country, sorted by name in `locale`, with `selected` marking the stored code. */
export function countryOptions(locale: Locale, selected?: string | null): CountryOption[] {
  let list = optionCache.get(locale);
  if (!list) {
    const collator = new Intl.Collator(locale);
    list = Object.entries(countries.getNames(locale)).map(([code, name]) => ({ code, name })).sort((a, b) => collator.compare(a.name, b.name));
    optionCache.set(locale, list);
  }
  const want = selected?.toUpperCase();
  return list.map((c) => ({ ...c, selected: c.code === want }));
}
