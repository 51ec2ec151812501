// Which business facts send which e-mail: order transitions and module events through the
// domain-event listener (inside the change's transaction), renewal reminders from their outbox.
import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { createTestContainer } from "./helpers/app.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { startSmtpServer, type TestSmtpServer } from "./helpers/smtp.ts";
import { newOrder } from "../src/modules/orders/orders.logic.ts";

const BUY = { module: "DDoSGUARD", license: "100001", ip: "192.0.2.10", module_id: "23221" };
const ENV = { FULFILLMENT_MODE: "manual", PUBLIC_URL: "https://billing.example.com", MAIL_FROM: "Example Hosting <billing@example.com>" };

let smtp: TestSmtpServer;
beforeEach(async () => {
  smtp = await startSmtpServer();
});
afterEach(async () => {
  await smtp.close();
});

describeEachDialect("mail triggers", (ctx) => {
  async function setup(env: Record<string, string> = {}) {
    const t = createTestContainer(ctx(), { ...ENV, ...env });
    const c = t.container;
    await c.catalog.setPrice("23221", { period: 1, amount: "950.00", currency: "RUB" }, { source: "cli" });
    const customer = await c.customers.add({ email: "ann@example.com", name: "Ann <Admin>" });
    await c.customers.credit(customer.email, { amount: "5000", currency: "RUB", reason: "test", actor: "test" });
    const mails = async () => {
      const list = await c.mail.list({ limit: 100 });
      return Promise.all(list.reverse().map((m) => c.mail.show(m.id)));
    };
    return { ...t, c, customer, mails };
  }

  it("sends a receipt when an order is paid and module_active when it becomes active", async () => {
    const { c, mails } = await setup();
    const { order } = await c.orders.intake(BUY, null);
    assert.equal((await mails()).length, 0, "an order without a customer sends nothing");
    await c.orders.payFromBalance(order.id, "ann@example.com", "test");
    let all = await mails();
    assert.deepEqual(all.map((m) => [m.template, m.key, m.to_address]), [["receipt", `receipt:${order.id}`, "ann@example.com"]]);
    const receipt = all[0]!;
    assert.match(receipt.subject, new RegExp(`Payment received: .+ \\(order ${order.id}\\)`));
    assert.match(receipt.text, /Hello Ann <Admin>,/);
    assert.match(receipt.text, /ispmanager license: 100001 \(192\.0\.2\.10\)/);
    assert.match(receipt.text, /Amount: RUB\u00a0950\.00/);
    assert.match(receipt.text, new RegExp(`https://billing\\.example\\.com/checkout/${order.id}`));
    assert.match(receipt.html, /Hello Ann &lt;Admin&gt;,/);

    await c.orders.placeManually(order.id, { upstreamId: 777001, expiresOn: "2027-01-01" }, "staff");
    all = await mails();
    assert.deepEqual(all.map((m) => m.template), ["receipt", "module_active"]);
    assert.match(all[1]!.text, /License management → Update license information/);
    assert.match(all[1]!.text, /Active until: January 1, 2027/);
  });

  it("sends order_failed and refund when an order is rejected and refunded", async () => {
    const { c, mails } = await setup();
    const { order } = await c.orders.intake(BUY, null);
    await c.orders.payFromBalance(order.id, "ann@example.com", "test");
    await c.orders.reject(order.id, "license not found upstream", "staff");
    const all = await mails();
    assert.deepEqual(all.map((m) => [m.template, m.key]), [
      ["receipt", `receipt:${order.id}`],
      ["order_failed", `order_failed:${order.id}`],
      ["refund", `refund:${order.id}`],
    ]);
    assert.match(all[2]!.text, /RUB\u00a0950\.00 has been refunded to your balance/);
    // Internal reasons stay with staff.
    assert.doesNotMatch(all[1]!.text, /license not found upstream/);
  });

  it("sends module_expired once per module and term", async () => {
    const { c, mails } = await setup();
    const { order } = await c.orders.intake(BUY, null);
    await c.orders.payFromBalance(order.id, "ann@example.com", "test");
    const active = await c.orders.placeManually(order.id, { upstreamId: 777001, expiresOn: "2027-01-01" }, "staff");
    for (let i = 0; i < 2; i++) {
      await c.db.transaction().execute((tx) =>
        c.events.emit(tx, { type: "module.event", customerModuleId: active.customer_module_id!, kind: "expired", detail: { expiresOn: "2027-01-01" }, actor: "system:renewals" }),
      );
    }
    await c.db.transaction().execute((tx) =>
      c.events.emit(tx, { type: "module.event", customerModuleId: active.customer_module_id!, kind: "moved", detail: {}, actor: null }),
    );
    const expired = (await mails()).filter((m) => m.template === "module_expired");
    assert.equal(expired.length, 1);
    assert.match(expired[0]!.subject, /has expired/);
    assert.match(expired[0]!.text, /Expired on: January 1, 2027/);
    assert.match(expired[0]!.text, /ispmanager license: 100001 \(192\.0\.2\.10\)/);
  });

  it("sends nothing when the order's transaction rolls back", async () => {
    const { c, mails } = await setup();
    const { order } = await c.orders.intake(BUY, null);
    const row = (await c.repos.orders.findById(c.db, order.id))!;
    // Read before the transaction: SQLite has one connection, which the transaction holds.
    const customerId = (await c.customers.list())[0]!.id;
    await assert.rejects(
      c.db.transaction().execute(async (tx) => {
        await c.events.emit(tx, { type: "order.transition", order: { ...row, state: "paid", customer_id: customerId }, from: "pending_payment", to: "paid", actor: null });
        throw new Error("payment failed after the event");
      }),
    );
    assert.equal((await mails()).length, 0);
  });

  it("turns unsent renewal reminders into e-mail once, setting sent_at in the same transaction", async () => {
    const { c, customer, mails, clock } = await setup();
    const { order } = await c.orders.intake(BUY, null);
    await c.orders.payFromBalance(order.id, "ann@example.com", "test");
    const active = await c.orders.placeManually(order.id, { upstreamId: 777001, expiresOn: "2027-01-01" }, "staff");
    const at = clock.now().toISOString();
    const renewal = (id: string) =>
      newOrder({
        id, kind: "renewal", customer_id: customer.id, module_id: active.module_id, tariff_id: active.tariff_id, license_id: active.license_id,
        ip: active.ip, period_months: 1, price_minor: 95000, currency: "RUB", fulfillment: "manual", customer_module_id: active.customer_module_id,
      }, at);
    await c.repos.orders.insert(c.db, renewal("ord_renew1"));
    await c.repos.orders.insert(c.db, { ...renewal("ord_renew2"), state: "cancelled" });
    const reminder = (id: string, orderId: string, stage: "due" | "final") => ({
      id, order_id: orderId, customer_id: customer.id, customer_module_id: active.customer_module_id!, stage,
      amount_minor: 95000, currency: "RUB", expires_on: "2027-01-01", created_at: at, sent_at: null,
    });
    await c.repos.renewals.insertReminder(c.db, reminder("rmd_1", "ord_renew1", "due"));
    await c.repos.renewals.insertReminder(c.db, reminder("rmd_2", "ord_renew1", "final"));
    await c.repos.renewals.insertReminder(c.db, reminder("rmd_3", "ord_renew2", "due"));

    assert.deepEqual(await c.mailTriggers.sendRenewalReminders(), { queued: 2, skipped: 1 });
    assert.deepEqual(await c.mailTriggers.sendRenewalReminders(), { queued: 0, skipped: 0 });
    assert.equal((await c.repos.renewals.unsentReminders(c.db, 10)).length, 0);
    const reminders = (await mails()).filter((m) => m.template === "renewal_reminder");
    assert.deepEqual(reminders.map((m) => m.key), ["renewal_reminder:rmd_1", "renewal_reminder:rmd_2"]);
    assert.match(reminders[0]!.subject, /^Renewal due: .+ expires on January 1, 2027$/);
    assert.match(reminders[0]!.text, /could not pay its renewal of RUB\u00a0950\.00/);
    assert.match(reminders[1]!.subject, /^Last reminder: /);
    assert.match(reminders[1]!.text, /https:\/\/billing\.example\.com\/checkout\/ord_renew1/);
  });

  it("delivers the receipt of a real payment through SMTP", async () => {
    const { c } = await setup({ SMTP_URL: smtp.url });
    const { order } = await c.orders.intake(BUY, null);
    await c.orders.payFromBalance(order.id, "ann@example.com", "test");
    const worker = c.jobs.createWorker();
    await worker.runOnce();
    assert.equal(smtp.received.length, 1);
    const m = smtp.received[0]!;
    assert.deepEqual(m.envelope.to, ["ann@example.com"]);
    assert.match(m.parsed.subject ?? "", /Payment received/);
    assert.match(String(m.parsed.html), /Ann &lt;Admin&gt;/);
  });
});
