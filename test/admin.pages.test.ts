// The admin console's day-to-day pages over the whole fastify app (WebClient) on both dialects:
// the dashboard's figures come from the ledger and the orders, lists filter and page by keyset,
// every staff action changes what it says through the services, refuses bad input without
// changing anything, and leaves an audit entry naming who, what, before/after and from where.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Container } from "../src/app/container.ts";
import type { AuditEntry } from "../src/modules/audit/audit.service.ts";
import { createTestApp } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { WebClient } from "./helpers/web-client.ts";

const STAFF = { email: "desk@partner.example", password: "correct horse battery" };
const IP = "203.0.113.50";

async function setup(t: TestDatabase, env: Record<string, string> = {}) {
  const built = await createTestApp(t, { FULFILLMENT_MODE: "manual", ...env });
  const { c, app } = built;
  await seedKnownCatalog(c);
  await c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: STAFF.password });
  const staff = await c.staffAuth.add({ email: STAFF.email, role: "staff", password: STAFF.password });
  const web = new WebClient(app, IP);
  const login = await web.submit("/admin/login", "/admin/login", STAFF);
  assert.equal(login.statusCode, 303, login.body);
  const ann = await c.customers.add({ email: "ann@customer.example", name: "Ann" });
  await c.customers.credit(ann.id, { amount: "500.00", currency: "EUR", reason: "test money", actor: "test" });
  return { ...built, web, staff, ann };
}

let licenseSeq = 100_100;
/** A paid order of `customerId` (manual mode: it lands in the manual queue). */
async function paidOrder(c: Container, customerId: string, moduleId = "23221"): Promise<string> {
  const { order } = await c.orders.intake({ module_id: moduleId, license: String(++licenseSeq), ip: "192.0.2.10" }, null);
  await c.orders.payFromBalance(order.id, customerId, "test");
  return order.id;
}

async function pendingOrder(c: Container): Promise<string> {
  const { order } = await c.orders.intake({ module_id: "23221", license: String(++licenseSeq), ip: "192.0.2.11" }, null);
  return order.id;
}

async function auditOf(c: Container, action: string): Promise<AuditEntry[]> {
  return (await c.audit.list({ action, limit: 200 })).entries;
}

/** The one audit entry of `action`, checked to name the signed-in staff member and the address. */
async function oneAudit(c: Container, action: string, staffId: string): Promise<AuditEntry> {
  const entries = await auditOf(c, action);
  assert.equal(entries.length, 1, `one ${action} entry: ${JSON.stringify(entries)}`);
  const e = entries[0]!;
  assert.deepEqual(e.actor, { kind: "staff", id: staffId, label: STAFF.email });
  assert.equal(e.ip, IP);
  assert.ok(e.requestId, "the request is named");
  return e;
}

async function balance(c: Container, customerId: string): Promise<number> {
  return (await c.customers.show(customerId)).balances.find((b) => b.currency === "EUR")?.minor ?? 0;
}

describeEachDialect("admin console pages", (ctx) => {
  it("shows revenue and margin from the ledger, orders by state, and every kind of alert on the dashboard", async () => {
    const { c, web, ann, clock } = await setup(ctx(), { FULFILLMENT_MODE: "automatic" });
    // Orders moved the way fulfillment moves them (no upstream here): one active — its 11.90 EUR
    // (untaxed: no tax settings) is earned —, one paid, one waiting for upstream funds.
    const pay = async () => {
      const { order } = await c.orders.intake({ module_id: "23221", license: String(++licenseSeq), ip: null }, null);
      await c.db.transaction().execute((tx) => c.orders.payFromBalanceIn(tx, order.id, ann.id, "test"));
      return c.orders.get(order.id);
    };
    const earned = await pay();
    await c.db.transaction().execute(async (tx) => c.orders.activate(tx, await c.orders.move(tx, earned, "placing", {}), { serviceId: 7001, expiresOn: null }, { kind: "transition" }));
    const waiting = (await pay()).id;
    const short = await pay();
    await c.db.transaction().execute(async (tx) => c.orders.move(tx, await c.orders.move(tx, short, "placing", {}), "awaiting_funds", { reason: "not enough money upstream" }));
    await c.alerts.raise(c.db, { kind: "negative_margin", subject: "eu-55361", message: "Dr.Web Lite sells below cost" });
    await c.alerts.raise(c.db, { kind: "reconcile_missing_upstream", subject: null, message: "1 module missing upstream" });
    await c.queue.enqueue(c.db, { kind: "order.place", key: "dead-one", payload: {}, maxAttempts: 1 });
    const [job] = await c.queue.claim("t", 10, 60_000);
    await c.queue.fail(job!.id, "t", "upstream said no <script>", null);

    let page = await web.get("/admin");
    assert.equal(page.statusCode, 200);
    const figures = await c.ledger.figures(c.db, { from: "2026-11-01T00:00:00Z", to: "2026-12-02T00:00:00Z" });
    assert.deepEqual(figures.map((f) => [f.currency, f.revenue.minor]), [["EUR", 1190]]);
    assert.match(page.body, /data-kpi="revenue-EUR">€11\.90</);
    assert.match(page.body, /data-kpi="margin-EUR">€11\.90</);
    assert.match(page.body, /<svg class="chart"[^>]*aria-label="Revenue and margin per day, EUR: Revenue €11\.90, Margin €11\.90"/);
    assert.match(page.body, /aria-label="Orders created per day by their state now: Paid 1 order, Active 1 order, Awaiting upstream funds 1 order"/);
    assert.match(page.body, /Awaiting upstream funds <span class="badge warn">1/);
    assert.match(page.body, new RegExp(`Awaiting upstream funds.*href="/admin/orders/${short.id}"`, "s"));
    assert.match(page.body, /Negative margin <span class="badge warn">1/);
    assert.match(page.body, /Dr\.Web Lite sells below cost/);
    assert.match(page.body, /Reconciliation drift <span class="badge warn">1/);
    assert.match(page.body, /Dead jobs <span class="badge warn">1/);
    assert.match(page.body, /upstream said no &lt;script&gt;/);
    assert.doesNotMatch(page.body, /Paid but not active for over 10 minutes <span/, "paid just now: not yet an alert");

    clock.advance(11 * 60_000);
    page = await web.get("/admin");
    assert.match(page.body, /Paid but not active for over 10 minutes <span class="badge warn">2/);
    assert.match(page.body, new RegExp(`href="/admin/orders/${waiting}"`));
    assert.match(page.body, /paid 11 minutes ago/);
    // The count axis has whole-number ticks only (never "0, 1, 1"), and reads in Russian on a Russian page.
    const ticks = (body: string) => [...(/aria-label="Orders created[^"]*">(.*?)<\/svg>/s.exec(body)?.[1] ?? "").matchAll(/text-anchor="end"[^>]*>([^<]+)</g)].map((m) => m[1]);
    assert.deepEqual(ticks(page.body), ["0", "1", "2", "3"], "three orders on one day: 0, 1, 2, 3");
    const ru = await web.get("/admin", { "accept-language": "ru" });
    assert.match(ru.body, /<html lang="ru"/);
    assert.match(ru.body, /Сводка/);
    assert.match(ru.body, /Ждут пополнения у поставщика <span class="badge warn">1/);
    assert.match(ru.body, /data-kpi="revenue-EUR">11,90\s€</);
    assert.match(ru.body, /оплачен 11 минут назад/);
    assert.match(ru.body, /Заказы по дням создания и по текущему состоянию: Оплачен 1 заказ/);
    assert.doesNotMatch(ru.body, />(Dashboard|Orders|Revenue|Needs attention|Negative margin|Dead jobs)</);
  });

  it("lists orders with filters, the search box and keyset pages, and explains a bad search", async () => {
    const { c, web, ann } = await setup(ctx());
    const bob = await c.customers.add({ email: "bob@customer.example" });
    await c.customers.credit(bob.id, { amount: "100.00", currency: "EUR", reason: "t", actor: "t" });
    const a1 = await paidOrder(c, ann.id);
    const a2 = await paidOrder(c, ann.id, "55361");
    const b1 = await paidOrder(c, bob.id);
    const p1 = await pendingOrder(c);

    const all = await web.get("/admin/orders");
    assert.equal(all.statusCode, 200);
    for (const id of [a1, a2, b1, p1]) assert.match(all.body, new RegExp(`href="/admin/orders/${id}"`));

    const ids = (body: string) => [...body.matchAll(/<tr data-order-row="(ord_[0-9a-z]+)">/g)].map((m) => m[1]);
    assert.deepEqual(ids((await web.get("/admin/orders?state=pending_payment")).body), [p1]);
    assert.deepEqual(ids((await web.get("/admin/orders?module=eu-55361")).body), [a2]);
    assert.deepEqual(ids((await web.get(`/admin/orders?customer=${bob.id}`)).body), [b1]);
    assert.deepEqual(ids((await web.get("/admin/orders?q=BOB%40customer.example")).body), [b1]);
    assert.deepEqual(ids((await web.get(`/admin/orders?q=${a2}`)).body), [a2]);
    const license = (await c.orders.get(a1)).license_id;
    assert.deepEqual(ids((await web.get(`/admin/orders?q=${license}`)).body), [a1]);
    assert.deepEqual(ids((await web.get("/admin/orders?kind=renewal")).body), []);

    // Keyset pages: newest first, two at a time, the filters kept in the next link.
    const first = await web.get("/admin/orders?state=manual_queue&limit=2");
    assert.deepEqual(ids(first.body), [b1, a2]);
    const next = /<a rel="next" href="([^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, "&");
    assert.match(next, /state=manual_queue/);
    const second = await web.get(next);
    assert.deepEqual(ids(second.body), [a1]);
    assert.doesNotMatch(second.body, /rel="next"/);

    const bad = await web.get("/admin/orders?q=%3Cb%3Ehello%20world&state=nope");
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /state must be one of/);
    assert.doesNotMatch(bad.body, /<b>hello/);
    assert.match(bad.body, /value="&lt;b&gt;hello world"/);
  });

  it("shows an order's details, timeline, invoice and upstream calls with secrets redacted", async () => {
    const { c, web, ann } = await setup(ctx());
    const id = await paidOrder(c, ann.id);
    await c.orders.addEvent(c.db, id, { kind: "upstream_call", detail: { func: "v2.ispmanager.order", password: "hunter2-secret", authinfo: "u:p", outcome: "timeout" } });
    const page = await web.get(`/admin/orders/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>DDoS-GUARD <span class="badge warn">Manual queue<\/span><\/h1>/);
    assert.match(page.body, /Awaiting payment → <b>Paid<\/b>/);
    assert.match(page.body, new RegExp(`<a href="/admin/customers/${ann.id}">Ann</a><br><span class="muted">ann@customer\\.example</span>`), "the customer by name, linking to the customer");
    assert.match(page.body, /v2\.ispmanager\.order/);
    assert.doesNotMatch(page.body, /hunter2-secret|u:p/);
    assert.match(page.body, /\[redacted\]/);
    const order = await c.orders.get(id);
    assert.ok(order.invoice_id, "paying issued an invoice");
    assert.match(page.body, new RegExp(`href="/admin/invoices/${order.invoice_id}"`));
    const invoice = await web.get(`/admin/invoices/${order.invoice_id}`);
    assert.equal(invoice.statusCode, 200);
    assert.match(invoice.body, /Paid/);
    const pdf = await web.get(`/admin/invoices/${order.invoice_id}/pdf`);
    assert.equal(pdf.headers["content-type"], "application/pdf");
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), "%PDF-");

    assert.equal((await web.get("/admin/orders/ord_missing")).statusCode, 404);
    assert.equal((await web.get("/admin/invoices/inv_missing")).statusCode, 404);
  });

  it("places an order by hand, with its audit entry in the same commit", async () => {
    const { c, web, ann, staff } = await setup(ctx());
    const id = await paidOrder(c, ann.id);
    const placed = await web.submit(`/admin/orders/${id}`, `/admin/orders/${id}/place`, { upstreamId: "9001", expiresOn: "2027-01-31" });
    assert.equal(placed.statusCode, 303, placed.body);
    assert.equal(placed.headers.location, `/admin/orders/${id}?done=place`);
    const o = await c.orders.get(id);
    assert.equal(o.state, "active");
    assert.equal(Number(o.upstream_service_id), 9001);
    const e = await oneAudit(c, "order.place_manually", staff.id);
    assert.deepEqual(e.subject, { type: "order", id });
    assert.deepEqual(e.before, { state: "manual_queue" });
    assert.deepEqual(e.after, { state: "active", upstreamServiceId: 9001, upstreamExpiresOn: "2027-01-31" });
    assert.match((await web.get(placed.headers.location!)).body, /placed by hand/);
    const timeline = await c.orders.timeline(id);
    assert.equal(timeline.at(-1)!.actor, `staff:${STAFF.email}`);
  });

  it("writes nothing when its audit entry cannot be written: the change and the entry commit together", async () => {
    const { c, web, ann } = await setup(ctx());
    const id = await paidOrder(c, ann.id);
    const record = c.audit.record;
    c.audit.record = async () => {
      throw new Error("audit log unavailable");
    };
    try {
      const placed = await web.submit(`/admin/orders/${id}`, `/admin/orders/${id}/place`, { upstreamId: "9002" });
      assert.equal(placed.statusCode, 500);
      assert.doesNotMatch(placed.body, /audit log unavailable/);
      assert.equal((await c.orders.get(id)).state, "manual_queue");
      await web.get(`/admin/customers/${ann.id}`);
      const adjusted = await web.post(`/admin/customers/${ann.id}/adjust`, { amount: "5", currency: "EUR", reason: "r", confirm: "yes", key: /name="key" value="([^"]+)"/.exec(web.last!.body)![1]! });
      assert.equal(adjusted.statusCode, 500);
      assert.equal(await balance(c, ann.id), 50000 - 1190);
    } finally {
      c.audit.record = record;
    }
  });

  it("refuses a bad upstream id, a taken one and a wrong state, changing nothing and auditing nothing", async () => {
    const { c, web, ann } = await setup(ctx());
    const id = await paidOrder(c, ann.id);
    const bad = await web.submit(`/admin/orders/${id}`, `/admin/orders/${id}/place`, { upstreamId: "<b>x</b>" });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /positive whole number/);
    const other = await paidOrder(c, ann.id);
    await c.orders.placeManually(other, { upstreamId: 555 }, "test");
    const taken = await web.submit(`/admin/orders/${id}`, `/admin/orders/${id}/place`, { upstreamId: "555" });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /already belongs to another order/);
    const refund = await web.submit(`/admin/orders/${id}`, `/admin/orders/${id}/refund`, { reason: "no" });
    assert.equal(refund.statusCode, 409);
    assert.equal((await c.orders.get(id)).state, "manual_queue");
    const noReason = await web.submit(`/admin/orders/${id}`, `/admin/orders/${id}/reject`, { reason: "  " });
    assert.equal(noReason.statusCode, 400);
    assert.equal((await c.orders.get(id)).state, "manual_queue");
    // Without the form's CSRF token nothing happens at all.
    const forged = await web.post(`/admin/orders/${id}/reject`, { reason: "forged" }, null);
    assert.equal(forged.statusCode, 403);
    assert.equal((await c.orders.get(id)).state, "manual_queue");
    assert.deepEqual((await c.audit.list({ limit: 50 })).entries, []);
  });

  it("rejects and refunds from the manual queue, back to the queue with a notice", async () => {
    const { c, web, ann, staff } = await setup(ctx());
    const id = await paidOrder(c, ann.id);
    const queue = await web.get("/admin/manual");
    assert.equal(queue.statusCode, 200);
    assert.match(queue.body, new RegExp(`data-order="${id}"`));
    assert.equal(await balance(c, ann.id), 50000 - 1190);
    // The first step only says what will happen; nothing moves until it is confirmed.
    const ask = await web.post(`/admin/orders/${id}/reject`, { reason: "license is blocked upstream", back: "/admin/manual" });
    assert.equal(ask.statusCode, 200, ask.body);
    assert.match(ask.body, /Reject the order for DDoS-GUARD on license \d+ and return €11\.90 to the balance of Ann \(ann@customer\.example\)/);
    assert.equal((await c.orders.get(id)).state, "manual_queue");
    assert.equal(await balance(c, ann.id), 50000 - 1190);
    const r = await web.post(`/admin/orders/${id}/reject`, { reason: "license is blocked upstream", back: "/admin/manual", confirm: "yes" });
    assert.equal(r.statusCode, 303, r.body);
    assert.equal(r.headers.location, `/admin/manual?done=reject&order=${id}`);
    assert.equal((await c.orders.get(id)).state, "refunded");
    assert.equal(await balance(c, ann.id), 50000);
    const e = await oneAudit(c, "order.reject", staff.id);
    assert.deepEqual(e.before, { state: "manual_queue" });
    assert.deepEqual(e.after, { state: "refunded", reason: "license is blocked upstream", refunded: { minor: 1190, currency: "EUR" } });
    const after = await web.get(r.headers.location!);
    assert.match(after.body, /rejected and its money returned/);
    assert.match(after.body, /The queue is empty/);
  });

  it("places from the manual queue, refunds an active order and cancels an unpaid one, each audited", async () => {
    const { c, web, ann, staff } = await setup(ctx());
    const id = await paidOrder(c, ann.id);
    await web.get("/admin/manual");
    const placed = await web.post(`/admin/orders/${id}/place`, { upstreamId: "4242", back: "/admin/manual" });
    assert.equal(placed.statusCode, 303, placed.body);
    assert.equal((await c.orders.get(id)).state, "active");
    await oneAudit(c, "order.place_manually", staff.id);

    const ask = await web.submit(`/admin/orders/${id}`, `/admin/orders/${id}/refund`, { reason: "goodwill" });
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Refund €11\.90 to the balance of Ann \(ann@customer\.example\) for DDoS-GUARD/);
    assert.match(ask.body, /<button type="submit" class="danger">Refund €11\.90<\/button>/);
    assert.equal(await balance(c, ann.id), 50000 - 1190, "asking moves nothing");
    assert.equal((await auditOf(c, "order.refund")).length, 0);
    const refunded = await web.post(`/admin/orders/${id}/refund`, { reason: "goodwill", confirm: "yes" });
    assert.equal(refunded.statusCode, 303, refunded.body);
    assert.equal(await balance(c, ann.id), 50000);
    const e = await oneAudit(c, "order.refund", staff.id);
    assert.deepEqual(e.before, { state: "active" });
    assert.equal((e.after as { reason: string }).reason, "goodwill");
    assert.deepEqual((e.after as { refunded: unknown }).refunded, { minor: 1190, currency: "EUR" });
    // The refunded active order reads "Refunded", and Refund is not offered again.
    const after = await web.get(`/admin/orders/${id}`);
    assert.match(after.body, /<h1>DDoS-GUARD <span class="badge bad">Refunded<\/span><\/h1>/);
    assert.doesNotMatch(after.body, /action="\/admin\/orders\/[^"]+\/refund"/);
    assert.match(after.body, /After the refund/);
    const twice = await web.post(`/admin/orders/${id}/refund`, { reason: "again" });
    assert.equal(twice.statusCode, 409);
    const twiceConfirmed = await web.post(`/admin/orders/${id}/refund`, { reason: "again", confirm: "yes" }, web.csrfOfLastPage());
    assert.equal(twiceConfirmed.statusCode, 409);
    assert.equal(await balance(c, ann.id), 50000);
    assert.equal((await auditOf(c, "order.refund")).length, 1);

    const pending = await pendingOrder(c);
    const cancelled = await web.submit(`/admin/orders/${pending}`, `/admin/orders/${pending}/cancel`, { reason: "duplicate", confirm: "yes" });
    assert.equal(cancelled.statusCode, 303, cancelled.body);
    assert.equal((await c.orders.get(pending)).state, "cancelled");
    const ce = await oneAudit(c, "order.cancel", staff.id);
    assert.deepEqual([ce.before, ce.after], [{ state: "pending_payment" }, { state: "cancelled", reason: "duplicate" }]);
  });

  it("finds customers by e-mail prefix and id in keyset pages, and shows one's money, modules and orders", async () => {
    const { c, web, ann } = await setup(ctx());
    const more = [];
    for (const n of ["ann.b", "ann.c", "zed"]) more.push(await c.customers.add({ email: `${n}@customer.example` }));
    const id = await paidOrder(c, ann.id);
    await c.orders.placeManually(id, { upstreamId: 777 }, "test");

    const ids = (body: string) => [...body.matchAll(/<tr data-customer="(cus_[0-9a-z]+)">/g)].map((m) => m[1]);
    assert.equal(ids((await web.get("/admin/customers")).body).length, 4);
    const first = await web.get("/admin/customers?q=ANN&limit=2");
    assert.equal(first.statusCode, 200);
    assert.deepEqual(ids(first.body), [more[1]!.id, more[0]!.id]);
    const next = /<a rel="next" href="([^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, "&");
    assert.deepEqual(ids((await web.get(next)).body), [ann.id]);
    assert.deepEqual(ids((await web.get(`/admin/customers?q=${more[2]!.id}`)).body), [more[2]!.id]);
    await c.customers.updateBilling(more[2]!.id, { country: "DE" });
    assert.deepEqual(ids((await web.get("/admin/customers?country=DE")).body), [more[2]!.id]);
    assert.match((await web.get("/admin/customers?country=DE")).body, /<td data-label="Country">Germany<\/td>/);
    assert.match((await web.get("/admin/customers?country=DE", { "accept-language": "ru" })).body, /<td data-label="Страна">Германия<\/td>/);
    assert.equal((await web.get("/admin/customers?country=%3Cx%3E")).statusCode, 400);
    assert.equal((await web.get("/admin/customers?q=two%20words")).statusCode, 400);
    assert.equal((await web.get("/admin/customers?after=garbage!")).statusCode, 400);

    const page = await web.get(`/admin/customers/${ann.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-balance="EUR">€488\.10/);
    assert.match(page.body, new RegExp(`<a href="/admin/orders/${id}">DDoS-GUARD</a>.*?>777</td>`, "s"));
    assert.match(page.body, new RegExp(`href="/admin/orders/${id}"`));
    assert.match(page.body, /Payment for order/);
    assert.equal((await web.get("/admin/customers/cus_missing")).statusCode, 404);
  });

  it("adjusts a balance up and down with a reason, once per form, audited in the same commit", async () => {
    const { c, web, ann, staff } = await setup(ctx());
    await web.get(`/admin/customers/${ann.id}`);
    const key = /name="key" value="([^"]+)"/.exec(web.last!.body)![1]!;
    const csrf = web.csrfOfLastPage();
    // First the confirmation in words; nothing moves until it is confirmed. 25,50 is read as 25.50.
    const ask = await web.post(`/admin/customers/${ann.id}/adjust`, { amount: "25,50", currency: "eur", reason: "goodwill for the outage", key });
    assert.equal(ask.statusCode, 200, ask.body);
    assert.match(ask.body, /Add €25\.50 to the balance of Ann \(ann@customer\.example\): €500\.00 becomes €525\.50\./);
    assert.equal(await balance(c, ann.id), 50000);
    const up = await web.post(`/admin/customers/${ann.id}/adjust`, { amount: "25.50", currency: "EUR", reason: "goodwill for the outage", key, confirm: "yes" }, csrf);
    assert.equal(up.statusCode, 303, up.body);
    assert.equal(await balance(c, ann.id), 52550);
    const again = await web.post(`/admin/customers/${ann.id}/adjust`, { amount: "25.50", currency: "EUR", reason: "goodwill for the outage", key, confirm: "yes" }, csrf);
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, `/admin/customers/${ann.id}?adjusted=0`);
    assert.equal(await balance(c, ann.id), 52550, "the same form moves money once");
    const e = await oneAudit(c, "customer.balance_adjust", staff.id);
    assert.deepEqual(e.before, { balance: { minor: 50000, currency: "EUR" } });
    assert.deepEqual((e.after as Record<string, unknown>)["balance"], { minor: 52550, currency: "EUR" });
    assert.equal((e.after as Record<string, unknown>)["reason"], "goodwill for the outage");

    await web.get(`/admin/customers/${ann.id}`);
    const down = await web.post(`/admin/customers/${ann.id}/adjust`, { amount: "-10", currency: "EUR", reason: "correction", confirm: "yes", key: /name="key" value="([^"]+)"/.exec(web.last!.body)![1]! });
    assert.equal(down.statusCode, 303, down.body);
    assert.equal(await balance(c, ann.id), 51550);
    assert.equal((await auditOf(c, "customer.balance_adjust")).length, 2);
    assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });

    for (const [fields, status, text] of [
      [{ amount: "5", currency: "EUR", reason: "   " }, 400, /needs a reason/],
      [{ amount: "abc", currency: "EUR", reason: "x" }, 400, /“abc” is not an amount/],
      [{ amount: "5", currency: "XYZ", reason: "x" }, 400, /Unknown currency/],
      [{ amount: "-9999", currency: "EUR", reason: "x" }, 402, /would make it negative/],
    ] as const) {
      await web.get(`/admin/customers/${ann.id}`);
      const fresh = /name="key" value="([^"]+)"/.exec(web.last!.body)![1]!;
      const r = await web.post(`/admin/customers/${ann.id}/adjust`, { ...fields, key: fresh, confirm: "yes" });
      assert.equal(r.statusCode, status, r.body);
      assert.match(r.body, text);
    }
    assert.equal(await balance(c, ann.id), 51550);
    assert.equal((await auditOf(c, "customer.balance_adjust")).length, 2);
  });

  it("lists ledger transactions with their entries, by account, in keyset pages", async () => {
    const { c, web, ann } = await setup(ctx());
    const id = await paidOrder(c, ann.id);
    await c.orders.placeManually(id, { upstreamId: 31 }, "test");
    const all = await web.get("/admin/ledger");
    assert.equal(all.statusCode, 200);
    const txs = (body: string) => [...body.matchAll(/<span class="muted">(ltx_[0-9a-z]+)/g)].map((m) => m[1]);
    assert.equal(txs(all.body).length, 3, "credit, payment, revenue");
    // Entries name their account in words (its id stays in data-entry and the filter link).
    assert.match(all.body, /<li data-entry="acc:revenue::EUR"><a href="\/admin\/ledger\?account=acc%3Arevenue%3A%3AEUR">Revenue EUR<\/a> <span class="num">-?€11\.90<\/span>/);
    assert.match(all.body, /<li data-entry="acc:customer:cus_[0-9a-z]+:EUR"><a [^>]*>Customer balance EUR <span class="muted">cus_[0-9a-z]+<\/span><\/a>/);
    const revenue = await web.get("/admin/ledger?account=acc%3Arevenue%3A%3AEUR");
    assert.equal(txs(revenue.body).length, 1);
    assert.match(revenue.body, /Revenue earned/);
    const page1 = await web.get("/admin/ledger?limit=2");
    assert.equal(txs(page1.body).length, 2);
    const next = /<a rel="next" href="([^"]+)"/.exec(page1.body)![1]!.replace(/&amp;/g, "&");
    const page2 = await web.get(next);
    assert.equal(txs(page2.body).length, 1);
    assert.equal(new Set([...txs(page1.body), ...txs(page2.body)]).size, 3);
    assert.equal((await web.get("/admin/ledger?account=%3Cscript%3E")).statusCode, 400);
  });

  it("shows jobs by state and retries one dead job or all of them, audited", async () => {
    const { c, web, staff } = await setup(ctx());
    for (const key of ["a", "b", "c"]) await c.queue.enqueue(c.db, { kind: "order.place", key: `dead-${key}`, payload: {}, maxAttempts: 1 });
    for (const j of await c.queue.claim("t", 10, 60_000)) await c.queue.fail(j.id, "t", `failed ${j.idempotency_key}`, null);
    const page = await web.get("/admin/jobs");
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-jobs="dead">3</);
    assert.match(page.body, /failed dead-a/);
    const one = /data-job="(job_[0-9a-z]+)"/.exec(page.body)![1]!;
    const ask = await web.post(`/admin/jobs/${one}/retry`, {});
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, new RegExp(`Queue job ${one} \\(order\\.place\\) again`));
    assert.equal((await c.queue.get(one))!.state, "dead", "asking changes nothing");
    const r = await web.post(`/admin/jobs/${one}/retry`, { confirm: "yes" });
    assert.equal(r.statusCode, 303, r.body);
    assert.equal((await c.queue.get(one))!.state, "queued");
    const e = await oneAudit(c, "job.retry", staff.id);
    assert.deepEqual([e.subject, e.after], [{ type: "job", id: one }, { state: "queued", kind: "order.place" }]);
    const again = await web.submit("/admin/jobs", `/admin/jobs/${one}/retry`, { confirm: "yes" });
    assert.equal(again.statusCode, 409);
    const askAll = await web.submit("/admin/jobs", "/admin/jobs/retry-dead", {});
    assert.match(askAll.body, /Queue all 2 dead jobs again/);
    const all = await web.post("/admin/jobs/retry-dead", { confirm: "yes" });
    assert.equal(all.headers.location, "/admin/jobs?retried=2");
    assert.match((await web.get("/admin/jobs?retried=2")).body, /data-jobs="dead">0</);
    assert.deepEqual((await oneAudit(c, "job.retry_all_dead", staff.id)).after, { requeued: 2 });
  });

  it("filters the audit log by actor, action, subject and date", async () => {
    const { c, web, ann, staff } = await setup(ctx());
    const id = await paidOrder(c, ann.id);
    await web.submit(`/admin/orders/${id}`, `/admin/orders/${id}/place`, { upstreamId: "61" });
    await web.get(`/admin/customers/${ann.id}`);
    await web.post(`/admin/customers/${ann.id}/adjust`, { amount: "1", currency: "EUR", reason: "r", confirm: "yes", key: /name="key" value="([^"]+)"/.exec(web.last!.body)![1]! });
    const rows = (body: string) => [...body.matchAll(/data-audit="(aud_[0-9a-z]+)"/g)].length;
    assert.equal(rows((await web.get("/admin/audit")).body), 2);
    assert.equal(rows((await web.get("/admin/audit?action=order.")).body), 1);
    assert.equal(rows((await web.get(`/admin/audit?subjectType=customer&subjectId=${ann.id}`)).body), 1);
    assert.match(web.last!.body, new RegExp(`<a href="/admin/customers/${ann.id}">Ann</a>`), "the subject by name");
    assert.equal(rows((await web.get(`/admin/audit?actorKind=staff&actorId=${staff.id}`)).body), 2);
    assert.equal(rows((await web.get("/admin/audit?actorKind=api_token")).body), 0);
    assert.equal(rows((await web.get("/admin/audit?from=2026-12-01&to=2026-12-02")).body), 2);
    assert.equal(rows((await web.get("/admin/audit?to=2026-12-01")).body), 0);
    const page = await web.get("/admin/audit?limit=1");
    assert.equal(rows(page.body), 1);
    assert.match(page.body, /rel="next"/);
    assert.match(page.body, new RegExp(IP.replace(/\./g, "\\.")));
    const bad = await web.get("/admin/audit?from=yesterday&actorKind=%3Cx%3E");
    assert.equal(bad.statusCode, 400);
    assert.doesNotMatch(bad.body, /<x>/);
  });
});
