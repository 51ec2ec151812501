// Renewals against the real sandbox over HTTP, with one manual clock for partnerbill and the
// sandbox: invoices raised RENEWAL_NOTICE_DAYS before expiry exactly once, paid from the balance,
// prolonged upstream exactly once whatever happens to the answer, reminders once per stage, expiry
// when unpaid, and upstream autoprolong mode where partnerbill charges nothing.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { buildWorld, type World } from "./helpers/renewals.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";
import { waitFor } from "./helpers/jobs.ts";

let sb: TestSandbox;
before(async () => { sb = await startSandbox(); });
after(async () => { await sb.stop(); });

// Bought at START (2026-12-01): a monthly module expires 2027-01-01 upstream and here.
const EXPIRES = "2027-01-01";
const NOTICE_DAY = "2026-12-25T10:00:00Z"; // 7 days before (RENEWAL_NOTICE_DAYS default)

async function renewals(c: Container) {
  return (await c.orders.list({ limit: 100 })).filter((o) => o.kind === "renewal");
}

async function balance(w: World) {
  return (await w.c.customers.show(w.customer.id)).balances[0]?.minor ?? 0;
}

async function ledgerIsBalanced(c: Container) {
  assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });
}

/** Buys a module, moves to the notice day and lets the scan raise (and pay, if it can) the renewal. */
async function dueRenewal(w: World) {
  const cm = await w.buy(w.account.licenses[0]!.id);
  w.advanceTo(NOTICE_DAY);
  const summary = await w.c.renewals.scan();
  const [order] = await renewals(w.c);
  assert.ok(order, "a renewal invoice was raised");
  return { cm, order, summary };
}

describeEachDialect("renewals over HTTP against the sandbox", (ctx) => {
  it("raises the renewal invoice RENEWAL_NOTICE_DAYS before expiry, exactly once, and pays it from the balance", async () => {
    const w = await buildWorld(ctx(), sb);
    const cm = await w.buy(w.account.licenses[0]!.id);
    assert.equal(cm.expires_on, EXPIRES);
    assert.equal(cm.renewal, "charge");
    assert.equal(w.upstreamModule(Number(cm.upstream_service_id)).autoprolong, null, "charge mode orders without autoprolong");

    w.advanceTo("2026-12-24T10:00:00Z");
    assert.equal((await w.c.renewals.scan()).invoiced, 0, "8 days before: not yet");
    assert.equal((await renewals(w.c)).length, 0);

    w.advanceTo(NOTICE_DAY);
    const first = await w.c.renewals.scan();
    assert.deepEqual({ invoiced: first.invoiced, paid: first.paid, reminded: first.reminded, failures: first.failures }, { invoiced: 1, paid: 1, reminded: 0, failures: [] });
    for (let i = 0; i < 3; i++) {
      w.advance(3_600_000);
      const again = await w.c.renewals.scan();
      assert.equal(again.invoiced + again.paid, 0, "a later scan raises and takes nothing more");
    }
    const all = await renewals(w.c);
    assert.equal(all.length, 1);
    const order = all[0]!;
    assert.equal(order.state, "paid");
    assert.equal(order.customer_module_id, cm.id);
    assert.equal(order.customer_id, w.customer.id);
    assert.equal(Number(order.price_minor), 1190);
    assert.equal(await balance(w), 10000 - 1190 - 1190);
    const jobs = await w.c.queue.list({ kind: "order.prolong" });
    assert.deepEqual(jobs.map((j) => [j.idempotency_key, JSON.parse(j.payload).orderId]), [[`order:${order.id}:prolong`, order.id]]);
    assert.equal((await w.c.queue.list({ kind: "order.place" })).filter((j) => JSON.parse(j.payload).orderId === order.id).length, 0, "a renewal is never placed as a new module");
    await ledgerIsBalanced(w.c);
  });

  it("prolongs a paid renewal upstream once: expiry extended upstream and here, revenue earned", async () => {
    const w = await buildWorld(ctx(), sb);
    const { cm, order } = await dueRenewal(w);
    const elid = Number(cm.upstream_service_id);

    assert.deepEqual(await w.c.prolong.prolong(order.id), { status: "done", state: "active" });
    assert.equal(w.upstreamModule(elid).expiredate, "2027-02-01");
    assert.equal(w.prolongCharges(elid).length, 1);
    const renewed = await w.c.customerModules.get(cm.id);
    assert.equal(renewed.expires_on, "2027-02-01");
    assert.equal(renewed.state, "active");
    const done = await w.c.orders.get(order.id);
    assert.equal(done.upstream_expires_on, "2027-02-01");
    assert.equal(Number(done.upstream_service_id), elid);
    assert.deepEqual(await w.c.ledger.balance(w.c.db, { kind: "revenue" }, "EUR"), { minor: 2380, currency: "EUR" });
    assert.deepEqual(await w.c.ledger.balance(w.c.db, { kind: "held" }, "EUR"), { minor: 0, currency: "EUR" });
    await ledgerIsBalanced(w.c);
    assert.deepEqual((await w.c.customerModules.history(cm.id)).map((e) => [e.kind, e.detail?.["from"], e.detail?.["to"]]), [["renewed", EXPIRES, "2027-02-01"]]);

    // A duplicate delivery changes nothing, and the new term is not due yet.
    assert.deepEqual(await w.c.prolong.prolong(order.id), { status: "done", state: "active" });
    assert.equal(w.prolongCharges(elid).length, 1);
    assert.equal((await w.c.renewals.scan()).invoiced, 0);
    // The next term's invoice comes 7 days before the new expiry.
    w.advanceTo("2027-01-25T10:00:00Z");
    assert.equal((await w.c.renewals.scan()).invoiced, 1);
    assert.equal((await renewals(w.c)).length, 2);
  });

  it("prices the renewal at the current catalog price", async () => {
    const w = await buildWorld(ctx(), sb);
    await w.buy(w.account.licenses[0]!.id);
    await w.c.catalog.setPrice("23221", { period: 1, amount: "12.50", currency: "EUR" }, { source: "cli" });
    w.advanceTo(NOTICE_DAY);
    await w.c.renewals.scan();
    const [order] = await renewals(w.c);
    assert.equal(Number(order!.price_minor), 1250);
  });

  for (const kind of ["timeout_after_order", "reset_after_order"] as const) {
    it(`prolongs exactly once after ${kind}: the moved expiry proves the call took effect`, async () => {
      const w = await buildWorld(ctx(), sb);
      const { cm, order } = await dueRenewal(w);
      const elid = Number(cm.upstream_service_id);
      const rule = sb.sandbox.faults.add({ kind, func: "service.prolong", count: 1, ms: 5000 });
      try {
        const first = await w.c.prolong.prolong(order.id);
        assert.equal(first.status, "retry");
        assert.equal((await w.c.orders.get(order.id)).state, "placing");
        assert.equal(w.upstreamModule(elid).expiredate, "2027-02-01", "the sandbox renewed it");
        assert.equal((await w.c.renewals.findRenewal(order.id))?.expiry_before_call, EXPIRES, "the expiry before the call was recorded");
        assert.equal((await w.c.prolong.prolong(order.id)).status, "retry", "too early: the call might still be in flight");
        w.advance(1000);
        assert.deepEqual(await w.c.prolong.prolong(order.id), { status: "done", state: "active" });
        assert.equal(w.prolongCharges(elid).length, 1, "exactly one prolongation upstream");
        assert.equal(w.upstreamModule(elid).expiredate, "2027-02-01", "extended by exactly one period");
        assert.equal((await w.c.customerModules.get(cm.id)).expires_on, "2027-02-01");
        assert.equal((await w.c.orders.get(order.id)).upstream_attempts, 1);
        const calls = (await w.c.orders.timeline(order.id)).filter((e) => e.kind === "upstream_call");
        assert.ok(calls.some((e) => e.detail?.["adopted"] === true));
        await ledgerIsBalanced(w.c);
      } finally {
        sb.sandbox.faults.remove(rule.id);
      }
    });
  }

  it("prolongs again only after proving the first call did nothing (HTTP 5xx)", async () => {
    const w = await buildWorld(ctx(), sb);
    const { cm, order } = await dueRenewal(w);
    const elid = Number(cm.upstream_service_id);
    const rule = sb.sandbox.faults.add({ kind: "http_5xx", func: "service.prolong", count: 1 });
    try {
      assert.equal((await w.c.prolong.prolong(order.id)).status, "retry");
      assert.equal(w.upstreamModule(elid).expiredate, EXPIRES);
      w.advance(1000);
      assert.deepEqual(await w.c.prolong.prolong(order.id), { status: "done", state: "active" });
      assert.equal(w.prolongCharges(elid).length, 1);
      assert.equal(w.upstreamModule(elid).expiredate, "2027-02-01");
      assert.equal((await w.c.orders.get(order.id)).upstream_attempts, 2);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
  });

  it("goes to needs_attention when the module cannot be read on the last attempt after an unknown outcome", async () => {
    const w = await buildWorld(ctx(), sb);
    const { cm, order } = await dueRenewal(w);
    const rule = sb.sandbox.faults.add({ kind: "http_5xx", func: "service.prolong", count: 1 });
    let reads: { id: number } | undefined;
    try {
      assert.equal((await w.c.prolong.prolong(order.id)).status, "retry");
      reads = sb.sandbox.faults.add({ kind: "http_5xx", func: "addition.edit" });
      w.advance(1000);
      assert.equal((await w.c.prolong.prolong(order.id)).status, "retry", "not the last attempt: try again later");
      assert.deepEqual(await w.c.prolong.prolong(order.id, { finalAttempt: true }), { status: "done", state: "needs_attention" });
      assert.equal(w.prolongCharges(Number(cm.upstream_service_id)).length, 0);
      assert.match((await w.c.orders.get(order.id)).reason ?? "", /cannot be proven/);
      assert.equal((await w.c.alerts.list()).filter((a) => a.kind === "order_needs_attention" && a.subject === order.id).length, 1);
    } finally {
      sb.sandbox.faults.remove(rule.id);
      if (reads) sb.sandbox.faults.remove(reads.id);
    }
  });

  it("refunds the customer when the module no longer exists upstream", async () => {
    const w = await buildWorld(ctx(), sb);
    const { cm, order } = await dueRenewal(w);
    await w.c.upstream.deleteModule(Number(cm.upstream_service_id));
    const before = await balance(w);
    assert.deepEqual(await w.c.prolong.prolong(order.id), { status: "done", state: "refunded" });
    assert.equal(await balance(w), before + 1190);
    assert.equal(w.prolongCharges(Number(cm.upstream_service_id)).length, 0);
    await ledgerIsBalanced(w.c);
  });

  it("waits in awaiting_funds when the partner's upstream balance is short, and the scan resumes it", async () => {
    const w = await buildWorld(ctx(), sb);
    const { cm, order } = await dueRenewal(w);
    const rule = sb.sandbox.faults.add({ kind: "insufficient_funds", func: "service.prolong", count: 1 });
    try {
      assert.deepEqual(await w.c.prolong.prolong(order.id), { status: "done", state: "awaiting_funds" });
      assert.equal((await w.c.alerts.list()).filter((a) => a.kind === "upstream_insufficient_funds").length, 1);
      const s = await w.c.renewals.scan();
      assert.equal(s.resumed, 1);
      assert.ok((await w.c.queue.list({ kind: "order.prolong" })).some((j) => j.idempotency_key.startsWith(`order:${order.id}:prolong:resume:`)));
      assert.deepEqual(await w.c.prolong.prolong(order.id), { status: "done", state: "active" });
      assert.equal(w.prolongCharges(Number(cm.upstream_service_id)).length, 1);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
  });

  it("reminds a customer whose balance is short once per stage, and pays after a top-up", async () => {
    const w = await buildWorld(ctx(), sb, { balance: "11.90" });
    const { order, summary } = await dueRenewal(w);
    assert.deepEqual({ invoiced: summary.invoiced, paid: summary.paid, reminded: summary.reminded }, { invoiced: 1, paid: 0, reminded: 1 });
    assert.equal(order.state, "pending_payment");
    for (let i = 0; i < 3; i++) {
      w.advance(3_600_000);
      assert.equal((await w.c.renewals.scan()).reminded, 0, "the reminder is not recorded twice");
    }
    let reminders = await w.c.renewals.reminders({ orderId: order.id });
    assert.deepEqual(reminders.map((r) => [r.stage, Number(r.amount_minor), r.expires_on, r.sent_at]), [["due", 1190, EXPIRES, null]]);
    const notes = (await w.c.orders.timeline(order.id)).filter((e) => e.kind === "note");
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.detail?.["reminder"], "due");

    w.advanceTo("2026-12-31T10:00:00Z");
    assert.equal((await w.c.renewals.scan()).reminded, 1, "the last day's reminder");
    assert.equal((await w.c.renewals.scan()).reminded, 0);
    reminders = await w.c.renewals.reminders({ orderId: order.id });
    assert.deepEqual(reminders.map((r) => r.stage), ["due", "final"]);

    await w.c.customers.credit(w.customer.id, { amount: "11.90", currency: "EUR", reason: "top-up", actor: "test" });
    const paid = await w.c.renewals.scan();
    assert.equal(paid.paid, 1);
    assert.equal((await w.c.orders.get(order.id)).state, "paid");
    assert.equal(await balance(w), 0);
    await ledgerIsBalanced(w.c);
  });

  it("keeps an unpaid renewal invoice payable until expiry, whatever the time to live of unpaid purchases", async () => {
    const w = await buildWorld(ctx(), sb, { balance: "11.90" });
    const { order } = await dueRenewal(w);
    w.advanceTo("2026-12-31T10:00:00Z");
    assert.equal(await w.c.orders.expirePending(72), 0);
    assert.equal((await w.c.orders.get(order.id)).state, "pending_payment");
    await w.c.customers.credit(w.customer.id, { amount: "11.90", currency: "EUR", reason: "top-up", actor: "test" });
    assert.equal((await w.c.renewals.scan()).paid, 1);
  });

  it("expires a module whose renewal is unpaid at expiry, cancels the invoice and does not renew upstream", async () => {
    const w = await buildWorld(ctx(), sb, { balance: "11.90" });
    const { cm, order } = await dueRenewal(w);
    const elid = Number(cm.upstream_service_id);

    w.advanceTo(`${EXPIRES}T23:00:00Z`);
    assert.equal((await w.c.renewals.scan()).expired, 0, "a module runs through its expiry date");
    assert.equal((await w.c.customerModules.get(cm.id)).state, "active");

    w.advanceTo("2027-01-02T00:30:00Z");
    assert.equal((await w.c.renewals.scan()).expired, 1);
    assert.equal((await w.c.customerModules.get(cm.id)).state, "expired");
    const cancelled = await w.c.orders.get(order.id);
    assert.equal(cancelled.state, "cancelled");
    assert.match(cancelled.reason ?? "", /not paid/);
    assert.equal(w.upstreamModule(elid).expiredate, EXPIRES, "upstream was not renewed");
    assert.equal(w.upstreamModule(elid).status, 3, "upstream shows it stopped");
    assert.equal(w.prolongCharges(elid).length, 0);
    assert.deepEqual((await w.c.customerModules.history(cm.id)).map((e) => e.kind), ["expired"]);

    // Money arriving later renews nothing: the module is expired and its term is settled.
    await w.c.customers.credit(w.customer.id, { amount: "50", currency: "EUR", reason: "late", actor: "test" });
    const later = await w.c.renewals.scan();
    assert.equal(later.invoiced + later.paid + later.expired, 0);
    assert.equal((await renewals(w.c)).length, 1);
    await ledgerIsBalanced(w.c);
  });

  it("does not expire a module whose paid renewal is still under way, and renews it from today once done", async () => {
    const w = await buildWorld(ctx(), sb);
    const { cm, order } = await dueRenewal(w);
    assert.equal(order.state, "paid");
    w.advanceTo("2027-01-03T10:00:00Z");
    assert.equal((await w.c.renewals.scan()).expired, 0);
    assert.equal((await w.c.customerModules.get(cm.id)).state, "active");
    assert.deepEqual(await w.c.prolong.prolong(order.id), { status: "done", state: "active" });
    // Upstream renews a lapsed module from today (sandbox rule).
    assert.equal((await w.c.customerModules.get(cm.id)).expires_on, "2027-02-03");
  });

  it("in manual fulfillment mode puts paid renewals in the manual queue; staff complete them by hand", async () => {
    const w = await buildWorld(ctx(), sb, { env: { FULFILLMENT_MODE: "manual" } });
    const license = w.account.licenses[0]!.id;
    const { order: purchase } = await w.c.orders.intake({ license: String(license), module_id: "23221" }, null);
    await w.c.orders.payFromBalance(purchase.id, w.customer.id, "test");
    const { serviceId } = await w.c.upstream.orderModule({ license, pricelist: 23221, period: 1 });
    const placed = await w.c.orders.placeManually(purchase.id, { upstreamId: serviceId, expiresOn: EXPIRES }, "staff");
    w.advanceTo(NOTICE_DAY);
    assert.equal((await w.c.renewals.scan()).paid, 1);
    const [renewal] = await renewals(w.c);
    assert.equal(renewal!.state, "manual_queue");
    assert.equal((await w.c.queue.list({ kind: "order.prolong" })).length, 0);
    await assert.rejects(w.c.renewals.completeManually(renewal!.id, { expiresOn: "31.01.2027" }, "staff"), { code: "invalid_input" });
    await assert.rejects(w.c.renewals.completeManually(purchase.id, { expiresOn: "2027-02-01" }, "staff"), { code: "invalid_input" });
    await assert.rejects(w.c.orders.placeManually(renewal!.id, { upstreamId: 777001 }, "staff"), /is a renewal: record it with `partnerbill renewals complete/);
    const done = await w.c.renewals.completeManually(renewal!.id, { expiresOn: "2027-02-01" }, "staff");
    assert.equal(done.state, "active");
    assert.equal((await w.c.customerModules.get(placed.customer_module_id!)).expires_on, "2027-02-01");
    await ledgerIsBalanced(w.c);
  });

  it("in upstream mode orders purchases with autoprolong, charges nothing for renewals and follows upstream's expiry", async () => {
    const w = await buildWorld(ctx(), sb, { env: { RENEWAL_MODE: "upstream" } });
    const cm = await w.buy(w.account.licenses[0]!.id);
    const elid = Number(cm.upstream_service_id);
    assert.equal(w.upstreamModule(elid).autoprolong, 1, "ordered with autoprolong = period");
    assert.equal(cm.renewal, "upstream");
    const paidSoFar = await balance(w);

    w.advanceTo(NOTICE_DAY);
    const s = await w.c.renewals.scan();
    assert.equal(s.invoiced + s.paid + s.reminded, 0);
    assert.equal((await renewals(w.c)).length, 0);
    assert.equal(await balance(w), paidSoFar, "no charge by partnerbill");

    // Upstream renews it (the sandbox never does by itself: play its autoprolong).
    assert.equal((await sb.control("POST", `/modules/${elid}`, { expiredate: "2027-02-01" })).status, 200);
    w.advanceTo("2027-01-02T10:00:00Z");
    assert.equal((await w.c.renewals.scan()).expired, 0, "upstream-renewed modules are not expired by the scan");
    const { report, findings } = await w.c.reconciliation.run({ trigger: "test" });
    assert.equal(report.status, "clean");
    assert.deepEqual(findings.map((f) => [f.kind, f.local_value, f.upstream_value]), [["expiry_followed", EXPIRES, "2027-02-01"]]);
    assert.equal((await w.c.customerModules.get(cm.id)).expires_on, "2027-02-01");
    assert.deepEqual((await w.c.alerts.list()).map((a) => a.kind), []);
    assert.equal(await balance(w), paidSoFar);
  });

  it("runs from the scheduler's renewals.scan job through the worker to the prolongation", async () => {
    const w = await buildWorld(ctx(), sb);
    const cm = await w.buy(w.account.licenses[0]!.id);
    w.advanceTo(NOTICE_DAY);
    const scheduler = w.c.jobs.createScheduler();
    await scheduler.tick();
    assert.equal((await w.c.queue.list({ kind: "renewals.scan" })).length, 1);
    const worker = w.c.jobs.createWorker({ pollMs: 50 });
    await worker.start();
    try {
      await waitFor("the renewal to be prolonged", async () => (await w.c.customerModules.get(cm.id)).expires_on === "2027-02-01");
    } finally {
      await worker.stop();
    }
    const [order] = await renewals(w.c);
    assert.equal(order!.state, "active");
    assert.equal(w.upstreamModule(Number(cm.upstream_service_id)).expiredate, "2027-02-01");
    assert.equal(w.prolongCharges(Number(cm.upstream_service_id)).length, 1);
  });
});
