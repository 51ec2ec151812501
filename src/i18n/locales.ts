// The languages partnerbill speaks and how one is chosen for a person (docs/adr/0036-i18n.md).
// Pure: the HTTP layer (src/http/locale.ts) reads the cookie and the header and calls resolveLocale.

export const LOCALES = ["en", "ru"] as const;
export type Locale = (typeof LOCALES)[number];

/** What a person gets when nothing else says: the partner's setting `locale.default` overrides it. */
export const FALLBACK_LOCALE: Locale = "en";

export function isLocale(v: unknown): v is Locale {
  return typeof v === "string" && (LOCALES as readonly string[]).includes(v);
}

/** A stored or typed value as a locale ("RU", "ru-RU" → "ru"); undefined when we do not speak it. */
export function toLocale(v: unknown): Locale | undefined {
  if (typeof v !== "string") return undefined;
  const primary = v.trim().toLowerCase().split(/[-_]/)[0];
  return isLocale(primary) ? primary : undefined;
}

/**
 * The best supported language of an Accept-Language header ("ru-RU,ru;q=0.9,en;q=0.8"), by q value
 * then by order; ranges with q=0 and "*" are ignored. Undefined when none is supported.
 */
export function fromAcceptLanguage(header: string | undefined | null): Locale | undefined {
  if (!header) return undefined;
  const ranges = header
    .slice(0, 1000)
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find((x) => x !== undefined);
      return { locale: toLocale(tag), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r): r is { locale: Locale; q: number; index: number } => r.locale !== undefined && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranges[0]?.locale;
}

export interface LocaleSources {
  /** The signed-in person's stored preference (customers.locale / staff_users.locale). */
  stored?: string | null | undefined;
  /** The `locale` cookie the language switch sets. */
  cookie?: string | null | undefined;
  /** The request's Accept-Language header. */
  acceptLanguage?: string | null | undefined;
  /** The partner's setting `locale.default`. */
  partnerDefault?: string | null | undefined;
}

/**
 * The locale for one person, first that applies: their stored preference (it follows them across
 * devices; the switch updates it together with the cookie), the cookie, Accept-Language, the
 * partner's default, English. Values we do not speak are skipped, never an error.
 */
export function resolveLocale(s: LocaleSources): Locale {
  return toLocale(s.stored) ?? toLocale(s.cookie) ?? fromAcceptLanguage(s.acceptLanguage) ?? toLocale(s.partnerDefault) ?? FALLBACK_LOCALE;
}

/** BCP 47 tag for Intl and for <html lang>. */
export function intlTag(locale: Locale): string {
  return locale;
}
