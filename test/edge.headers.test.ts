// Security headers on every surface, over real HTTP: pages, error pages, 404s, JSON, /billmgr
// documents (also from the price-list fast path), the demo panel, invoices, assets. Pages carry no
// inline <script>, <style> or style="" (so style-src/script-src 'self' hold), and link the one
// stylesheet at a content-hashed URL that is served with a year-long immutable cache. A real
// browser then reports no CSP violation on a few pages.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { STYLESHEET_PATH, SETUP_SCRIPT_PATH } from "../src/http/assets.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { listenOnSandbox } from "./helpers/app.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";
import { launchBrowser } from "./helpers/browser.ts";
import { PORTAL_PASSWORD } from "./helpers/portal.ts";

const EXPORT = "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";

interface Got { status: number; body: string; headers: Headers; url: string }

async function get(base: string, path: string, init: RequestInit = {}): Promise<Got> {
  const r = await fetch(base + path, { redirect: "manual", ...init });
  return { status: r.status, body: await r.text(), headers: r.headers, url: path };
}

function assertSecurityHeaders(g: Got, https: boolean) {
  const h = g.headers;
  const csp = String(h.get("content-security-policy"));
  assert.match(csp, /(^|;)default-src 'self'(;|$)/, `${g.url}: CSP ${csp}`);
  assert.match(csp, /(^|;)script-src 'self'(;|$)/, g.url);
  assert.match(csp, /(^|;)style-src 'self'(;|$)/, g.url);
  assert.match(csp, /(^|;)frame-ancestors 'none'(;|$)/, g.url);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, g.url);
  assert.equal(h.get("x-content-type-options"), "nosniff", g.url);
  assert.equal(h.get("referrer-policy"), "no-referrer", g.url);
  assert.equal(h.get("x-frame-options"), "DENY", g.url);
  if (https) assert.equal(h.get("strict-transport-security"), "max-age=31536000", g.url);
  else assert.equal(h.get("strict-transport-security"), null, `${g.url}: no HSTS over plain http`);
}

function assertNoInlineCode(g: Got) {
  assert.doesNotMatch(g.body, /<style/i, `${g.url} has a <style> block`);
  assert.doesNotMatch(g.body, /\sstyle=/i, `${g.url} has a style="" attribute`);
  assert.doesNotMatch(g.body, /<script(?![^>]*\ssrc=)[^>]*>/i, `${g.url} has an inline <script>`);
  assert.doesNotMatch(g.body, /\son[a-z]+=/i, `${g.url} has an inline event handler`);
}

describeEachDialect("security headers on every surface", (ctx) => {
  let sandbox: TestSandbox;
  before(async () => { sandbox = await startSandbox(); });
  after(async () => { await sandbox.stop(); });

  for (const https of [true, false]) {
    it(`sets them on pages, errors, 404s, JSON, /billmgr, the demo panel, invoices and assets (PUBLIC_URL ${https ? "https" : "http"})`, async () => {
      const s = await listenOnSandbox(ctx(), sandbox, { PUBLIC_URL: https ? "https://billing.test" : "http://billing.test" });
      try {
        // A customer with an invoice, signed in, to see the portal and an invoice page.
        const cu = await s.c.customers.add({ email: "ann@example.com" });
        await s.c.repos.accounts.setCustomerPassword(s.c.db, cu.id, await s.c.passwords.hash(PORTAL_PASSWORD), s.c.clock.now().toISOString(), true);
        await s.c.customers.credit(cu.id, { amount: "100.00", currency: "EUR", reason: "opening balance", actor: "test" });
        const order = (await s.c.orders.intake({ license: "100001", module_id: "23221" }, null)).order;
        const paid = await s.c.orders.payFromBalance(order.id, cu.id, "test");
        const session = await s.c.sessions.start("customer", cu.id);
        const cookie = { cookie: `${https ? "__Host-" : ""}pb_session=${session.token}` };

        const pages: Got[] = [
          await get(s.base, "/"),
          await get(s.base, "/account/login"),
          await get(s.base, "/account/signup"),
          await get(s.base, "/demo/panel"),
          await get(s.base, `/checkout/${order.id}`),
          await get(s.base, "/account", { headers: cookie }),
          await get(s.base, `/account/invoices/${paid.invoice_id}`, { headers: cookie }),
          await get(s.base, "/no/such/page"),
          await get(s.base, "/account/verify?token=%00"),
          await get(s.base, "/admin/setup"),
        ];
        for (const p of pages) {
          assert.ok(p.status < 500, `${p.url}: ${p.status}`);
          assertSecurityHeaders(p, https);
          if (p.status === 200 || p.status >= 400) {
            assert.match(String(p.headers.get("content-type")), /^text\/html/, p.url);
            assertNoInlineCode(p);
            assert.ok(p.body.includes(`<link rel="stylesheet" href="${STYLESHEET_PATH}">`), `${p.url} links the stylesheet`);
          }
        }
        assert.equal(pages[7]!.status, 404);
        assert.equal(pages[8]!.status, 400);
        assert.match(pages[6]!.body, /<div class="sheet" lang="[a-z]+">/, "the invoice page is served");

        const machine: Got[] = [
          await get(s.base, "/healthz"),
          await get(s.base, "/api/v1/nothing"),
          await get(s.base, "/api/openapi.json"),
          await get(s.base, EXPORT),
          await get(s.base, EXPORT), // the second one from the fast path
          await get(s.base, "/billmgr?func=nothing"),
          await get(s.base, `/account/invoices/${paid.invoice_id}/pdf`, { headers: cookie }),
        ];
        for (const m of machine) assertSecurityHeaders(m, https);
        assert.match(machine[4]!.body, /<id>23221<\/id>/);

        // The stylesheet: its hash in the URL, cached for a year, CSS not HTML-escaped.
        assert.match(STYLESHEET_PATH, /^\/assets\/app\.[0-9a-f]{16}\.css$/);
        const css = await get(s.base, STYLESHEET_PATH);
        assert.equal(css.status, 200);
        assertSecurityHeaders(css, https);
        assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
        assert.equal(css.headers.get("cache-control"), "public, max-age=31536000, immutable");
        assert.match(css.body, /"Segoe UI"/, "quotes in the CSS arrive as quotes");
        assert.doesNotMatch(css.body, /&quot;|&#39;|&amp;/);
        assert.match(css.body, /body\.invoice\{/, "the invoice's look is in it");
        const again = await get(s.base, STYLESHEET_PATH, { headers: { "if-none-match": String(css.headers.get("etag")) } });
        assert.equal(again.status, 304);
        assert.equal((await get(s.base, "/assets/app.0000000000000000.css")).status, 404, "another release's hash is not served");
        const js = await get(s.base, SETUP_SCRIPT_PATH);
        assert.equal(js.status, 200);
        assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
      } finally {
        await s.app.close();
        await s.c.close();
      }
    });
  }

  it("a real browser reports no Content-Security-Policy violation on the home page, sign-in, demo panel, checkout, portal and an invoice", async () => {
    const s = await listenOnSandbox(ctx(), sandbox, { PUBLIC_URL: "http://127.0.0.1" });
    const browser = await launchBrowser();
    try {
      const cu = await s.c.customers.add({ email: "bob@example.com" });
      await s.c.repos.accounts.setCustomerPassword(s.c.db, cu.id, await s.c.passwords.hash(PORTAL_PASSWORD), s.c.clock.now().toISOString(), true);
      await s.c.customers.credit(cu.id, { amount: "100.00", currency: "EUR", reason: "opening balance", actor: "test" });
      const order = (await s.c.orders.intake({ license: "100002", module_id: "23221" }, null)).order;
      const paid = await s.c.orders.payFromBalance(order.id, cu.id, "test");

      const violations: string[] = [];
      const page = browser.page;
      page.on("console", (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) => console.error(`Refused to … CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
      });
      const visit = async (path: string) => {
        const r = await page.goto(s.base + path);
        assert.ok(r && r.status() < 500, path);
        // The stylesheet applied: the page frame's font is set by it alone.
        const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
        assert.match(font, /system-ui|Segoe UI/, `${path}: the stylesheet applies (font ${font})`);
      };
      await visit("/");
      await visit("/account/login");
      await visit("/demo/panel");
      await visit(`/checkout/${order.id}`);
      await visit("/account/login");
      await page.fill("input[name=email]", "bob@example.com");
      await page.fill("input[name=password]", PORTAL_PASSWORD);
      await Promise.all([page.waitForNavigation(), page.click("form[action='/account/login'] button[type=submit]")]);
      await visit("/account");
      await visit(`/account/invoices/${paid.invoice_id}`);
      await visit("/no/such/page");
      await browser.screenshot("csp-not-found-page");
      assert.deepEqual(violations, []);
    } finally {
      await browser.close();
      await s.app.close();
      await s.c.close();
    }
  });
});
