// Orders in the admin console: the list (filters, one search box, keyset pages — OrderService's
// listOrders), an order's page (details, timeline, upstream calls with secrets redacted, invoices)
// with its actions, the manual queue, and invoices as staff print them. Every action goes through
// OrderService and writes its audit entry inside the action's transaction (StaffActionHook).
import { sendInvoicePage } from "../invoice-page.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import type { OrderRow } from "../../db/schema.ts";
import { invalidInput } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { redact } from "../../modules/audit/audit.logic.ts";
import { chargeOf, ORDER_STATES } from "../../modules/orders/orders.logic.ts";
import type { StaffActionHook } from "../../modules/orders/orders.service.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { adminNav, sendAdminPage } from "./layout.ts";
import { ADMIN_STYLE, STAFF_PAGE, attempt, badge, fail, limitParam, money, nextLink, option, param, staffAct, staffMember, when, type Form, type Params, type Query } from "./common.ts";

export const ORDER_ACTIONS = ["place", "reject", "refund", "cancel", "resume", "adopt"] as const;
type OrderAction = (typeof ORDER_ACTIONS)[number];

const DONE_TEXT: Record<OrderAction, string> = {
  place: "The order is active: the module was recorded as placed by hand.",
  reject: "The order was rejected and its money returned to the customer's balance.",
  refund: "The order was refunded to the customer's balance.",
  cancel: "The order was cancelled.",
  resume: "The order was sent upstream again; this page shows the outcome in a moment.",
  adopt: "The order is active with the upstream module it adopted (its expiry as upstream shows it).",
};

/** A refund above the staff member's limit: kept for the owner's approval (src/modules/approvals). */
const PENDING = Symbol("pending approval");
const PENDING_TEXT = "That refund is above your limit: it waits for the owner's approval under Approvals. No money moved yet.";

/** Where an action may send the browser back to: the order's page or the manual queue. */
function backOf(body: unknown, orderId: string): string {
  return field(body, "back") === "/admin/manual" ? "/admin/manual" : `/admin/orders/${orderId}`;
}

function priceOf(o: OrderRow): string {
  return money({ minor: chargeOf(o).total, currency: o.currency });
}

function orderTable(orders: OrderRow[]): SafeHtml {
  return html`<table class="list"><tr><th>Order</th><th>Created</th><th>State</th><th>Kind</th><th>Customer</th><th>License</th><th>Module</th><th class="num">Total</th></tr>${orders.map(
    (o) => html`<tr><td><a href="/admin/orders/${o.id}">${o.id}</a></td><td>${when(o.created_at)}</td><td>${badge(o.state)}</td><td>${o.kind}</td><td>${o.customer_id ? html`<a href="/admin/customers/${o.customer_id}">${o.customer_id}</a>` : "—"}</td><td>${String(o.license_id)}</td><td>${o.module_id}</td><td class="num">${priceOf(o)}</td></tr>`,
  )}</table>`;
}

/** The forms of the actions the order's state allows; `back` returns to the manual queue. */
export function actionForms(req: FastifyRequest, o: OrderRow, back?: "/admin/manual"): SafeHtml {
  const backField = back ? html`<input type="hidden" name="back" value="${back}">` : html``;
  const forms: SafeHtml[] = [];
  if ((o.state === "manual_queue" || o.state === "needs_attention") && o.kind === "purchase") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/place">${csrfField(req)}${backField}
<input type="text" name="upstreamId" inputmode="numeric" placeholder="upstream module id" required aria-label="Upstream module id of ${o.id}">
<input type="text" name="expiresOn" placeholder="expires YYYY-MM-DD (optional)" aria-label="Expiry date of ${o.id}">
<button class="small" type="submit">Place manually</button></form>`);
  }
  if (o.state === "awaiting_funds") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/resume">${csrfField(req)}${backField}<button class="small" type="submit">Resume now</button> <span class="muted">after topping up the client-area balance (it also resumes by itself within about a minute of a top-up)</span></form>`);
  }
  if (o.state === "manual_queue" || o.state === "needs_attention" || o.state === "awaiting_funds") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/reject">${csrfField(req)}${backField}
<input type="text" name="reason" placeholder="reason" required aria-label="Reason to reject ${o.id}"><button class="small danger" type="submit">Reject and refund</button></form>`);
  }
  if (o.state === "active") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/refund">${csrfField(req)}
<input type="text" name="reason" placeholder="reason" required aria-label="Reason to refund ${o.id}"><button class="small danger" type="submit">Refund</button></form>`);
  }
  if (o.state === "pending_payment") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/cancel">${csrfField(req)}
<input type="text" name="reason" placeholder="reason (optional)" aria-label="Reason to cancel ${o.id}"><button class="small danger" type="submit">Cancel order</button></form>`);
  }
  return html`${forms.map((f) => html`<div>${f}</div>`)}`;
}

export function registerAdminOrderRoutes(app: FastifyInstance, c: Container): void {
  // ---- the list ------------------------------------------------------------------------------
  app.get<Query>("/admin/orders", STAFF_PAGE, async (req, reply) => {
    const f = { state: param(req.query, "state"), kind: param(req.query, "kind"), module: param(req.query, "module"), customer: param(req.query, "customer"), q: param(req.query, "q") };
    const r = await attempt(() =>
      c.orders.listOrders({
        ...(f.state ? { state: f.state } : {}),
        ...(f.kind ? { kind: f.kind } : {}),
        ...(f.module ? { moduleId: f.module } : {}),
        ...(f.customer ? { customerId: f.customer } : {}),
        ...(f.q ? { q: f.q } : {}),
        ...(param(req.query, "after") ? { after: param(req.query, "after") } : {}),
        ...limitParam(req.query),
      }),
    );
    const modules = (await c.catalog.listModules()).map((e) => e.module);
    const body = html`${ADMIN_STYLE}<h1>Orders</h1>
<form class="filters card" method="get" action="/admin/orders">
<label>Search<input type="text" name="q" value="${f.q}" placeholder="order id, license, e-mail, cus_…" maxlength="254"></label>
<label>State<select name="state">${option("", "any", f.state)}${ORDER_STATES.map((s) => option(s, s, f.state))}</select></label>
<label>Kind<select name="kind">${option("", "any", f.kind)}${option("purchase", "purchase", f.kind)}${option("renewal", "renewal", f.kind)}</select></label>
<label>Module<select name="module">${option("", "any", f.module)}${modules.map((m) => option(m.id, `${m.name} (${m.tariff_id})`, f.module))}</select></label>
<label>Customer<input type="text" name="customer" value="${f.customer}" placeholder="cus_…" maxlength="60"></label>
<button type="submit">Show</button> <a href="/admin/orders">Clear</a></form>
${r.ok ? html`<div class="card">${r.value.items.length > 0 ? orderTable(r.value.items) : html`<p class="muted">No orders match.</p>`}${nextLink("/admin/orders", { ...f, limit: param(req.query, "limit") }, r.value.next)}</div>` : r.message}`;
    return sendAdminPage(req, reply, { title: "Orders", section: "orders", body, status: r.ok ? 200 : r.status });
  });

  // ---- one order -----------------------------------------------------------------------------
  async function orderPage(req: FastifyRequest, reply: FastifyReply, id: string, message?: SafeHtml, status = 200): Promise<FastifyReply> {
    const found = await attempt(() => c.orders.get(id));
    if (!found.ok) return sendAdminPage(req, reply, { title: "Order", section: "orders", body: html`<h1>Order</h1>${found.message}`, status: found.status });
    const o = found.value;
    const events = await c.orders.timeline(o.id);
    const timeline = events.filter((e) => e.kind !== "upstream_call");
    const calls = events.filter((e) => e.kind === "upstream_call");
    const invoice = o.invoice_id ? await c.invoices.show(o.invoice_id) : null;
    const charge = chargeOf(o);
    const detail = (d: Record<string, unknown> | null) => (d ? html`<pre class="json">${JSON.stringify(redact(d), null, 1)}</pre>` : "");
    const body = html`${ADMIN_STYLE}<h1>Order ${o.id} ${badge(o.state)}</h1>${message ?? ""}
<div class="card"><table>
<tr><th>Kind</th><td>${o.kind}</td><th>Fulfillment</th><td>${o.fulfillment}</td></tr>
<tr><th>Customer</th><td>${o.customer_id ? html`<a href="/admin/customers/${o.customer_id}">${o.customer_id}</a>` : "— (not paid yet)"}</td><th>License</th><td>${String(o.license_id)}${o.ip ? ` (${o.ip})` : ""}</td></tr>
<tr><th>Module</th><td>${o.module_id} (tariff ${String(o.tariff_id)})</td><th>Period</th><td>${String(o.period_months)} month(s)</td></tr>
<tr><th>Price</th><td>${money({ minor: Number(o.price_minor), currency: o.currency })}</td><th>Charged</th><td>${money({ minor: charge.net, currency: o.currency })} + tax ${money({ minor: charge.tax, currency: o.currency })} = <b>${money({ minor: charge.total, currency: o.currency })}</b></td></tr>
<tr><th>Upstream module</th><td>${o.upstream_service_id === null ? "—" : String(o.upstream_service_id)}</td><th>Expires</th><td>${o.upstream_expires_on ?? "—"}</td></tr>
<tr><th>Created</th><td>${when(o.created_at)}</td><th>Paid</th><td>${when(o.paid_at)}</td></tr>
<tr><th>Active since</th><td>${when(o.activated_at)}</td><th>Reason</th><td>${o.reason ?? "—"}</td></tr>
<tr><th>Invoice</th><td colspan="3">${invoice
      ? html`<a href="/admin/invoices/${invoice.invoice.id}">${invoice.invoice.number}</a> (<a href="/admin/invoices/${invoice.invoice.id}/pdf">PDF</a>) ${badge(invoice.status)}${invoice.related ? html` · credit note <a href="/admin/invoices/${invoice.related.id}">${invoice.related.number}</a> (<a href="/admin/invoices/${invoice.related.id}/pdf">PDF</a>)` : ""}`
      : "—"}</td></tr>
</table></div>
${await moduleDates(o)}${await attentionCard(req, o)}<div class="card"><h2>Actions</h2>${actionForms(req, o)}${["active", "manual_queue", "needs_attention", "awaiting_funds", "pending_payment"].includes(o.state) ? "" : html`<p class="muted">No action applies to an order that is ${o.state}.</p>`}</div>
<div class="card"><h2>Timeline</h2><table class="list"><tr><th>At</th><th>Event</th><th>By</th><th>Detail</th></tr>${timeline.map(
      (e) => html`<tr><td>${when(e.at)}</td><td>${e.kind === "transition" ? html`${e.from_state ?? "∅"} → <b>${e.to_state ?? ""}</b>` : e.kind}</td><td>${e.actor ?? "system"}</td><td>${detail(e.detail)}</td></tr>`,
    )}</table></div>
<div class="card"><h2>Upstream calls</h2>${calls.length > 0
      ? html`<table class="list"><tr><th>At</th><th>Call</th></tr>${calls.map((e) => html`<tr><td>${when(e.at)}</td><td>${detail(e.detail)}</td></tr>`)}</table><p class="muted">Credentials and secrets never appear here.</p>`
      : html`<p class="muted">No calls to the client area for this order.</p>`}</div>`;
    return sendAdminPage(req, reply, { title: `Order ${o.id}`, section: "orders", body, status });
  }

  /** The customer's module dates: upstream's, and our own arithmetic beside it when they differ (ADR 0030). */
  async function moduleDates(o: OrderRow): Promise<SafeHtml> {
    if (!o.customer_module_id) return html``;
    const cm = await c.repos.orders.findCustomerModule(c.db, o.customer_module_id);
    if (!cm) return html``;
    return html`<div class="card"><h2>Module ${cm.id}</h2><table>
<tr><th>Expires (upstream)</th><td>${cm.expires_on ?? "—"}${cm.upstream_checked_at ? html` <span class="muted">read ${when(cm.upstream_checked_at)}, ${cm.upstream_status ?? "?"}</span>` : html` <span class="muted">not confirmed upstream yet</span>`}</td></tr>
${cm.expected_expires_on && cm.expected_expires_on !== cm.expires_on ? html`<tr><th>Our arithmetic</th><td>${cm.expected_expires_on} <span class="muted">(differs from upstream's date; upstream's counts)</span></td></tr>` : ""}
</table></div>`;
  }

  /** Needs attention: the evidence (upstream calls above, candidates here) and the two safe ways out. */
  async function attentionCard(req: FastifyRequest, o: OrderRow): Promise<SafeHtml> {
    if (o.state !== "needs_attention" || o.kind !== "purchase") return html``;
    const ev = await c.attention.evidence(o.id);
    const rows = ev.candidates.map(
      (m) => html`<tr><td>${String(m.id)}</td><td>${m.status}</td><td>${m.expiresOn ?? "—"}</td><td><form class="inline" method="post" action="/admin/orders/${o.id}/adopt">${csrfField(req)}<input type="hidden" name="serviceId" value="${String(m.id)}"><button class="small" type="submit">Adopt upstream service ${String(m.id)}</button></form></td></tr>`,
    );
    return html`<div class="card"><h2>Needs attention: evidence</h2>
<p>${o.reason ?? ""}</p>
<p class="muted">The upstream calls of this order are listed below. Two safe ways out: adopt an upstream module that no other order owns (it is read upstream first), or reject and refund. Both are audited.</p>
${ev.listError ? html`<p class="error">Upstream modules cannot be listed now: ${ev.listError}</p>` : rows.length > 0
      ? html`<table class="list"><tr><th>Upstream service on license ${String(o.license_id)}, tariff ${String(o.tariff_id)}</th><th>Status</th><th>Expires</th><th></th></tr>${rows}</table>`
      : html`<p>No unclaimed upstream module of this tariff on license ${String(o.license_id)}${ev.claimed.length > 0 ? ` (owned by other orders: ${ev.claimed.join(", ")})` : ""}: nothing was bought — reject and refund, or place it again by hand.</p>`}
</div>`;
  }

  app.get<Params<"id"> & Query>("/admin/orders/:id", STAFF_PAGE, async (req, reply) => {
    const done = param(req.query, "done") as OrderAction;
    const text = ORDER_ACTIONS.includes(done) ? DONE_TEXT[done] : (done as string) === "refund_pending" ? PENDING_TEXT : null;
    return orderPage(req, reply, req.params.id, text ? notice("ok", text) : undefined);
  });

  /** The audit entry of an order action, written inside the action's transaction. */
  function audited(req: FastifyRequest, action: string, extra: Record<string, unknown> = {}): StaffActionHook {
    const by = staffAct(req);
    return (tx, ch) =>
      c.audit.record(tx, {
        ...by.ctx,
        action,
        subject: { type: "order", id: ch.after.id },
        before: { state: ch.before.state },
        after: { state: ch.after.state, ...extra, ...(ch.detail ?? {}), ...(ch.after.upstream_service_id !== null && action === "order.place_manually" ? { upstreamServiceId: Number(ch.after.upstream_service_id), upstreamExpiresOn: ch.after.upstream_expires_on } : {}) },
      }).then(() => undefined);
  }

  const run: Record<OrderAction, (req: FastifyRequest<Params<"id"> & Form>) => Promise<unknown>> = {
    place: (req) => {
      const raw = field(req.body, "upstreamId").trim();
      if (!/^\d{1,15}$/.test(raw)) throw invalidInput("The upstream module id must be a positive whole number");
      const expires = field(req.body, "expiresOn").trim();
      return c.orders.placeManually(req.params.id, { upstreamId: Number(raw), expiresOn: expires || null }, staffAct(req).actor, audited(req, "order.place_manually"));
    },
    reject: (req) => {
      const reason = field(req.body, "reason").trim();
      return c.orders.reject(req.params.id, reason, staffAct(req).actor, audited(req, "order.reject", { reason }));
    },
    refund: async (req) => {
      const r = await c.approvals.refundOrder(req.params.id, field(req.body, "reason"), staffMember(req), audited(req, "order.refund"));
      return r.kind === "pending" ? PENDING : r.value;
    },
    resume: (req) => c.funds.resumeNow(req.params.id, staffAct(req).ctx),
    adopt: (req) => {
      const raw = field(req.body, "serviceId").trim();
      if (!/^\d{1,15}$/.test(raw)) throw invalidInput("The upstream service id must be a positive whole number");
      return c.attention.adopt(req.params.id, Number(raw), staffAct(req).actor, audited(req, "order.adopt", { upstreamServiceId: Number(raw) }));
    },
    cancel: (req) => {
      const reason = field(req.body, "reason").trim() || "cancelled by staff";
      return c.orders.cancel(req.params.id, staffAct(req).actor, reason, audited(req, "order.cancel", { reason }));
    },
  };

  for (const action of ORDER_ACTIONS) {
    app.post<Params<"id"> & Form>(`/admin/orders/:id/${action}`, STAFF_PAGE, async (req, reply) => {
      const r = await attempt(() => run[action](req));
      const back = backOf(req.body, req.params.id);
      if (r.ok && r.value === PENDING) return redirect(reply, `/admin/orders/${encodeURIComponent(req.params.id)}?done=refund_pending`);
      if (r.ok) return redirect(reply, back === "/admin/manual" ? `/admin/manual?done=${action}&order=${encodeURIComponent(req.params.id)}` : `${back}?done=${action}`);
      if (back === "/admin/manual") return manualPage(req, reply, {}, r.message, r.status);
      return orderPage(req, reply, req.params.id, r.message, r.status);
    });
  }

  // ---- the manual queue ----------------------------------------------------------------------
  async function manualPage(req: FastifyRequest, reply: FastifyReply, q: Record<string, string | string[] | undefined>, message?: SafeHtml, status = 200): Promise<FastifyReply> {
    const after = param(q, "after");
    const r = await attempt(() => c.orders.listOrders({ states: ["manual_queue", "needs_attention"], ...(after ? { after } : {}) }));
    const body = html`${ADMIN_STYLE}<h1>Manual queue</h1>${message ?? ""}
<p class="muted">Paid orders waiting for staff: with FULFILLMENT_MODE=manual every order comes here; in automatic mode, orders that need attention. Order the module in the client area, then enter its upstream id — or reject the order, which refunds it to the customer's balance.</p>
${r.ok
      ? html`<div class="card">${r.value.items.length > 0
          ? html`<table class="list"><tr><th>Order</th><th>State</th><th>Paid</th><th>Customer</th><th>License</th><th>Module</th><th class="num">Total</th><th>Actions</th></tr>${r.value.items.map(
              (o) => html`<tr data-order="${o.id}"><td><a href="/admin/orders/${o.id}">${o.id}</a></td><td>${badge(o.state)}${o.reason ? html`<br><span class="muted">${o.reason}</span>` : ""}</td><td>${when(o.paid_at)}</td><td>${o.customer_id ? html`<a href="/admin/customers/${o.customer_id}">${o.customer_id}</a>` : "—"}</td><td>${String(o.license_id)}</td><td>${o.module_id}</td><td class="num">${priceOf(o)}</td><td>${actionForms(req, o, "/admin/manual")}</td></tr>`,
            )}</table>`
          : html`<p class="muted">The queue is empty.</p>`}${nextLink("/admin/manual", {}, r.value.next)}</div>`
      : r.message}`;
    return sendAdminPage(req, reply, { title: "Manual queue", section: "manual", body, status: r.ok ? status : r.status });
  }

  app.get<Query>("/admin/manual", STAFF_PAGE, async (req, reply) => {
    const done = param(req.query, "done") as OrderAction;
    const order = param(req.query, "order");
    const message = ORDER_ACTIONS.includes(done) ? notice("ok", `${/^ord_[0-9a-z]{1,40}$/.test(order) ? `${order}: ` : ""}${DONE_TEXT[done]}`) : undefined;
    return manualPage(req, reply, req.query, message);
  });

  // ---- invoices as staff see them ------------------------------------------------------------
  app.get<Params<"id">>("/admin/invoices/:id", STAFF_PAGE, async (req, reply) => {
    try {
      const doc = await c.invoices.document(req.params.id);
      return sendInvoicePage(req, reply, doc, { nav: adminNav(req, "orders"), pdf: `/admin/invoices/${encodeURIComponent(doc.invoice.id)}/pdf` });
    } catch (e) {
      return fail(req, reply, e);
    }
  });

  app.get<Params<"id">>("/admin/invoices/:id/pdf", STAFF_PAGE, async (req, reply) => {
    try {
      const inv = await c.invoices.find(req.params.id);
      const pdf = await c.invoices.pdf(inv.id);
      return reply
        .type("application/pdf")
        .header("cache-control", "no-store")
        .header("content-disposition", `inline; filename="${inv.number.replace(/[^\w.-]/g, "_")}.pdf"`)
        .send(Buffer.from(pdf));
    } catch (e) {
      return fail(req, reply, e);
    }
  });
}
