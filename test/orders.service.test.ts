import assert from "node:assert/strict";
import { it } from "node:test";
import { describeEachDialect } from "./helpers/db.ts";
import { createTestContainer } from "./helpers/app.ts";

const BUY = { module: "DDoSGUARD", license: "100001", ip: "192.0.2.10", module_id: "23221" };

async function setup(ctx: Parameters<typeof createTestContainer>[0], env: Record<string, string> = {}) {
  const t = createTestContainer(ctx, env);
  const c = t.container;
  await c.catalog.setPrice("23221", { period: 1, amount: "950.00", currency: "RUB" }, { source: "cli" });
  await c.catalog.setPrice("23221", { period: 12, amount: "9500.00", currency: "RUB" }, { source: "cli" });
  const customer = await c.customers.add({ email: "Ann@Example.com", name: "Ann" });
  return { ...t, c, customer };
}

async function ledgerIsBalanced(c: Awaited<ReturnType<typeof setup>>["c"]) {
  const audit = await c.ledger.audit(c.db);
  assert.deepEqual(audit, { unbalanced: [], nonZeroTotals: [] });
}

describeEachDialect("orders", (ctx) => {
  it("turns a Buy redirect into a pending order priced from the catalog, reused on repeated clicks", async () => {
    const { c } = await setup(ctx());
    const first = await c.orders.intake(BUY, "browser-key-aaaaaaaaaaaa");
    assert.equal(first.reused, false);
    assert.equal(first.order.state, "pending_payment");
    assert.equal(Number(first.order.price_minor), 95000);
    assert.equal(first.order.currency, "RUB");
    assert.equal(Number(first.order.license_id), 100001);
    const again = await c.orders.intake(BUY, "browser-key-aaaaaaaaaaaa");
    assert.equal(again.reused, true);
    assert.equal(again.order.id, first.order.id);
    const otherBrowser = await c.orders.intake(BUY, "browser-key-bbbbbbbbbbbb");
    assert.notEqual(otherBrowser.order.id, first.order.id);
  });

  it("refuses unknown, disabled and unpriced modules and stores nothing", async () => {
    const { c } = await setup(ctx());
    await assert.rejects(c.orders.intake({ ...BUY, module_id: "99999" }, null), { code: "invalid_input" });
    await assert.rejects(c.orders.intake({ ...BUY, module_id: "55361" }, null), /has no price/);
    await c.catalog.setEnabled("23221", false);
    await assert.rejects(c.orders.intake(BUY, null), /not on sale/);
    assert.equal((await c.orders.list()).length, 0);
  });

  it("pays from the balance in one transaction: ledger, state, timeline and the placing job", async () => {
    const { c, customer } = await setup(ctx());
    await c.customers.credit(customer.email, { amount: "1000", currency: "RUB", reason: "test", actor: "test" });
    const { order } = await c.orders.intake(BUY, null);
    const paid = await c.orders.payFromBalance(order.id, "ann@example.com", "test");
    assert.equal(paid.state, "paid");
    assert.equal(paid.customer_id, customer.id);
    const [balance] = (await c.customers.show(customer.id)).balances;
    assert.deepEqual(balance, { minor: 5000, currency: "RUB" });
    const jobs = await c.queue.list({ kind: "order.place" });
    assert.equal(jobs.length, 1);
    assert.equal(JSON.parse(jobs[0]!.payload).orderId, order.id);
    const timeline = await c.orders.timeline(order.id);
    assert.deepEqual(timeline.map((e) => e.to_state), ["pending_payment", "paid"]);
    await ledgerIsBalanced(c);
  });

  it("never takes a payment twice and refuses a balance that is too low", async () => {
    const { c, customer } = await setup(ctx());
    const { order } = await c.orders.intake(BUY, null);
    await assert.rejects(c.orders.payFromBalance(order.id, customer.email, "test"), { code: "insufficient_funds" });
    assert.equal((await c.orders.get(order.id)).state, "pending_payment");
    await c.customers.credit(customer.email, { amount: "5000", currency: "RUB", reason: "test", actor: "test" });
    await c.orders.payFromBalance(order.id, customer.email, "test");
    await assert.rejects(c.orders.payFromBalance(order.id, customer.email, "test"), { code: "illegal_transition" });
    const [balance] = (await c.customers.show(customer.id)).balances;
    assert.equal(balance!.minor, 500000 - 95000);
    await ledgerIsBalanced(c);
  });

  it("pays concurrent orders from one balance without overdrawing it", async () => {
    const { c, customer } = await setup(ctx());
    await c.customers.credit(customer.email, { amount: "1900", currency: "RUB", reason: "test", actor: "test" });
    const orders = [];
    for (let i = 0; i < 5; i++) orders.push((await c.orders.intake({ ...BUY, license: String(200000 + i) }, null)).order);
    const results = await Promise.allSettled(orders.map((o) => c.orders.payFromBalance(o.id, customer.email, "test")));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 2);
    const [balance] = (await c.customers.show(customer.id)).balances;
    assert.equal(balance!.minor, 0);
    await ledgerIsBalanced(c);
  });

  it("in manual mode puts paid orders in the manual queue; staff place them with the upstream id", async () => {
    const { c, customer } = await setup(ctx(), { FULFILLMENT_MODE: "manual" });
    await c.customers.credit(customer.email, { amount: "1000", currency: "RUB", reason: "test", actor: "test" });
    const { order } = await c.orders.intake(BUY, null);
    const queued = await c.orders.payFromBalance(order.id, customer.email, "test");
    assert.equal(queued.state, "manual_queue");
    assert.equal((await c.queue.list({ kind: "order.place" })).length, 0);
    await assert.rejects(c.orders.placeManually(order.id, { upstreamId: -1 }, "staff"), { code: "invalid_input" });
    const active = await c.orders.placeManually(order.id, { upstreamId: 777001, expiresOn: "2027-01-01" }, "staff");
    assert.equal(active.state, "active");
    assert.equal(Number(active.upstream_service_id), 777001);
    await assert.rejects(c.orders.placeManually(order.id, { upstreamId: 777002 }, "staff"), { code: "illegal_transition" });
    await ledgerIsBalanced(c);
  });

  it("refunds a rejected order to the customer's balance in the same commit", async () => {
    const { c, customer } = await setup(ctx(), { FULFILLMENT_MODE: "manual" });
    await c.customers.credit(customer.email, { amount: "950", currency: "RUB", reason: "test", actor: "test" });
    const { order } = await c.orders.intake(BUY, null);
    await c.orders.payFromBalance(order.id, customer.email, "test");
    await assert.rejects(c.orders.reject(order.id, "  ", "staff"), { code: "invalid_input" });
    const refunded = await c.orders.reject(order.id, "license not found upstream", "staff");
    assert.equal(refunded.state, "refunded");
    const [balance] = (await c.customers.show(customer.id)).balances;
    assert.equal(balance!.minor, 95000);
    const states = (await c.orders.timeline(order.id)).map((e) => e.to_state);
    assert.deepEqual(states, ["pending_payment", "paid", "manual_queue", "rejected", "refunded"]);
    await ledgerIsBalanced(c);
  });

  it("cancels unpaid orders past their time to live and leaves paid ones alone", async () => {
    const { c, clock, customer } = await setup(ctx());
    await c.customers.credit(customer.email, { amount: "1000", currency: "RUB", reason: "test", actor: "test" });
    const old = (await c.orders.intake(BUY, null)).order;
    const paid = (await c.orders.intake({ ...BUY, license: "100002" }, null)).order;
    await c.orders.payFromBalance(paid.id, customer.email, "test");
    clock.advance(2 * 3_600_000);
    const fresh = (await c.orders.intake({ ...BUY, license: "100003" }, null)).order;
    assert.equal(await c.orders.expirePending(1), 1);
    assert.equal((await c.orders.get(old.id)).state, "cancelled");
    assert.equal((await c.orders.get(old.id)).reason, "not paid in time");
    assert.equal((await c.orders.get(paid.id)).state, "paid");
    assert.equal((await c.orders.get(fresh.id)).state, "pending_payment");
    assert.equal(await c.orders.expirePending(1), 0);
  });

  it("does not let one upstream module belong to two orders", async () => {
    const { c, customer } = await setup(ctx(), { FULFILLMENT_MODE: "manual" });
    await c.customers.credit(customer.email, { amount: "5000", currency: "RUB", reason: "test", actor: "test" });
    const a = (await c.orders.intake(BUY, null)).order;
    const b = (await c.orders.intake({ ...BUY, license: "100002" }, null)).order;
    await c.orders.payFromBalance(a.id, customer.email, "test");
    await c.orders.payFromBalance(b.id, customer.email, "test");
    await c.orders.placeManually(a.id, { upstreamId: 5 }, "staff");
    await assert.rejects(c.orders.placeManually(b.id, { upstreamId: 5 }, "staff"), { code: "conflict" });
  });
});
