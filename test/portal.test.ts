// The customer portal's pages over the whole app (app.inject, a cookie-keeping form client) on
// both dialects: my modules, renew now, moving a module, orders with timelines, invoices (page and
// PDF), balance with its entries and top-ups (bank transfer, card through the Stripe fake), and
// billing details that the tax quote uses. Ownership and CSRF across every route are in
// portal.security.test.ts.
import assert from "node:assert/strict";
import { afterEach, it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { transfer } from "../src/modules/ledger/ledger.logic.ts";
import { startStripeFake, type StripeFake } from "./fakes/stripe-server.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { buildPortalWorld } from "./helpers/portal.ts";

// A fresh Stripe fake per test: ids are sequential, so idempotency keys repeat across databases.
let stripe: StripeFake | undefined;
afterEach(async () => { await stripe?.close(); stripe = undefined; });

async function eurBalance(c: Container, customerId: string): Promise<number> {
  return (await c.customers.show(customerId)).balances.find((b) => b.currency === "EUR")?.minor ?? 0;
}

async function counts(c: Container) {
  const n = async (t: "orders" | "ledger_transactions" | "invoices" | "renewals" | "customer_module_events" | "bank_transfers") =>
    Number((await c.db.selectFrom(t).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  return { orders: await n("orders"), ledger: await n("ledger_transactions"), invoices: await n("invoices"), renewals: await n("renewals"), moduleEvents: await n("customer_module_events"), transfers: await n("bank_transfers") };
}

describeEachDialect("customer portal pages", (ctx) => {
  it("lists the customer's modules with status, license, IP and expiry, and offers renew and move", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const page = await ann.web.get("/account");
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers["cache-control"], "no-store");
    assert.match(page.body, /<h1>My modules<\/h1>/);
    assert.match(page.body, /DDoS-GUARD/);
    assert.match(page.body, /<td>100001<\/td>/);
    assert.match(page.body, /2027-01-01/);
    assert.match(page.body, /Active/);
    assert.match(page.body, new RegExp(`href="/account/modules/${ann.moduleId}/renew"`));
    assert.match(page.body, new RegExp(`href="/account/modules/${ann.moduleId}/move"`));
    assert.match(page.body, /aria-current="page">My modules/, "the portal frame marks the section");

    const none = await (await w.signInNew("new@example.com", "203.0.113.9")).get("/account");
    assert.equal(none.statusCode, 200);
    assert.match(none.body, /You have no modules yet/);
  });

  it("renews now: pays the next term from the balance at the current price, once, and shows the order", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const before = await eurBalance(w.c, ann.id);

    const confirm = await ann.web.get(`/account/modules/${ann.moduleId}/renew`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Pay 11\.90 EUR from my balance/);
    assert.match(confirm.body, /Runs until<\/th><td>2027-01-01/);

    const r = await ann.web.post(`/account/modules/${ann.moduleId}/renew`, {});
    assert.equal(r.statusCode, 303, r.body);
    const location = String(r.headers.location);
    assert.match(location, /^\/account\/orders\/ord_[0-9a-z]+\?done=renewed$/);
    const orderId = location.slice("/account/orders/".length).split("?")[0]!;
    const renewal = await w.c.orders.get(orderId);
    assert.equal(renewal.kind, "renewal");
    assert.equal(renewal.customer_module_id, ann.moduleId);
    assert.equal(renewal.customer_id, ann.id);
    assert.equal(renewal.state, "manual_queue", "paid and handed to fulfillment (manual mode: staff prolong it)");
    assert.ok(renewal.invoice_id, "the payment issued an invoice");
    assert.equal(before - (await eurBalance(w.c, ann.id)), 1190);
    const renewals = await w.c.db.selectFrom("renewals").selectAll().execute();
    assert.deepEqual(renewals.map((x) => [x.order_id, x.customer_module_id, x.term_expires_on]), [[orderId, ann.moduleId, "2027-01-01"]]);

    const shown = await ann.web.get(location);
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /Paid from your balance/);
    assert.match(shown.body, /Paid — our staff will activate the module shortly/);

    // A second click finds the term paid and under way: refused on the page, nothing charged.
    const snapshot = await counts(w.c);
    const again = await ann.web.post(`/account/modules/${ann.moduleId}/renew`, {}, (await ann.web.get("/account")) && ann.web.csrfOfLastPage());
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /already paid and under way/);
    assert.deepEqual(await counts(w.c), snapshot);
    assert.equal(before - (await eurBalance(w.c, ann.id)), 1190);
    assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
  });

  it("pays the renewal invoice the scan already raised instead of raising a second one", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    // Empty the balance so the scan can only invoice, then top it up again.
    const all = { minor: await eurBalance(w.c, ann.id), currency: "EUR" };
    await w.c.db.transaction().execute((tx) => w.c.ledger.post(tx, { kind: "test", memo: "spent elsewhere", postings: transfer({ kind: "customer", owner: ann.id }, { kind: "funding" }, all) }));
    w.clock.set("2026-12-26T10:00:00Z");
    const scan = await w.c.renewals.scan();
    assert.equal(scan.invoiced, 1);
    assert.equal(scan.paid, 0);
    const [open] = await w.c.db.selectFrom("renewals").select("order_id").execute();
    await w.c.customers.credit(ann.id, { amount: "20.00", currency: "EUR", reason: "top-up", actor: "test" });

    const web = await w.signIn(ann.email, "203.0.113.1"); // weeks later: a new session
    const r = await web.submit(`/account/modules/${ann.moduleId}/renew`, `/account/modules/${ann.moduleId}/renew`, {});
    assert.equal(r.statusCode, 303, r.body);
    assert.equal(r.headers.location, `/account/orders/${open!.order_id}?done=renewed`);
    assert.equal((await w.c.db.selectFrom("renewals").selectAll().execute()).length, 1);
    assert.equal(await eurBalance(w.c, ann.id), 2000 - 1190);
  });

  it("refuses to renew on a short balance, says how much is missing, and changes nothing", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    await w.c.catalog.setPrice("23221", { period: 1, amount: "250.00", currency: "EUR" }, { source: "cli" });
    const page = await ann.web.get(`/account/modules/${ann.moduleId}/renew`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /250\.00 EUR/, "the current catalog price");
    assert.match(page.body, /161\.90 EUR short/);
    assert.doesNotMatch(page.body, /from my balance<\/button>/, "no pay button");
    assert.match(page.body, /href="\/account\/balance"/);

    const snapshot = await counts(w.c);
    const forced = await ann.web.post(`/account/modules/${ann.moduleId}/renew`, {});
    assert.equal(forced.statusCode, 402);
    assert.match(forced.body, /short of the order&#39;s total 250\.00 EUR/);
    assert.deepEqual(await counts(w.c), snapshot, "no renewal order, invoice or ledger entry left behind");
  });

  it("moves a module to another license, and refuses bad or taken licenses on the page", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const bob = await w.customer("bob@example.com", 200001, "203.0.113.2");

    const form = await ann.web.get(`/account/modules/${ann.moduleId}/move`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /from license <b>100001<\/b>/);

    const snapshot = await counts(w.c);
    for (const [license, ip, status, problem] of [
      ["abc<script>", "", 400, /license must be a positive whole number/],
      ["100001", "", 400, /already on license 100001/],
      ["100005", "999.1.1.1", 400, /ip is not a valid/],
      [String(bob.license), "", 409, /License 200001 already has this module/],
    ] as const) {
      const r = await ann.web.submit(`/account/modules/${ann.moduleId}/move`, `/account/modules/${ann.moduleId}/move`, { license, ip });
      assert.equal(r.statusCode, status, `${license}: ${r.body.slice(0, 300)}`);
      assert.match(r.body, problem);
      assert.doesNotMatch(r.body, /<script>/);
      assert.ok(!r.body.includes(bob.moduleId), "never names another customer's module");
      assert.match(r.body, /name="license"/, "the form is shown again");
    }
    assert.deepEqual(await counts(w.c), snapshot);

    const moved = await ann.web.submit(`/account/modules/${ann.moduleId}/move`, `/account/modules/${ann.moduleId}/move`, { license: "100009", ip: "198.51.100.9" });
    assert.equal(moved.statusCode, 303, moved.body);
    assert.equal(moved.headers.location, "/account?done=moved");
    const list = await ann.web.get("/account?done=moved");
    assert.match(list.body, /The module was moved to the new license/);
    assert.match(list.body, /<td>100009<\/td><td>198\.51\.100\.9<\/td>/);
    const ev = await w.c.db.selectFrom("customer_module_events").selectAll().where("customer_module_id", "=", ann.moduleId).executeTakeFirstOrThrow();
    assert.equal(ev.kind, "moved");
    assert.equal(ev.actor, `customer:${ann.id}`);
  });

  it("lists orders newest first and shows one with its timeline, never upstream details", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const list = await ann.web.get("/account/orders");
    assert.equal(list.statusCode, 200);
    const ids = [...list.body.matchAll(/href="\/account\/orders\/(ord_[0-9a-z]+)"/g)].map((m) => m[1]);
    assert.deepEqual(ids, [ann.pendingOrderId, ann.orderId]);

    const active = await ann.web.get(`/account/orders/${ann.orderId}`);
    assert.equal(active.statusCode, 200);
    for (const step of ["Awaiting payment", "Paid", "Paid — our staff will activate the module shortly", "Active"]) assert.ok(active.body.includes(`<td>${step}</td>`), step);
    assert.match(active.body, /Update license information/);
    assert.match(active.body, new RegExp(`href="/account/invoices/${ann.invoiceId}.pdf"`));
    assert.doesNotMatch(active.body, /staff:test|upstreamId|manual/, "no actors or upstream details");

    const pending = await ann.web.get(`/account/orders/${ann.pendingOrderId}`);
    assert.match(pending.body, new RegExp(`href="/checkout/${ann.pendingOrderId}"`));
    assert.match(pending.body, /Invoice [^<]+ issued for 11\.90 EUR/);

    const bad = await ann.web.get("/account/orders?after=not-a-cursor");
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /This page of the list does not exist/);
  });

  it("shows invoices as a list, a printable page and a PDF", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const list = await ann.web.get("/account/invoices");
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Awaiting payment/);
    assert.match(list.body, /Paid/);
    assert.equal([...list.body.matchAll(/\.pdf"/g)].length, 2);

    const page = await ann.web.get(`/account/invoices/${ann.pendingInvoiceId}`);
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /text\/html/);
    assert.match(page.body, /<h1>Invoice /);
    assert.match(page.body, /Reference: <strong>PB-/);
    assert.match(page.body, /ann@example\.com/);

    const pdf = await ann.web.get(`/account/invoices/${ann.invoiceId}.pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers["content-type"], "application/pdf");
    assert.match(String(pdf.headers["content-disposition"]), /^attachment; filename="[A-Za-z0-9._-]+\.pdf"$/);
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), "%PDF-");
  });

  it("shows balances and the customer's own ledger entries, and tops up by bank transfer with a reference", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    await w.customer("bob@example.com", 200001, "203.0.113.2");
    const page = await ann.web.get("/account/balance");
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<b>88\.10 EUR<\/b>/);
    assert.match(page.body, /Entries in EUR/);
    assert.match(page.body, /Payment for an order/);
    assert.match(page.body, /100\.00 EUR/);
    assert.doesNotMatch(page.body, /bob@example\.com/);
    assert.equal([...page.body.matchAll(/<td class="num">-11\.90 EUR<\/td>/g)].length, 1, "only Ann's payment, not Bob's");
    assert.doesNotMatch(page.body, /value="card"/, "no card without Stripe");

    const snapshot = await counts(w.c);
    for (const [amount, currency, method, problem] of [
      ["", "EUR", "bank_transfer", /Give the amount/],
      ["-5", "EUR", "bank_transfer", /not a decimal amount|greater than zero/],
      ["0", "EUR", "bank_transfer", /greater than zero/],
      ["10.001", "EUR", "bank_transfer", /more than 2 decimal places/],
      ["10", "XXX<b>", "bank_transfer", /is not a currency/],
      ["10", "EUR", "card", /Choose how to top up/],
      ["10", "EUR", "cash", /Choose how to top up/],
    ] as const) {
      const r = await ann.web.submit("/account/balance", "/account/balance/top-up", { amount, currency, method });
      assert.equal(r.statusCode, 400, `${amount} ${currency} ${method}: ${r.body.slice(0, 200)}`);
      assert.match(r.body, problem);
      assert.doesNotMatch(r.body, /<b>XXX|XXX<b>/);
    }
    assert.deepEqual(await counts(w.c), snapshot);

    await w.c.settings.setMany({ "seller.legal_name": "Partner GmbH", "seller.iban": "DE89370400440532013000" });
    const r = await ann.web.submit("/account/balance", "/account/balance/top-up", { amount: "25.50", currency: "EUR", method: "bank_transfer" });
    assert.equal(r.statusCode, 303, r.body);
    const instructions = await ann.web.get(String(r.headers.location));
    assert.equal(instructions.statusCode, 200);
    assert.match(instructions.body, /Transfer <b>25\.50 EUR<\/b>/);
    assert.match(instructions.body, /DE89370400440532013000/);
    const reference = /<code>(PB-[A-Z0-9]{4}-[A-Z0-9]{4})<\/code>/.exec(instructions.body)![1]!;
    await w.c.payments.confirmTransfer(reference, { amount: "25.50", actor: "staff:test" });
    const after = await ann.web.get("/account/balance");
    assert.match(after.body, /<b>113\.60 EUR<\/b>/);
    assert.match(after.body, /Bank transfer received/);
  });

  it("tops up by card through Stripe Checkout and credits the balance when the customer returns", async () => {
    stripe = await startStripeFake();
    const w = await buildPortalWorld(ctx(), { env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url } });
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const page = await ann.web.get("/account/balance");
    assert.match(page.body, /value="card" checked/);
    const r = await ann.web.post("/account/balance/top-up", { amount: "40.00", currency: "EUR", method: "card" });
    assert.equal(r.statusCode, 303, r.body);
    const url = String(r.headers.location);
    assert.ok(url.startsWith(stripe.url), url);
    const sessionId = [...stripe.sessions.keys()].at(-1)!;
    assert.equal(stripe.sessions.get(sessionId)!["amount_total"], 4000);
    stripe.completeSession(sessionId);
    const back = await ann.web.get(`/payments/stripe/return?session_id=${sessionId}`);
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, "http://billing.test/account/balance?done=card");
    assert.equal(await eurBalance(w.c, ann.id), 8810 + 4000);
  });

  it("saves billing details that the tax quote then uses, and shows invalid ones on the page without saving", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    await w.c.settings.setMany({ "seller.country": "DE", "tax.rate_bp": "1900" });
    const consumer = await ann.web.get(`/account/modules/${ann.moduleId}/renew`);
    assert.match(consumer.body, /<b>14\.16 EUR<\/b>/, "11.90 + 19 % VAT");

    const before = await w.c.db.selectFrom("customers").selectAll().where("id", "=", ann.id).executeTakeFirstOrThrow();
    for (const [fields, problem] of [
      [{ country: "Austria" }, /not a two-letter country code/],
      [{ country: "AT", vatId: "DE123456789" }, /is a VAT number of DE, not of AT/],
      [{ country: "AT", vatId: "ATU123" }, /not a valid AT VAT number/],
      [{ country: "", vatId: "ATU12345678" }, /Give the country before the VAT number/],
      [{ name: "x".repeat(201) }, /name is longer than 200/],
    ] as const) {
      const r = await ann.web.submit("/account/details", "/account/details", { ...{ name: "Ann", company: "", address: "", country: "", vatId: "" }, ...fields });
      assert.equal(r.statusCode, 400, JSON.stringify(fields));
      assert.match(r.body, problem);
      assert.match(r.body, /name="vatId"/, "the form again, with what was typed");
    }
    assert.deepEqual(await w.c.db.selectFrom("customers").selectAll().where("id", "=", ann.id).executeTakeFirstOrThrow(), before, "nothing saved");

    const ok = await ann.web.submit("/account/details", "/account/details", { name: "Ann Example", company: "Example <GmbH>", address: "Ring 1\n1010 Wien", country: "at", vatId: "U12345678" });
    assert.equal(ok.statusCode, 303, ok.body);
    const page = await ann.web.get("/account/details?done=saved");
    assert.match(page.body, /Your billing details are saved/);
    assert.match(page.body, /value="ATU12345678"/);
    assert.match(page.body, /value="Example &lt;GmbH&gt;"/);
    const row = await w.c.db.selectFrom("customers").selectAll().where("id", "=", ann.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.name, row.company, row.country, row.vat_id], ["Ann Example", "Example <GmbH>", "AT", "ATU12345678"]);

    const reverse = await ann.web.get(`/account/modules/${ann.moduleId}/renew`);
    assert.match(reverse.body, /<b>11\.90 EUR<\/b>/, "reverse charge: no VAT for an EU business with a VAT number");
  });
});
