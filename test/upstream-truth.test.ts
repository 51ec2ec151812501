// Issue 16 over real HTTP against the sandbox: upstream is the source of truth for dates (the
// sandbox's expiry rule makes upstream's date differ from our arithmetic), awaiting-funds orders
// never give up and resume by themselves soon after a top-up, and alerts close themselves with one
// e-mail and one webhook each way. No path orders a second module upstream.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { describeEachDialect } from "./helpers/db.ts";
import { buildWorld, type World } from "./helpers/renewals.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

let sb: TestSandbox;
before(async () => { sb = await startSandbox(); });
after(async () => { await sb.stop(); });

async function withRule<T>(rule: object, fn: () => Promise<T>): Promise<T> {
  const set = await sb.control("POST", "/expiry-rule", rule);
  assert.equal(set.status, 200, JSON.stringify(set.json));
  try {
    return await fn();
  } finally {
    await sb.control("POST", "/expiry-rule", { rule: "calendar" });
  }
}

/** Modules on the world's first license that are not deleted. */
function upstreamOn(w: World, license: number) {
  return sb.modulesOf(license).filter((m) => m.account === w.account.email);
}

async function setBalance(w: World, amount: string) {
  const r = await sb.control("POST", `/accounts/${encodeURIComponent(w.account.email)}/balance`, { amount });
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function paidOrder(w: World, license: number) {
  const { order } = await w.c.orders.intake({ license: String(license), module_id: "23221" }, null);
  await w.c.orders.payFromBalance(order.id, w.customer.id, "test");
  return order;
}

/** What the order.place / order.prolong jobs queued by the funds check would do, run in place. */
async function runResumed(w: World, ids: string[]) {
  for (const id of ids) await w.c.fulfillment.place(id);
}

describeEachDialect("upstream truth and funds over HTTP against the sandbox", (ctx) => {
  it("stores upstream's expiry after a purchase when upstream counts 30-day months (leap year) and keeps ours beside it", async () => {
    const w = await buildWorld(ctx(), sb);
    w.advanceTo("2028-01-31T10:00:00Z");
    await withRule({ rule: "days", days: 30 }, async () => {
      const cm = await w.buy(w.account.licenses[0]!.id);
      const up = w.upstreamModule(Number(cm.upstream_service_id));
      assert.equal(up.expiredate, "2028-03-01", "upstream: 30 days after 31 January of a leap year");
      assert.equal(cm.expires_on, "2028-03-01", "stored: upstream's date");
      assert.equal(cm.expected_expires_on, "2028-02-29", "ours, kept beside it: the last day of February");
      assert.equal(cm.upstream_status, "active");
      assert.ok(cm.upstream_checked_at);
      assert.equal((await w.c.orders.get(cm.created_order_id)).upstream_expires_on, "2028-03-01");
    });
  });

  it("stores upstream's fixed date after a purchase and after a renewal, and a month end where both agree", async () => {
    const w = await buildWorld(ctx(), sb);
    w.advanceTo("2027-01-31T10:00:00Z");
    const calendar = await w.buy(w.account.licenses[1]!.id);
    assert.equal(calendar.expires_on, "2027-02-28");
    assert.equal(calendar.expected_expires_on, null, "no second date when both agree");

    const cm = await withRule({ rule: "fixed", date: "2027-02-20" }, () => w.buy(w.account.licenses[0]!.id));
    assert.equal(cm.expires_on, "2027-02-20");
    assert.equal(cm.expected_expires_on, "2027-02-28");

    // The renewal: upstream decides the new date again (here: 30-day months from 2027-02-20).
    w.advanceTo("2027-02-14T10:00:00Z");
    await w.c.renewals.scan();
    const renewal = (await w.c.orders.list({ limit: 100 })).find((o) => o.kind === "renewal" && o.customer_module_id === cm.id);
    assert.ok(renewal, "a renewal was raised");
    await withRule({ rule: "days", days: 30 }, async () => {
      assert.deepEqual(await w.c.prolong.prolong(renewal.id), { status: "done", state: "active" });
    });
    const renewed = await w.c.customerModules.get(cm.id);
    const up = w.upstreamModule(Number(cm.upstream_service_id));
    assert.equal(up.expiredate, "2027-03-22");
    assert.equal(renewed.expires_on, "2027-03-22", "stored: upstream's date after the renewal");
    assert.equal(renewed.expected_expires_on, "2027-03-20", "ours beside it");
    assert.equal(renewed.upstream_status, "active");
    assert.equal(w.prolongCharges(up.id).length, 1);
  });

  it("stores upstream's expiry when a lost answer is settled by adopting the module, without a second order", async () => {
    const w = await buildWorld(ctx(), sb);
    const license = w.account.licenses[2]!.id;
    await withRule({ rule: "fixed", date: "2027-03-03" }, async () => {
      const order = await paidOrder(w, license);
      const fault = sb.sandbox.faults.add({ kind: "reset_after_order", func: "addition.order.param", count: 1 });
      try {
        assert.equal((await w.c.fulfillment.place(order.id)).status, "retry");
      } finally {
        sb.sandbox.faults.remove(fault.id);
      }
      w.advance(1000);
      assert.deepEqual(await w.c.fulfillment.place(order.id), { status: "done", state: "active" });
      const o = await w.c.orders.get(order.id);
      const cm = await w.c.customerModules.get(o.customer_module_id!);
      assert.equal(cm.expires_on, "2027-03-03");
      assert.equal(cm.upstream_status, "active");
      assert.equal(upstreamOn(w, license).length, 1, "exactly one module upstream");
    });
  });

  it("keeps an order in awaiting funds for hours without counting refusals, then resumes it by itself once funds arrive", async () => {
    const w = await buildWorld(ctx(), sb);
    const license = w.account.licenses[0]!.id;
    await setBalance(w, "1.00");
    const order = await paidOrder(w, license);
    assert.deepEqual(await w.c.fulfillment.place(order.id), { status: "done", state: "awaiting_funds" });
    let attempts = 0;
    for (let minute = 1; minute <= 6 * 60; minute++) {
      w.advance(60_000);
      const r = await w.c.funds.check(`t${minute}`);
      attempts += r.resumed.length;
      await runResumed(w, r.resumed);
    }
    const waiting = await w.c.orders.get(order.id);
    assert.equal(waiting.state, "awaiting_funds", "six hours later it still waits, never needs_attention");
    assert.equal(waiting.upstream_attempts, 0, "refusals are not placements");
    assert.ok(attempts >= 10 && attempts < 60, `retried on a growing backoff, not every minute (${attempts})`);
    assert.equal(upstreamOn(w, license).length, 0);
    assert.equal((await w.c.funds.view()).balance?.minor, 100);

    await setBalance(w, "500.00");
    w.advance(60_000);
    const r = await w.c.funds.check("topup");
    assert.equal(r.toppedUp, true);
    assert.deepEqual(r.resumed, [order.id], "the top-up resumes it at the next check (≤ 1 minute)");
    await runResumed(w, r.resumed);
    assert.equal((await w.c.orders.get(order.id)).state, "active");
    assert.equal(upstreamOn(w, license).length, 1, "exactly one module upstream");
  });

  it("resumes at once with Resume now, audited, and refuses it for an order that is not waiting", async () => {
    const w = await buildWorld(ctx(), sb);
    const license = w.account.licenses[1]!.id;
    await setBalance(w, "1.00");
    const order = await paidOrder(w, license);
    await w.c.fulfillment.place(order.id);
    await setBalance(w, "500.00");
    const ctxAudit = { actor: { kind: "staff" as const, id: "stf_1", label: "ops@example.com" } };
    await w.c.funds.resumeNow(order.id, ctxAudit);
    const jobs = await w.c.queue.list({ kind: "order.place" });
    assert.ok(jobs.some((j) => j.idempotency_key.includes(":resume-now:") && j.state === "queued"));
    await w.c.fulfillment.place(order.id);
    assert.equal((await w.c.orders.get(order.id)).state, "active");
    await assert.rejects(w.c.funds.resumeNow(order.id, ctxAudit), { code: "illegal_transition" });
    assert.equal(upstreamOn(w, license).length, 1);
  });

  it("closes the insufficient-funds alert by itself when the order becomes active, with one e-mail and one webhook each way", async () => {
    const w = await buildWorld(ctx(), sb);
    const staff = await w.c.staffAuth.add({ email: "ops@example.com", password: "correct horse battery staple 1", role: "owner" });
    await w.c.alerts.setAlertEmails(staff.id, true);
    await w.c.webhooks.addEndpoint({ url: "https://hooks.example.com/hook", events: ["alert.opened", "alert.resolved"] }, { actor: { kind: "cli", id: "test" } });
    await setBalance(w, "1.00");
    const first = await paidOrder(w, w.account.licenses[0]!.id);
    const second = await paidOrder(w, w.account.licenses[1]!.id);
    await w.c.fulfillment.place(first.id);
    await w.c.fulfillment.place(second.id);
    let open = (await w.c.alerts.list()).filter((a) => a.kind === "upstream_insufficient_funds");
    assert.equal(open.length, 2);

    await setBalance(w, "500.00");
    w.advance(60_000);
    const r = await w.c.funds.check("topup");
    await runResumed(w, r.resumed);
    open = (await w.c.alerts.list()).filter((a) => a.kind === "upstream_insufficient_funds");
    assert.equal(open.length, 0, "both closed by themselves");
    const closed = (await w.c.alerts.list({ all: true })).filter((a) => a.kind === "upstream_insufficient_funds");
    assert.ok(closed.every((a) => a.resolved_by === "condition" && a.resolved_at! > a.created_at));

    const mails = (await w.c.mail.list({ limit: 50 })).filter((m) => m.template === "staff_alert");
    assert.equal(mails.filter((m) => m.subject.includes("upstream_insufficient_funds")).length, 1, "one e-mail for the kind, not one per order");
    const deliveries = await Promise.all((await w.c.webhooks.listDeliveries({ limit: 50 })).map((d) => w.c.webhooks.getDelivery(d.id)));
    assert.equal(deliveries.filter((d) => d.eventType === "alert.opened" && d.payload.includes("upstream_insufficient_funds")).length, 2);
    assert.equal(deliveries.filter((d) => d.eventType === "alert.resolved" && d.payload.includes(first.id)).length, 1, "resolved fires once per alert");
  });
});
