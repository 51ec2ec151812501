// The set-up wizard and the owner's pages over real fastify (WebClient) on both dialects, with the
// sandbox over real HTTP for the live credential check: the first owner exactly once, credentials
// checked, refused or stored sealed and used by the upstream client, costs and markup, a price
// change reaching pricelist.export over HTTP, settings validation, staff, and audit entries.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { loadConfig, UPSTREAM_PRESETS } from "../src/app/config.ts";
import { openContainer } from "../src/cli/runtime.ts";
import { SETUP_KEYS } from "../src/modules/setup/setup.service.ts";
import { setupEn } from "../src/i18n/catalog/setup.en.ts";
import { createTestApp, TEST_SECRET } from "./helpers/app.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";
import { WebClient } from "./helpers/web-client.ts";

const OWNER = { email: "owner@example.com", password: "correct horse battery" };
const WRONG = "tok-wrong-password-9f3a";

let sb: TestSandbox;
before(async () => {
  sb = await startSandbox();
});
after(async () => {
  await sb.stop();
});

async function setupApp(t: TestDatabase, env: Record<string, string> = {}) {
  // UPSTREAM_URL names the sandbox; no UPSTREAM_USER/PASSWORD: the wizard's credentials are used.
  return createTestApp(t, { UPSTREAM_URL: sb.billmgrUrl, PUBLIC_URL: "https://billing.example.com", ...env });
}

async function createOwner(web: WebClient) {
  return web.submit("/admin/setup", "/admin/setup/owner", OWNER);
}

async function auditActions(c: Container): Promise<string[]> {
  return (await c.audit.list({ limit: 200 })).entries.map((e) => e.action);
}

async function storedSettings(c: Container): Promise<Record<string, string>> {
  return c.repos.settings.all(c.db);
}

describeEachDialect("admin set-up wizard", (ctx) => {
  it("leads every admin page to the wizard until an owner exists, then never offers the create step again", async () => {
    const { app, c } = await setupApp(ctx());
    const web = new WebClient(app);
    for (const path of ["/admin", "/admin/catalog", "/admin/login"]) {
      const r = await web.get(path);
      assert.equal(r.statusCode, 303, path);
      assert.equal(r.headers.location, "/admin/setup");
    }
    assert.match((await web.get("/admin/setup")).body, /Create the owner/);
    const weak = await web.post("/admin/setup/owner", { email: OWNER.email, password: "short" });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /class="field-error" id="password-error">[^<]*characters/);
    assert.match(weak.body, /id="email"[^>]*value="owner@example\.com"/, "the e-mail typed is kept");
    assert.equal((await c.staffAuth.list()).length, 0, "nothing created");
    const created = await createOwner(web);
    assert.equal(created.statusCode, 303, created.body);
    assert.equal(created.headers.location, "/admin/setup?ok=owner");
    const wizard = await web.get("/admin/setup?ok=owner");
    assert.match(wizard.body, /Client area and credentials/);

    const stranger = new WebClient(app, "198.51.100.9");
    const again = await stranger.get("/admin/setup");
    assert.equal(again.statusCode, 303);
    assert.match(String(again.headers.location), /^\/admin\/login/);
    await stranger.get("/admin/login");
    const late = await stranger.post("/admin/setup/owner", { email: "intruder@example.com", password: "another long password" });
    assert.equal(late.statusCode, 409);
    assert.deepEqual((await app.inject({ method: "GET", url: "/admin/login" })).statusCode, 200);
  });

  it("creates exactly one owner when two browsers submit at the same moment", async () => {
    const { app, c } = await setupApp(ctx());
    const a = new WebClient(app, "198.51.100.1");
    const b = new WebClient(app, "198.51.100.2");
    await a.get("/admin/setup");
    await b.get("/admin/setup");
    const [ra, rb] = await Promise.all([
      a.post("/admin/setup/owner", { email: "a@example.com", password: "first long password" }),
      b.post("/admin/setup/owner", { email: "b@example.com", password: "second long password" }),
    ]);
    assert.deepEqual([ra.statusCode, rb.statusCode].sort(), [303, 409]);
    const staff = await c.staffAuth.list();
    assert.equal(staff.length, 1);
    assert.equal(staff[0]!.role, "owner");
    assert.equal((await auditActions(c)).filter((x) => x === "staff.create_owner").length, 1);
  });

  it("lets one of two first-owner transactions through even when both start before either writes", async () => {
    const { c } = await setupApp(ctx());
    // Both transactions wait here until both have started (SQLite runs one transaction at a time,
    // so there the first goes on after a moment), then race for the claim row.
    let arrived = 0;
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const claim = async (tx: Parameters<typeof c.repos.settings.insertIfAbsent>[0]) => {
      if (++arrived === 2) release();
      await Promise.race([gate, new Promise((r) => setTimeout(r, 300))]);
      return c.repos.settings.insertIfAbsent(tx, SETUP_KEYS.ownerClaim, "claimed", "2026-12-01T10:00:00.000Z");
    };
    const results = await Promise.all([
      c.staffAuth.addFirstOwner({ email: "a@example.com", password: "first long password" }, claim),
      c.staffAuth.addFirstOwner({ email: "b@example.com", password: "second long password" }, claim),
    ]);
    assert.equal(results.filter((r) => r !== null).length, 1);
    assert.equal((await c.staffAuth.list()).length, 1);
  });

  it("refuses wrong client-area credentials readably and stores nothing; stores right ones sealed and the upstream client uses them", async () => {
    const { app, c, logs } = await setupApp(ctx());
    const web = new WebClient(app);
    await createOwner(web);
    await web.get("/admin/setup");
    await assert.rejects(c.upstream.listLicenses(), /No client-area credentials/);

    const refused = await web.post("/admin/setup/upstream", { area: "eu", user: sb.credentials.user, password: WRONG });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /nothing was stored: wrong user or password/);
    assert.ok(!refused.body.includes(WRONG) && !refused.body.includes(sb.credentials.user), "no credentials echoed in the page");
    assert.deepEqual(Object.keys(await storedSettings(c)).filter((k) => k.startsWith("upstream.")), []);

    const saved = await web.post("/admin/setup/upstream", { area: "eu", user: sb.credentials.user, password: sb.credentials.password });
    assert.equal(saved.statusCode, 303, saved.body);
    const stored = await storedSettings(c);
    assert.equal(stored["upstream.area"], "eu");
    assert.ok(stored["upstream.eu.password_sealed"], "a sealed password is stored");
    assert.ok(!JSON.stringify(stored).includes(sb.credentials.password), "the password is not stored in the clear");
    assert.ok((await c.upstream.listLicenses()).length > 0, "the upstream client logs in with the stored credentials");
    assert.equal((await c.setup.status()).credentials.source, "stored");

    const page = await web.get("/admin/setup");
    const audit = JSON.stringify((await c.audit.list({ limit: 50 })).entries);
    for (const text of [page.body, logs.join(""), audit]) {
      assert.ok(!text.includes(sb.credentials.password) && !text.includes(WRONG), "no password in pages, logs or the audit log");
    }
    const actions = await auditActions(c);
    assert.ok(actions.includes("upstream_credentials.check_failed") && actions.includes("upstream_credentials.set"), actions.join());
  });

  it("lets the environment's credentials win over stored ones", async () => {
    const { c } = await setupApp(ctx(), { UPSTREAM_USER: sb.credentials.user, UPSTREAM_PASSWORD: sb.credentials.password });
    assert.equal((await c.setup.status()).credentials.source, "env");
    assert.ok((await c.upstream.listLicenses()).length > 0);
  });

  it("imports costs, applies a markup, and a price set in the catalog shows in pricelist.export over HTTP", async () => {
    const { app, c } = await setupApp(ctx());
    const web = new WebClient(app);
    await createOwner(web);
    await web.submit("/admin/setup", "/admin/setup/upstream", { area: "eu", user: sb.credentials.user, password: sb.credentials.password });
    assert.equal((await web.submit("/admin/setup", "/admin/setup/import", {})).statusCode, 303);
    const markup = await web.submit("/admin/setup", "/admin/setup/markup", { markupPercent: "40", currency: "EUR", rounding: "99" });
    assert.equal(markup.statusCode, 303, markup.body);
    const rows = await c.margins.list();
    assert.ok(rows.some((r) => r.periods[1].cost !== null), "costs imported");
    assert.ok(rows.filter((r) => r.periods[1].price !== null).every((r) => !r.negative), "marked-up prices are above cost");

    await app.listen({ port: 0, host: "127.0.0.1" });
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    const exportUrl = `${base}/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml`;
    assert.doesNotMatch(await (await fetch(exportUrl)).text(), /77\.77/);

    const set = await web.submit("/admin/catalog/23221", "/admin/catalog/23221/price", { period: "1", amount: "77.77", currency: "EUR", hand: "on" });
    assert.equal(set.statusCode, 303, set.body);
    assert.match(await (await fetch(exportUrl)).text(), /77\.77/);

    // Below cost: refused by nobody, but shown in red.
    await web.submit("/admin/catalog/23221", "/admin/catalog/23221/price", { period: "1", amount: "0.01", currency: "EUR" });
    const list = await web.get("/admin/catalog");
    assert.match(list.body, /<tr class="error" data-module="23221">.*?below cost/s);
    const detail = await web.get("/admin/catalog/23221");
    assert.match(detail.body, /0\.01/);
    assert.match(detail.body, /77\.77/, "the history shows the earlier price");

    const bad = await web.submit("/admin/catalog/23221", "/admin/catalog/23221/price", { period: "3", amount: "abc", currency: "EUR" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /class="notice error"/);

    const askOff = await web.submit("/admin/catalog/23221", "/admin/catalog/23221/disable", {});
    assert.match(askOff.body, /Take DDoS-GUARD off sale/, "switching off is confirmed in words first");
    assert.match(await (await fetch(exportUrl)).text(), /<id>23221<\/id>/, "asking changes nothing");
    assert.equal((await web.post("/admin/catalog/23221/disable", { confirm: "yes" })).statusCode, 303);
    assert.doesNotMatch(await (await fetch(exportUrl)).text(), /<id>23221<\/id>/);
    assert.equal((await web.submit("/admin/catalog", "/admin/catalog/sync", {})).statusCode, 303);

    const actions = await auditActions(c);
    for (const a of ["prices.import", "pricing_rule.set", "price.set", "module.disable", "prices.sync"]) assert.ok(actions.includes(a), `${a} in ${actions.join()}`);
    const priceSet = (await c.audit.list({ action: "price.set", limit: 5 })).entries[0]!;
    assert.equal(priceSet.ip, "203.0.113.7");
    assert.equal(priceSet.actor.label, OWNER.email);
    assert.deepEqual(priceSet.after, { period: 1, price: { minor: 1, currency: "EUR" }, pricing: "manual" });
    assert.equal((await c.catalog.getModule("23221")).module.pricing_mode, "manual", "a hand-set price is not overwritten by the next sync");
    await app.close();
  });

  it("switches to the client area chosen in the wizard at the next start, unless the environment fixes it", async () => {
    const t = ctx();
    const { c } = await setupApp(t);
    await c.repos.settings.put(c.db, "upstream.area", "ru", "2026-12-01T10:00:00.000Z");
    const env = { DATABASE_URL: t.url, DATA_DIR: "/nonexistent-test-data-dir", SECRET_KEY: TEST_SECRET, LOG_LEVEL: "silent" };
    for (const [extra, region, url] of [
      [{ UPSTREAM_URL: "eu" }, "ru", UPSTREAM_PRESETS.ru],
      [{ UPSTREAM_URL: "eu", UPSTREAM_REGION: "eu" }, "eu", UPSTREAM_PRESETS.eu],
      [{ UPSTREAM_URL: sb.billmgrUrl }, "eu", sb.billmgrUrl],
    ] as const) {
      const next = await openContainer(loadConfig({ ...env, ...extra }));
      try {
        assert.equal(next.config.UPSTREAM_REGION, region, JSON.stringify(extra));
        assert.equal(next.config.upstreamBaseUrl, url);
      } finally {
        await next.close();
        await next.database.close();
      }
    }
  });

  it("stores the fulfillment mode for new orders, unless FULFILLMENT_MODE is set in the environment", async () => {
    const { app, c } = await setupApp(ctx());
    const web = new WebClient(app);
    await createOwner(web);
    assert.equal(c.setup.modeNow(), "automatic");
    assert.equal((await web.submit("/admin/setup", "/admin/setup/fulfillment", { mode: "manual" })).statusCode, 303);
    assert.equal(c.setup.modeNow(), "manual");
    assert.equal((await c.setup.status()).fulfillment.source, "stored");
    const bad = await web.submit("/admin/setup", "/admin/setup/fulfillment", { mode: "sometimes" });
    assert.equal(bad.statusCode, 400);

    const fixed = await setupApp(ctx(), { FULFILLMENT_MODE: "automatic" });
    assert.equal((await fixed.c.setup.status()).fulfillment.source, "env");
    assert.equal(fixed.c.setup.modeNow(), "automatic", "the environment wins over the stored manual");
  });

  it("validates settings readably, saves nothing on error, and keeps owner pages from staff", async () => {
    const { app, c } = await setupApp(ctx());
    const web = new WebClient(app);
    await createOwner(web);
    const bad = await web.submit("/admin/settings", "/admin/settings", { "seller.legal_name": "Example GmbH", "seller.iban": "not an iban" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<p class="field-error" id="setting-seller-iban-error">This is not an IBAN/);
    assert.match(bad.body, /id="setting-seller-iban"[^>]*value="not an iban"[^>]*aria-describedby="setting-seller-iban-hint setting-seller-iban-error" aria-invalid="true"/, "what was typed is kept");
    assert.match(bad.body, /id="setting-seller-legal-name"[^>]*value="Example GmbH"/);
    assert.match(bad.body, /nothing was saved/);
    assert.equal((await c.settings.get()).seller.legalName, "", "nothing saved");
    const ok = await web.submit("/admin/settings", "/admin/settings", { "seller.legal_name": "Example GmbH", "seller.iban": "DE89 3704 0044 0532 0130 00" });
    assert.equal(ok.statusCode, 303, ok.body);
    assert.equal((await c.settings.get()).seller.iban, "DE89370400440532013000");
    assert.match((await web.get("/admin/settings")).body, /Outgoing mail is not configured/);
    const upd = (await c.audit.list({ action: "settings.update", limit: 5 })).entries[0]!;
    assert.deepEqual(upd.after, { "seller.legal_name": "Example GmbH", "seller.iban": "DE89370400440532013000" });

    const weakStaff = await web.submit("/admin/staff", "/admin/staff", { email: "clerk@example.com", role: "support", password: "short" });
    assert.equal(weakStaff.statusCode, 400);
    assert.match(weakStaff.body, /id="password-error">This password cannot be used/);
    assert.match(weakStaff.body, /id="email"[^>]*value="clerk@example\.com"/, "the e-mail typed is kept");
    assert.match(weakStaff.body, /<option value="support" selected>/, "the role chosen is kept");
    const taken = await web.submit("/admin/staff", "/admin/staff", { email: OWNER.email, role: "staff", password: "clerk long password" });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /id="email-error">A staff member with this e-mail address exists already/);
    const added = await web.submit("/admin/staff", "/admin/staff", { email: "clerk@example.com", role: "staff", password: "clerk long password" });
    assert.equal(added.statusCode, 303, added.body);
    const clerk = new WebClient(app, "198.51.100.3");
    await clerk.submit("/admin/login", "/admin/login", { email: "clerk@example.com", password: "clerk long password" });
    assert.equal((await clerk.get("/admin/catalog")).statusCode, 200);
    for (const path of ["/admin/settings", "/admin/staff", "/admin/setup"]) assert.equal((await clerk.get(path)).statusCode, 403, path);
    assert.doesNotMatch((await clerk.get("/admin/catalog")).body, /href="\/admin\/staff"/);

    const id = (await c.staffAuth.list()).find((s) => s.email === "clerk@example.com")!.id;
    // Disabling asks first, stating the effect; nothing changes until confirmed.
    const asked = await web.submit("/admin/staff", "/admin/staff/disable", { id });
    assert.equal(asked.statusCode, 200);
    assert.match(asked.body, /clerk@example\.com is signed out everywhere at once/);
    assert.equal((await clerk.get("/admin/catalog")).statusCode, 200, "not disabled before the confirmation");
    assert.equal((await web.post("/admin/staff/disable", { id, confirm: "yes" })).statusCode, 303);
    assert.equal((await clerk.get("/admin/catalog")).statusCode, 303, "a disabled member is signed out");
    const actions = await auditActions(c);
    for (const a of ["settings.update", "staff.add", "staff.disable"]) assert.ok(actions.includes(a), a);
  });
});

/** Visible text of a page's <main>: tags dropped, entities decoded. */
function mainText(body: string): string {
  const main = /<main\b[^>]*>([\s\S]*)<\/main>/.exec(body)?.[1] ?? "";
  return main
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<option\b[^>]*>[^<]*<\/option>/g, (o) => (/ selected/.test(o) ? o : " "))
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

/** Literal pieces of the English texts of these pages (setup.en.ts) long enough to be telling. */
const ENGLISH_SETUP = [
  ...new Set(
    Object.values(setupEn).flatMap((m) =>
      m
        .split(/\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|[{}#]/)
        .map((p) => p.trim())
        .filter((p) => p.length >= 8 && /[A-Za-z]{4}/.test(p)),
    ),
  ),
];

/** A Russian page: Russian words, no English text of the catalog, no Latin word but data, codes and names. */
function assertRussian(body: string, what: string, ours: readonly string[] = []): void {
  const text = mainText(body);
  assert.match(text, /[А-Яа-яЁё]{4}/, `${what}: Russian words`);
  for (const fragment of ENGLISH_SETUP) assert.ok(!text.includes(fragment), `${what}: English catalog text "${fragment}"`);
  let rest = text.replace(/https?:\/\/\S+/g, " ").replace(/\S+@\S+/g, " ");
  for (const own of [...ours, "staff password <e-mail>", "api-eu.ispmanager.com", "api.ispmanager.ru", "INV-", "CN-", "partnerbill", "ispmanager", "IBAN", "SWIFT", "VAT", "EUR", "RUB", "UTC", "English", "PUBLIC_URL", "SMTP_URL", "MAIL_FROM", "FULFILLMENT_MODE", "RENEWAL_MODE", "UPSTREAM_URL", "pricelist.export", "docs/CONFIG.md", "deploy/nginx.conf", "sudo systemctl restart", "conformance", "mail outbox", "HTTPS", "https", "charge", "autoprolong", "automatic", "manual"].sort((a, b) => b.length - a.length)) {
    rest = rest.split(own).join(" ");
  }
  assert.deepEqual(rest.match(/[A-Za-z]{3,}/g) ?? [], [], `${what}: Latin words left`);
}

describeEachDialect("set-up wizard: seller, tax and bank details", (ctx) => {
  it("asks for the seller's legal details, the tax and the bank details with step states; bank transfer is offered only once bank details exist; invoices print the seller", async () => {
    const { app, c } = await setupApp(ctx());
    const web = new WebClient(app);
    await createOwner(web);

    // Step states: the owner is done, the first step not done is the current one, the rest to do.
    let page = await web.get("/admin/setup");
    assert.equal([...page.body.matchAll(/aria-current="step"/g)].length, 1, "one current step");
    assert.match(page.body, /<li>Owner account <span class="badge ok">done<\/span><\/li>/);
    assert.match(page.body, /<li aria-current="step"><a href="#area">Client area and credentials<\/a> <span class="badge info">next<\/span><\/li>/);
    assert.match(page.body, /<li><a href="#bank">Bank details<\/a> <span class="badge">to do<\/span><\/li>/);
    assert.match(page.body, /Bank transfer is not offered to customers yet/);

    // No bank details: bank transfer is neither offered nor accepted (checkout and top-up).
    const ann = await c.customers.add({ email: "ann@example.com", name: "Ann" });
    await c.customers.credit(ann.id, { amount: "100", currency: "EUR", reason: "t", actor: "t" });
    await c.catalog.setPrice("23221", { period: 1, amount: "20.00", currency: "EUR" }, { source: "cli" });
    const pending = (await c.orders.intake({ module_id: "23221", license: "100001", ip: null }, null)).order;
    const pay = { orderId: pending.id, customerId: ann.id, returnUrl: "https://billing.example.com/r", cancelUrl: "https://billing.example.com/c", actor: "test" };
    assert.deepEqual((await c.payments.providers()).map((p) => p.id).filter((id) => id !== "stripe"), ["balance"]);
    await assert.rejects(c.payments.payOrder("bank_transfer", pay), { code: "invalid_input" });
    assert.deepEqual(await c.portal.topUpMethods(), []);

    // The seller's details: a VAT number that does not fit the country is refused inline, all kept.
    const seller = {
      "seller.legal_name": "Example Hosting GmbH",
      "seller.address": "Hauptstr. 1\n10115 Berlin",
      "seller.country": "DE",
      "seller.vat_id": "DE123",
      "seller.registration_no": "HRB 12345 B",
      "seller.email": "billing@example.com",
    };
    const bad = await web.submit("/admin/setup", "/admin/setup/seller", seller);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<p class="field-error" id="setting-seller-vat-id-error">This is not a VAT number of the chosen country/);
    assert.match(bad.body, /id="setting-seller-vat-id"[^>]*value="DE123"[^>]*aria-invalid="true"/);
    assert.match(bad.body, /id="setting-seller-registration-no"[^>]*value="HRB 12345 B"/);
    assert.match(bad.body, /<option value="DE" selected>Germany<\/option>/, "the country chosen stays chosen");
    assert.match(bad.body, /Hauptstr\. 1\n10115 Berlin<\/textarea>/);
    assert.equal((await c.settings.get()).seller.legalName, "", "nothing stored");
    const saved = await web.submit("/admin/setup", "/admin/setup/seller", { ...seller, "seller.vat_id": "DE123456789" });
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal(saved.headers.location, "/admin/setup?ok=seller#seller");
    const s1 = (await c.settings.get()).seller;
    assert.deepEqual([s1.legalName, s1.country, s1.vatId, s1.registrationNo], ["Example Hosting GmbH", "DE", "DE123456789", "HRB 12345 B"]);

    // Tax as a percentage (19 is 19 %, not 0.19 %), prices-include-tax as a switch.
    const shown = { "tax.prices_include_tax:shown": "1" };
    const taxBad = await web.submit("/admin/setup", "/admin/setup/tax", { "tax.rate_bp": "19 percent", "tax.name": "VAT", ...shown });
    assert.equal(taxBad.statusCode, 400);
    assert.match(taxBad.body, /id="setting-tax-rate-bp"[^>]*value="19 percent"[^>]*aria-invalid="true"/);
    assert.match(taxBad.body, /Enter a percentage from 0 to 100/);
    assert.equal((await web.submit("/admin/setup", "/admin/setup/tax", { "tax.rate_bp": "19", "tax.name": "VAT", "tax.prices_include_tax": "on", ...shown })).statusCode, 303);
    assert.deepEqual((await c.settings.get()).tax, { rateBp: 1900, name: "VAT", pricesIncludeTax: true, sellerCountry: "DE" });
    assert.equal((await web.submit("/admin/setup", "/admin/setup/tax", { "tax.rate_bp": "7,5", "tax.name": "VAT", ...shown })).statusCode, 303);
    assert.deepEqual((await c.settings.get()).tax, { rateBp: 750, name: "VAT", pricesIncludeTax: false, sellerCountry: "DE" }, "7,5 is 7.5 %; the switch left off is off");
    page = await web.get("/admin/setup");
    assert.match(page.body, /id="setting-tax-rate-bp"[^>]*value="7\.5"/);
    assert.doesNotMatch(page.body, /id="setting-tax-prices-include-tax"[^>]*checked/);

    // Bank details: now bank transfer is offered and an invoice prints them.
    const bank = await web.submit("/admin/setup", "/admin/setup/bank", { "seller.iban": "DE89 3704 0044 0532 0130 00", "seller.bic": "COBADEFFXXX", "seller.bank_name": "Commerzbank" });
    assert.equal(bank.headers.location, "/admin/setup?ok=bank#bank");
    assert.deepEqual((await c.payments.providers()).map((p) => p.id).filter((id) => id !== "stripe"), ["balance", "bank_transfer"]);
    assert.deepEqual(await c.portal.topUpMethods(), ["bank_transfer"]);
    page = await web.get("/admin/setup?ok=bank");
    assert.match(page.body, /customers can now pay by bank transfer/);
    for (const step of ["seller", "tax", "bank"]) assert.match(page.body, new RegExp(`<li><a href="#${step}">[^<]+</a> <span class="badge ok">done</span></li>`), step);
    assert.match(page.body, /Example Hosting GmbH \(the legal name above\)/);

    const start = await c.payments.payOrder("bank_transfer", pay);
    assert.equal(start.kind, "invoice");
    const invoice = await c.invoices.html(start.kind === "invoice" ? start.invoiceId : "", ann.id);
    assert.doesNotMatch(invoice, /seller name not set/);
    for (const text of ["Example Hosting GmbH", "Registration no. HRB 12345 B", "DE89370400440532013000", "COBADEFFXXX", "Commerzbank"]) assert.ok(invoice.includes(text), text);
    const changes = (await c.audit.list({ action: "settings.update", limit: 10 })).entries;
    assert.equal(changes.length, 4, "one audit entry per saved step");
  });

  it("shows settings as typed fields and keeps what was typed on error; the pages speak Russian", async () => {
    const { app, c } = await setupApp(ctx());
    const web = new WebClient(app);
    await createOwner(web);
    let page = await web.get("/admin/settings");
    assert.match(page.body, /<label for="setting-tax-rate-bp">Tax rate<\/label><span class="with-unit"><input id="setting-tax-rate-bp" name="tax.rate_bp" type="text" inputmode="decimal"[^>]*value="0"/);
    assert.match(page.body, /<input type="checkbox" id="setting-tax-prices-include-tax" name="tax.prices_include_tax"/);
    assert.match(page.body, /<select id="setting-seller-country" name="seller.country"/);
    assert.match(page.body, /<select id="setting-locale-default" name="locale.default"[^>]*><option value="en" lang="en" selected>English<\/option><option value="ru" lang="ru">Русский<\/option>/);
    assert.match(page.body, /id="setting-approvals-staff-limit-minor"[^>]*value="500\.00"/, "50000 minor units shown as 500.00");
    assert.doesNotMatch(page.body, /tax\.rate_bp<\/label>|basis points/, "no raw keys as labels");

    // The staff limit as money: 1 234,50 (Russian style) is 123450 minor units; 13,505 is refused.
    const typed = { "approvals.staff_limit_minor": "1 234,50", "invoice.payment_days": "30", "locale.default": "ru" };
    assert.equal((await web.submit("/admin/settings", "/admin/settings", typed)).statusCode, 303);
    const s = await c.settings.get();
    assert.deepEqual([s.approvals.staffLimitMinor, s.invoice.paymentDays, s.defaultLocale], [123450, 30, "ru"]);

    // The partner's default is now Russian: the pages of a browser that says nothing speak it.
    const bad = await web.submit("/admin/settings", "/admin/settings", { "approvals.staff_limit_minor": "13,505", "invoice.digits": "40", "seller.legal_name": "ООО «Пример»" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /<html lang="ru">/);
    assert.match(bad.body, /id="setting-approvals-staff-limit-minor"[^>]*value="13,505"[^>]*aria-invalid="true"/);
    assert.match(bad.body, /id="setting-invoice-digits"[^>]*value="40"[^>]*aria-invalid="true"/);
    assert.match(bad.body, /Укажите целое число от 1 до 12\./);
    assert.match(bad.body, /id="setting-seller-legal-name"[^>]*value="ООО «Пример»"/);
    assert.match(bad.body, /ничего не сохранено/);
    assert.equal((await c.settings.get()).seller.legalName, "", "nothing stored");
    assertRussian(bad.body, "settings with errors", ["13,505"]);

    for (const path of ["/admin/settings", "/admin/setup", "/admin/staff", "/admin/account"]) {
      page = await web.get(path);
      assert.equal(page.statusCode, 200, path);
      assertRussian(page.body, path);
    }
    page = await web.get("/admin/setup");
    assert.match(page.body, /Реквизиты продавца/);
    assert.match(page.body, /Ставка налога/);
    assert.match(page.body, /<option value="DE">Германия<\/option>/, "countries named in Russian");

    const anonymous = new WebClient(app, "198.51.100.77");
    anonymous.cookies.set("locale", "ru");
    const login = await anonymous.get("/admin/login");
    assert.match(login.body, /Вход для сотрудников/);
    assertRussian(login.body, "/admin/login");
    const wrong = await anonymous.post("/admin/login", { email: OWNER.email, password: "not the password" });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /Неверный адрес почты или пароль\./);
    assert.match(wrong.body, /id="email"[^>]*value="owner@example\.com"/, "the e-mail typed is kept");
  });
});
