// Automatic fulfillment against the real sandbox over HTTP: exactly one upstream module per paid
// order, whatever the sandbox does to the answer.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createContainer } from "../src/app/container.ts";
import { createLogger } from "../src/app/logger.ts";
import { LISTING_REUSE_MS } from "../src/modules/fulfillment/fulfillment.service.ts";
import { manualClock } from "../src/lib/clock.ts";
import { randomIds } from "../src/lib/ids.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { TEST_SECRET, testConfig } from "./helpers/app.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

let sb: TestSandbox;
before(async () => { sb = await startSandbox(); });
after(async () => { await sb.stop(); });

let nextLicense = 0;
const LICENSES = [100001, 100002, 100003, 100004, 100005];

async function setup(t: TestDatabase, env: Record<string, string> = {}) {
  const clock = manualClock("2026-12-01T10:00:00Z");
  const c = createContainer({
    config: testConfig({ UPSTREAM_TIMEOUT_MS: "400", ...env }),
    database: t.database,
    secretKey: TEST_SECRET,
    clock,
    ids: randomIds,
    logger: createLogger("silent"),
    upstreamUrl: sb.billmgrUrl,
    upstreamCredentials: sb.credentials,
  });
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  const customer = await c.customers.add({ email: `c${nextLicense}@example.com` });
  await c.customers.credit(customer.id, { amount: "100", currency: "EUR", reason: "test", actor: "test" });
  // Each test uses a license no other test touches, so upstream counts are per test.
  const license = LICENSES[nextLicense++ % LICENSES.length]!;
  // Remove modules earlier tests left on this license (the sandbox is shared by the file).
  for (const m of sb.modulesOf(license)) await c.upstream.deleteModule(m.id);
  const { order } = await c.orders.intake({ license: String(license), module_id: "23221" }, null);
  if (env["SKIP_PAY"] !== "1") await c.orders.payFromBalance(order.id, customer.id, "test");
  return { c, clock, order, license, customer };
}

describeEachDialect("fulfillment over HTTP against the sandbox", (ctx) => {
  it("places a paid order once and activates it with the upstream service id", async () => {
    const { c, order, license } = await setup(ctx());
    const r = await c.fulfillment.place(order.id);
    assert.deepEqual(r, { status: "done", state: "active" });
    const upstream = sb.modulesOf(license);
    assert.equal(upstream.length, 1);
    const o = await c.orders.get(order.id);
    assert.equal(Number(o.upstream_service_id), upstream[0]!.id);
    assert.ok(o.upstream_expires_on);
    const calls = (await c.orders.timeline(order.id)).filter((e) => e.kind === "upstream_call");
    assert.ok(calls.some((e) => e.detail?.["func"] === "addition.order.param" && e.detail?.["outcome"] === "done"));
    assert.ok(!JSON.stringify(calls).includes(sb.credentials.password));
    // Running it again (a duplicate delivery) changes nothing.
    assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
    assert.equal(sb.modulesOf(license).length, 1);
  });

  it("lists the account's modules once per order: placing reuses what the pre-payment check saw", async () => {
    const { c, clock, order, customer } = await setup(ctx(), { SKIP_PAY: "1" });
    const calls = async (func: string) => (await c.metrics.upstreamCalls.get()).values.filter((v) => v.labels["func"] === func).reduce((n, v) => n + v.value, 0);
    // The checkout page checks, the payment a second later reuses that check, placing its listing.
    assert.deepEqual(await c.fulfillment.precheck(await c.orders.get(order.id)), { ok: true });
    clock.advance(1000);
    await c.orders.payFromBalance(order.id, customer.id, "test");
    assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
    assert.equal(await calls("addition"), 1, "one whole-account listing");
    assert.equal(await calls("soft"), 0, "the license is read, not listed");
    assert.equal(await calls("soft.edit"), 1);
    assert.equal(await calls("addition.order.param"), 1);
  });

  it("lists again at placing when the pre-payment check is older than the reuse window", async () => {
    const { c, clock, order, customer, license } = await setup(ctx(), { SKIP_PAY: "1" });
    const calls = async (func: string) => (await c.metrics.upstreamCalls.get()).values.filter((v) => v.labels["func"] === func).reduce((n, v) => n + v.value, 0);
    await c.orders.payFromBalance(order.id, customer.id, "test");
    const paid = await c.orders.get(order.id);
    assert.ok(paid.precheck_at && paid.precheck_known_ids === "[]", "the check's listing is on the order");
    clock.advance(LISTING_REUSE_MS + 1);
    assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
    assert.equal(await calls("addition"), 2);
    assert.equal(sb.modulesOf(license).length, 1);
  });

  for (const kind of ["timeout_after_order", "reset_after_order"] as const) {
    it(`adopts the module after ${kind} instead of ordering a second one`, async () => {
      const { c, clock, order, license } = await setup(ctx());
      const rule = sb.sandbox.faults.add({ kind, func: "addition.order.param", count: 1, ms: 5000 });
      try {
        const first = await c.fulfillment.place(order.id);
        assert.equal(first.status, "retry");
        assert.equal((await c.orders.get(order.id)).state, "placing");
        assert.equal(sb.modulesOf(license).length, 1, "the sandbox made the order");
        // Too early: the earlier call might still be in flight.
        assert.equal((await c.fulfillment.place(order.id)).status, "retry");
        clock.advance(1000);
        assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
        assert.equal(sb.modulesOf(license).length, 1, "exactly one module upstream");
        assert.equal(Number((await c.orders.get(order.id)).upstream_service_id), sb.modulesOf(license)[0]!.id);
      } finally {
        sb.sandbox.faults.remove(rule.id);
      }
    });
  }

  it("orders again only after proving the first call did nothing (HTTP 5xx)", async () => {
    const { c, clock, order, license } = await setup(ctx());
    const rule = sb.sandbox.faults.add({ kind: "http_5xx", func: "addition.order.param", count: 1 });
    try {
      assert.equal((await c.fulfillment.place(order.id)).status, "retry");
      assert.equal(sb.modulesOf(license).length, 0);
      clock.advance(1000);
      assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
      assert.equal(sb.modulesOf(license).length, 1);
      assert.equal((await c.orders.get(order.id)).upstream_attempts, 2);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
  });

  it("places an order whose process died between the intent and the call", async () => {
    const { c, clock, order, license } = await setup(ctx());
    const paid = await c.orders.get(order.id);
    await c.db.transaction().execute((tx) =>
      c.orders.move(tx, paid, "placing", { intent_at: clock.now().toISOString(), intent_known_ids: "[]", upstream_attempts: 1 }),
    );
    clock.advance(1000);
    assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
    assert.equal(sb.modulesOf(license).length, 1);
  });

  it("goes to needs_attention when the outcome cannot be proven on the last attempt", async () => {
    const { c, clock, order, license } = await setup(ctx());
    const rule = sb.sandbox.faults.add({ kind: "http_5xx", func: "addition.order.param", count: 1 });
    let listing: { id: number } | undefined;
    try {
      assert.equal((await c.fulfillment.place(order.id)).status, "retry");
      assert.equal((await c.orders.get(order.id)).state, "placing");
      listing = sb.sandbox.faults.add({ kind: "http_5xx", func: "addition" });
      clock.advance(1000);
      assert.equal((await c.fulfillment.place(order.id)).status, "retry", "not the last attempt: try again later");
      assert.deepEqual(await c.fulfillment.place(order.id, { finalAttempt: true }), { status: "done", state: "needs_attention" });
      assert.equal(sb.modulesOf(license).length, 0);
      assert.match((await c.orders.get(order.id)).reason ?? "", /cannot be proven/);
    } finally {
      sb.sandbox.faults.remove(rule.id);
      if (listing) sb.sandbox.faults.remove(listing.id);
    }
  });

  it("waits in awaiting_funds when the partner's upstream balance is short", async () => {
    const { c, order, license } = await setup(ctx());
    const rule = sb.sandbox.faults.add({ kind: "insufficient_funds", func: "addition.order.param", count: 1 });
    try {
      assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "awaiting_funds" });
      assert.equal(sb.modulesOf(license).length, 0);
      // Funds arrive: the periodic resumption runs place() again.
      assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
      assert.equal(sb.modulesOf(license).length, 1);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
  });

  it("checks the license, its IP and the module upstream before taking money", async () => {
    const { c, customer, license } = await setup(ctx(), { SKIP_PAY: "1" });
    const tryPay = async (params: Record<string, string>) => {
      const { order } = await c.orders.intake(params, null);
      return c.orders.payFromBalance(order.id, customer.id, "test");
    };
    await assert.rejects(tryPay({ license: "424242", module_id: "23221" }), /not one of ours/);
    await assert.rejects(tryPay({ license: String(license), ip: "198.51.100.200", module_id: "23221" }), /belongs to IP/);
    const paid = await tryPay({ license: String(license), module_id: "23221" });
    assert.deepEqual(await c.fulfillment.place(paid.id), { status: "done", state: "active" });
    await assert.rejects(tryPay({ license: String(license), module_id: "23221" }), /already active/);
    const [balance] = (await c.customers.show(customer.id)).balances;
    assert.equal(balance!.minor, 10000 - 1190, "only the one good payment was taken");
  });

  it("lets the configuration decide when upstream cannot be asked before payment", async () => {
    const rule = sb.sandbox.faults.add({ kind: "http_5xx", func: ["soft.edit", "addition"] });
    try {
      const strict = await setup(ctx(), { SKIP_PAY: "1", PAY_WHEN_UPSTREAM_UNREACHABLE: "false" });
      await assert.rejects(strict.c.orders.payFromBalance(strict.order.id, strict.customer.id, "test"), { code: "upstream_unavailable" });
      assert.equal((await strict.c.orders.get(strict.order.id)).state, "pending_payment");
      const lenient = await setup(ctx(), { SKIP_PAY: "1" });
      assert.equal((await lenient.c.orders.payFromBalance(lenient.order.id, lenient.customer.id, "test")).state, "paid");
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
  });

  it("refunds the customer when upstream rejects the order", async () => {
    const { c, order, customer } = await setup(ctx());
    const rule = sb.sandbox.faults.add({ kind: "error_rate", func: "addition.order.param", count: 1 });
    try {
      assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "refunded" });
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
    const [balance] = (await c.customers.show(customer.id)).balances;
    assert.deepEqual(balance, { minor: 10000, currency: "EUR" });
    assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });
  });
});
