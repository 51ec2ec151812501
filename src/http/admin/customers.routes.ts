// Customers in the admin console: the list (search by id or e-mail prefix, keyset pages) and a
// customer's page — balances, a balance adjustment with a mandatory reason, modules, orders and
// ledger entries.
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { format } from "../../lib/money.ts";
import { chargeOf } from "../../modules/orders/orders.logic.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { ADMIN_STYLE, STAFF_PAGE, attempt, badge, href, limitParam, money, nextLink, param, staffAct, staffMember, when, type Form, type Params, type Query } from "./common.ts";

export function registerAdminCustomerRoutes(app: FastifyInstance, c: Container): void {
  app.get<Query>("/admin/customers", STAFF_PAGE, async (req, reply) => {
    const q = param(req.query, "q");
    const after = param(req.query, "after");
    const r = await attempt(() => c.adminConsole.customersPage({ ...(q ? { q } : {}), ...(after ? { cursor: after } : {}), ...limitParam(req.query) }));
    const body = html`${ADMIN_STYLE}<h1>Customers</h1>
<form class="filters card" method="get" action="/admin/customers"><label>Search<input type="text" name="q" value="${q}" placeholder="e-mail (or its start), cus_…" maxlength="254"></label><button type="submit">Search</button> <a href="/admin/customers">Clear</a></form>
${r.ok
      ? html`<div class="card">${r.value.items.length > 0
          ? html`<table class="list"><tr><th>Customer</th><th>E-mail</th><th>Name</th><th>Company</th><th>Country</th><th>Since</th></tr>${r.value.items.map(
              (u) => html`<tr><td><a href="/admin/customers/${u.id}">${u.id}</a></td><td>${u.email}</td><td>${u.name ?? ""}</td><td>${u.company ?? ""}</td><td>${u.country ?? ""}</td><td>${when(u.created_at)}</td></tr>`,
            )}</table>`
          : html`<p class="muted">No customers match.</p>`}${nextLink("/admin/customers", { q, limit: param(req.query, "limit") }, r.value.next)}</div>`
      : r.message}`;
    return sendAdminPage(req, reply, { title: "Customers", section: "customers", body, status: r.ok ? 200 : r.status });
  });

  async function customerPage(req: FastifyRequest, reply: FastifyReply, id: string, o: { message?: SafeHtml; status?: number; form?: { amount: string; currency: string; reason: string } } = {}): Promise<FastifyReply> {
    const r = await attempt(() => c.adminConsole.customer(id));
    if (!r.ok) return sendAdminPage(req, reply, { title: "Customer", section: "customers", body: html`<h1>Customer</h1>${r.message}`, status: r.status });
    const { customer: u, balances, modules, statements } = r.value;
    const orders = await c.orders.listOrders({ customerId: u.id, limit: 20 });
    const currency = o.form?.currency ?? balances[0]?.currency ?? (c.config.UPSTREAM_REGION === "ru" ? "RUB" : "EUR");
    // A fresh key per rendered form: submitting the same form twice moves the money once.
    const key = randomBytes(18).toString("base64url");
    const body = html`${ADMIN_STYLE}<h1>${u.email}</h1>${o.message ?? ""}
<div class="card"><table>
<tr><th>Customer</th><td>${u.id}</td><th>Name</th><td>${u.name ?? "—"}</td></tr>
<tr><th>Company</th><td>${u.company ?? "—"}</td><th>Country / VAT</th><td>${u.country ?? "—"} ${u.vat_id ?? ""}</td></tr>
<tr><th>Since</th><td>${when(u.created_at)}</td><th>Balance</th><td>${balances.length > 0 ? balances.map((b) => html`<b data-balance="${b.currency}">${format(b)}</b> `) : "0"}</td></tr>
</table></div>
<div class="card"><h2>Adjust the balance</h2>
<form method="post" action="/admin/customers/${u.id}/adjust">${csrfField(req)}<input type="hidden" name="key" value="${key}">
<div class="filters"><label>Amount (negative takes money off)<input type="text" name="amount" required value="${o.form?.amount ?? ""}" placeholder="25.00 or -10.00" inputmode="decimal"></label>
<label>Currency<input type="text" name="currency" required value="${currency}" maxlength="3" size="4"></label>
<label>Reason (kept in the ledger and the audit log)<input type="text" name="reason" required value="${o.form?.reason ?? ""}" maxlength="500"></label>
<button type="submit">Adjust</button></div></form></div>
<div class="card"><h2>Modules</h2>${modules.length > 0
      ? html`<table class="list"><tr><th>Module</th><th>License</th><th>Upstream id</th><th>State</th><th>Expires</th><th>Renewal</th><th>Order</th></tr>${modules.map(
          (m) => html`<tr><td>${m.module_id}</td><td>${String(m.license_id)}</td><td>${String(m.upstream_service_id)}</td><td>${badge(m.state)}</td><td>${m.expires_on}</td><td>${m.renewal}</td><td><a href="/admin/orders/${m.created_order_id}">${m.created_order_id}</a></td></tr>`,
        )}</table>`
      : html`<p class="muted">No modules.</p>`}</div>
<div class="card"><h2>Orders</h2>${orders.items.length > 0
      ? html`<table class="list"><tr><th>Order</th><th>Created</th><th>State</th><th>License</th><th>Module</th><th class="num">Total</th></tr>${orders.items.map(
          (x) => html`<tr><td><a href="/admin/orders/${x.id}">${x.id}</a></td><td>${when(x.created_at)}</td><td>${badge(x.state)}</td><td>${String(x.license_id)}</td><td>${x.module_id}</td><td class="num">${money({ minor: chargeOf(x).total, currency: x.currency })}</td></tr>`,
        )}</table>${orders.next ? html`<p><a href="${href("/admin/orders", { customer: u.id })}">All orders →</a></p>` : ""}`
      : html`<p class="muted">No orders.</p>`}</div>
<div class="card"><h2>Ledger entries</h2>${statements.length > 0
      ? statements.map(
          (s) => html`<h3>${s.currency} <a class="muted" href="${href("/admin/ledger", { account: c.adminConsole.customerAccount(u.id, s.currency) })}">(in the ledger)</a></h3><table class="list"><tr><th>At</th><th>Kind</th><th>Memo</th><th>Order</th><th class="num">Amount</th><th class="num">Balance</th></tr>${s.rows.map(
            (e) => html`<tr><td>${when(e.at)}</td><td>${e.kind}</td><td>${e.memo}</td><td>${e.orderId ? html`<a href="/admin/orders/${e.orderId}">${e.orderId}</a>` : ""}</td><td class="num">${format(e.amount)}</td><td class="num">${format(e.balance)}</td></tr>`,
          )}</table>`,
        )
      : html`<p class="muted">No money has moved.</p>`}</div>
<p><a href="${href("/admin/audit", { subjectType: "customer", subjectId: u.id })}">Audit log of this customer →</a></p>`;
    return sendAdminPage(req, reply, { title: u.email, section: "customers", body, status: o.status ?? 200 });
  }

  app.get<Params<"id"> & Query>("/admin/customers/:id", STAFF_PAGE, async (req, reply) => {
    const done = param(req.query, "adjusted");
    return customerPage(req, reply, req.params.id, done === "1" ? { message: notice("ok", "The balance was adjusted.") } : done === "0" ? { message: notice("ok", "That form was already submitted; the balance was adjusted once.") } : done === "pending" ? { message: notice("ok", "That is above your limit: the adjustment waits for the owner's approval under Approvals. No money moved yet.") } : {});
  });

  app.post<Params<"id"> & Form>("/admin/customers/:id/adjust", STAFF_PAGE, async (req, reply) => {
    const form = { amount: field(req.body, "amount"), currency: field(req.body, "currency"), reason: field(req.body, "reason") };
    const r = await attempt(() => c.approvals.adjustBalance(req.params.id, { ...form, key: field(req.body, "key") }, staffMember(req)));
    if (r.ok) {
      const v = r.value;
      return redirect(reply, `/admin/customers/${encodeURIComponent(req.params.id)}?adjusted=${v.kind === "pending" ? "pending" : v.value.created ? 1 : 0}`);
    }
    return customerPage(req, reply, req.params.id, { message: r.message, status: r.status, form });
  });
}
