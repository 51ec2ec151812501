// The frame of every server-rendered page — <html lang>, the header with its navigation and the
// language switch, the footer — and the readable error page browsers get. The language is the
// page's (pageLocale, docs/adr/0036-i18n.md); every word of the frame comes from the catalogs.
import type { FastifyRequest } from "fastify";
import { LOCALES, type Locale } from "../i18n/locales.ts";
import { t } from "../i18n/t.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { safeNext } from "../modules/accounts/accounts.logic.ts";
import { STYLESHEET_PATH } from "./assets.ts";
import { pageFormToken, pageLocale } from "./locale.ts";
import { realmOfPath } from "./realm.ts";

/** A frame option: a navigation bar above the content and a wider content column (consoles). */
export interface PageFrame {
  nav?: SafeHtml;
  wide?: boolean;
  /** Extra markup for <head> (a page's own script, e.g. the status page's). */
  head?: SafeHtml;
  /** A class of <main> that gives a page its own look (the demo panel). */
  mainClass?: string;
  /** Where the language switch comes back to; the page itself when not said. */
  returnTo?: string;
}

/**
 * Where the language switch posts (src/http/locale.routes.ts): one path per session realm, so that
 * the console's switch sees the signed-in staff user and the portal's the customer.
 */
export const LOCALE_SWITCH_PATHS = { customer: "/locale", staff: "/admin/locale" } as const;

export function page(req: FastifyRequest, title: string, body: SafeHtml, frame: PageFrame = {}): string {
  const locale = pageLocale(req);
  return html`<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · partnerbill</title><link rel="stylesheet" href="${STYLESHEET_PATH}">${frame.head ?? ""}</head>
<body><a class="skip" href="#main">${t(locale, "common.skip_to_content")}</a>${frame.nav ?? publicNav(req, locale, frame.returnTo)}<main id="main"${mainClass(frame)}>${body}</main>
<footer class="site"><div><span>${t(locale, "common.footer")}</span>${languageSwitch(req, locale, frame.returnTo)}</div></footer></body></html>`.toString();
}

/**
 * The header of pages outside the portal and the console (home, sign-in, checkout, the demo
 * pages, error pages): the brand, back home, the customer's account, and the language switch
 * where the eye looks for it (the footer has one on every page too).
 */
export function publicNav(req: FastifyRequest, locale: Locale, returnTo?: string): SafeHtml {
  const staff = realmOfPath(req.url) === "staff";
  const path = req.url.split("?", 1)[0];
  const here = (href: string) => (path === href ? html` class="on" aria-current="page"` : "");
  return html`<nav class="top" aria-label="${t(locale, "common.nav.site")}"><div><a class="brand" href="/"${path === "/" ? html` aria-current="page"` : ""}>partnerbill</a>${
    staff ? html`<a href="/admin">${t(locale, "common.nav.console")}</a>` : html`<a href="/account"${here("/account")}>${t(locale, "common.nav.account")}</a>`
  }${languageSwitch(req, locale, returnTo, "common.language")}</div></nav>`;
}

/**
 * The language switch: a small form per language (no JavaScript), posting the choice and the page
 * to come back to. Each language is named in itself, marked with its own `lang`.
 */
export function languageSwitch(req: FastifyRequest, current: Locale, returnTo?: string, label: "common.language_switch" | "common.language" = "common.language_switch"): SafeHtml {
  const next = returnTo ?? returnAddress(req.url);
  const choices = LOCALES.map((l) =>
    l === current
      ? html`<span class="on" lang="${l}" aria-current="true">${t(l, "locale.name")}</span>`
      : html`<button class="link" type="submit" name="locale" value="${l}" lang="${l}">${t(l, "locale.name")}</button>`,
  );
  return html`<form class="lang" method="post" action="${LOCALE_SWITCH_PATHS[realmOfPath(req.url)]}" aria-label="${t(current, label)}">${csrfField(req)}<input type="hidden" name="next" value="${next}">${choices}</form>`;
}

/**
 * The page to come back to after switching language: this page, with its query — but a `next`
 * parameter that would lead to another site is dropped, so the switch never carries a foreign
 * address onward (the switch's route checks `next` again, src/http/locale.routes.ts).
 */
export function returnAddress(url: string): string {
  if (url.length > 512) return "/";
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const next = params.get("next");
  if (next === null || safeNext(next, "", LOCAL_ORIGIN) === next) return url;
  params.delete("next");
  const rest = params.toString();
  return rest === "" ? url.slice(0, q) : `${url.slice(0, q)}?${rest}`;
}

/** Any origin: safeNext only compares a path's origin with it. */
const LOCAL_ORIGIN = "http://partnerbill.invalid";

function csrfField(req: FastifyRequest): SafeHtml | string {
  const token = pageFormToken(req);
  return token === undefined ? "" : html`<input type="hidden" name="_csrf" value="${token}">`;
}

function mainClass(frame: PageFrame): SafeHtml | string {
  const classes = [frame.wide ? "wide" : "", frame.mainClass ?? ""].filter((x) => x !== "").join(" ");
  return classes === "" ? "" : html` class="${classes}"`;
}

/** The title of an error page for its status, in the page's language. */
export function errorTitle(locale: Locale, status: number): string {
  if (status === 404) return t(locale, "common.error.not_found.title");
  if (status === 401 || status === 403) return t(locale, "common.error.not_allowed.title");
  if (status === 429) return t(locale, "common.error.too_many.title");
  if (status >= 500) return t(locale, "common.error.internal.title");
  return t(locale, "common.error.bad_request.title");
}

/** What an error of this status means, in words for the reader. */
export function errorText(locale: Locale, status: number): string {
  if (status === 404) return t(locale, "common.error.not_found.text");
  if (status === 401 || status === 403) return t(locale, "common.error.not_allowed.text");
  if (status === 429) return t(locale, "common.error.too_many.text");
  if (status === 409) return t(locale, "common.error.conflict.text");
  if (status === 502 || status === 503) return t(locale, "common.error.unavailable.text");
  if (status >= 500) return t(locale, "common.error.internal.text");
  return t(locale, "common.error.bad_request.text");
}

/**
 * The readable error page. `message` is the service's English sentence (what exactly went wrong):
 * shown as it is to English readers; `localized` is the same in the reader's language when the
 * error named a catalog message — without one, other languages get the status's own explanation.
 */
export function errorPage(req: FastifyRequest, status: number, message: string, localized?: string): string {
  const locale = pageLocale(req);
  const title = errorTitle(locale, status);
  const text = localized ?? (locale === "en" ? message : errorText(locale, status));
  const home = realmOfPath(req.url) === "staff" ? "/admin" : "/";
  return page(
    req,
    title,
    html`<div class="card error"><h1>${title}</h1><p>${text}</p><p class="muted">${t(locale, "common.error.status", { status })}</p><p class="actions"><a class="button" href="${home}">${t(locale, "common.error.home")}</a></p></div>`,
    // An error page never repeats the address it was asked for (a foreign id, a query).
    { returnTo: "/" },
  );
}
