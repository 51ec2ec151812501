// Reconciliation against the real sandbox over HTTP: each kind of drift, made by changing the
// sandbox behind partnerbill's back (its control endpoint, or the client called directly), is found,
// stored in a report and raised as one alert per kind — and nothing else changes until staff accept
// upstream's values explicitly.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { buildWorld } from "./helpers/renewals.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

let sb: TestSandbox;
before(async () => { sb = await startSandbox(); });
after(async () => { await sb.stop(); });

/** Everything reconciliation must not touch: orders, customer modules, ledger, jobs. */
async function snapshot(c: Container) {
  const db = c.db;
  return {
    orders: await db.selectFrom("orders").selectAll().orderBy("id").execute(),
    modules: await db.selectFrom("customer_modules").selectAll().orderBy("id").execute(),
    ledger: await db.selectFrom("ledger_entries").selectAll().orderBy("id").execute(),
    jobs: await db.selectFrom("jobs").select(["id", "state", "kind"]).orderBy("id").execute(),
  };
}

async function openAlertKinds(c: Container) {
  return (await c.alerts.list()).map((a) => a.kind).sort();
}

describeEachDialect("reconciliation over HTTP against the sandbox", (ctx) => {
  it("stores a clean report when both sides agree", async () => {
    const w = await buildWorld(ctx(), sb, { balance: "200.00" });
    await w.buy(w.account.licenses[0]!.id);
    await w.buy(w.account.licenses[1]!.id, { period: 12 });
    const { report, findings } = await w.c.reconciliation.run({ trigger: "test", actor: "staff" });
    assert.equal(report.status, "clean");
    assert.deepEqual({ local: report.local_modules, upstream: report.upstream_modules, findings: report.findings }, { local: 2, upstream: 2, findings: 0 });
    assert.deepEqual(findings, []);
    assert.deepEqual(await openAlertKinds(w.c), []);
    const shown = await w.c.reconciliation.show();
    assert.equal(shown.report.id, report.id);
  });

  it("finds every kind of drift, stores the report with one alert per kind, and changes nothing else", async () => {
    const w = await buildWorld(ctx(), sb, { licenses: 8, balance: "200.00" });
    const L = w.account.licenses.map((l) => l.id);
    const missing = await w.buy(L[0]!);
    const expiry = await w.buy(L[1]!);
    const stopped = await w.buy(L[2]!);
    const moved = await w.buy(L[3]!);
    const expiredHere = await w.buy(L[4]!);
    const fine = await w.buy(L[5]!);

    await w.c.upstream.deleteModule(Number(missing.upstream_service_id));
    assert.equal((await sb.control("POST", `/modules/${expiry.upstream_service_id}`, { expiredate: "2027-03-01" })).status, 200);
    assert.equal((await sb.control("POST", `/modules/${stopped.upstream_service_id}`, { status: 3 })).status, 200);
    await w.c.upstream.rebindModule(Number(moved.upstream_service_id), L[6]!);
    await w.c.repos.orders.updateCustomerModule(w.c.db, expiredHere.id, { state: "expired" });
    // A module someone bought in the client area directly, not through partnerbill:
    const { serviceId: stranger } = await w.c.upstream.orderModule({ license: L[7]!, pricelist: 23221, period: 1 });
    // A paid order not placed yet, whose module is already upstream (its job has not recorded it):
    const { order: inFlight } = await w.c.orders.intake({ license: String(L[5]!), module_id: "23221" }, null);
    await w.c.db.updateTable("orders").set({ state: "placing", customer_id: w.customer.id, intent_at: w.clock.now().toISOString() }).where("id", "=", inFlight.id).execute();
    const { serviceId: pending } = await w.c.upstream.orderModule({ license: L[5]!, pricelist: 23221, period: 1 });

    const before = await snapshot(w.c);
    const { report, findings } = await w.c.reconciliation.run({ trigger: "test" });
    assert.equal(report.status, "drift");
    const got = findings.map((f) => [f.kind, f.severity, f.customer_module_id ?? `upstream:${f.upstream_service_id}`, f.local_value, f.upstream_value]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.deepEqual(got, [
      ["expiry_drift", "drift", expiry.id, "2027-01-01", "2027-03-01"],
      ["license_drift", "drift", moved.id, String(L[3]), String(L[6])],
      ["missing_upstream", "drift", missing.id, "active", "deleted"],
      ["pending_placement", "info", `upstream:${pending}`, null, "active"],
      ["status_drift", "drift", stopped.id, "active", "stopped"],
      ["status_drift", "drift", expiredHere.id, "expired", "active"],
      ["unknown_upstream", "drift", `upstream:${stranger}`, null, "active"],
    ]);
    assert.equal(findings.find((f) => f.kind === "pending_placement")!.order_id, inFlight.id);
    assert.ok(!findings.some((f) => f.customer_module_id === fine.id));
    assert.deepEqual({ local: report.local_modules, upstream: report.upstream_modules, findings: report.findings }, { local: 5, upstream: 8, findings: 7 });

    // Stored as it was returned.
    const shown = await w.c.reconciliation.show(report.id);
    assert.deepEqual(shown.findings.map((f) => f.id).sort(), findings.map((f) => f.id).sort());
    assert.deepEqual(await w.c.reconciliation.show(), shown);

    // One alert per kind of drift, naming the report.
    assert.deepEqual(await openAlertKinds(w.c), ["reconcile_expiry_drift", "reconcile_license_drift", "reconcile_missing_upstream", "reconcile_status_drift", "reconcile_unknown_upstream"]);
    const statusAlert = (await w.c.alerts.list()).find((a) => a.kind === "reconcile_status_drift")!;
    assert.match(statusAlert.message, /^2 × status drift: /);
    assert.match(statusAlert.message, new RegExp(`reconcile show ${report.id}`));

    // Nothing else changed, here or upstream.
    assert.deepEqual(await snapshot(w.c), before);
    assert.equal(w.upstreamModule(Number(expiry.upstream_service_id)).expiredate, "2027-03-01");

    // A second run refreshes the alerts rather than piling them up.
    const again = await w.c.reconciliation.run({ trigger: "test" });
    assert.equal(again.report.findings, 7);
    assert.equal((await w.c.alerts.list()).length, 5);
    assert.equal((await w.c.reconciliation.list()).length, 2);
  });

  it("lets staff accept upstream's expiry, status and license explicitly; the next report is clean and its alerts resolve", async () => {
    const w = await buildWorld(ctx(), sb, { licenses: 5 });
    const L = w.account.licenses.map((l) => l.id);
    const expiry = await w.buy(L[0]!);
    const stopped = await w.buy(L[1]!);
    const deleted = await w.buy(L[2]!);
    const moved = await w.buy(L[3]!);
    await sb.control("POST", `/modules/${expiry.upstream_service_id}`, { expiredate: "2027-03-01" });
    await sb.control("POST", `/modules/${stopped.upstream_service_id}`, { status: 3 });
    await w.c.upstream.deleteModule(Number(deleted.upstream_service_id));
    await w.c.upstream.rebindModule(Number(moved.upstream_service_id), L[4]!);
    assert.equal((await w.c.reconciliation.run({ trigger: "test" })).report.findings, 4);
    assert.equal((await w.c.alerts.list()).length, 4);

    await assert.rejects(w.c.reconciliation.accept(deleted.id, "expiry", "staff"), /no longer exists upstream/);
    const e = await w.c.reconciliation.accept(expiry.id, "expiry", "staff");
    assert.deepEqual([e.before.expires_on, e.after.expires_on], ["2027-01-01", "2027-03-01"]);
    assert.equal((await w.c.reconciliation.accept(stopped.id, "status", "staff")).after.state, "expired");
    assert.equal((await w.c.reconciliation.accept(deleted.id, "status", "staff")).after.state, "deleted");
    assert.equal(Number((await w.c.reconciliation.accept(moved.id, "license", "staff")).after.license_id), L[4]);
    // Accepting what already matches changes nothing.
    const same = await w.c.reconciliation.accept(expiry.id, "expiry", "staff");
    assert.equal(same.before, same.after);

    assert.deepEqual((await w.c.customerModules.history(expiry.id)).map((h) => [h.kind, h.actor, h.detail?.["from"], h.detail?.["to"]]), [
      ["expiry_accepted", "staff", { expires_on: "2027-01-01" }, { expires_on: "2027-03-01" }],
    ]);
    assert.equal((await w.c.customerModules.get(expiry.id)).expires_on, "2027-03-01");

    const clean = await w.c.reconciliation.run({ trigger: "test" });
    assert.equal(clean.report.status, "clean");
    assert.deepEqual(clean.findings, []);
    assert.deepEqual(await openAlertKinds(w.c), []);
  });

  it("reports a module whose paid renewal is under way as information, not drift", async () => {
    const w = await buildWorld(ctx(), sb);
    const cm = await w.buy(w.account.licenses[0]!.id);
    w.advanceTo("2026-12-25T10:00:00Z");
    await w.c.renewals.scan();
    const [renewal] = (await w.c.orders.list()).filter((o) => o.kind === "renewal");
    const rule = sb.sandbox.faults.add({ kind: "reset_after_order", func: "service.prolong", count: 1 });
    try {
      assert.equal((await w.c.prolong.prolong(renewal!.id)).status, "retry");
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
    const { report, findings } = await w.c.reconciliation.run({ trigger: "test" });
    assert.equal(report.status, "clean");
    assert.deepEqual(findings.map((f) => [f.kind, f.customer_module_id, f.local_value, f.upstream_value]), [["renewal_in_progress", cm.id, "2027-01-01", "2027-02-01"]]);
    await assert.rejects(w.c.reconciliation.accept(cm.id, "expiry", "staff"), { code: "conflict" });
  });

  it("stores a failed report and raises an alert when upstream cannot be listed; the next good run resolves it", async () => {
    const w = await buildWorld(ctx(), sb);
    await w.buy(w.account.licenses[0]!.id);
    const rule = sb.sandbox.faults.add({ kind: "http_5xx", func: "addition" });
    try {
      const { report } = await w.c.reconciliation.run({ trigger: "test" });
      assert.equal(report.status, "failed");
      assert.match(report.error ?? "", /HTTP 5\d\d/);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
    assert.deepEqual(await openAlertKinds(w.c), ["reconcile_failed"]);
    assert.equal((await w.c.reconciliation.run({ trigger: "test" })).report.status, "clean");
    assert.deepEqual(await openAlertKinds(w.c), []);
  });
});
