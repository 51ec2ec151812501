// The license pages over the whole app (app.inject, a cookie-keeping form client) on both
// dialects, against the sandbox: the public storefront in English and Russian, an order from its
// form into the usual checkout, a refused IP shown on the form, and in the portal the key (page and
// download), an IP change, and another customer's license reading as missing.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { SOFT_TARIFF_IDS } from "../src/sandbox/seed.ts";
import { createTestApp } from "./helpers/app.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";
import { WebClient } from "./helpers/web-client.ts";

const EU = SOFT_TARIFF_IDS.eu;
const PASSWORD = "license pages password 1";
let sb: TestSandbox;
let n = 200;
before(async () => { sb = await startSandbox({ keyDelayMs: 0 }); });
after(async () => { await sb.stop(); });

describeEachDialect("license pages", (ctx) => {
  it("storefront → checkout → key in the portal → IP change; Russian storefront; bad IP on the form", async () => {
    const { app, c } = await createTestApp(ctx(), {
      UPSTREAM_URL: sb.billmgrUrl,
      UPSTREAM_USER: sb.credentials.user,
      UPSTREAM_PASSWORD: sb.credentials.password,
      PUBLIC_URL: "http://billing.test",
    });
    await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
    await c.pricing.sync();
    await c.catalog.setEnabled(String(EU.pro), true);
    await c.catalog.setPrice(String(EU.pro), { period: 1, amount: "15.00", currency: "EUR" }, { source: "cli" });
    await c.catalog.setPrice(String(EU.pro), { period: 12, amount: "150.00", currency: "EUR" }, { source: "cli" });

    const anon = new WebClient(app, "198.51.100.77");
    const store = await anon.get("/licenses");
    assert.equal(store.statusCode, 200);
    assert.match(store.body, /<html lang="en">/);
    assert.match(store.body, /<th scope="row">ispmanager 6 Pro<\/th><td>€15\.00 \/ month<\/td><td>€150\.00 \/ year<\/td>/);
    assert.doesNotMatch(store.body, /ispmanager 6 Lite/, "a disabled edition is not listed");
    assert.doesNotMatch(store.body, /trial/);

    const ru = await app.inject({ method: "GET", url: "/licenses", headers: { "accept-language": "ru" } });
    assert.match(ru.body, /<html lang="ru">/);
    assert.match(ru.body, /<h1>Лицензии ispmanager<\/h1>/);
    assert.match(ru.body, /150,00\s€ в год/);
    assert.match(ru.body, />12 месяцев</);

    const bad = await anon.submit("/licenses", "/licenses/order", { tariff: String(EU.pro), period: "12", ip: "10.0.0.1", name: "<b>x</b>" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /role="alert">The order was not created: 10\.0\.0\.1 is not a public address/);
    assert.match(bad.body, /value="&lt;b&gt;x&lt;\/b&gt;"/);
    assert.doesNotMatch(bad.body, /<b>x<\/b>/);

    const ip = `192.0.2.${n++}`;
    const ordered = await anon.submit("/licenses", "/licenses/order", { tariff: String(EU.pro), period: "12", ip, name: "web-1" });
    assert.equal(ordered.statusCode, 303, ordered.body);
    const orderId = /\/checkout\/(ord_\w+)/.exec(String(ordered.headers.location))![1]!;
    const checkout = await anon.get(`/checkout/${orderId}`);
    assert.equal(checkout.statusCode, 200);
    assert.match(checkout.body, /€150\.00/);

    // The customer pays (checkout's own tests cover the pay form) and the license goes active.
    const email = `store-${n}@example.com`;
    const cu = await c.customers.add({ email });
    await c.repos.accounts.setCustomerPassword(c.db, cu.id, await c.passwords.hash(PASSWORD), c.clock.now().toISOString(), true);
    await c.customers.credit(cu.id, { amount: "200.00", currency: "EUR", reason: "test", actor: "test" });
    await c.orders.payFromBalance(orderId, cu.id, "test");
    assert.equal((await c.fulfillment.place(orderId)).status, "done");
    const lic = (await c.licenses.list({ customerId: cu.id }))[0]!;
    assert.deepEqual(await c.licenses.deliverKey(lic.id), { status: "done", key: "ready" });
    const upstreamKey = sb.sandbox.state().licenses.find((l) => l.id === lic.upstreamId)!.lickey;

    const web = new WebClient(app, "198.51.100.78");
    assert.equal((await web.submit("/account/login", "/account/login", { email, password: PASSWORD })).statusCode, 303);
    const mine = await web.get("/account/licenses");
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, new RegExp(`<code class="license-key">${upstreamKey}</code>`));
    assert.match(mine.body, new RegExp(`<td>${ip.replaceAll(".", "\\.")}</td>`));
    assert.match(mine.body, /3 IP changes left\./);
    const file = await web.get(`/account/licenses/${lic.id}/key.txt`);
    assert.equal(file.statusCode, 200);
    assert.equal(file.body, `${upstreamKey}\n`);
    assert.match(String(file.headers["content-disposition"]), /attachment; filename="ispmanager-license-\d+\.txt"/);

    const to = `192.0.2.${n++}`;
    const moved = await web.submit("/account/licenses", `/account/licenses/${lic.id}/ip`, { ip: to });
    assert.equal(moved.statusCode, 303, moved.body);
    assert.equal(sb.sandbox.state().licenses.find((l) => l.id === lic.upstreamId)!.ip, to);
    assert.match((await web.get("/account/licenses?done=moved")).body, /The license was moved to the new IP address\.[\s\S]*2 IP changes left\./);
    const refused = await web.submit("/account/licenses", `/account/licenses/${lic.id}/ip`, { ip: "nonsense" });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /not a valid IPv4 or IPv6 address/);

    // Someone else: the license and its key do not exist for them.
    const other = `other-${n}@example.com`;
    const ocu = await c.customers.add({ email: other });
    await c.repos.accounts.setCustomerPassword(c.db, ocu.id, await c.passwords.hash(PASSWORD), c.clock.now().toISOString(), true);
    const eve = new WebClient(app, "198.51.100.79");
    await eve.submit("/account/login", "/account/login", { email: other, password: PASSWORD });
    assert.equal((await eve.get(`/account/licenses/${lic.id}/key.txt`)).statusCode, 404);
    assert.doesNotMatch((await eve.get("/account/licenses")).body, new RegExp(upstreamKey));
    await app.close();
  });
});
