// Business settings that live in the `settings` table (key → text): who sells (printed on every
// invoice), the tax, and how invoices are numbered. Each key has a zod schema that turns the stored
// or typed text into its value; an unknown key or a bad value is refused before anything is stored.
import { z } from "zod";
import { invalidInput } from "../../lib/errors.ts";
import type { TaxRules } from "../tax/tax.logic.ts";
import { normalizeCountry, normalizeVatId } from "../tax/vat.logic.ts";
import { LOCALES, type Locale } from "../../i18n/locales.ts";

const text = (max: number) => z.string().trim().max(max, `at most ${max} characters`);
const flag = z.enum(["true", "false", "yes", "no", "1", "0", "on", "off"]).transform((v) => ["true", "yes", "1", "on"].includes(v));
const wholeNumber = (min: number, max: number) =>
  z.string().trim().regex(/^\d+$/, "a whole number").transform(Number).pipe(z.number().int().min(min).max(max));
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/;
const BIC = /^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

interface SettingDef<T> {
  description: string;
  default: string;
  schema: z.ZodType<T, string>;
}

function def<T>(description: string, dflt: string, schema: z.ZodType<T, string>): SettingDef<T> {
  return { description, default: dflt, schema };
}

export const SETTINGS = {
  "seller.legal_name": def("The seller's legal name, as printed on invoices", "", text(200)),
  "seller.address": def("The seller's postal address (lines separated by \\n or new lines)", "", text(500).transform((v) => v.replaceAll("\\n", "\n"))),
  "seller.country": def("The seller's country, ISO 3166-1 two letters (decides the EU reverse charge)", "", z.string().transform((v) => (v.trim() === "" ? "" : normalizeCountry(v)))),
  "seller.vat_id": def("The seller's VAT number (with country prefix)", "", text(30)),
  "seller.registration_no": def("The seller's company registration number (commercial register, OGRN in Russia), printed on invoices", "", text(60)),
  "seller.email": def("Where customers write about invoices", "", z.string().trim().max(254).refine((v) => v === "" || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), "an e-mail address")),
  "seller.iban": def("IBAN customers transfer to (bank transfer)", "", z.string().transform((v) => v.replace(/\s/g, "").toUpperCase()).refine((v) => v === "" || IBAN.test(v), "an IBAN such as DE89370400440532013000")),
  "seller.bic": def("BIC/SWIFT code of that account", "", z.string().transform((v) => v.replace(/\s/g, "").toUpperCase()).refine((v) => v === "" || BIC.test(v), "a BIC such as COBADEFFXXX")),
  "seller.bank_name": def("Name of the bank of that account", "", text(200)),
  "tax.rate_bp": def("Tax rate in basis points (1900 = 19 %; 0 = no tax)", "0", wholeNumber(0, 10_000)),
  "tax.name": def("What invoices call the tax", "VAT", text(30).refine((v) => v.length > 0, "not empty")),
  "tax.prices_include_tax": def("Catalog prices include the tax (true) or the tax is added on top (false)", "false", flag),
  "invoice.prefix": def("Invoice numbers: prefix before the year (INV-2027-000001)", "INV-", text(20).refine((v) => /^[A-Za-z0-9/_-]*$/.test(v), "letters, digits, / _ -")),
  "invoice.credit_note_prefix": def("Credit note numbers: prefix before the year (CN-2027-000001)", "CN-", text(20).refine((v) => /^[A-Za-z0-9/_-]*$/.test(v), "letters, digits, / _ -")),
  "invoice.digits": def("Digits of the sequence part of a number (zero-padded)", "6", wholeNumber(1, 12)),
  "invoice.payment_days": def("Days a bank-transfer invoice is due in", "14", wholeNumber(0, 365)),
  "approvals.staff_limit_minor": def(
    "Largest credit, refund or balance adjustment (in minor units of its currency, 50000 = 500.00) a staff member makes alone; above it the owner approves (four eyes). Empty: no limit",
    "50000",
    z.string().trim().refine((v) => v === "" || /^\d{1,15}$/.test(v), "a whole number of minor units, or empty for no limit").transform((v) => (v === "" ? null : Number(v))),
  ),
  "locale.default": def(
    `Language of pages, e-mails and invoices for whoever has not chosen one (${LOCALES.join(", ")})`,
    "en",
    z.string().trim().toLowerCase().pipe(z.enum(LOCALES, `one of ${LOCALES.join(", ")}`)),
  ),
} as const;

export type SettingKey = keyof typeof SETTINGS;
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

/** Parses one value; throws invalid_input naming the key and what it expects. */
export function parseSetting(key: string, value: string): unknown {
  if (!isSettingKey(key)) throw invalidInput(`Unknown setting "${key.slice(0, 60)}" (known: ${SETTING_KEYS.join(", ")})`);
  const r = (SETTINGS[key].schema as z.ZodType<unknown, string>).safeParse(value);
  if (!r.success) throw invalidInput(`${key}: ${r.error.issues.map((i) => i.message).join("; ")}`);
  return r.data;
}

export interface SellerDetails {
  legalName: string;
  address: string;
  country: string | null;
  vatId: string | null;
  /** Company registration number (absent in invoices issued before it existed). */
  registrationNo?: string;
  email: string;
  iban: string;
  bic: string;
  bankName: string;
}

export interface InvoiceNumbering {
  prefix: string;
  creditNotePrefix: string;
  digits: number;
  paymentDays: number;
}

export interface MoneySettings {
  /** Four eyes: what a staff member may move alone (null: no limit). */
  approvals: { staffLimitMinor: number | null };
  seller: SellerDetails;
  tax: TaxRules;
  invoice: InvoiceNumbering;
  /** The partner's default language (docs/adr/0036-i18n.md). */
  defaultLocale: Locale;
}

/** The settings from stored rows (defaults for keys never set; a stored value that no longer parses falls back too). */
export function settingsFrom(stored: Readonly<Record<string, string>>): MoneySettings {
  const get = <K extends SettingKey>(key: K): z.output<(typeof SETTINGS)[K]["schema"]> => {
    const raw = stored[key];
    if (raw !== undefined) {
      const r = (SETTINGS[key].schema as z.ZodType<unknown, string>).safeParse(raw);
      if (r.success) return r.data as never;
    }
    return (SETTINGS[key].schema as z.ZodType<unknown, string>).parse(SETTINGS[key].default) as never;
  };
  const country = get("seller.country") || null;
  return {
    approvals: { staffLimitMinor: get("approvals.staff_limit_minor") },
    seller: {
      legalName: get("seller.legal_name"),
      address: get("seller.address"),
      country,
      vatId: get("seller.vat_id") || null,
      registrationNo: get("seller.registration_no"),
      email: get("seller.email"),
      iban: get("seller.iban"),
      bic: get("seller.bic"),
      bankName: get("seller.bank_name"),
    },
    tax: { rateBp: get("tax.rate_bp"), name: get("tax.name"), pricesIncludeTax: get("tax.prices_include_tax"), sellerCountry: country },
    invoice: {
      prefix: get("invoice.prefix"),
      creditNotePrefix: get("invoice.credit_note_prefix"),
      digits: get("invoice.digits"),
      paymentDays: get("invoice.payment_days"),
    },
    defaultLocale: get("locale.default"),
  };
}

/**
 * Bank transfer can be offered once customers know whom to pay: the beneficiary (the seller's
 * legal name) and the account (IBAN). Before that an invoice would print empty bank details.
 */
export function bankDetailsComplete(seller: Pick<SellerDetails, "legalName" | "iban">): boolean {
  return seller.legalName.trim() !== "" && seller.iban !== "";
}

/**
 * The text to store for `key`: the validated value in canonical form. The seller's VAT number is
 * checked against the seller's country (given in `current`).
 */
export function canonicalSetting(key: string, value: string, current: MoneySettings): string {
  const parsed = parseSetting(key, value);
  if (key === "seller.vat_id") {
    const v = String(parsed);
    return v === "" ? "" : normalizeVatId(v, current.seller.country);
  }
  if (typeof parsed === "boolean") return parsed ? "true" : "false";
  if (parsed === null) return "";
  return String(parsed);
}
