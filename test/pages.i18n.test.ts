// Every page a person reads, rendered in every language without a browser (app.inject through
// WebClient, over a world with something on every page: test/helpers/page-world.ts), fails on
//   - a missing key or a broken message (the page is not the status it should be: t() throws),
//   - an ICU placeholder left unformatted ({…}) or an unknown glyph,
//   - <html lang> not the reader's language,
//   - on a Russian page: an English catalog string, or any Latin word that is not data (the
//     customer's own, ids, references, host names, ISO currency codes, product names — see OURS) —
//     an English text
//     written into a template and never put in the catalogs;
//   - on an English page: Cyrillic.
// Visible text is the page's text and its title, placeholders, aria-labels, alt and title
// attributes and button values; <code>, <kbd>, <samp>, <pre>, anything marked translate="no" and
// anything whose `lang` is another language (the language switch names each language in itself)
// are data or deliberately in another language, and are left out.
//
// The table PAGES names every GET route of a page (config surface "page") the app registers: the
// first test fails when a route has no case here, or a case names no route (as in
// test/admin.authz.test.ts). Error pages and a form refused for bad input are rendered too. E-mails,
// invoices and credit notes as documents (HTML and PDF) are checked in test/i18n.render.test.ts.
//
// One dialect (SQLite): the words on a page do not depend on the database; every page's database
// behaviour is tested on both dialects by the tests of its area.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RouteOptions } from "fastify";
import { Parser } from "htmlparser2";
import { LOCALES, toLocale, type Locale } from "../src/i18n/locales.ts";
import { CATALOGS } from "../src/i18n/t.ts";
import { createTestApp } from "./helpers/app.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/db.ts";
import { buildPageWorld, WORLD_DATA, type PageIds, type PageWorld } from "./helpers/page-world.ts";
import type { WebClient } from "./helpers/web-client.ts";

type Who = "anonymous" | "customer" | "staff" | "owner";

interface PageCase {
  who: Who;
  url: (ids: PageIds, locale: Locale) => string;
  /** The status the page answers with; 200 when not said. */
  status?: number;
}

/** Every GET route of a page → the pages to render, or why it is not a page. */
const PAGES: Record<string, PageCase[] | { notAPage: string }> = {
  "GET /": [{ who: "anonymous", url: () => "/" }],
  "GET /assets/:file": { notAPage: "the stylesheet (checked by the W3C Nu checker in the browser tests)" },
  // ---- checkout and the demo (src/http/checkout.routes.ts, demo*.routes.ts) ----
  "GET /checkout/:id": [
    { who: "anonymous", url: (i) => `/checkout/${i.unclaimedOrder}` },
    { who: "customer", url: (i) => `/checkout/${i.pendingOrder}` },
  ],
  "GET /checkout/:id/status": [
    { who: "customer", url: (i) => `/checkout/${i.order}/status` },
    { who: "customer", url: (i) => `/checkout/${i.pendingOrder}/status` },
    { who: "customer", url: (i) => `/checkout/${i.queuedOrder}/status` },
    { who: "customer", url: (i) => `/checkout/${i.refundedOrder}/status` },
  ],
  // Stripe sends the payer back here; with card payments off (this world) it is a 404 page.
  "GET /payments/stripe/return": [{ who: "customer", url: () => "/payments/stripe/return?session_id=cs_test_unknown", status: 404 }],
  "GET /demo/panel": [
    { who: "anonymous", url: () => "/demo/panel" },
    { who: "anonymous", url: () => "/demo/panel?license=100001" },
  ],
  "GET /demo/mailbox": [{ who: "anonymous", url: () => "/demo/mailbox" }],
  "GET /demo/mailbox/:id": [{ who: "anonymous", url: (i, l) => `/demo/mailbox/${i.mail[l]}` }],
  // ---- accounts (src/http/account.routes.ts) ----
  "GET /account/signup": [{ who: "anonymous", url: () => "/account/signup" }],
  "GET /account/link.js": { notAPage: "the script that reads an e-mailed link's token" },
  "GET /account/verify": [{ who: "anonymous", url: () => "/account/verify" }],
  "GET /account/reset": [{ who: "anonymous", url: () => "/account/reset" }],
  "GET /account/login": [{ who: "anonymous", url: () => "/account/login" }],
  "GET /account/logout": [{ who: "customer", url: () => "/account/logout" }],
  "GET /account/forgot": [{ who: "anonymous", url: () => "/account/forgot" }],
  // ---- licenses: the storefront and the portal's list (src/http/licenses.routes.ts) ----
  "GET /licenses": [{ who: "anonymous", url: () => "/licenses" }, { who: "customer", url: () => "/licenses" }],
  "GET /account/licenses": [{ who: "customer", url: () => "/account/licenses" }],
  // A license is shown in the list (a redirect to its card); one that is not the reader's is a 404 page.
  "GET /account/licenses/:id": [{ who: "customer", url: () => "/account/licenses/lic_zzzzzz9", status: 404 }],
  "GET /account/licenses/:id/key.txt": { notAPage: "the license key as a text file to download" },
  // ---- the portal (src/http/portal) ----
  "GET /account": [{ who: "customer", url: () => "/account" }],
  "GET /account/modules/:id/renew": [{ who: "customer", url: (i) => `/account/modules/${i.module}/renew` }],
  "GET /account/modules/:id/move": [{ who: "customer", url: (i) => `/account/modules/${i.module}/move` }],
  "GET /account/orders": [{ who: "customer", url: () => "/account/orders" }],
  "GET /account/orders/:id": [
    { who: "customer", url: (i) => `/account/orders/${i.order}` },
    { who: "customer", url: (i) => `/account/orders/${i.refundedOrder}` },
    { who: "customer", url: (i) => `/account/orders/${i.pendingOrder}` },
    { who: "customer", url: (i) => `/account/orders/${i.queuedOrder}` },
  ],
  "GET /account/invoices": [{ who: "customer", url: () => "/account/invoices" }],
  "GET /account/invoices/:id": [
    { who: "customer", url: (i) => `/account/invoices/${i.invoice}` },
    { who: "customer", url: (i) => `/account/invoices/${i.creditNote}` },
    { who: "customer", url: (i) => `/account/invoices/${i.pendingInvoice}` },
  ],
  "GET /account/balance": [{ who: "customer", url: () => "/account/balance" }],
  "GET /account/balance/transfers/:id": [{ who: "customer", url: (i) => `/account/balance/transfers/${i.topUp}` }],
  "GET /account/details": [{ who: "customer", url: () => "/account/details" }],
  // ---- the console (src/http/admin*, src/http/admin/*) ----
  "GET /admin/login": [{ who: "anonymous", url: () => "/admin/login" }],
  "GET /admin/logout": [{ who: "staff", url: () => "/admin/logout" }],
  // Two-factor set-up lives on the staff member's own account page now; the old address sends there.
  "GET /admin/totp": [{ who: "staff", url: () => "/admin/totp", status: 303 }],
  "GET /admin/account": [{ who: "staff", url: () => "/admin/account" }],
  // The owner form of a fresh install is rendered by its own test below.
  "GET /admin/setup": [{ who: "owner", url: () => "/admin/setup" }],
  "GET /admin": [{ who: "staff", url: () => "/admin" }],
  "GET /admin/orders": [
    { who: "staff", url: () => "/admin/orders" },
    { who: "staff", url: () => "/admin/orders?q=anna%40customer.example&state=active" },
  ],
  "GET /admin/orders/:id": [
    { who: "staff", url: (i) => `/admin/orders/${i.order}` },
    { who: "staff", url: (i) => `/admin/orders/${i.refundedOrder}` },
    { who: "staff", url: (i) => `/admin/orders/${i.pendingOrder}` },
    { who: "staff", url: (i) => `/admin/orders/${i.queuedOrder}` },
  ],
  "GET /admin/manual": [{ who: "staff", url: () => "/admin/manual" }],
  "GET /admin/invoices/:id": [
    { who: "staff", url: (i) => `/admin/invoices/${i.invoice}` },
    { who: "staff", url: (i) => `/admin/invoices/${i.creditNote}` },
  ],
  "GET /admin/invoices": [
    { who: "staff", url: () => "/admin/invoices" },
    { who: "staff", url: () => "/admin/invoices?kind=credit_note" },
  ],
  "GET /admin/transfers": [{ who: "staff", url: () => "/admin/transfers" }],
  "GET /admin/rates": [{ who: "staff", url: () => "/admin/rates" }],
  "GET /admin/invoices/:id/pdf": { notAPage: "a PDF (its words: test/i18n.render.test.ts)" },
  "GET /admin/customers": [{ who: "staff", url: () => "/admin/customers" }],
  "GET /admin/customers/:id": [{ who: "staff", url: (i) => `/admin/customers/${i.customer}` }],
  "GET /admin/ledger": [{ who: "staff", url: () => "/admin/ledger" }],
  "GET /admin/jobs": [{ who: "staff", url: () => "/admin/jobs" }],
  "GET /admin/audit": [{ who: "staff", url: () => "/admin/audit" }],
  "GET /admin/approvals": [{ who: "staff", url: () => "/admin/approvals" }],
  "GET /admin/catalog": [{ who: "staff", url: () => "/admin/catalog" }],
  "GET /admin/catalog/:ref": [{ who: "staff", url: () => "/admin/catalog/23221" }],
  "GET /admin/settings": [{ who: "owner", url: () => "/admin/settings" }],
  "GET /admin/staff": [{ who: "owner", url: () => "/admin/staff" }],
  "GET /admin/tokens": [{ who: "owner", url: () => "/admin/tokens" }],
  "GET /admin/webhooks": [{ who: "owner", url: () => "/admin/webhooks" }],
  "GET /admin/webhooks/deliveries/:id": [{ who: "owner", url: (i) => `/admin/webhooks/deliveries/${i.delivery}` }],
};

/** Pages that say something went wrong: every one in the reader's language, with its status. */
const ERROR_PAGES: Array<PageCase & { what: string }> = [
  { what: "an unknown address", who: "anonymous", url: () => "/no/such/page", status: 404 },
  { what: "an unknown order in the portal", who: "customer", url: () => "/account/orders/ord_zzzzzz9", status: 404 },
  { what: "an unknown checkout", who: "anonymous", url: () => "/checkout/ord_zzzzzz9", status: 404 },
  { what: "an unknown order in the console", who: "staff", url: () => "/admin/orders/ord_zzzzzz9", status: 404 },
  { what: "an unknown invoice", who: "customer", url: () => "/account/invoices/inv_zzzzzz9", status: 404 },
  { what: "an unknown message of the demo mailbox", who: "anonymous", url: () => "/demo/mailbox/mail_zzzzzz9", status: 404 },
  { what: "an owner's page opened by staff", who: "staff", url: () => "/admin/settings", status: 403 },
  { what: "a page of the order list that does not exist", who: "customer", url: () => "/account/orders?after=not-a-cursor", status: 400 },
];

/** Forms refused for what was typed: the refusal in the reader's language, as a page. */
const REFUSED_FORMS: Array<{ what: string; who: Who; page: (ids: PageIds) => string; action: (ids: PageIds) => string; fields: Record<string, string> }> = [
  { what: "sign-up with an address that is not one", who: "anonymous", page: () => "/account/signup", action: () => "/account/signup", fields: { email: "not an address" } },
  { what: "sign-in with a wrong password", who: "anonymous", page: () => "/account/login", action: () => "/account/login", fields: { email: "anna@customer.example", password: "wrong password 123" } },
  { what: "a top-up of nothing", who: "customer", page: () => "/account/balance", action: () => "/account/balance/top-up", fields: { amount: "0", currency: "EUR", method: "bank_transfer" } },
  { what: "a move to a license that is not a number", who: "customer", page: (i) => `/account/modules/${i.module}/move`, action: (i) => `/account/modules/${i.module}/move`, fields: { license: "abc", ip: "" } },
  { what: "details with a country that does not exist", who: "customer", page: () => "/account/details", action: () => "/account/details", fields: { name: "Anna Petrova", company: "", address: "", country: "Atlantis", vatId: "" } },
  { what: "a price that is not an amount", who: "staff", page: () => "/admin/catalog/23221", action: () => "/admin/catalog/23221/price", fields: { period: "1", amount: "abc", currency: "EUR" } },
  { what: "a settings value out of range", who: "owner", page: () => "/admin/settings", action: () => "/admin/settings", fields: { "invoice.payment_days": "1000" } },
  { what: "a staff sign-in with a wrong password", who: "anonymous", page: () => "/admin/login", action: () => "/admin/login", fields: { email: "desk@partner.example", password: "wrong password 123" } },
];

/** Words on a Russian page that are names, not English: products, currencies, standards. */
const OURS = [
  "partnerbill", "ispmanager", "BILLmanager", "DDoS-GUARD", "Dr.Web", "BitNinja", "Lite", "Pro", "Host", "Stripe",
  "EUR", "RUB", "USD", "IBAN", "BIC", "SWIFT", "VAT", "PDF", "API", "URL", "UTC", "TOTP", "HTTP", "HTTPS", "SMTP", "JSON", "XML", "GmbH",
];

const SKIPPED_ELEMENTS = new Set(["script", "style", "code", "kbd", "samp", "pre", "template"]);
const TEXT_ATTRIBUTES = ["title", "placeholder", "aria-label", "alt"];

/** What a person reads on the page (see the head of this file for what is left out). */
export function visibleText(html: string, locale: Locale): string {
  const parts: string[] = [];
  const skipping: boolean[] = [];
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        const otherLanguage = name !== "html" && attrs["lang"] !== undefined && toLocale(attrs["lang"]) !== locale;
        const skip = skipDepth > 0 || SKIPPED_ELEMENTS.has(name) || otherLanguage || attrs["translate"] === "no" || (name === "input" && attrs["type"] === "hidden");
        if (!skip) {
          for (const a of TEXT_ATTRIBUTES) if (attrs[a]) parts.push(attrs[a]);
          if (name === "input" && ["submit", "button", "reset"].includes(attrs["type"] ?? "") && attrs["value"]) parts.push(attrs["value"]);
        }
        skipping.push(skip);
        if (skip) skipDepth++;
      },
      ontext(text) {
        if (skipDepth === 0) parts.push(text);
      },
      onclosetag() {
        if (skipping.pop()) skipDepth--;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return parts.join(" ").replace(/\s+/g, " ").trim();
}

/** Literal pieces of every English catalog string long enough to be telling and not the same in Russian. */
function englishFragments(): string[] {
  const russian = Object.values(CATALOGS.ru).join("\n");
  const out = new Set<string>();
  for (const message of Object.values(CATALOGS.en)) {
    for (const piece of message.split(/\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|[{}#]/)) {
      const p = piece.trim();
      if (p.length >= 8 && /[A-Za-z]{4}/.test(p) && !russian.includes(p)) out.add(p);
    }
  }
  return [...out];
}
const ENGLISH = englishFragments();

/** The problems of one rendered page; none when it speaks `locale` throughout. */
export function languageProblems(locale: Locale, html: string, data: readonly string[]): string[] {
  const problems: string[] = [];
  const lang = /<html[^>]*\slang="([^"]*)"/.exec(html)?.[1];
  if (lang !== locale) problems.push(`<html lang="${lang ?? ""}">`);
  const text = visibleText(html, locale);
  if (text.length === 0) return [...problems, "no visible text"];
  const placeholder = /[{}]|\uFFFD/.exec(text);
  if (placeholder) problems.push(`an unformatted placeholder or unknown glyph near «${text.slice(Math.max(0, placeholder.index - 40), placeholder.index + 40)}»`);
  if (locale === "en") {
    const cyrillic = text.match(/[А-Яа-яЁё]+/g);
    if (cyrillic) problems.push(`Cyrillic in English: ${[...new Set(cyrillic)].slice(0, 10).join(", ")}`);
    return problems;
  }
  const fragments = ENGLISH.filter((f) => text.includes(f));
  if (fragments.length > 0) problems.push(`English catalog text: ${fragments.slice(0, 8).map((f) => `«${f}»`).join(", ")}${fragments.length > 8 ? ` and ${fragments.length - 8} more` : ""}`);
  let rest = text
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, " ")
    .replace(/\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|ru|de|io|test|example|local)\b/g, " ")
    .replace(/\b[a-z]{2,5}_(?:[0-9a-z]{4,}\b|…)/g, " ")
    .replace(/\b[A-Z]{3}\b/g, " ")
    .replace(/\b(PB|INV|CN)-[A-Z0-9-]+\b/g, " ")
    .replace(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g, " ");
  for (const own of [...data, ...OURS].filter((x) => x.trim().length >= 3).sort((a, b) => b.length - a.length)) rest = rest.split(own).join(" ");
  const latin = rest.match(/[A-Za-z]{3,}/g);
  if (latin) problems.push(`Latin words: ${[...new Set(latin)].slice(0, 25).join(", ")}${new Set(latin).size > 25 ? " …" : ""}`);
  if (!/[А-Яа-яЁё]{4}/.test(text)) problems.push("no Russian");
  return problems;
}

describe("every page in every language", () => {
  let db: TestDatabase;
  let w: PageWorld;
  const registered: string[] = [];
  let data: string[] = [];

  before(async () => {
    db = await createTestDatabase("sqlite");
    w = await buildPageWorld(db, {
      onRoute: (r: RouteOptions) => {
        const surface = (r.config as { surface?: string } | undefined)?.surface;
        for (const m of [r.method].flat()) if (m === "GET" && surface === "page") registered.push(`${m} ${r.url}`);
      },
    });
    data = [...WORLD_DATA, ...(await w.c.catalog.listModules()).map((m) => m.module.name)];
  });
  after(async () => {
    await w?.close();
    await db?.dispose();
  });

  it("has a case for every GET route of a page the app registers, and no case without a route", () => {
    assert.ok(registered.length > 30, `the onRoute hook saw ${registered.length} page routes`);
    assert.deepEqual(registered.filter((r) => !(r in PAGES)).sort(), [], "page routes without a case in PAGES: add the pages they render");
    assert.deepEqual(Object.keys(PAGES).filter((r) => !registered.includes(r)).sort(), [], "cases of routes that no longer exist");
  });

  async function render(web: WebClient, url: string, status: number, locale: Locale, what: string): Promise<string[]> {
    const res = await web.get(url);
    if (res.statusCode !== status) return [`${what} ${url} (${locale}): status ${res.statusCode}, expected ${status}: ${res.body.slice(0, 300)}`];
    if (status >= 300 && status < 400) return [];
    assert.match(String(res.headers["content-type"]), /^text\/html/, `${url} is a page`);
    return languageProblems(locale, res.body, data).map((p) => `${what} ${url} (${locale}): ${p}`);
  }

  for (const locale of LOCALES) {
    it(`renders every page in ${locale}`, async () => {
      const problems: string[] = [];
      for (const [route, cases] of Object.entries(PAGES)) {
        if (!Array.isArray(cases)) continue;
        for (const pc of cases) problems.push(...(await render(await w.client(pc.who, locale), pc.url(w.ids, locale), pc.status ?? 200, locale, route)));
      }
      assert.deepEqual(problems, []);
    });

    it(`renders every error page in ${locale}`, async () => {
      const problems: string[] = [];
      for (const e of ERROR_PAGES) problems.push(...(await render(await w.client(e.who, locale), e.url(w.ids, locale), e.status ?? 200, locale, e.what)));
      assert.deepEqual(problems, []);
    });

    it(`refuses bad input in ${locale}, on a page in ${locale}`, async () => {
      const problems: string[] = [];
      for (const f of REFUSED_FORMS) {
        const web = await w.client(f.who, locale);
        const res = await web.submit(f.page(w.ids), f.action(w.ids), f.fields);
        if (res.statusCode < 400 || res.statusCode >= 500) {
          problems.push(`${f.what} (${locale}): status ${res.statusCode}, expected a 4xx page: ${res.body.slice(0, 200)}`);
          continue;
        }
        // What was typed may be shown back (kept in the field, named in the message): it is data.
        problems.push(...languageProblems(locale, res.body, [...data, ...Object.values(f.fields)]).map((p) => `${f.what} (${locale}): ${p}`));
      }
      assert.deepEqual(problems, []);
    });
  }

  it("renders a fresh install's first wizard step (creating the owner) in every language", async () => {
    const fresh = await createTestDatabase("sqlite");
    const { app } = await createTestApp(fresh);
    try {
      const problems: string[] = [];
      for (const locale of LOCALES) {
        const res = await app.inject({ method: "GET", url: "/admin/setup", headers: { cookie: `locale=${locale}` } });
        assert.equal(res.statusCode, 200);
        assert.match(res.body, /action="\/admin\/setup\/owner"/, "the owner form");
        problems.push(...languageProblems(locale, res.body, data).map((p) => `/admin/setup, no owner yet (${locale}): ${p}`));
      }
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
      await fresh.dispose();
    }
  });

  it("can fail: finds English, Latin and placeholders on a Russian page, Cyrillic on an English one", () => {
    const ru = (body: string) => `<!doctype html><html lang="ru"><head><title>Заказы</title></head><body>${body}</body></html>`;
    assert.deepEqual(languageProblems("ru", ru("<h1>Ваши заказы</h1><p>Модуль <code>ord_123</code> активен</p><span lang=\"en\">English</span>"), []), []);
    const english = ENGLISH[0]!;
    assert.match(languageProblems("ru", ru(`<h1>Ваши заказы</h1><p>${english}</p>`), []).join("\n"), /English catalog text/);
    assert.match(languageProblems("ru", ru('<h1>Ваши заказы</h1><button aria-label="Close">×</button>'), []).join("\n"), /Latin words: Close/);
    assert.match(languageProblems("ru", ru("<h1>Ваши заказы</h1><p>{count} модулей</p>"), []).join("\n"), /unformatted placeholder/);
    assert.match(languageProblems("ru", ru('<h1>Ваши заказы</h1><input placeholder="Search">'), []).join("\n"), /Latin words: Search/);
    assert.match(languageProblems("en", '<html lang="en"><body><p>Заказы</p></body></html>', []).join("\n"), /Cyrillic in English/);
    assert.match(languageProblems("en", '<html lang="ru"><body><p>Orders</p></body></html>', []).join("\n"), /<html lang="ru">/);
    assert.deepEqual(languageProblems("ru", ru("<h1>Счёт для anna@customer.example</h1><p>Anna Petrova, DDoS-GUARD, 15 000,00 ₽</p>"), ["Anna Petrova"]), []);
  });
});
