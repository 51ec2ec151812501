// The customer's checkout over the whole fastify app (app.inject, a cookie-keeping WebClient) on
// both dialects: the order summary with period, price, tax and total; signing up inline and coming
// back from the e-mailed link; the three ways to pay (balance, card through the Stripe fake, bank
// transfer); the status page; wrong and foreign order ids; CSRF; repeated submissions.
import assert from "node:assert/strict";
import { after, afterEach, before, it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { createTestApp } from "./helpers/app.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { followLink, mailedLink } from "./helpers/account-links.ts";
import { WebClient } from "./helpers/web-client.ts";
import { startStripeFake, type StripeFake } from "./fakes/stripe-server.ts";
import { listenOnSandbox } from "./helpers/app.ts";
import { transfer } from "../src/modules/ledger/ledger.logic.ts";
import { assertRussian } from "./helpers/russian-page.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

const PASSWORD = "correct horse battery";
const BUY = "/billmgr?module=DDoSGUARD&license=100001&ip=203.0.113.11&module_id=23221";

// A Stripe account of its own per test: ids restart in every container, and Stripe keeps
// idempotency keys per account.
let fake: StripeFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(t: TestDatabase, env: Record<string, string> = {}) {
  const built = await createTestApp(t, env);
  const { c } = built;
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  await c.catalog.setPrice("23221", { period: 12, amount: "119.00", currency: "EUR" }, { source: "cli" });
  // Bank transfer is offered once the seller's bank details are set (the set-up wizard asks for them).
  await c.settings.setMany({ "seller.legal_name": "Example Hosting GmbH", "seller.iban": "DE89370400440532013000" });
  return built;
}

/** The Buy click of a panel user: a pending order and its checkout path. */
async function buy(web: WebClient, url = BUY): Promise<{ path: string; id: string }> {
  const r = await web.get(url);
  assert.equal(r.statusCode, 303, r.body);
  const path = String(r.headers.location);
  return { path, id: path.slice("/checkout/".length) };
}

/** Signs up with the checkout page's inline form and confirms by the e-mailed link; returns where the link led. */
async function signUpFrom(web: WebClient, c: Container, path: string, email: string): Promise<string> {
  await web.get(path);
  assert.doesNotMatch((web.last?.body ?? "").split('id="sign-in"')[1] ?? "", /id="signup-password"/, "the inline sign-up asks only for the address");
  const sent = await web.post("/account/signup", { email, next: path });
  assert.equal(sent.statusCode, 200, sent.body);
  const confirmed = await followLink(web, await mailedLink(c, email, "verify_email"), PASSWORD);
  assert.equal(confirmed.statusCode, 303, confirmed.body);
  return String(confirmed.headers.location);
}

/** Posts the pay form of the checkout page as it is shown now. */
async function pay(web: WebClient, path: string, method: string) {
  const page = await web.get(path);
  assert.equal(page.statusCode, 200, page.body);
  const expect = /name="expect" value="([^"]+)"/.exec(page.body)![1]!;
  return web.post(`${path}/pay`, { method, expect });
}

async function ledgerKinds(c: Container, orderId: string): Promise<string[]> {
  const rows = await c.db.selectFrom("ledger_transactions").select("kind").where("order_id", "=", orderId).orderBy("created_at").execute();
  return rows.map((r) => r.kind);
}

function text(body: string): string {
  return body.replace(/<[^>]+>/g, " ").replace(/&gt;/g, ">").replace(/&amp;/g, "&").replace(/\s+/g, " ");
}

describeEachDialect("checkout pages", (ctx) => {
  it("shows an anonymous visitor the order with period, price, tax and total, and inline sign-in and sign-up forms", async () => {
    const { app, c } = await setup(ctx());
    await c.settings.setMany({ "tax.rate_bp": "2000", "tax.name": "VAT" });
    const web = new WebClient(app);
    const { path, id } = await buy(web);
    const page = await web.get(path);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers["cache-control"], "no-store");
    const t = text(page.body);
    assert.match(t, /DDoS-GUARD/);
    assert.match(t, new RegExp(`Order ${id}`));
    assert.match(t, /ispmanager license 100001 \(203\.0\.113\.11\)/);
    assert.match(t, /Period 1 month/);
    assert.match(t, /Price €11\.90/);
    assert.match(t, /VAT 20% €2\.38/);
    assert.match(t, /Total €14\.28/);
    assert.match(t, /Status Awaiting payment/);
    assert.match(t, /Pay yearly instead: €119\.00 per year/);
    // Both inline forms come back to this order.
    assert.match(page.body, /<form method="post" action="\/account\/login"><input type="hidden" name="_csrf" value="[^"]+"><input type="hidden" name="next" value="\/checkout\/ord_[a-z0-9]+">/);
    assert.match(page.body, /<form method="post" action="\/account\/signup"><input type="hidden" name="_csrf" value="[^"]+"><input type="hidden" name="next" value="\/checkout\/ord_[a-z0-9]+">/);
    assert.doesNotMatch(page.body, /action="\/checkout\/[^"]+\/pay"/, "no pay form before signing in");
    // Demo mode (sandbox upstream, demo data): the page points at the demo mailbox.
    assert.match(page.body, /href="\/demo\/mailbox"/);
  });

  it("switches between monthly and yearly while the order is unpaid", async () => {
    const { app, c } = await setup(ctx());
    const web = new WebClient(app);
    const { path, id } = await buy(web);
    await web.get(path);
    const r = await web.post(`${path}/period`, { period: "12" });
    assert.equal(r.statusCode, 303);
    assert.equal(r.headers.location, path);
    const yearly = text((await web.get(path)).body);
    assert.match(yearly, /Period 12 months/);
    assert.match(yearly, /Total €119\.00/);
    assert.match(yearly, /Pay monthly instead: €11\.90 per month/);
    assert.equal((await c.orders.get(id)).period_months, 12);
    const bad = await web.post(`${path}/period`, { period: "7" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Choose 1 or 12 months/);
    assert.equal((await c.orders.get(id)).period_months, 12, "a bad period changes nothing");
  });

  it("signs up inline; the e-mailed link brings the customer back to the checkout, signed in, with demo money", async () => {
    const { app, c } = await setup(ctx());
    const web = new WebClient(app);
    const { path } = await buy(web);
    assert.equal(await signUpFrom(web, c, path, "ann@example.com"), path);
    const page = await web.get(path);
    const t = text(page.body);
    assert.match(t, /Signed in as ann@example\.com/);
    assert.match(t, /Balance: €200\.00 includes demo money/);
    assert.match(t, /Demo mode: your account was given demo money/);
    assert.match(page.body, /<button type="submit" name="method" value="balance">Pay €11\.90 from balance<\/button>/);
    assert.match(page.body, /value="bank_transfer"/);
    assert.doesNotMatch(page.body, /value="stripe"/, "no card payments without Stripe keys");
    // Confirming again (another verification of the same customer) gives no second credit.
    const customer = await c.customers.find("ann@example.com");
    const credits = await c.db.selectFrom("ledger_transactions").select("id").where("kind", "=", "demo_credit").execute();
    assert.equal(credits.length, 1);
    assert.deepEqual((await c.customers.show(customer.id)).balances, [{ minor: 20000, currency: "EUR" }]);
  });

  it("gives no demo money outside demo mode, and shows the shortfall with a top-up link", async () => {
    const { app, c } = await setup(ctx(), { DEMO_DATA: "false" });
    const web = new WebClient(app);
    const { path, id } = await buy(web);
    assert.doesNotMatch((await web.get(path)).body, /demo\/mailbox/);
    assert.equal((await web.get("/demo/mailbox")).statusCode, 404);
    await signUpFrom(web, c, path, "bob@example.com");
    const page = await web.get(path);
    const t = text(page.body);
    assert.match(t, /Balance: €0\.00/);
    assert.match(t, /Your balance is €11\.90 short/);
    assert.match(page.body, /href="\/account\/balance"/);
    assert.match(page.body, /value="balance" disabled/);
    // Submitted anyway (an old page): a readable refusal, nothing charged.
    const expect = /name="expect" value="([^"]+)"/.exec(page.body)![1]!;
    const r = await web.post(`${path}/pay`, { method: "balance", expect });
    assert.equal(r.statusCode, 402);
    assert.match(text(r.body), /€11\.90 short/);
    assert.equal((await c.orders.get(id)).state, "pending_payment");
    assert.deepEqual(await ledgerKinds(c, id), []);
  });

  it("pays from the balance once when the form is submitted twice, one after the other or at once", async () => {
    const { app, c } = await setup(ctx());
    for (const [n, together] of [[1, false], [2, true]] as const) {
      const web = new WebClient(app, `203.0.113.${n}`);
      // A license of its own each round: a second purchase of one license's module while the first
      // is in flight is refused (test/duplicate-purchase.test.ts).
      const { path, id } = await buy(web, BUY.replace("license=100001", `license=10000${n}`));
      await signUpFrom(web, c, path, `payer${n}@example.com`);
      const page = await web.get(path);
      const expect = /name="expect" value="([^"]+)"/.exec(page.body)![1]!;
      const form = { method: "balance", expect };
      // The same form twice: the token of the page it came from.
      const token = web.csrfOfLastPage();
      const answers = together
        ? await Promise.all([web.post(`${path}/pay`, form, token), web.post(`${path}/pay`, form, token)])
        : [await web.post(`${path}/pay`, form, token), await web.post(`${path}/pay`, form, token)];
      for (const a of answers) {
        assert.equal(a.statusCode, 303, a.body);
        assert.equal(a.headers.location, `${path}/status`);
      }
      assert.equal((await c.orders.get(id)).state, "paid");
      assert.deepEqual(await ledgerKinds(c, id), ["order_payment"], "charged once");
      const customer = await c.customers.find(`payer${n}@example.com`);
      assert.deepEqual((await c.customers.show(customer.id)).balances, [{ minor: 20000 - 1190, currency: "EUR" }]);
      // The checkout page of a paid order leads to its status page.
      const again = await web.get(path);
      assert.equal(again.statusCode, 303);
      assert.equal(again.headers.location, `${path}/status`);
    }
  });

  it("pays by card through Stripe Checkout: redirect to the payment page, once per order, back to the status page", async () => {
    const stripe = (fake = await startStripeFake());
    const { app, c } = await setup(ctx(), { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url, DEMO_DATA: "false" });
    const web = new WebClient(app);
    const { path, id } = await buy(web);
    await signUpFrom(web, c, path, "card@example.com");
    const page = await web.get(path);
    assert.match(page.body, /<button type="submit" name="method" value="stripe">Pay €11\.90 by card<\/button>/);
    assert.match(String(page.headers["content-security-policy"]), new RegExp(`form-action 'self' https://checkout\\.stripe\\.com ${stripe.url.replace(/[.]/g, "\\.")}`));
    const first = await pay(web, path, "stripe");
    assert.equal(first.statusCode, 303, first.body);
    const url = String(first.headers.location);
    assert.ok(url.startsWith(`${stripe.url}/pay/cs_test_`), url);
    const second = await pay(web, path, "stripe");
    assert.equal(second.headers.location, url, "a second click reuses the open session");
    assert.equal((await c.db.selectFrom("stripe_checkout_sessions").select("id").execute()).length, 1);

    // Cancelled on Stripe's page: back on the checkout, nothing charged.
    const cancelled = await web.get(`${path}?card=cancelled`);
    assert.match(text(cancelled.body), /The card payment was cancelled; nothing was charged/);

    // Paid on Stripe's page: the return URL settles it and leads to the status page.
    const sessionId = url.slice(url.lastIndexOf("/") + 1);
    stripe.completeSession(sessionId);
    const back = await web.get(`/payments/stripe/return?session_id=${sessionId}`);
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, `${c.config.PUBLIC_URL}${path}/status`);
    assert.equal((await c.orders.get(id)).state, "paid");
    const status = await web.get(`${path}/status`);
    assert.match(text(status.body), /Payment received — ordering your module/);
    assert.deepEqual((await ledgerKinds(c, id)).sort(), ["order_payment", "payment_received"].sort());
  });

  it("pays by bank transfer: one invoice with a payment reference and transfer instructions; staff confirm receipt", async () => {
    const { app, c } = await setup(ctx(), { DEMO_DATA: "false" });
    await c.settings.setMany({ "seller.legal_name": "Example Hosting GmbH", "seller.iban": "DE89370400440532013000", "seller.bic": "COBADEFFXXX" });
    const web = new WebClient(app);
    const { path, id } = await buy(web);
    await signUpFrom(web, c, path, "transfer@example.com");
    const first = await pay(web, path, "bank_transfer");
    assert.equal(first.statusCode, 303, first.body);
    assert.equal(first.headers.location, `${path}/status`);
    const second = await pay(web, path, "bank_transfer");
    assert.equal(second.headers.location, `${path}/status`);
    const order = await c.orders.get(id);
    assert.equal(order.state, "pending_payment");
    assert.ok(order.invoice_id);
    assert.equal((await c.db.selectFrom("invoices").select("id").execute()).length, 1, "one invoice however often it is asked for");
    const transfer = await c.payments.findTransfer(order.invoice_id);

    const status = await web.get(`${path}/status`);
    const t = text(status.body);
    assert.match(t, /Awaiting your bank transfer/);
    assert.match(t, /Amount €11\.90/);
    assert.match(t, /Beneficiary Example Hosting GmbH/);
    assert.match(t, /IBAN DE89370400440532013000/);
    assert.match(t, new RegExp(`Payment reference ${transfer.reference}`));
    assert.match(status.body, new RegExp(`href="/account/invoices/${order.invoice_id}"`));
    assert.match(status.body, /id="status" data-state="[a-z_]+" data-refresh="60"/);
    assert.match(status.body, /<script src="\/assets\/status\.[0-9a-f]+\.js" defer><\/script>/);
    assert.match(status.body, new RegExp(`<a href="${path}/status" id="check-again">Check again</a>`));
    // The period cannot change once invoiced.
    const period = await web.post(`${path}/period`, { period: "12" }, web.csrfOfLastPage());
    assert.equal(period.statusCode, 409);

    const confirmed = await c.payments.confirmTransfer(transfer.reference, { amount: "11.90", actor: "staff:test" });
    assert.equal(confirmed.order?.paid, true);
    const paid = await web.get(`${path}/status`);
    assert.match(text(paid.body), /Payment received — ordering your module/);
    assert.match(paid.body, /id="status" data-state="[a-z_]+" data-refresh="3"/);
    assert.match(paid.body, /<script src="\/assets\/status\.[0-9a-f]+\.js" defer><\/script>/);
    assert.match(paid.body, new RegExp(`<a href="${path}/status" id="check-again">Check again</a>`));
  });

  it("answers wrong, absent and someone else's order ids with a 404 page", async () => {
    const { app, c } = await setup(ctx());
    const owner = new WebClient(app, "203.0.113.20");
    const { path } = await buy(owner);
    await signUpFrom(owner, c, path, "owner@example.com");
    assert.equal((await pay(owner, path, "bank_transfer")).statusCode, 303, "the order is now claimed by its owner");

    const stranger = new WebClient(app, "203.0.113.21");
    const other = await buy(stranger);
    await signUpFrom(stranger, c, other.path, "stranger@example.com");
    const anonymous = new WebClient(app, "203.0.113.22");
    await anonymous.get("/checkout/ord_doesnotexist");
    for (const web of [stranger, anonymous]) {
      for (const url of [path, `${path}/status`, "/checkout/ord_doesnotexist", "/checkout/ord_doesnotexist/status", "/checkout/%3Cscript%3E"]) {
        const r = await web.get(url);
        assert.equal(r.statusCode, 404, url);
        assert.match(String(r.headers["content-type"]), /text\/html/);
        assert.match(r.body, /There is no such order|Nothing here/);
        assert.doesNotMatch(r.body, /<script>/);
      }
      await web.get(other.path).catch(() => undefined);
      const token = web.csrfOfLastPage();
      for (const action of [`${path}/pay`, `${path}/period`, "/checkout/ord_doesnotexist/pay"]) {
        const r = await web.post(action, { method: "balance", period: "12", expect: "1:1190:EUR" }, token);
        assert.equal(r.statusCode, 404, action);
      }
    }
    assert.equal((await c.orders.get(path.slice("/checkout/".length))).period_months, 1);
    // An unclaimed pending order is visible to anyone with its link (it carries no personal data).
    assert.equal((await anonymous.get(other.path)).statusCode, 200);
  });

  it("refuses a pay form without a valid CSRF token and changes nothing", async () => {
    const { app, c } = await setup(ctx());
    const web = new WebClient(app);
    const { path, id } = await buy(web);
    await signUpFrom(web, c, path, "csrf@example.com");
    const page = await web.get(path);
    const expect = /name="expect" value="([^"]+)"/.exec(page.body)![1]!;
    for (const token of [null, "forged-token", ""]) {
      const r = await web.post(`${path}/pay`, { method: "balance", expect }, token);
      assert.equal(r.statusCode, 403);
      assert.match(r.body, /did not come from this site, so nothing was changed/);
    }
    assert.equal((await c.orders.get(id)).state, "pending_payment");
    assert.deepEqual(await ledgerKinds(c, id), []);
  });

  it("answers bad submissions with readable pages, never a 5xx", async () => {
    const { app, c } = await setup(ctx());
    const web = new WebClient(app);
    const { path, id } = await buy(web);
    await web.get(path);
    const anon = await web.post(`${path}/pay`, { method: "balance", expect: "1:1190:EUR" });
    assert.equal(anon.statusCode, 401);
    assert.match(anon.body, /Sign in or create an account first/);
    await signUpFrom(web, c, path, "careless@example.com");
    const page = await web.get(path);
    const expect = /name="expect" value="([^"]+)"/.exec(page.body)![1]!;
    const cases: Array<[Record<string, string>, number, RegExp]> = [
      [{ method: "bitcoin", expect }, 400, /Choose how to pay/],
      [{ expect }, 400, /Choose how to pay/],
      [{ method: "balance" }, 409, /changed after the page was shown, so nothing was charged/],
      [{ method: "balance", expect: "12:11900:EUR" }, 409, /changed after the page was shown/],
      [{ method: "stripe", expect }, 400, /Choose how to pay/],
      [{ method: "<script>alert(1)</script>", expect }, 400, /Choose how to pay/],
    ];
    for (const [form, status, message] of cases) {
      const r = await web.post(`${path}/pay`, form, web.csrfOfLastPage());
      assert.equal(r.statusCode, status, JSON.stringify(form));
      assert.match(r.body, message, JSON.stringify(form));
      assert.doesNotMatch(r.body, /<script>alert/);
    }
    assert.equal((await c.orders.get(id)).state, "pending_payment");
    assert.deepEqual(await ledgerKinds(c, id), []);
  });

  it("follows the order on the status page until it is final, then says what to do in ispmanager", async () => {
    const { app, c } = await setup(ctx(), { FULFILLMENT_MODE: "manual" });
    const web = new WebClient(app);
    const { path, id } = await buy(web);
    await signUpFrom(web, c, path, "follower@example.com");
    assert.equal((await pay(web, path, "balance")).statusCode, 303);

    const queued = await web.get(`${path}/status`);
    assert.match(text(queued.body), /Paid — our staff will activate your module/);
    assert.match(queued.body, /id="status" data-state="[a-z_]+" data-refresh="30"/);
    assert.match(queued.body, /<script src="\/assets\/status\.[0-9a-f]+\.js" defer><\/script>/);
    assert.match(queued.body, new RegExp(`<a href="${path}/status" id="check-again">Check again</a>`));

    await c.orders.placeManually(id, { upstreamId: 777 }, "staff:test");
    const active = await web.get(`${path}/status`);
    const t = text(active.body);
    assert.match(t, /Your module is active/);
    assert.match(t, /License management → Update license information/);
    assert.match(t, /ispmanager refreshes the license information once a day/);
    assert.doesNotMatch(active.body, /data-refresh=|status\.[0-9a-f]+\.js|id="check-again"/, "a final state stops following the order");
    assert.doesNotMatch(active.body, /http-equiv="refresh"/);

    // A second order, rejected by staff: refunded to the balance, in plain words.
    const second = await buy(new WebClient(app, "203.0.113.30"));
    assert.equal((await pay(web, second.path, "balance")).statusCode, 303);
    await c.orders.reject(second.id, "license 100001 is blocked upstream", "staff:test");
    const refunded = text((await web.get(`${second.path}/status`)).body);
    assert.match(refunded, /Refunded/);
    assert.match(refunded, /ispmanager did not accept the order \(license 100001 is blocked upstream\)/);
    assert.match(refunded, /The full amount went back to your balance/);

    // An unpaid order that expired: anyone with the link sees that it was cancelled.
    const third = await buy(new WebClient(app, "203.0.113.31"));
    await c.orders.cancel(third.id, "system", "not paid in time");
    const cancelled = await new WebClient(app, "203.0.113.32").get(`${third.path}/status`);
    assert.equal(cancelled.statusCode, 200);
    assert.match(text(cancelled.body), /Cancelled.*not paid in time.*Nothing was charged/);
  });
});

describeEachDialect("checkout pages in Russian", (ctx) => {
  it("speaks Russian on the checkout, its pay form, the status page and the transfer instructions", async () => {
    const { app, c } = await setup(ctx());
    await c.settings.setMany({ "seller.legal_name": "Example Hosting GmbH", "seller.iban": "DE89370400440532013000", "seller.bic": "COBADEFFXXX" });
    const web = new WebClient(app);
    web.cookies.set("locale", "ru");
    const { path, id } = await buy(web);
    const anonymous = await web.get(path);
    assert.equal(anonymous.statusCode, 200);
    assertRussian(anonymous.body, [/Заказ: модуль «DDoS-GUARD»/, /Срок<\/dt><dd>1 месяц<\/dd>/, /Цена<\/dt><dd class="num">11,90\s€/, /Ожидает оплаты/, /Платить за год: 119,00\s€ в год/, /Войдите или зарегистрируйтесь, чтобы оплатить/, /Я здесь впервые/], "anonymous checkout");

    await signUpFrom(web, c, path, "ru@example.com");
    web.cookies.set("locale", "ru");
    const signedIn = await web.get(path);
    assertRussian(signedIn.body, [/Оплата: 11,90\s€/, /Баланс: <b>200,00\s€<\/b>/, /включая демо-деньги/, /Оплатить 11,90\s€ с баланса/, /Получить счёт для оплаты переводом/], "signed-in checkout");

    const monthly = await web.post(`${path}/period`, { period: "7" }, web.csrfOfLastPage());
    assert.equal(monthly.statusCode, 400);
    assertRussian(monthly.body, [/Выберите срок: 1 или 12 месяцев/], "refused period");

    assert.equal((await pay(web, path, "bank_transfer")).statusCode, 303);
    const order = await c.orders.get(id);
    const transfer = await c.payments.findTransfer(order.invoice_id!);
    const status = await web.get(`${path}/status`);
    assertRussian(status.body, [/Ожидаем ваш банковский перевод/, /Как оплатить/, /Получатель<\/dt><dd>Example Hosting GmbH/, new RegExp(`Назначение платежа</dt><dd><code>${transfer.reference}`), /Страница проверяет заказ каждые 60 секунд/, /Проверить снова/, /Открыть счёт/], "status page");

    await c.payments.confirmTransfer(transfer.reference, { amount: "11.90", actor: "staff:test" });
    const paid = await web.get(`${path}/status`);
    assertRussian(paid.body, [/Оплата получена — заказываем модуль/, /Страница проверяет заказ каждые 3 секунды/], "paid status");

    const missing = await web.get("/checkout/ord_doesnotexist");
    assert.equal(missing.statusCode, 404);
    assertRussian(missing.body, [/Такого заказа нет/], "unknown order");
  });

  it("refuses a short balance on the pay form in the reader's words, with the shortfall", async () => {
    const { app, c } = await setup(ctx());
    const web = new WebClient(app);
    web.cookies.set("locale", "ru");
    const { path } = await buy(web);
    await signUpFrom(web, c, path, "short@example.com");
    const customer = (await c.db.selectFrom("customers").select("id").where("email", "=", "short@example.com").executeTakeFirstOrThrow()).id;
    await c.db.transaction().execute((tx) => c.ledger.post(tx, { kind: "test", memo: "spent elsewhere", postings: transfer({ kind: "customer", owner: customer }, { kind: "funding" }, { minor: 19500, currency: "EUR" }) }));
    web.cookies.set("locale", "ru");
    const page = await web.get(path);
    assertRussian(page.body, [/На балансе не хватает <b>6,90\s€<\/b>/, /Пополните баланс/], "short balance");
    const expect = /name="expect" value="([^"]+)"/.exec(page.body)![1]!;
    const r = await web.post(`${path}/pay`, { method: "balance", expect }, web.csrfOfLastPage());
    assert.equal(r.statusCode, 402);
    assertRussian(r.body, [/На балансе не хватает <b>6,90\s€<\/b>\. <a href="\/account\/balance">Пополните баланс<\/a> или выберите другой способ оплаты/], "refused payment");
  });
});

describeEachDialect("checkout with the client area's license check", (ctx) => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.stop();
  });

  it("says a Buy with the wrong IP cannot be paid, and the corrected Buy opens a payable order", async () => {
    const r = await listenOnSandbox(ctx(), sandbox);
    try {
      const web = new WebClient(r.app);
      const wrong = await buy(web, "/billmgr?module=DDoSGUARD&license=100001&ip=198.51.100.99&module_id=23221");
      const unpayable = text((await web.get(wrong.path)).body);
      assert.match(unpayable, /This order cannot be paid: license 100001 is on another IP address than the one the panel sent\. Press Buy again/);
      web.cookies.set("locale", "ru");
      assertRussian((await web.get(wrong.path)).body, [/Этот заказ нельзя оплатить: у лицензии 100001 другой IP-адрес/], "wrong IP, ru");
      web.cookies.delete("locale");

      const corrected = await buy(web, "/billmgr?module=DDoSGUARD&license=100001&ip=203.0.113.11&module_id=23221");
      assert.notEqual(corrected.id, wrong.id, "the corrected Buy is a new order");
      const payable = await web.get(corrected.path);
      assert.equal(payable.statusCode, 200);
      assert.doesNotMatch(text(payable.body), /cannot be paid|cannot check/);
      assert.equal((await r.c.orders.get(corrected.id)).ip, "203.0.113.11");
    } finally {
      await r.app.close();
      await r.c.close();
    }
  });
});

describeEachDialect("demo mailbox", (ctx) => {
  it("lists held mail in demo mode and shows the verification link as a link to this site", async () => {
    const { app } = await setup(ctx());
    const web = new WebClient(app);
    const { path } = await buy(web);
    await web.get(path);
    await web.post("/account/signup", { email: "new@example.com", next: path });
    const box = await web.get("/demo/mailbox");
    assert.equal(box.statusCode, 200);
    assert.match(text(box.body), /Demo mode only/);
    assert.match(text(box.body), /new@example\.com/);
    const open = /href="(\/demo\/mailbox\/mail_[a-z0-9]+)"/.exec(box.body)![1]!;
    const mail = await web.get(open);
    assert.equal(mail.statusCode, 200);
    const link = /<a href="(\/account\/verify#[A-Za-z0-9_-]{43})">/.exec(mail.body)?.[1];
    assert.ok(link, mail.body);
    const token = link.slice(link.indexOf("#") + 1);
    assert.equal((await followLink(web, { path: "/account/verify", token, href: link }, PASSWORD)).headers.location, path);
    for (const bad of ["/demo/mailbox/mail_nothere", "/demo/mailbox/%3Cscript%3E"]) {
      assert.equal((await web.get(bad)).statusCode, 404);
    }
  });

  it("does not exist with SMTP configured", async () => {
    const { app } = await setup(ctx(), { SMTP_URL: "smtp://127.0.0.1:1", MAIL_FROM: "billing@example.com" });
    assert.equal((await new WebClient(app).get("/demo/mailbox")).statusCode, 404);
  });
});
