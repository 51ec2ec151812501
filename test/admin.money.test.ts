// The console's money pages (src/http/admin/money.routes.ts) over the whole app on both dialects:
// a bank transfer is recorded in the UI after a confirmation in words (nothing moves before),
// credited once, pays its order and is audited in the credit's commit; above the staff limit it
// waits for the owner (ADR 0029); exchange rates are shown with source and age and entered by hand
// (13,50-style input); invoices are searched and paged; and every console page reads in Russian
// with no English catalog text left.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { CATALOGS } from "../src/i18n/t.ts";
import { createTestApp } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { WebClient } from "./helpers/web-client.ts";

const PASSWORD = "correct horse battery";
const PAY = { returnUrl: "http://localhost/status", cancelUrl: "http://localhost/checkout", actor: "test" };
let licenseSeq = 300_100;

async function setup(t: TestDatabase) {
  const built = await createTestApp(t, { FULFILLMENT_MODE: "manual" });
  const { c, app } = built;
  await seedKnownCatalog(c);
  await c.settings.setMany({ "seller.legal_name": "Hosting GmbH", "seller.iban": "DE89 3704 0044 0532 0130 00", "seller.bic": "COBADEFFXXX", "seller.bank_name": "Commerzbank" });
  const owner = await c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: PASSWORD });
  const staff = await c.staffAuth.add({ email: "desk@partner.example", role: "staff", password: PASSWORD });
  const signIn = async (email: string, ip: string) => {
    const web = new WebClient(app, ip);
    assert.equal((await web.submit("/admin/login", "/admin/login", { email, password: PASSWORD })).statusCode, 303);
    return web;
  };
  const ann = await c.customers.add({ email: "ann@customer.example", name: "Ann Petrova" });
  return { ...built, owner, staff, ann, desk: await signIn("desk@partner.example", "203.0.113.60"), boss: await signIn("owner@partner.example", "203.0.113.61") };
}

/** An order of `customerId` waiting for a bank transfer: its invoice and the transfer's reference. */
async function transferOrder(c: Container, customerId: string) {
  const { order } = await c.orders.intake({ module_id: "23221", license: String(++licenseSeq), ip: "192.0.2.10" }, null);
  const start = await c.payments.payOrder("bank_transfer", { orderId: order.id, customerId, ...PAY });
  const invoiceId = (start as { invoiceId: string }).invoiceId;
  const doc = await c.invoices.show(invoiceId);
  return { orderId: order.id, invoiceId, number: doc.invoice.number, reference: doc.transferReference! };
}

async function eur(c: Container, customerId: string): Promise<number> {
  return (await c.customers.show(customerId)).balances.find((b) => b.currency === "EUR")?.minor ?? 0;
}

describeEachDialect("console money pages", (ctx) => {
  it("records a bank transfer after saying what it does: credited once, the order paid, audited", async () => {
    const { c, desk, ann, staff } = await setup(ctx());
    const t = await transferOrder(c, ann.id);
    const list = await desk.get("/admin/transfers");
    assert.equal(list.statusCode, 200);
    assert.match(list.body, new RegExp(`data-transfer="${t.reference}"`));
    assert.match(list.body, /Ann Petrova/);
    assert.match(list.body, /€11\.90/);

    // The first step says it in words and changes nothing; 11,90 is read as 11.90.
    const ask = await desk.post("/admin/transfers/confirm", { ref: t.number, amount: "11,90", bankRef: "" });
    assert.equal(ask.statusCode, 200, ask.body);
    assert.match(ask.body, new RegExp(`Record that €11\\.90 arrived by bank transfer with reference ${t.reference} from Ann Petrova \\(ann@customer\\.example\\)`));
    assert.match(ask.body, /The order for DDoS-GUARD on license \d+ is then paid from that balance\./);
    assert.equal(await eur(c, ann.id), 0);
    assert.equal((await c.orders.get(t.orderId)).state, "pending_payment");
    assert.deepEqual((await c.audit.list({ action: "payment.bank_transfer_confirm" })).entries, []);

    const done = await desk.post("/admin/transfers/confirm", { ref: t.reference, amount: "11.90", bankRef: "", confirm: "yes" });
    assert.equal(done.statusCode, 303, done.body);
    assert.match(String(done.headers.location), /done=credited/);
    assert.notEqual((await c.orders.get(t.orderId)).paid_at, null, "the order is paid");
    assert.equal(await eur(c, ann.id), 0, "credited, then spent on the order");
    const [entry] = (await c.audit.list({ action: "payment.bank_transfer_confirm" })).entries;
    assert.deepEqual(entry!.actor, { kind: "staff", id: staff.id, label: "desk@partner.example" });
    assert.deepEqual(entry!.after, { reference: t.reference, amount: { minor: 1190, currency: "EUR" }, credited: true, order: t.orderId });
    assert.match((await desk.get(String(done.headers.location))).body, /the transfer was recorded and credited/);

    // The same transfer again credits nothing.
    const again = await desk.post("/admin/transfers/confirm", { ref: t.reference, amount: "11.90", confirm: "yes" }, desk.csrfOfLastPage());
    assert.match(String(again.headers.location), /done=seen/);
    assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });

    // Bad input: a clear message, the typed values kept, nothing moved.
    for (const [fields, status, text] of [
      [{ ref: "PB-NOPE-NOPE", amount: "1" }, 404, /No bank transfer is expected/],
      [{ ref: t.reference, amount: "abc" }, 400, /“abc” is not an amount/],
      [{ ref: t.reference, amount: "0" }, 400, /greater than zero/],
      [{ ref: "", amount: "1" }, 400, /Enter the payment reference/],
      [{ ref: t.reference, amount: "1", bankRef: "<x>" }, 400, /letters, digits/],
    ] as const) {
      await desk.get("/admin/transfers");
      const r = await desk.post("/admin/transfers/confirm", { bankRef: "", ...fields, confirm: "yes" });
      assert.equal(r.statusCode, status, r.body);
      assert.match(r.body, text);
      assert.doesNotMatch(r.body, /<x>/);
    }
    assert.equal((await c.audit.list({ action: "payment.bank_transfer_confirm" })).entries.length, 2);
  });

  it("keeps a staff member's transfer above the limit for the owner, who credits it once", async () => {
    const { c, desk, boss, ann } = await setup(ctx());
    await c.settings.setMany({ "approvals.staff_limit_minor": "1000" });
    const t = await transferOrder(c, ann.id);
    await desk.get("/admin/transfers");
    const r = await desk.post("/admin/transfers/confirm", { ref: t.reference, amount: "11.90", confirm: "yes" });
    assert.match(String(r.headers.location), /done=pending/);
    assert.equal((await c.orders.get(t.orderId)).paid_at, null);
    const [pending] = await c.approvals.list({ state: "pending" });
    assert.equal(pending!.kind, "bank_transfer");
    const page = await boss.get("/admin/approvals");
    assert.match(page.body, /Bank transfer received/);
    const ask = await boss.post(`/admin/approvals/${pending!.id}/approve`, {});
    assert.match(ask.body, /Approve crediting €11\.90 received by bank transfer to Ann Petrova/);
    assert.equal((await c.orders.get(t.orderId)).paid_at, null, "asking moves nothing");
    assert.equal((await boss.post(`/admin/approvals/${pending!.id}/approve`, { confirm: "yes" })).statusCode, 303);
    assert.equal((await c.approvals.find(pending!.id))!.state, "approved");
    assert.notEqual((await c.orders.get(t.orderId)).paid_at, null, "the approval credits the transfer and pays its order");
    assert.equal(await eur(c, ann.id), 0);
    await boss.get("/admin/approvals");
    assert.equal((await boss.post(`/admin/approvals/${pending!.id}/approve`, { confirm: "yes" })).statusCode, 409, "once");
    assert.equal((await c.audit.list({ action: "payment.bank_transfer_confirm" })).entries.length, 0, "the owner's approval is audited as approval.approve");
    assert.equal((await c.audit.list({ action: "approval.approve" })).entries.length, 1);
    assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });
  });

  it("shows exchange rates with source and age and takes a manual rate typed with a comma, audited", async () => {
    const { c, desk, staff } = await setup(ctx());
    let page = await desk.get("/admin/rates");
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /No rates stored yet/);
    const r = await desk.post("/admin/rates", { base: "eur", quote: "RUB", rate: "98,50" });
    assert.equal(r.statusCode, 303, r.body);
    assert.equal(r.headers.location, "/admin/rates?saved=EUR%2FRUB");
    assert.deepEqual((await c.pricing.listRates()).map((x) => [x.base, x.quote, x.rate, x.source]), [["EUR", "RUB", "98.50", "manual"]]);
    const [e] = (await c.audit.list({ action: "rate.set" })).entries;
    assert.equal(e!.actor.id, staff.id);
    // Ten days old (the test clock stands on 2026-12-01).
    await c.db.updateTable("currency_rates").set({ as_of: "2026-11-21" }).execute();
    page = await desk.get("/admin/rates?saved=EUR%2FRUB");
    assert.match(page.body, /data-rate="EUR\/RUB"/);
    assert.match(page.body, /98\.5/);
    assert.match(page.body, /Entered by hand/);
    assert.match(page.body, /<span class="badge warn">10 days<\/span>/, "an old rate stands out");
    const ru = await desk.get("/admin/rates", { "accept-language": "ru" });
    assert.match(ru.body, /98,5/);
    assert.match(ru.body, /10 дней/);
    const bad = await desk.post("/admin/rates", { base: "EUR", quote: "EUR", rate: "abc" }, desk.csrfOfLastPage());
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /value="abc"/, "what was typed is kept");
  });

  it("finds invoices by number, customer and kind in keyset pages", async () => {
    const { c, desk, ann } = await setup(ctx());
    const bob = await c.customers.add({ email: "bob@customer.example" });
    const a1 = await transferOrder(c, ann.id);
    const a2 = await transferOrder(c, ann.id);
    const b1 = await transferOrder(c, bob.id);
    const rows = (body: string) => [...body.matchAll(/data-invoice="([a-z]+_[0-9a-z]+)"/g)].map((m) => m[1]);
    const all = await desk.get("/admin/invoices");
    assert.deepEqual(rows(all.body), [b1.invoiceId, a2.invoiceId, a1.invoiceId]);
    assert.match(all.body, /Awaiting payment/);
    assert.deepEqual(rows((await desk.get(`/admin/invoices?q=${encodeURIComponent(a2.number)}`)).body), [a2.invoiceId]);
    assert.deepEqual(rows((await desk.get(`/admin/invoices?customer=${bob.id}`)).body), [b1.invoiceId]);
    assert.deepEqual(rows((await desk.get("/admin/invoices?kind=credit_note")).body), []);
    const first = await desk.get("/admin/invoices?limit=2");
    assert.deepEqual(rows(first.body), [b1.invoiceId, a2.invoiceId]);
    const next = /<a rel="next" href="([^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, "&");
    assert.deepEqual(rows((await desk.get(next)).body), [a1.invoiceId]);
    for (const bad of ["/admin/invoices?q=%3Cb%3E", "/admin/invoices?after=garbage", "/admin/invoices?kind=x", "/admin/invoices?limit=0"]) {
      const r = await desk.get(bad);
      assert.equal(r.statusCode, 400, bad);
      assert.doesNotMatch(r.body, /<b>/);
    }
  });

  it("reads in Russian on every console page, with no English catalog text left", async () => {
    const { c, boss, ann } = await setup(ctx());
    const t = await transferOrder(c, ann.id);
    const { order } = await c.orders.intake({ module_id: "23221", license: String(++licenseSeq), ip: "192.0.2.10" }, null);
    await c.customers.credit(ann.id, { amount: "50.00", currency: "EUR", reason: "test", actor: "test" });
    await c.orders.payFromBalance(order.id, ann.id, "test");
    await c.pricing.setRate("EUR", "RUB", "98.5");
    const english = new Set(Object.entries(CATALOGS.en).filter(([k, v]) => k.startsWith("console.") && !v.includes("{") && /[A-Za-z]{4,}/.test(v) && CATALOGS.ru[k as keyof typeof CATALOGS.ru] !== v).map(([, v]) => v));
    const pages = ["/admin", "/admin/orders", `/admin/orders/${order.id}`, "/admin/manual", "/admin/customers", `/admin/customers/${ann.id}`, "/admin/invoices", "/admin/transfers", "/admin/rates", "/admin/catalog", "/admin/catalog/23221", "/admin/ledger", "/admin/jobs", "/admin/audit", "/admin/approvals", "/admin/webhooks", "/admin/tokens"];
    for (const url of pages) {
      const page = await boss.get(url, { "accept-language": "ru" });
      assert.equal(page.statusCode, 200, url);
      assert.match(page.body, /<html lang="ru"/, url);
      assert.match(page.body, /Сводка/, `${url}: the navigation is Russian`);
      const text = page.body.replace(/<[^>]+>/g, "\n").split("\n").map((s) => s.trim()).filter(Boolean);
      const left = text.filter((s) => english.has(s));
      assert.deepEqual(left, [], `${url}: English catalog text on a Russian page`);
    }
    const order1 = await boss.get(`/admin/orders/${order.id}`, { "accept-language": "ru" });
    assert.match(order1.body, /В ручной очереди/);
    assert.match(order1.body, /11,90\s€/);
    assert.match(order1.body, /1 декабря 2026 г\./);
    boss.cookies.set("locale", "ru");
    const ask = await boss.post("/admin/transfers/confirm", { ref: t.reference, amount: "11,90" });
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Отметить, что 11,90\s€ поступило банковским переводом/);
    assert.match(ask.body, /Вернуться, ничего не менять/);
  });
});
