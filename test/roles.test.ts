// Roles and four eyes (issue 13, "Roles"; docs/adr/0029) over the whole app on both dialects:
// a support account opens the console's pages without a single form that changes something, and
// every POST route the app registers under /admin refuses it with 403 (except its own sign-out and
// second factor); a staff member's credit or refund above approvals.staff_limit_minor becomes a
// pending approval and no money moves until the owner approves — once, audited — and the requester
// can never approve their own request.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { RouteOptions } from "fastify";
import type { Container } from "../src/app/container.ts";
import { SUPPORT_MAY_POST } from "../src/http/session.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { buildPortalWorld } from "./helpers/portal.ts";
import { WebClient } from "./helpers/web-client.ts";

async function eur(c: Container, customerId: string): Promise<number> {
  return (await c.customers.show(customerId)).balances.find((b) => b.currency === "EUR")?.minor ?? 0;
}

async function staffClient(w: Awaited<ReturnType<typeof buildPortalWorld>>, email: string, role: "owner" | "staff" | "support") {
  const u = await w.c.staffAuth.add({ email, role, password: "a-long-staff-password" });
  const s = await w.c.sessions.start("staff", u.id);
  const web = new WebClient(w.app, "198.51.100.20");
  web.cookies.set("pb_staff", s.token);
  return { id: u.id, web };
}

const ADJUST_KEY = () => `k${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`.slice(0, 24);

describeEachDialect("roles and four eyes", (ctx) => {
  it("support sees the console but every /admin POST route answers 403 and its pages carry no change forms", async () => {
    const registered: RouteOptions[] = [];
    const w = await buildPortalWorld(ctx(), { onRoute: (r) => registered.push(r) });
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    await staffClient(w, "owner@partner.example", "owner");
    const support = await staffClient(w, "support@partner.example", "support");
    for (const url of ["/admin", "/admin/orders", `/admin/orders/${ann.orderId}`, "/admin/customers", `/admin/customers/${ann.id}`, "/admin/catalog", "/admin/ledger", "/admin/jobs", "/admin/audit", "/admin/approvals", "/admin/manual", "/admin/invoices", "/admin/transfers", "/admin/rates"]) {
      const page = await support.web.get(url);
      assert.equal(page.statusCode, 200, url);
      const forms = [...page.body.matchAll(/<form\b[^>]*method="post"[^>]*action="([^"]+)"/g)].map((m) => m[1]);
      // Signing out and the language switch in the footer are the only forms (support may switch language).
      assert.deepEqual(forms, ["/admin/logout", "/admin/locale"], `${url}: only the sign-out form and the language switch`);
    }
    const posts = registered
      .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((m) => ({ method: String(m), url: r.url })))
      .filter((r) => r.url.startsWith("/admin") && !["GET", "HEAD"].includes(r.method))
      // Signing in (no session yet), the TOTP second step and the wizard's first owner (refused
      // to everybody once staff exist, below) are not staff actions; nor is choosing the language.
      .filter((r) => !["/admin/login", "/admin/totp", "/admin/setup/owner", "/admin/locale"].includes(r.url) && !SUPPORT_MAY_POST.has(r.url));
    assert.ok(posts.length >= 25, `the route table has the console's actions (${posts.length})`);
    const balance = await eur(w.c, ann.id);
    for (const r of posts) {
      await support.web.get("/admin");
      const url = r.url.replace(/:id\b/g, r.url.includes("customers") ? ann.id : r.url.includes("orders") ? ann.orderId : "x1").replace(/:(\w+)/g, "x1");
      const res = await support.web.post(url, { amount: "5000.00", currency: "EUR", reason: "support tries", key: ADJUST_KEY(), confirm: "yes", ref: "x", rate: "1", base: "EUR", quote: "USD", upstreamId: "1", url: "https://hooks.example.com/x", events: "order.paid", email: "x@example.com", role: "owner", name: "x", scope: "orders:read" });
      assert.equal(res.statusCode, 403, `${r.method} ${r.url} → ${url}`);
      assert.match(String(res.headers["content-type"]), /text\/html/);
    }
    await support.web.get("/admin");
    assert.equal((await support.web.post("/admin/setup/owner", { email: "evil@example.com", password: "a-long-staff-password" })).statusCode, 409, "the wizard's first step is closed");
    assert.equal((await w.c.staffAuth.list()).length, 2);
    assert.equal(await eur(w.c, ann.id), balance, "nothing moved");
    assert.equal((await w.c.orders.get(ann.orderId)).state, "active");
  });

  it("a staff credit above the limit waits for the owner; the owner's approval moves it once; the requester cannot approve", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const owner = await staffClient(w, "owner@partner.example", "owner");
    const staff = await staffClient(w, "staff@partner.example", "staff");
    const before = await eur(w.c, ann.id);

    // Within the limit (default 500.00): done at once.
    await staff.web.get(`/admin/customers/${ann.id}`);
    const small = await staff.web.post(`/admin/customers/${ann.id}/adjust`, { amount: "20.00", currency: "EUR", reason: "goodwill", key: ADJUST_KEY(), confirm: "yes" });
    assert.equal(small.statusCode, 303);
    assert.equal(await eur(w.c, ann.id), before + 2000);

    // Above it: a pending approval, no money.
    await staff.web.get(`/admin/customers/${ann.id}`);
    const key = ADJUST_KEY();
    const big = await staff.web.post(`/admin/customers/${ann.id}/adjust`, { amount: "900.00", currency: "EUR", reason: "big goodwill", key, confirm: "yes" });
    assert.equal(big.statusCode, 303);
    assert.match(String(big.headers.location), /adjusted=pending/);
    assert.match((await staff.web.get(String(big.headers.location))).body, /waits for the owner’s approval/);
    await staff.web.post(`/admin/customers/${ann.id}/adjust`, { amount: "900.00", currency: "EUR", reason: "big goodwill", key, confirm: "yes" });
    const pending = await w.c.approvals.list({ state: "pending" });
    assert.equal(pending.length, 1, "the same form asks once");
    assert.equal(await eur(w.c, ann.id), before + 2000, "no money moved");
    const id = pending[0]!.id;

    // The requester cannot approve: the route is the owner's, and even as an owner their own request is refused.
    const page = await staff.web.get("/admin/approvals");
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /\/approve"/, "no approve button for staff");
    const self = await staff.web.post(`/admin/approvals/${id}/approve`, {});
    assert.equal(self.statusCode, 403);
    await assert.rejects(w.c.approvals.approve(id, { id: staff.id, role: "owner", act: { ctx: { actor: { kind: "staff", id: staff.id, label: "staff@partner.example" } }, actor: "staff:staff@partner.example" } }), { code: "forbidden" });
    assert.equal(await eur(w.c, ann.id), before + 2000);

    // The owner approves: the money moves once, however often (or concurrently) approve is pressed.
    const ownerPage = await owner.web.get("/admin/approvals");
    assert.match(ownerPage.body, new RegExp(`/admin/approvals/${id}/approve`));
    const answers = await Promise.all([0, 1, 2].map(() => owner.web.post(`/admin/approvals/${id}/approve`, { confirm: "yes" }, owner.web.csrfOfLastPage())));
    assert.deepEqual(answers.map((r) => r.statusCode).sort(), [303, 409, 409]);
    assert.equal(await eur(w.c, ann.id), before + 2000 + 90000);
    const decided = (await w.c.approvals.find(id))!;
    assert.equal(decided.state, "approved");
    assert.equal(decided.decided_by, owner.id);
    const actions = (await w.c.db.selectFrom("audit_log").select("action").execute()).map((a) => a.action);
    for (const a of ["approval.request", "approval.approve", "customer.balance_adjust"]) assert.ok(actions.includes(a), a);
    assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
  });

  it("a staff refund above the limit waits; rejection moves nothing; the owner's approval refunds once", async () => {
    const w = await buildPortalWorld(ctx());
    await w.c.settings.setMany({ "approvals.staff_limit_minor": "1000" });
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const bob = await w.customer("bob@example.com", 200001, "203.0.113.2");
    const owner = await staffClient(w, "owner@partner.example", "owner");
    const staff = await staffClient(w, "staff@partner.example", "staff");
    const [annBefore, bobBefore] = [await eur(w.c, ann.id), await eur(w.c, bob.id)];

    for (const o of [ann, bob]) {
      await staff.web.get(`/admin/orders/${o.orderId}`);
      const r = await staff.web.post(`/admin/orders/${o.orderId}/refund`, { reason: "customer unhappy", confirm: "yes" });
      assert.equal(r.statusCode, 303, r.body);
      assert.match(String(r.headers.location), /done=refund_pending/);
    }
    assert.equal(await eur(w.c, ann.id), annBefore);
    const [forBob, forAnn] = await w.c.approvals.list({ state: "pending" });
    assert.equal(forAnn!.subject_id, ann.orderId);

    await owner.web.get("/admin/approvals");
    assert.equal((await owner.web.post(`/admin/approvals/${forBob!.id}/reject`, { note: "no", confirm: "yes" })).statusCode, 303);
    await owner.web.get("/admin/approvals");
    const ask = await owner.web.post(`/admin/approvals/${forAnn!.id}/approve`, {});
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Approve the refund of €11\.90 for DDoS-GUARD · 100001 that staff@partner\.example asked for/);
    assert.equal(await eur(w.c, ann.id), annBefore, "asking moves nothing");
    assert.equal((await owner.web.post(`/admin/approvals/${forAnn!.id}/approve`, { confirm: "yes" })).statusCode, 303);
    await owner.web.get("/admin/approvals");
    assert.equal((await owner.web.post(`/admin/approvals/${forAnn!.id}/approve`, { confirm: "yes" })).statusCode, 409);
    assert.equal(await eur(w.c, ann.id), annBefore + 1190, "refunded once");
    assert.equal(await eur(w.c, bob.id), bobBefore, "rejected: nothing moved");
    // The owner's own refund is not limited.
    await owner.web.get(`/admin/orders/${bob.orderId}`);
    assert.match(String((await owner.web.post(`/admin/orders/${bob.orderId}/refund`, { reason: "owner decides", confirm: "yes" })).headers.location), /done=refund$/);
    assert.equal(await eur(w.c, bob.id), bobBefore + 1190);
    assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
  });
});
