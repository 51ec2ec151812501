// Every alert kind, declared once; the feature that raises a kind resolves it when its condition
// clears (docs/adr/0031). What a kind means, what to do and when it closes are texts of the i18n
// catalogs (src/i18n/messages.*.ts, keys `alert.<kind>.title|meaning|action|clears`), so staff
// e-mail speaks the reader's language; the dashboard and the CLI read them in English. README's
// operations section lists the same.
import { t, type Locale, type MessageKey } from "../../i18n/index.ts";

export interface AlertKindInfo {
  /** A short name for people (the kind code for a kind this version does not know). */
  title: string;
  /** What is wrong, in one sentence. */
  meaning: string;
  /** What staff should do. */
  action: string;
  /** When it closes by itself ("staff" = only a person can close it). */
  clears: string;
}

/**
 * Every kind, with the values its texts show as they are in every language: commands, settings,
 * names of other products. A button of the console is named by its catalog key (`key:…`), so the
 * text names it as the reader's console labels it.
 */
export const ALERT_CATALOG = {
  negative_margin: {},
  missing_rate: { command: "partnerbill pricing rates set" },
  price_sync_failed: { env: "UPSTREAM_URL", command: "partnerbill upstream check" },
  rates_fetch_failed: {},
  upstream_insufficient_funds: { button: "key:console.order.resume" },
  upstream_low_balance: { env: "UPSTREAM_LOW_BALANCE" },
  upstream_funds_short: { setting: "UPSTREAM_FUNDS_SHORT=proceed" },
  order_needs_attention: {},
  upstream_duplicate_module: {},
  reconcile_failed: { command: "partnerbill upstream check" },
  reconcile_missing_upstream: { command: "partnerbill reconcile show" },
  reconcile_unknown_upstream: {},
  reconcile_expiry_drift: { command: "partnerbill reconcile accept" },
  reconcile_status_drift: {},
  reconcile_license_drift: {},
  stripe_amount_mismatch: { provider: "Stripe" },
  stripe_refund_failed: {},
} as const satisfies Record<string, Readonly<Record<string, string>>>;

export type AlertKind = keyof typeof ALERT_CATALOG;
export const KNOWN_ALERT_KINDS = Object.keys(ALERT_CATALOG) as AlertKind[];
export const ALERT_TEXT_PARTS = ["title", "meaning", "action", "clears"] as const;

// The compiler checks that every kind has its four texts in the catalogs (and messages.ru.ts has
// every key of messages.en.ts): a missing one names itself here.
type AlertTextKey = `alert.${AlertKind}.${(typeof ALERT_TEXT_PARTS)[number]}`;
type MissingAlertText = Exclude<AlertTextKey, MessageKey>;
const everyKindHasItsTexts: [MissingAlertText] extends [never] ? true : MissingAlertText = true;
void everyKindHasItsTexts;

export function isKnownAlertKind(kind: string): kind is AlertKind {
  return Object.hasOwn(ALERT_CATALOG, kind);
}

/** What a kind means, what to do and when it closes, in `locale`; general texts for an unknown kind. */
export function alertInfo(kind: string, locale: Locale = "en"): AlertKindInfo {
  if (!isKnownAlertKind(kind)) {
    return { title: kind, meaning: t(locale, "alert.unknown.meaning"), action: t(locale, "alert.unknown.action"), clears: t(locale, "alert.unknown.clears") };
  }
  const values = Object.fromEntries(Object.entries(ALERT_CATALOG[kind]).map(([k, v]) => [k, v.startsWith("key:") ? t(locale, v.slice(4) as MessageKey) : v]));
  const text = (part: (typeof ALERT_TEXT_PARTS)[number]) => t(locale, `alert.${kind}.${part}`, values);
  return { title: text("title"), meaning: text("meaning"), action: text("action"), clears: text("clears") };
}
