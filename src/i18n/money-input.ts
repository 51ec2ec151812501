// Money typed by a person, in either language's habits: "13,50", "13.50", "1 234,50" (spaces,
// no-break spaces or thin spaces between thousands), "1,234.50", "1.234,50", "1234". The rules
// (docs/adr/0036-i18n.md):
//   - with both "." and ",", the last one is the decimal separator and the other groups thousands;
//   - with one kind of separator appearing once, it is the decimal separator — unless exactly three
//     digits follow it ("1,234", "1.500"): that reads as 1234 to some and 1.234 to others, and is
//     refused as ambiguous rather than guessed;
//   - the same separator appearing more than once groups thousands ("1,234,567");
//   - thousands groups are exactly three digits after a first group of one to three;
//   - more decimals than the currency has are refused (no rounding of what someone typed);
//   - anything else (letters, currency signs, two decimal separators, a sign) is refused.
// A refusal is invalid_input with a message in the person's language and details.messageKey.
import { invalidInput } from "../lib/errors.ts";
import { exponentOf, parseDecimal, type Money } from "../lib/money.ts";
import { FALLBACK_LOCALE, type Locale } from "./locales.ts";
import { t, type MessageKey, type MessageValues } from "./t.ts";

const SPACES = /[\u0020\u00a0\u2009\u202f]/;
const GROUPED_BY_SPACE = /^\d{1,3}(?:[\u0020\u00a0\u2009\u202f]\d{3})+(?:[.,]\d+)?$/;

function refuse(locale: Locale, key: MessageKey, values: MessageValues = {}): never {
  throw invalidInput(t(locale, key, values), { messageKey: key });
}

/** The typed text as a plain decimal ("1234.50"), or a refusal. */
export function normalizeAmount(text: string, locale: Locale = FALLBACK_LOCALE): string {
  const shown = text.trim().slice(0, 40);
  const s = text.trim();
  if (s === "") refuse(locale, "money_input.empty");
  if (s.length > 40) refuse(locale, "money_input.too_large", { text: shown });
  if (/^[-\u2212]/.test(s)) refuse(locale, "money_input.negative");
  if (!/^[\d.,\u0020\u00a0\u2009\u202f]+$/.test(s) || !/\d/.test(s) || !/^\d/.test(s) || !/\d$/.test(s)) {
    refuse(locale, "money_input.not_a_number", { text: shown });
  }
  let body = s;
  if (SPACES.test(body)) {
    if (!GROUPED_BY_SPACE.test(body)) refuse(locale, "money_input.bad_grouping", { text: shown });
    body = body.replace(/[\u0020\u00a0\u2009\u202f]/g, "");
  }
  const dots = body.split(".").length - 1;
  const commas = body.split(",").length - 1;
  let decimal: "." | "," | null = null;
  if (dots > 0 && commas > 0) {
    decimal = body.lastIndexOf(".") > body.lastIndexOf(",") ? "." : ",";
    if ((decimal === "." ? dots : commas) > 1) refuse(locale, "money_input.not_a_number", { text: shown });
  } else if (dots === 1 || commas === 1) {
    decimal = dots === 1 ? "." : ",";
    // "1,234" / "1.500" with nothing else: thousands to some, decimals to others.
    if (/^\d{1,3}[.,]\d{3}$/.test(body) && !SPACES.test(s)) refuse(locale, "money_input.ambiguous", { text: shown });
  }
  const group = decimal === null ? (dots > 1 ? "." : commas > 1 ? "," : null) : decimal === "." ? "," : ".";
  const [whole = "", frac] = decimal === null ? [body] : body.split(decimal);
  if (group !== null && whole.includes(group)) {
    if (!new RegExp(`^\\d{1,3}(?:\\${group}\\d{3})+$`).test(whole)) refuse(locale, "money_input.bad_grouping", { text: shown });
  }
  const digits = whole.split(group ?? "\u0000").join("");
  if (!/^\d+$/.test(digits) || (frac !== undefined && !/^\d+$/.test(frac))) refuse(locale, "money_input.not_a_number", { text: shown });
  return frac === undefined ? digits : `${digits}.${frac}`;
}

/**
 * Parses a typed amount into money of `currency`. Refuses, with a message in `locale`, what it
 * cannot read for certain — see the rules at the top of this file.
 */
export function parseMoneyInput(text: string, currency: string, locale: Locale = FALLBACK_LOCALE): Money {
  const decimal = normalizeAmount(text, locale);
  const exp = exponentOf(currency);
  const frac = decimal.split(".")[1] ?? "";
  if (frac.replace(/0+$/, "").length > exp) {
    refuse(locale, "money_input.too_many_decimals", { text: text.trim().slice(0, 40), decimals: exp, currency });
  }
  try {
    return parseDecimal(decimal, currency);
  } catch {
    return refuse(locale, "money_input.too_large", { text: text.trim().slice(0, 40) });
  }
}
