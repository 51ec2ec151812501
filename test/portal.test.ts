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
import { assertRussian } from "./helpers/russian-page.ts";

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
    assert.match(page.body, /<td data-label="License">100001<\/td>/);
    assert.match(page.body, /January 1, 2027/);
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
    assert.match(confirm.body, /Pay €11\.90 from my balance/);
    assert.match(confirm.body, /Runs until<\/dt><dd>January 1, 2027/);

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
    assert.match(page.body, /€250\.00/, "the current catalog price");
    assert.match(page.body, /€161\.90 short/);
    assert.doesNotMatch(page.body, /from my balance<\/button>/, "no pay button");
    assert.match(page.body, /href="\/account\/balance"/);

    const snapshot = await counts(w.c);
    const forced = await ann.web.post(`/account/modules/${ann.moduleId}/renew`, {});
    assert.equal(forced.statusCode, 402);
    assert.match(forced.body, /Your balance is €161\.90 short of the total/);
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
      ["abc<script>", "", 400, /Enter the license number: digits only/],
      ["100001", "", 400, /The module is already on this license/],
      ["100005", "999.1.1.1", 400, /Enter an IPv4 or IPv6 address/],
      [String(bob.license), "", 409, /License 200001 already has this module/],
    ] as const) {
      const r = await ann.web.submit(`/account/modules/${ann.moduleId}/move`, `/account/modules/${ann.moduleId}/move`, { license, ip });
      assert.equal(r.statusCode, status, `${license}: ${r.body.slice(0, 300)}`);
      assert.match(r.body, problem);
      assert.doesNotMatch(r.body, /<script>/);
      assert.ok(!r.body.includes(bob.moduleId), "never names another customer's module");
      assert.match(r.body, /name="license"/, "the form is shown again");
      assert.ok(r.body.includes(`value="${license.replace("<", "&lt;").replace(">", "&gt;")}"`), "with what was typed");
      assert.match(r.body, /class="field-error" id="(license|ip)-error"/, "the error beside its field");
    }
    assert.deepEqual(await counts(w.c), snapshot);

    const moved = await ann.web.submit(`/account/modules/${ann.moduleId}/move`, `/account/modules/${ann.moduleId}/move`, { license: "100009", ip: "198.51.100.9" });
    assert.equal(moved.statusCode, 303, moved.body);
    assert.equal(moved.headers.location, "/account?done=moved");
    const list = await ann.web.get("/account?done=moved");
    assert.match(list.body, /The module was moved to the new license/);
    assert.match(list.body, /<td data-label="License">100009<\/td><td data-label="IP">198\.51\.100\.9<\/td>/);
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
    for (const step of ["Awaiting payment", "Paid", "Paid — our staff will activate the module shortly", "Active"]) assert.ok(active.body.includes(`<td data-label="What">${step}</td>`), step);
    assert.match(active.body, /Update license information/);
    assert.match(active.body, new RegExp(`href="/account/invoices/${ann.invoiceId}.pdf"`));
    assert.doesNotMatch(active.body, /staff:test|upstreamId|manual/, "no actors or upstream details");

    const pending = await ann.web.get(`/account/orders/${ann.pendingOrderId}`);
    assert.match(pending.body, new RegExp(`href="/checkout/${ann.pendingOrderId}"`));
    assert.match(pending.body, /Invoice [^<]+ issued for €11\.90/);

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
    assert.match(page.body, /<b>€88\.10<\/b>/);
    assert.match(page.body, /Entries in EUR/);
    assert.match(page.body, /Payment for an order/);
    assert.match(page.body, /€100\.00/);
    assert.doesNotMatch(page.body, /bob@example\.com/);
    assert.equal([...page.body.matchAll(/<td class="num" data-label="Amount">-€11\.90<\/td>/g)].length, 1, "only Ann's payment, not Bob's");
    assert.doesNotMatch(page.body, /value="card"/, "no card without Stripe");

    const snapshot = await counts(w.c);
    for (const [amount, currency, method, problem] of [
      ["", "EUR", "bank_transfer", /Enter an amount, e\.g\. 13\.50/],
      ["-5", "EUR", "bank_transfer", /Enter an amount of zero or more/],
      ["0", "EUR", "bank_transfer", /Enter an amount greater than zero/],
      ["10.001", "EUR", "bank_transfer", /could mean two amounts/],
      ["10.0001", "EUR", "bank_transfer", /more than 2 decimal places/],
      ["1,234", "EUR", "bank_transfer", /could mean two amounts/],
      ["ten", "EUR", "bank_transfer", /is not an amount/],
      ["10", "XXX<b>", "bank_transfer", /Please check what you entered/],
      ["10", "EUR", "card", /Choose how to top up/],
      ["10", "EUR", "cash", /Choose how to top up/],
    ] as const) {
      const r = await ann.web.submit("/account/balance", "/account/balance/top-up", { amount, currency, method });
      assert.equal(r.statusCode, 400, `${amount} ${currency} ${method}: ${r.body.slice(0, 200)}`);
      assert.match(r.body, problem);
      assert.doesNotMatch(r.body, /<b>XXX|XXX<b>/);
      assert.ok(r.body.includes(`name="amount" type="text" inputmode="decimal" autocomplete="off" required maxlength="30" value="${amount}"`), `${amount}: what was typed is kept`);
      if (/amount|decimal|zero/.test(String(problem))) assert.match(r.body, /<input id="amount" aria-describedby="amount-hint amount-error" aria-invalid="true"/, "the error is the field's");
    }
    assert.deepEqual(await counts(w.c), snapshot);

    await w.c.settings.setMany({ "seller.legal_name": "Partner GmbH", "seller.iban": "DE89370400440532013000" });
    const r = await ann.web.submit("/account/balance", "/account/balance/top-up", { amount: "25.50", currency: "EUR", method: "bank_transfer" });
    assert.equal(r.statusCode, 303, r.body);
    const instructions = await ann.web.get(String(r.headers.location));
    assert.equal(instructions.statusCode, 200);
    assert.match(instructions.body, /Transfer <b>€25\.50<\/b>/);
    assert.match(instructions.body, /DE89370400440532013000/);
    const reference = /<code>(PB-[A-Z0-9]{4}-[A-Z0-9]{4})<\/code>/.exec(instructions.body)![1]!;
    await w.c.payments.confirmTransfer(reference, { amount: "25.50", actor: "staff:test" });
    const after = await ann.web.get("/account/balance");
    assert.match(after.body, /<b>€113\.60<\/b>/);
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
    assert.match(consumer.body, /<b>€14\.16<\/b>/, "11.90 + 19 % VAT");

    const before = await w.c.db.selectFrom("customers").selectAll().where("id", "=", ann.id).executeTakeFirstOrThrow();
    for (const [fields, problem] of [
      [{ country: "Austria" }, /Choose a country from the list/],
      [{ country: "Germany" }, /Choose a country from the list/],
      [{ country: "AT", vatId: "DE123456789" }, /not a valid VAT number for Austria/],
      [{ country: "AT", vatId: "ATU123" }, /not a valid VAT number for Austria/],
      [{ country: "", vatId: "ATU12345678" }, /Choose the country before the VAT number/],
      [{ name: "x".repeat(201) }, /longer than 200 characters/],
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
    assert.match(reverse.body, /<b>€11\.90<\/b>/, "reverse charge: no VAT for an EU business with a VAT number");
  });
  it("speaks Russian on every portal page: words, money, dates, plurals, statuses and labels", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    ann.web.cookies.set("locale", "ru");
    const pages: Array<[string, RegExp[]]> = [
      ["/account", [/<h1>Мои модули<\/h1>/, /Активен/, /1 января 2027 г\./, /Каждый 1 месяц с баланса/, /Продлить сейчас/, /data-label="Лицензия"/, /aria-current="page">Мои модули/]],
      [`/account/modules/${ann.moduleId}/renew`, [/Продление модуля «DDoS-GUARD»/, /Оплатить 11,90\s€ с баланса/, /1 месяц/, /Действует до<\/dt><dd>1 января 2027 г\./]],
      [`/account/modules/${ann.moduleId}/move`, [/Перенос модуля «DDoS-GUARD»/, /Номер новой лицензии ispmanager/, /Перенести модуль/]],
      ["/account/orders", [/<h1>Заказы<\/h1>/, /Покупка/, /Ожидает оплаты/, /11,90\s€/, /data-label="Статус"/]],
      [`/account/orders/${ann.orderId}`, [/История/, /Оплачен — модуль скоро подключат наши сотрудники/, /Управление лицензиями/, /Скачать PDF/]],
      [`/account/orders/${ann.pendingOrderId}`, [/Выставлен счёт № [^<]+ на сумму 11,90\s€/, /Оплатить заказ/]],
      ["/account/invoices", [/<h1>Счета<\/h1>/, /Ожидает оплаты/, /Оплачен/, /data-label="Сумма"/]],
      ["/account/balance", [/<b>88,10\s€<\/b>/, /Операции в EUR/, /Оплата заказа/, /Банковским переводом/, /Пополнить/]],
      [`/account/balance/transfers/${ann.transferId}`, [/Пополнение банковским переводом/, /Назначение платежа/]],
      ["/account/details", [/<h1>Реквизиты<\/h1>/, /<option value="DE">Германия<\/option>/, /Выберите страну/, /Сохранить/]],
      ["/account/modules/cmod_nothere/renew", [/Не найдено/, /Вернуться к модулям/]],
    ];
    for (const [url, words] of pages) {
      const r = await ann.web.get(url);
      assert.ok(r.statusCode === 200 || r.statusCode === 404, `${url}: ${r.statusCode}`);
      assertRussian(r.body, words, url);
    }
    // The same pages in English (no cookie, no Accept-Language) keep English.
    ann.web.cookies.delete("locale");
    assert.match((await ann.web.get("/account")).body, /<html lang="en">[\s\S]*Every month from your balance/);
  });

  it("takes the language from Accept-Language when nothing else chose it", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const cookie = [...ann.web.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const r = await w.app.inject({ method: "GET", url: "/account/orders", remoteAddress: "203.0.113.1", headers: { cookie, "accept-language": "ru-RU,ru;q=0.9,en;q=0.5" } });
    assert.equal(r.statusCode, 200);
    assertRussian(r.body, [/<h1>Заказы<\/h1>/, /Ожидает оплаты/], "/account/orders by Accept-Language");
  });

  it("reads top-ups typed either way (13,50 · 13.50 · 1 234,50) and keeps a refused one in the field, in Russian", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    ann.web.cookies.set("locale", "ru");
    for (const [typed, minor] of [["13,50", 1350], ["13.50", 1350], ["1 234,50", 123450], ["1\u00a0234,50", 123450], ["1,234.50", 123450]] as const) {
      const r = await ann.web.submit("/account/balance", "/account/balance/top-up", { amount: typed, currency: "EUR", method: "bank_transfer" });
      assert.equal(r.statusCode, 303, `${typed}: ${r.body.slice(0, 300)}`);
      const id = String(r.headers.location).split("/").at(-1)!;
      const row = await w.c.db.selectFrom("bank_transfers").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      assert.equal(Number(row.amount_minor), minor, typed);
      const page = await ann.web.get(String(r.headers.location));
      assert.ok(page.body.includes(new Intl.NumberFormat("ru-RU", { style: "currency", currency: "EUR" }).format(minor / 100)), `${typed}: the amount in Russian`);
    }
    for (const [typed, problem] of [["12,345", /можно понять двояко/], ["десять", /не сумма/], ["", /Укажите сумму/], ["0", /Введите сумму больше нуля/]] as const) {
      const r = await ann.web.submit("/account/balance", "/account/balance/top-up", { amount: typed, currency: "EUR", method: "bank_transfer" });
      assert.equal(r.statusCode, 400, typed);
      assert.match(r.body, /<p class="field-error" id="amount-error">/);
      assert.match(r.body, problem, typed);
      assert.ok(r.body.includes(`value="${typed}"`), `${typed} is kept`);
      assertRussian(r.body, [/Пополнить баланс/], `top-up ${typed}`);
    }
  });

  it("stores the country chosen from the select as its ISO code, named in the page's language", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    ann.web.cookies.set("locale", "ru");
    const bad = await ann.web.submit("/account/details", "/account/details", { name: "Анна", company: "", address: "Москва", country: "Germany", vatId: "" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Выберите страну из списка/);
    assert.match(bad.body, /value="Анна"/, "what was typed stays");
    assert.equal((await w.c.customers.find(ann.id)).country ?? null, null, "Germany never becomes GE");
    const ok = await ann.web.submit("/account/details", "/account/details", { name: "Анна", company: "", address: "Москва", country: "DE", vatId: "" });
    assert.equal(ok.statusCode, 303, ok.body);
    assert.equal((await w.c.customers.find(ann.id)).country, "DE");
    const page = await ann.web.get("/account/details");
    assert.match(page.body, /<option value="DE" selected>Германия<\/option>/);
    const english = await (async () => { ann.web.cookies.set("locale", "en"); return ann.web.get("/account/details"); })();
    assert.match(english.body, /<option value="DE" selected>Germany<\/option>/);
  });

  it("a refunded active module runs to its date, is never renewed nor charged, and says so to the customer", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    // The scan raises the renewal invoice first (balance emptied so it cannot be paid), then staff refund.
    const all = { minor: await eurBalance(w.c, ann.id), currency: "EUR" };
    await w.c.db.transaction().execute((tx) => w.c.ledger.post(tx, { kind: "test", memo: "spent elsewhere", postings: transfer({ kind: "customer", owner: ann.id }, { kind: "funding" }, all) }));
    w.clock.set("2026-12-26T10:00:00Z");
    assert.equal((await w.c.renewals.scan()).invoiced, 1);
    const [renewal] = await w.c.db.selectFrom("orders").selectAll().where("kind", "=", "renewal").execute();
    assert.equal(renewal!.state, "pending_payment");

    const refund = await w.c.orders.refundActive(ann.orderId, "customer changed their mind", "staff:test");
    assert.equal(refund.order.state, "active", "the module exists upstream: the order stays active");
    assert.ok(refund.order.refunded_at);
    assert.equal((await w.c.orders.get(ann.orderId)).refunded_at, refund.order.refunded_at);
    const cm = await w.c.db.selectFrom("customer_modules").selectAll().where("id", "=", ann.moduleId).executeTakeFirstOrThrow();
    assert.equal(cm.state, "active");
    assert.equal(cm.renewal, "off");
    assert.equal((await w.c.orders.get(renewal!.id)).state, "cancelled", "the unpaid renewal is cancelled with the refund");
    assert.equal(await eurBalance(w.c, ann.id), 1190, "the purchase's total is back on the balance");

    // Money on the balance again: still no renewal raised or paid, and "Renew now" is refused.
    await w.c.customers.credit(ann.id, { amount: "100.00", currency: "EUR", reason: "top-up", actor: "test" });
    const scan = await w.c.renewals.scan();
    assert.deepEqual([scan.invoiced, scan.paid, scan.expired], [0, 0, 0]);
    await assert.rejects(w.c.portal.renewNow(ann.id, ann.moduleId), { code: "illegal_transition" });
    assert.equal(await eurBalance(w.c, ann.id), 11190);

    const web = await w.signIn(ann.email, "203.0.113.1"); // days later: a new session
    const modules = await web.get("/account");
    assert.match(modules.body, /Refunded: active until January 1, 2027, not renewed/);
    assert.match(modules.body, /Not renewed \(refunded\)/);
    assert.doesNotMatch(modules.body, /\/renew"/, "no Renew now");
    const order = await web.get(`/account/orders/${ann.orderId}`);
    assert.match(order.body, /Refunded — active until January 1, 2027, not renewed/);
    assert.match(order.body, /stays active until January 1, 2027 and is not renewed/);
    assert.match(order.body, /€11\.90 refunded to your balance; the module runs until January 1, 2027 and is not renewed/);
    const renew = await web.get(`/account/modules/${ann.moduleId}/renew`);
    assert.equal(renew.statusCode, 409);
    assert.match(renew.body, /This module was refunded: it runs until January 1, 2027 and is not renewed/);
    web.cookies.set("locale", "ru");
    assertRussian((await web.get("/account")).body, [/Возврат: действует до 1 января 2027 г\., не продлевается/, /Не продлевается \(возврат\)/], "refunded module, ru");
    assertRussian((await web.get(`/account/orders/${ann.orderId}`)).body, [/Возврат оформлен — действует до 1 января 2027 г\., не продлевается/], "refunded order, ru");

    // The day after its date the module expires by itself.
    w.clock.set("2027-01-02T10:00:00Z");
    assert.equal((await w.c.renewals.scan()).expired, 1);
    assert.equal((await w.c.db.selectFrom("customer_modules").select("state").where("id", "=", ann.moduleId).executeTakeFirstOrThrow()).state, "expired");
    assert.equal(await eurBalance(w.c, ann.id), 11190, "nothing charged at any point");
    assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
  });
});
