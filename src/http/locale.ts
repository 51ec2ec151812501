// The language of one request (docs/adr/0036-i18n.md): the signed-in person's stored choice, the
// `locale` cookie the language switch sets, Accept-Language, the partner's default, English.
// Pages call requestLocale() and pass the result to t() / formatMoney(); the switch calls
// rememberLocale() (and stores the choice on the customer or staff user when one is signed in).
import type { FastifyReply, FastifyRequest } from "fastify";
import { resolveLocale, toLocale, type Locale } from "../i18n/locales.ts";

export const LOCALE_COOKIE = "locale";
const YEAR_SECONDS = 365 * 24 * 3600;

export function requestLocale(request: FastifyRequest, opts: { stored?: string | null; partnerDefault?: string | null } = {}): Locale {
  const header = request.headers["accept-language"];
  return resolveLocale({
    stored: opts.stored,
    cookie: request.cookies?.[LOCALE_COOKIE],
    acceptLanguage: Array.isArray(header) ? header.join(",") : header,
    partnerDefault: opts.partnerDefault,
  });
}

/** A value from a form or query (`?lang=ru`) as a locale we speak, or undefined. */
export function chosenLocale(value: unknown): Locale | undefined {
  return toLocale(value);
}

/** Remembers the choice on this browser for a year. Not a secret: readable, but httpOnly all the same. */
export function rememberLocale(reply: FastifyReply, locale: Locale, secure: boolean): void {
  reply.setCookie(LOCALE_COOKIE, locale, { path: "/", httpOnly: true, sameSite: "lax", secure, maxAge: YEAR_SECONDS });
}
