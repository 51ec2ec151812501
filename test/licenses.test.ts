// Reselling ispmanager licenses (issue 15) end to end against the sandbox over HTTP, on SQLite and
// PostgreSQL: the license catalog from upstream's soft price list, the storefront order with its
// pre-payment checks, exactly-once soft.order.param under lost answers and 5xx, awaiting funds,
// manual mode, key delivery by polling, IP changes with their limit, and a new key.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { SOFT_TARIFF_IDS } from "../src/sandbox/seed.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { licenseContainer } from "./helpers/licenses.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

const EU = SOFT_TARIFF_IDS.eu;
const CLI = { actor: { kind: "cli" as const, id: "test" } };

let sb: TestSandbox;
before(async () => { sb = await startSandbox({ keyDelayMs: 1500 }); });
after(async () => { await sb.stop(); });

let n = 0;
/** A fresh public-looking IP per test (the sandbox is shared by the file). */
const nextIp = () => `192.0.2.${++n}`;
const sandboxLicensesOn = (ip: string) => sb.sandbox.state().licenses.filter((l) => l.ip === ip && l.status !== 4);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(t: TestDatabase, env: Record<string, string> = {}) {
  const { c, clock } = await licenseContainer(t, sb, env);
  const customer = await c.customers.add({ email: `lic${n}-${Date.now()}@example.com` });
  await c.customers.credit(customer.id, { amount: "500", currency: "EUR", reason: "test", actor: "test" });
  return { c, clock, customer };
}

async function paidOrder(c: Awaited<ReturnType<typeof setup>>["c"], customerId: string, ip: string, period = 12) {
  const order = await c.orders.intakeLicense({ tariff: EU.pro, period, ip, name: "web" }, null);
  await c.orders.payFromBalance(order.id, customerId, "test");
  return order;
}

describeEachDialect("licenses against the sandbox", (ctx) => {
  it("price sync brings the license tariffs with their costs; new tariffs start disabled and do not reach the module price list", async () => {
    const { c } = await setup(ctx());
    const rows = await c.repos.catalog.listModules(c.db, "eu", "license");
    assert.deepEqual(rows.map((r) => r.tariff_id).sort(), [EU.lite, EU.pro, EU.host, EU.business, EU.liteTrial, EU.businessTrial].sort());
    assert.equal(rows.find((r) => r.tariff_id === EU.lite)!.enabled, 0);
    assert.equal(rows.find((r) => r.tariff_id === EU.liteTrial)!.trial, 1);
    assert.equal(rows.find((r) => r.tariff_id === EU.host)!.edition, "host");
    const cost = await c.repos.pricing.findCost(c.db, `eu-${EU.pro}`, 12);
    assert.equal(Number(cost!.cost_minor), 12000);
    assert.ok((await c.repos.catalog.listModules(c.db, "eu")).every((m) => m.product === "module"));
    // Demo data: the tariffs nobody priced go on sale with demo prices (the pro tariff set above is left alone).
    assert.equal(await c.catalog.seedDemoLicensePrices(), 3);
    const lite = (await c.catalog.listLicenseTariffs()).find((e) => e.module.tariff_id === EU.lite)!;
    assert.deepEqual([lite.module.enabled, lite.prices[1]?.minor, lite.prices[12]?.minor], [1, 890, 8900]);
    assert.equal((await c.catalog.listLicenseTariffs()).find((e) => e.module.tariff_id === EU.liteTrial)!.module.enabled, 0, "trials stay off");
    assert.equal((await c.catalog.listLicenseTariffs()).find((e) => e.module.tariff_id === EU.pro)!.prices[1]?.minor, 1500);
  });

  it("orders a paid license exactly once, with our remoteid, reads upstream's expiry and delivers the key by polling", async () => {
    const { c, customer } = await setup(ctx());
    const ip = nextIp();
    const order = await paidOrder(c, customer.id, ip);
    assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
    const up = sandboxLicensesOn(ip);
    assert.equal(up.length, 1);
    assert.equal(up[0]!.remoteId, order.id);
    const o = await c.orders.get(order.id);
    assert.equal(Number(o.upstream_service_id), up[0]!.id);
    assert.equal(o.upstream_expires_on, up[0]!.expiredate);
    const lic = (await c.licenses.list({ customerId: customer.id }))[0]!;
    assert.equal(lic.keyState, "pending");
    assert.equal(lic.expiresOn, up[0]!.expiredate);
    // The key is not there yet: the job retries; later it is stored and mailed.
    const first = await c.licenses.deliverKey(lic.id);
    assert.equal(first.status, "retry");
    await sleep(1600);
    assert.deepEqual(await c.licenses.deliverKey(lic.id), { status: "done", key: "ready" });
    const { key } = await c.licenses.revealKey(lic.id, { customerId: customer.id });
    assert.equal(key, up[0]!.lickey);
    const mails = await c.db.selectFrom("mail_outbox").selectAll().where("template", "=", "license_key").execute();
    assert.equal(mails.length, 1);
    // Again (a duplicate job): nothing more.
    assert.deepEqual(await c.licenses.deliverKey(lic.id), { status: "done", key: "ready" });
    assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
    assert.equal(sandboxLicensesOn(ip).length, 1);
  });

  for (const kind of ["timeout_after_order", "reset_after_order"] as const) {
    it(`adopts the license after ${kind} instead of ordering a second one`, async () => {
      const { c, clock, customer } = await setup(ctx());
      const ip = nextIp();
      const order = await paidOrder(c, customer.id, ip);
      const rule = sb.sandbox.faults.add({ kind, func: "soft.order.param", count: 1, ms: 5000 });
      try {
        assert.equal((await c.fulfillment.place(order.id)).status, "retry");
        assert.equal(sandboxLicensesOn(ip).length, 1, "the sandbox made the license");
        assert.equal((await c.fulfillment.place(order.id)).status, "retry", "too early: the call may be in flight");
        clock.advance(4000);
        assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
        assert.equal(sandboxLicensesOn(ip).length, 1, "exactly one license upstream");
        assert.equal(Number((await c.orders.get(order.id)).upstream_service_id), sandboxLicensesOn(ip)[0]!.id);
        assert.equal((await c.orders.get(order.id)).upstream_attempts, 1);
      } finally {
        sb.sandbox.faults.remove(rule.id);
      }
    });
  }

  it("orders again only after proving absence (5xx); a list that cannot be read on the last attempt is needs_attention", async () => {
    const { c, clock, customer } = await setup(ctx());
    const ip = nextIp();
    const order = await paidOrder(c, customer.id, ip);
    const rule = sb.sandbox.faults.add({ kind: "http_5xx", func: "soft.order.param", count: 1 });
    try {
      assert.equal((await c.fulfillment.place(order.id)).status, "retry");
      assert.equal(sandboxLicensesOn(ip).length, 0);
      clock.advance(4000);
      assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
      assert.equal(sandboxLicensesOn(ip).length, 1);
      assert.equal((await c.orders.get(order.id)).upstream_attempts, 2);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
    const ip2 = nextIp();
    const second = await paidOrder(c, customer.id, ip2);
    const r1 = sb.sandbox.faults.add({ kind: "http_5xx", func: "soft.order.param", count: 1 });
    const r2 = sb.sandbox.faults.add({ kind: "http_5xx", func: "soft" });
    try {
      assert.equal((await c.fulfillment.place(second.id)).status, "retry");
      clock.advance(4000);
      assert.deepEqual(await c.fulfillment.place(second.id, { finalAttempt: true }), { status: "done", state: "needs_attention" });
      assert.equal(sandboxLicensesOn(ip2).length, 0);
    } finally {
      sb.sandbox.faults.remove(r1.id);
      sb.sandbox.faults.remove(r2.id);
    }
    // Staff look at the evidence and adopt the license bought by hand (read upstream first).
    const { licenseId } = await c.upstream.orderLicense({ pricelist: EU.pro, period: 12, ip: ip2 });
    const evidence = await c.attention.evidence(second.id);
    assert.deepEqual(evidence.candidates.map((m) => m.id), [licenseId]);
    await assert.rejects(c.attention.adopt(second.id, sandboxLicensesOn("203.0.113.11")[0]!.id, "staff"), /is on IP 203\.0\.113\.11/);
    const adopted = await c.attention.adopt(second.id, licenseId, "staff");
    assert.equal(adopted.state, "active");
    assert.equal(Number(adopted.upstream_service_id), licenseId);
  });

  it("out of upstream funds: awaiting_funds, then resumes and places once", async () => {
    const { c, clock, customer } = await setup(ctx());
    const ip = nextIp();
    const order = await paidOrder(c, customer.id, ip);
    const rule = sb.sandbox.faults.add({ kind: "insufficient_funds", func: "soft.order.param", count: 1 });
    try {
      assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "awaiting_funds" });
      assert.equal(sandboxLicensesOn(ip).length, 0);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
    clock.advance(4000);
    assert.deepEqual(await c.fulfillment.place(order.id), { status: "done", state: "active" });
    assert.equal(sandboxLicensesOn(ip).length, 1);
  });

  it("refuses before payment: an IP with a license upstream, a private IP, a second order for the same IP in flight", async () => {
    const { c, customer } = await setup(ctx());
    const taken = await c.orders.intakeLicense({ tariff: EU.pro, period: 1, ip: "203.0.113.11" }, null);
    await assert.rejects(c.orders.payFromBalance(taken.id, customer.id, "test"), /cannot be ordered for 203\.0\.113\.11/);
    await assert.rejects(c.orders.intakeLicense({ tariff: EU.pro, period: 1, ip: "10.1.2.3" }, null), /not a public address/);
    await assert.rejects(c.orders.intakeLicense({ tariff: EU.pro, period: 1, ip: "1.2.3" }, null), /not a valid/);
    await assert.rejects(c.orders.intakeLicense({ tariff: EU.lite, period: 1, ip: nextIp() }, null), /not on sale/);
    const ip = nextIp();
    await paidOrder(c, customer.id, ip);
    const again = await c.orders.intakeLicense({ tariff: EU.pro, period: 1, ip }, null);
    await assert.rejects(c.orders.payFromBalance(again.id, customer.id, "test"), /already being ordered/);
    const balance = await c.ledger.balance(c.db, { kind: "customer", owner: customer.id }, "EUR");
    assert.equal(balance.minor, 50000 - 15000);
  });

  it("manual mode: the paid order waits in the manual queue, staff record the license id", async () => {
    const { c, customer } = await setup(ctx(), { FULFILLMENT_MODE: "manual" });
    const ip = nextIp();
    const order = await paidOrder(c, customer.id, ip);
    assert.equal((await c.orders.get(order.id)).state, "manual_queue");
    const { licenseId } = await c.upstream.orderLicense({ pricelist: EU.pro, period: 12, ip });
    const active = await c.orders.placeManually(order.id, { upstreamId: licenseId }, "staff");
    assert.equal(active.state, "active");
    assert.equal((await c.licenses.list({ customerId: customer.id }))[0]!.upstreamId, licenseId);
  });

  it("IP change: valid (upstream follows), invalid, occupied, and the customer's limit; a new key is stored", async () => {
    const { c, customer } = await setup(ctx(), { LICENSE_IP_CHANGES_MAX: "1" });
    const ip = nextIp();
    const order = await paidOrder(c, customer.id, ip);
    await c.fulfillment.place(order.id);
    const lic = (await c.licenses.list({ customerId: customer.id }))[0]!;
    const to = nextIp();
    const changed = await c.licenses.changeIp(lic.id, to, { customerId: customer.id, ...CLI_AUDIT });
    assert.equal(changed.ip, to);
    assert.equal(sb.sandbox.state().licenses.find((l) => l.id === lic.upstreamId)!.ip, to);
    await assert.rejects(c.licenses.changeIp(lic.id, "not-an-ip", { customerId: customer.id, ...CLI_AUDIT }), /not a valid/);
    await assert.rejects(c.licenses.changeIp(lic.id, nextIp(), { customerId: customer.id, ...CLI_AUDIT }), /most allowed/);
    // Staff are not limited, but upstream refuses an IP that has a license.
    await assert.rejects(c.licenses.changeIp(lic.id, "203.0.113.12", { audit: CLI }), /refused 203\.0\.113\.12/);
    // Another customer's license reads as missing.
    await assert.rejects(c.licenses.changeIp(lic.id, nextIp(), { customerId: "cus_other", ...CLI_AUDIT }), /No license/);
    const renewed = await c.licenses.newKey(lic.id, { audit: CLI });
    assert.equal(renewed.keyState, "ready");
    const { key } = await c.licenses.revealKey(lic.id, { audit: CLI });
    assert.equal(key, sb.sandbox.state().licenses.find((l) => l.id === lic.upstreamId)!.lickey);
    const actions = (await c.db.selectFrom("audit_log").select("action").where("subject_id", "=", lic.id).execute()).map((r) => r.action).sort();
    assert.deepEqual(actions, ["license.change_ip", "license.key_reveal", "license.new_key"]);
  });
});

const CLI_AUDIT = { audit: CLI };
