// Business settings as typed form fields (the settings page and the set-up wizard's seller, tax
// and bank steps): a label, a hint and, on error, an inline message per setting, in the reader's
// language. What a person types is turned into the stored text here — a percentage into basis
// points, an amount into minor units (parseMoneyInput), a switch into true/false — and the
// settings service validates and stores it (src/modules/settings). On an error nothing is stored
// and the form comes back with what was typed.
import type { FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { countryOptions } from "../../i18n/countries.ts";
import { LOCALES, type Locale } from "../../i18n/locales.ts";
import { parseMoneyInput } from "../../i18n/money-input.ts";
import { t, type MessageKey } from "../../i18n/t.ts";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import type { SettingKey } from "../../modules/settings/settings.logic.ts";
import { pageLocale } from "../locale.ts";
import { staffAct } from "./common.ts";

type Kind = "text" | "textarea" | "email" | "country" | "percent" | "switch" | "locale" | "whole" | "amount";

const KIND: Record<SettingKey, Kind> = {
  "seller.legal_name": "text",
  "seller.address": "textarea",
  "seller.country": "country",
  "seller.vat_id": "text",
  "seller.registration_no": "text",
  "seller.email": "email",
  "seller.iban": "text",
  "seller.bic": "text",
  "seller.bank_name": "text",
  "tax.rate_bp": "percent",
  "tax.name": "text",
  "tax.prices_include_tax": "switch",
  "invoice.prefix": "text",
  "invoice.credit_note_prefix": "text",
  "invoice.digits": "whole",
  "invoice.payment_days": "whole",
  "approvals.staff_limit_minor": "amount",
  "locale.default": "locale",
};

/** The settings page's sections, and the wizard steps that ask for some of them. */
export const SETTING_GROUPS = {
  seller: ["seller.legal_name", "seller.address", "seller.country", "seller.vat_id", "seller.registration_no", "seller.email"],
  bank: ["seller.iban", "seller.bic", "seller.bank_name"],
  tax: ["tax.rate_bp", "tax.name", "tax.prices_include_tax"],
  invoice: ["invoice.prefix", "invoice.credit_note_prefix", "invoice.digits", "invoice.payment_days"],
  approvals: ["approvals.staff_limit_minor"],
  language: ["locale.default"],
} as const satisfies Record<string, readonly SettingKey[]>;

export type SettingGroup = keyof typeof SETTING_GROUPS;

/** The staff limit is typed as an amount with two decimals (its minor units are those of any such currency). */
const LIMIT_CURRENCY = "EUR";

/** What a form shows: the stored values, or what was typed, and the errors of the fields. */
export interface SettingsForm {
  values: Record<string, string>;
  typed?: Record<string, string>;
  errors?: Record<string, string>;
}

const label = (l: Locale, key: SettingKey) => t(l, `page.settings.${key}.label` as MessageKey);
const help = (l: Locale, key: SettingKey, values: Record<string, string>) => t(l, `page.settings.${key}.help` as MessageKey, values);
const fieldError = (l: Locale, key: SettingKey) => t(l, `form.setting.${key}` as MessageKey);
const inputId = (key: string) => `setting-${key.replace(/[._]/g, "-")}`;

/** The stored text as a person types it: 1950 basis points as "19.5" (or "19,5"), 50000 minor units as "500.00". */
function shown(kind: Kind, stored: string, l: Locale): string {
  const comma = (s: string) => (l === "ru" ? s.replace(".", ",") : s);
  if (kind === "percent" && /^\d+$/.test(stored)) return comma(String(Number(stored) / 100));
  if (kind === "amount" && /^\d+$/.test(stored)) return comma((Number(stored) / 100).toFixed(2));
  return stored;
}

/** One setting as a form field: label, control, hint, and the error under it. */
export function settingField(req: FastifyRequest, key: SettingKey, form: SettingsForm): SafeHtml {
  const l = pageLocale(req);
  const kind = KIND[key];
  const id = inputId(key);
  const error = form.errors?.[key];
  const value = form.typed?.[key] ?? shown(kind, form.values[key] ?? "", l);
  const examples = { example: `${form.values[key] ?? ""}${new Date().getUTCFullYear()}-000001` };
  const hint = html`<p class="hint" id="${id}-hint">${help(l, key, examples)}</p>`;
  const described = error ? `${id}-hint ${id}-error` : `${id}-hint`;
  const aria = html` aria-describedby="${described}"${error ? html` aria-invalid="true"` : ""}`;
  const errorText = error ? html`<p class="field-error" id="${id}-error">${error}</p>` : "";
  if (kind === "switch") {
    const on = form.typed && key in form.typed ? form.typed[key] === "true" : form.values[key] === "true";
    // An unchecked box sends nothing: the hidden field says the switch was in the form (so: off).
    return html`<div class="field switch"><input type="hidden" name="${key}${SHOWN}" value="1"><input type="checkbox" id="${id}" name="${key}" value="on"${on ? html` checked` : ""}${aria}> <label for="${id}">${label(l, key)}</label>${hint}${errorText}</div>`;
  }
  let control: SafeHtml;
  if (kind === "textarea") {
    control = html`<textarea id="${id}" name="${key}" rows="3" maxlength="500"${aria}>${value}</textarea>`;
  } else if (kind === "country") {
    const options = countryOptions(l, value);
    control = html`<select id="${id}" name="${key}"${aria}><option value=""${value === "" ? html` selected` : ""}>${t(l, "page.settings.country_none")}</option>${options.map(
      (c) => html`<option value="${c.code}"${c.selected ? html` selected` : ""}>${c.name}</option>`,
    )}</select>`;
  } else if (kind === "locale") {
    control = html`<select id="${id}" name="${key}"${aria}>${LOCALES.map((x) => html`<option value="${x}" lang="${x}"${x === value ? html` selected` : ""}>${t(x, "locale.name")}</option>`)}</select>`;
  } else if (kind === "percent") {
    control = html`<span class="with-unit"><input id="${id}" name="${key}" type="text" inputmode="decimal" maxlength="8" size="8" value="${value}"${aria}> <span>${t(l, "page.settings.unit.percent")}</span></span>`;
  } else if (kind === "whole") {
    const unit = key === "invoice.payment_days" ? html` <span>${t(l, "page.settings.unit.days")}</span>` : "";
    control = html`<span class="with-unit"><input id="${id}" name="${key}" type="text" inputmode="numeric" maxlength="3" size="5" value="${value}"${aria}>${unit}</span>`;
  } else if (kind === "amount") {
    control = html`<input id="${id}" name="${key}" type="text" inputmode="decimal" maxlength="20" size="12" value="${value}"${aria}>`;
  } else {
    const type = kind === "email" ? "email" : "text";
    const max = key === "seller.iban" ? 42 : key === "seller.bic" ? 14 : key === "tax.name" ? 30 : key.startsWith("invoice.") ? 20 : 200;
    control = html`<input id="${id}" name="${key}" type="${type}" maxlength="${max}" value="${value}"${type === "email" ? html` autocomplete="email"` : ""}${aria}>`;
  }
  return html`<div class="field"><label for="${id}">${label(l, key)}</label>${control}${hint}${errorText}</div>`;
}

/** Suffix of the hidden field that goes with a switch. */
const SHOWN = ":shown";

/**
 * The form's fields of `keys` as stored texts, or an error per field (in the reader's language)
 * for what cannot be turned into one. Only the fields the form sent are changed; a switch that was
 * in the form but is not checked is off.
 */
function fromForm(body: unknown, keys: readonly SettingKey[], l: Locale): { typed: Record<string, string>; values: Record<string, string>; errors: Record<string, string> } {
  const b = (body ?? {}) as Record<string, unknown>;
  const typed: Record<string, string> = {};
  const values: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const key of keys) {
    const kind = KIND[key];
    if (b[key] === undefined && (kind !== "switch" || b[`${key}${SHOWN}`] === undefined)) continue;
    const raw = typeof b[key] === "string" ? (b[key] as string).slice(0, 1000) : "";
    if (kind === "switch") {
      typed[key] = raw === "" ? "false" : "true";
      values[key] = typed[key];
      continue;
    }
    typed[key] = raw;
    const text = raw.trim();
    if (kind === "percent") {
      const m = /^(\d{1,3})(?:[.,](\d{1,2}))?$/.exec(text.replace(/\s*%$/, ""));
      const bp = m ? Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0")) : NaN;
      if (!m || bp > 10_000) errors[key] = fieldError(l, key);
      else values[key] = String(bp);
    } else if (kind === "amount") {
      if (text === "") values[key] = "";
      else {
        try {
          values[key] = String(parseMoneyInput(text, LIMIT_CURRENCY, l).minor);
        } catch (e) {
          if (!isAppError(e)) throw e;
          errors[key] = e.message;
        }
      }
    } else values[key] = raw;
  }
  return { typed, values, errors };
}

/**
 * Saves the settings of `keys` from a posted form, all or nothing, with an audit entry of what
 * changed. Returns the errors per field (nothing stored) or null when saved.
 */
export async function saveSettingsForm(c: Container, req: FastifyRequest, keys: readonly SettingKey[]): Promise<{ typed: Record<string, string>; errors: Record<string, string> } | null> {
  const l = pageLocale(req);
  const form = fromForm(req.body, keys, l);
  /** The service's refusal as errors of this form's fields, added to those found here. */
  const refusal = (e: unknown) => {
    if (!isAppError(e) || e.code !== "invalid_input") throw e;
    const wrong = (e.details?.["fields"] ?? {}) as Record<string, string>;
    const errors: Record<string, string> = { ...form.errors };
    for (const key of keys) if (wrong[key] !== undefined) errors[key] = fieldError(l, key);
    // A refusal not tied to a field of this form (none expected) still shows, on the first field.
    if (Object.keys(errors).length === 0) errors[keys[0]!] = e.message;
    return { typed: form.typed, errors };
  };
  if (Object.keys(form.errors).length > 0) {
    // Every field is marked at once: the rest are checked too, and nothing is stored.
    try {
      await c.settings.check(form.values);
    } catch (e) {
      return refusal(e);
    }
    return { typed: form.typed, errors: form.errors };
  }
  const before = await c.settings.list();
  try {
    await c.settings.setMany(form.values);
  } catch (e) {
    return refusal(e);
  }
  const after = await c.settings.list();
  const was = Object.fromEntries(before.map((v) => [v.key, v.value]));
  const now = Object.fromEntries(after.map((v) => [v.key, v.value]));
  const changed = Object.keys(now).filter((k) => was[k] !== now[k]);
  if (changed.length > 0) {
    await c.audit.record(c.db, {
      ...staffAct(req).ctx,
      action: "settings.update",
      subject: { type: "settings", id: "business" },
      before: Object.fromEntries(changed.map((k) => [k, was[k]])),
      after: Object.fromEntries(changed.map((k) => [k, now[k]])),
    });
  }
  return null;
}

/** The stored values of every setting (defaults where never set). */
export async function storedSettings(c: Container): Promise<Record<string, string>> {
  return Object.fromEntries((await c.settings.list()).map((v) => [v.key, v.value]));
}
