// A second purchase of a (license, module) while the first is paid and not yet active (issue 13,
// finding 12): refused before money is taken, on every way of paying, whatever upstream does to the
// first one (faults injected into the sandbox), and atomically when two payments race. Automatic
// fulfillment against the sandbox over HTTP, on both dialects.
import assert from "node:assert/strict";
import { after, afterEach, before, it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { isAppError } from "../src/lib/errors.ts";
import { startStripeFake, type StripeFake } from "./fakes/stripe-server.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { buildWorld } from "./helpers/renewals.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

let sb: TestSandbox;
before(async () => { sb = await startSandbox(); });
after(async () => { await sb.stop(); });
let stripe: StripeFake | undefined;
afterEach(async () => { await stripe?.close(); stripe = undefined; });

async function eur(c: Container, customerId: string): Promise<number> {
  return (await c.customers.show(customerId)).balances.find((b) => b.currency === "EUR")?.minor ?? 0;
}

async function buyer(c: Container, email: string): Promise<string> {
  const cu = await c.customers.add({ email });
  await c.customers.credit(cu.id, { amount: "100.00", currency: "EUR", reason: "test", actor: "test" });
  return cu.id;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isAppError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  assert.fail("expected a refusal");
}

describeEachDialect("duplicate purchases for one license (finding 12)", (ctx) => {
  // The first order's state after each fault: placing (outcome unknown), awaiting funds, needs attention.
  const cases = [
    { fault: "timeout_after_order", state: "placing" },
    { fault: "insufficient_funds", state: "awaiting_funds" },
    { fault: "http_5xx", state: "placing" },
    { fault: null, state: "paid" },
  ] as const;
  for (const k of cases) {
    it(`refuses a second buyer while the first order is ${k.state}${k.fault ? ` (${k.fault})` : ""}: nothing charged, nothing ordered`, async () => {
      const stripeOn = k.state === "paid";
      if (stripeOn) stripe = await startStripeFake();
      const w = await buildWorld(ctx(), sb, stripe ? { env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url, PUBLIC_URL: "http://billing.test" } } : {});
      // Bank transfer is offered once the seller's bank details are set.
      await w.c.settings.setMany({ "seller.legal_name": "Partner GmbH", "seller.iban": "DE89370400440532013000" });
      const license = w.account.licenses[0]!.id;
      const first = (await w.c.orders.intake({ license: String(license), module_id: "23221" }, null)).order;
      await w.c.orders.payFromBalance(first.id, w.customer.id, "test");
      if (k.fault) {
        const rule = sb.sandbox.faults.add({ kind: k.fault, func: "addition.order.param", count: 1, ms: 5000 });
        try { await w.c.fulfillment.place(first.id); } finally { sb.sandbox.faults.remove(rule.id); }
      }
      assert.equal((await w.c.orders.get(first.id)).state, k.state);
      const upstreamBefore = sb.modulesOf(license).length;

      const bob = await buyer(w.c, `bob-${k.state}@example.com`);
      const second = (await w.c.orders.intake({ license: String(license), module_id: "23221" }, null)).order;
      const r = await refusal(w.c.orders.payFromBalance(second.id, bob, `customer:${bob}`));
      assert.equal(r.code, "conflict");
      assert.match(r.message, /already being ordered for license/);
      assert.equal(await eur(w.c, bob), 10000, "nothing charged");
      assert.equal((await w.c.orders.get(second.id)).state, "pending_payment");
      // Nor by bank transfer: no invoice for an order that cannot be supplied.
      assert.equal((await refusal(w.c.payments.payOrder("bank_transfer", { orderId: second.id, customerId: bob, returnUrl: "http://x/", cancelUrl: "http://x/", actor: "t" }))).code, "conflict");
      // Nor by card: no Checkout Session is opened.
      if (stripeOn) assert.equal((await refusal(w.c.stripe.payOrder({ orderId: second.id, customerId: bob, returnUrl: "http://x/", cancelUrl: "http://x/", actor: "t" }))).code, "conflict");
      assert.equal(sb.modulesOf(license).length, upstreamBefore, "no second module ordered");
      assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
    });
  }

  it("of two concurrent payments for two orders of the same license and module only one proceeds", async () => {
    const w = await buildWorld(ctx(), sb, { env: { FULFILLMENT_MODE: "manual" } });
    const license = w.account.licenses[1]!.id;
    for (let round = 0; round < 3; round++) {
      const lic = round === 0 ? license : w.account.licenses[round === 1 ? 0 : 2]!.id;
      const ids = await Promise.all([0, 1, 2, 3].map((i) => buyer(w.c, `racer-${round}-${i}@example.com`)));
      const orders = await Promise.all(ids.map(async () => (await w.c.orders.intake({ license: String(lic), module_id: "23221" }, null)).order));
      const results = await Promise.allSettled(orders.map((o, i) => w.c.orders.payFromBalance(o.id, ids[i]!, "test")));
      const ok = results.filter((r) => r.status === "fulfilled");
      assert.equal(ok.length, 1, `one payment proceeds: ${results.map((r) => r.status === "rejected" ? String((r.reason as Error).message) : "ok").join(" | ")}`);
      for (const r of results) if (r.status === "rejected") assert.ok(isAppError(r.reason) && r.reason.code === "conflict", String(r.reason));
      const balances = await Promise.all(ids.map((id) => eur(w.c, id)));
      assert.equal(balances.filter((b) => b === 10000 - 1190).length, 1);
      assert.equal(balances.filter((b) => b === 10000).length, 3);
    }
    assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
  });

  it("money taken asynchronously (bank transfer, Stripe) stays on the balance and orders nothing", async () => {
    stripe = await startStripeFake();
    const w = await buildWorld(ctx(), sb, { env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url, PUBLIC_URL: "http://billing.test" } });
    await w.c.settings.setMany({ "seller.legal_name": "Partner GmbH", "seller.iban": "DE89370400440532013000" });
    const license = w.account.licenses[2]!.id;
    const bob = await buyer(w.c, "bob@example.com");
    const cy = await buyer(w.c, "cy@example.com");
    // Bob asks for a transfer invoice and Cy starts a card payment while nothing is in flight…
    const byTransfer = (await w.c.orders.intake({ license: String(license), module_id: "23221" }, null)).order;
    const inv = await w.c.payments.payOrder("bank_transfer", { orderId: byTransfer.id, customerId: bob, returnUrl: "http://x/", cancelUrl: "http://x/", actor: "t" });
    assert.equal(inv.kind, "invoice");
    const byCard = (await w.c.orders.intake({ license: String(license), module_id: "23221" }, null)).order;
    const start = await w.c.stripe.payOrder({ orderId: byCard.id, customerId: cy, returnUrl: "http://billing.test/r", cancelUrl: "http://billing.test/c", actor: "t" });
    assert.equal(start.kind, "redirect");
    // …then Ann pays from her balance and upstream leaves her order in awaiting funds.
    const first = (await w.c.orders.intake({ license: String(license), module_id: "23221" }, null)).order;
    await w.c.orders.payFromBalance(first.id, w.customer.id, "test");
    const rule = sb.sandbox.faults.add({ kind: "insufficient_funds", func: "addition.order.param", count: 1 });
    try { await w.c.fulfillment.place(first.id); } finally { sb.sandbox.faults.remove(rule.id); }
    assert.equal((await w.c.orders.get(first.id)).state, "awaiting_funds");

    // Bob's transfer arrives: credited to his balance, his order not paid.
    const transfer = (await w.c.payments.transfersOf(bob))[0]!;
    const confirmed = await w.c.payments.confirmTransfer(transfer.reference, { amount: "11.90", actor: "staff:test" });
    assert.equal(confirmed.credited, true);
    assert.equal(confirmed.order?.paid, false);
    assert.match(confirmed.order?.problem ?? "", /already being ordered/);
    assert.equal(await eur(w.c, bob), 10000 + 1190);
    // Cy's card payment comes back: credited to her balance, her order not paid.
    const sessionId = [...stripe.sessions.keys()].at(-1)!;
    stripe.completeSession(sessionId);
    const back = await w.c.stripe.returnFromCheckout(sessionId);
    assert.equal(back.result?.status, "credited");
    assert.match(back.result?.outcome ?? "", /not paid .*already being ordered/);
    assert.equal(await eur(w.c, cy), 10000 + 1190);
    assert.equal((await w.c.orders.get(byTransfer.id)).state, "pending_payment");
    assert.equal((await w.c.orders.get(byCard.id)).state, "pending_payment");
    assert.equal(sb.modulesOf(license).length, 0, "nothing ordered upstream");
    assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
  });
});
