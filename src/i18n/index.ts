// The one import for code that speaks to people: src/i18n/README.md says how it is used.
export { LOCALES, FALLBACK_LOCALE, isLocale, toLocale, fromAcceptLanguage, resolveLocale, intlTag, type Locale, type LocaleSources } from "./locales.ts";
export { t, tHtml, CATALOGS, type MessageKey, type MessageValues } from "./t.ts";
export { formatMoney, formatNumber, formatPercentBp, formatDate, formatDateTime } from "./format.ts";
export { parseMoneyInput, normalizeAmount } from "./money-input.ts";
export { countryName, countryOptions, isCountryCode, type CountryOption } from "./countries.ts";
