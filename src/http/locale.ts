// The language of one request (docs/adr/0036-i18n.md): the signed-in person's stored choice, the
// `locale` cookie the language switch sets, Accept-Language, the partner's default, English.
// Pages call requestLocale() and pass the result to t() / formatMoney(); the switch calls
// rememberLocale() (and stores the choice on the customer or staff user when one is signed in).
import type { FastifyReply, FastifyRequest } from "fastify";
import { resolveLocale, toLocale, type Locale } from "../i18n/locales.ts";

export const LOCALE_COOKIE = "locale";

/** What a page needs to speak to its reader: set by the session hook (src/http/session.ts). */
export interface PageContext {
  locale: Locale;
  /** The CSRF token of the signed-in session, for forms of the frame (the language switch). */
  formToken?: () => string;
}

const contexts = new WeakMap<FastifyRequest, PageContext>();

export function setPageContext(req: FastifyRequest, context: PageContext): void {
  contexts.set(req, context);
}

/**
 * The language of this page: the signed-in person's choice, the switch's cookie, Accept-Language,
 * the partner's default. Before the session hook ran (an error on the way in) the request's own
 * signals decide.
 */
export function pageLocale(req: FastifyRequest): Locale {
  return contexts.get(req)?.locale ?? requestLocale(req);
}

/** The signed-in session's CSRF token for a form of the frame; undefined when nobody is signed in. */
export function pageFormToken(req: FastifyRequest): string | undefined {
  return contexts.get(req)?.formToken?.();
}
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
