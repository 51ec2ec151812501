// Orders in the admin console: the list (filters, one search box, keyset pages — OrderService's
// listOrders), an order's page (details, timeline, upstream calls with secrets redacted, invoices)
// with its actions, the manual queue, and invoices as staff print them. Every action goes through
// OrderService and writes its audit entry inside the action's transaction (StaffActionHook).
// Every action that moves money or cannot be undone has a second step that says what it will do
// (docs/adr/0039-console.md): the first POST only shows that confirmation.
import { sendInvoicePage } from "../invoice-page.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import type { CustomerRow, OrderRow } from "../../db/schema.ts";
import { invalidInput } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import type { Locale } from "../../i18n/locales.ts";
import { t, tHtml } from "../../i18n/t.ts";
import { formatDate } from "../../i18n/format.ts";
import { invoiceStatusText } from "../../modules/invoices/invoice.html.ts";
import { redact } from "../../modules/audit/audit.logic.ts";
import { chargeOf, ORDER_STATES } from "../../modules/orders/orders.logic.ts";
import type { StaffActionHook } from "../../modules/orders/orders.service.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { adminNav, sendAdminPage } from "./layout.ts";
import { STAFF_PAGE, attempt, badge, confirmed, confirmPage, customerLink, fail, limitParam, loc, money, nextLink, option, param, refusal, staffAct, staffMember, stateBadge, when, word, type Form, type Params, type Query } from "./common.ts";

export const ORDER_ACTIONS = ["place", "reject", "refund", "cancel", "resume", "adopt"] as const;
type OrderAction = (typeof ORDER_ACTIONS)[number];

/** A refund above the staff member's limit: kept for the owner's approval (src/modules/approvals). */
const PENDING = Symbol("pending approval");

/** Where an action may send the browser back to: the order's page or the manual queue. */
function backOf(body: unknown, orderId: string): string {
  return field(body, "back") === "/admin/manual" ? "/admin/manual" : `/admin/orders/${orderId}`;
}

function priceOf(o: OrderRow, l: Locale): string {
  return money({ minor: chargeOf(o).total, currency: o.currency }, l);
}

/** What a list of orders needs to name things: customers by id, module names by module id. */
export interface Names {
  customers: Map<string, CustomerRow>;
  modules: Map<string, string>;
}

export async function namesOf(c: Container, orders: readonly OrderRow[]): Promise<Names> {
  const ids = [...new Set(orders.map((o) => o.customer_id).filter((x): x is string => x !== null))];
  const rows = await Promise.all(ids.map((id) => c.repos.customers.findById(c.db, id)));
  const modules = new Map((await c.catalog.listModules()).map((e) => [e.module.id, e.module.name] as const));
  return { customers: new Map(rows.filter((r): r is CustomerRow => r !== undefined).map((r) => [r.id, r])), modules };
}

/** The module's name (its catalog id muted beside it). */
export function moduleName(n: Names, moduleId: string): string {
  return n.modules.get(moduleId) ?? moduleId;
}

/** An order as people name it: its module's name linking to the order, the order id muted under it. */
export function orderLink(n: Names, o: OrderRow): SafeHtml {
  return html`<a href="/admin/orders/${o.id}">${moduleName(n, o.module_id)}</a><br><span class="muted">${o.id}</span>`;
}

/**
 * Whether an order was refunded while active (ADR 0038 decides what happens to its module): the
 * refund's timeline note. A refunded order is never offered a refund again.
 */
async function refundOf(c: Container, o: OrderRow): Promise<{ at: string; amount: string } | null> {
  if (o.state !== "active" && o.state !== "refunded" && o.state !== "cancelled") return null;
  const events = await c.orders.timeline(o.id);
  const note = events.find((e) => e.kind === "note" && e.detail && typeof e.detail["refund"] === "string");
  return note ? { at: note.at, amount: String(note.detail!["refund"]) } : null;
}

/** The state people should see: a refunded active order reads "refunded", not "active". */
function shownState(o: OrderRow, refunded: boolean): string {
  return refunded && o.state === "active" ? "refunded" : o.state;
}

function orderTable(l: Locale, orders: OrderRow[], n: Names, refunded: Set<string>): SafeHtml {
  const h = (k: Parameters<typeof t>[1]) => t(l, k);
  return html`<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${h("console.col.order")}</th><th scope="col">${h("console.col.created")}</th><th scope="col">${h("console.col.state")}</th><th scope="col">${h("console.col.kind")}</th><th scope="col">${h("console.col.customer")}</th><th scope="col">${h("console.col.license")}</th><th scope="col" class="num">${h("console.col.total")}</th></tr></thead><tbody>${orders.map(
    (o) => html`<tr data-order-row="${o.id}"><td data-label="${h("console.col.order")}">${orderLink(n, o)}</td><td data-label="${h("console.col.created")}">${when(o.created_at, l)}</td><td data-label="${h("console.col.state")}">${stateBadge(l, shownState(o, refunded.has(o.id)))}</td><td data-label="${h("console.col.kind")}">${word(l, "console.kind.", o.kind)}</td><td data-label="${h("console.col.customer")}">${customerLink(o.customer_id ? n.customers.get(o.customer_id) : undefined, o.customer_id)}</td><td data-label="${h("console.col.license")}">${String(o.license_id)}</td><td class="num" data-label="${h("console.col.total")}">${priceOf(o, l)}</td></tr>`,
  )}</tbody></table></div>`;
}

/** The refunded ones among active orders (their timeline's refund note). */
async function refundedAmong(c: Container, orders: readonly OrderRow[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const o of orders) if (o.state === "active" && (await refundOf(c, o))) out.add(o.id);
  return out;
}

/** The forms of the actions the order's state allows; `back` returns to the manual queue. */
export function actionForms(req: FastifyRequest, o: OrderRow, refunded: boolean, back?: "/admin/manual"): SafeHtml {
  const l = loc(req);
  const backField = back ? html`<input type="hidden" name="back" value="${back}">` : html``;
  const forms: SafeHtml[] = [];
  const sfx = back ? `-${o.id}` : "";
  if ((o.state === "manual_queue" || o.state === "needs_attention") && o.kind === "purchase") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/place">${csrfField(req)}${backField}
<div class="field"><label for="upstream${sfx}">${t(l, "console.order.upstream_id")}</label><input id="upstream${sfx}" type="text" name="upstreamId" inputmode="numeric" required></div>
<div class="field"><label for="expires${sfx}">${t(l, "console.order.expires_optional")}</label><input id="expires${sfx}" type="date" name="expiresOn"></div>
<button class="small" type="submit">${t(l, "console.order.place")}</button></form>`);
  }
  if (o.state === "awaiting_funds") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/resume">${csrfField(req)}${backField}<button class="small" type="submit">${t(l, "console.order.resume")}</button> <span class="muted">${t(l, "console.order.resume_hint")}</span></form>`);
  }
  if (o.state === "manual_queue" || o.state === "needs_attention" || o.state === "awaiting_funds") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/reject">${csrfField(req)}${backField}
<div class="field"><label for="reject${sfx}">${t(l, "console.order.reason")}</label><input id="reject${sfx}" type="text" name="reason" required maxlength="500"></div><button class="small danger" type="submit">${t(l, "console.order.reject")}</button></form>`);
  }
  if (o.state === "active" && !refunded) {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/refund">${csrfField(req)}
<div class="field"><label for="refund${sfx}">${t(l, "console.order.reason")}</label><input id="refund${sfx}" type="text" name="reason" required maxlength="500"></div><button class="small danger" type="submit">${t(l, "console.order.refund")}</button></form>`);
  }
  if (o.state === "pending_payment") {
    forms.push(html`<form class="inline" method="post" action="/admin/orders/${o.id}/cancel">${csrfField(req)}
<div class="field"><label for="cancel${sfx}">${t(l, "console.order.reason_optional")}</label><input id="cancel${sfx}" type="text" name="reason" maxlength="500"></div><button class="small danger" type="submit">${t(l, "console.order.cancel")}</button></form>`);
  }
  return html`${forms.map((f) => html`<div>${f}</div>`)}`;
}

/** The actions an order in its state may take (the first step checks it before asking to confirm). */
function allowed(o: OrderRow, action: OrderAction, refunded: boolean): boolean {
  switch (action) {
    case "place":
      return (o.state === "manual_queue" || o.state === "needs_attention") && o.kind === "purchase";
    case "resume":
      return o.state === "awaiting_funds";
    case "reject":
      return o.state === "manual_queue" || o.state === "needs_attention" || o.state === "awaiting_funds";
    case "refund":
      return o.state === "active" && !refunded;
    case "cancel":
      return o.state === "pending_payment";
    case "adopt":
      return o.state === "needs_attention" && o.kind === "purchase";
  }
}

export function registerAdminOrderRoutes(app: FastifyInstance, c: Container): void {
  // Invoices, bank transfers and exchange rates: the console's money pages (./money.routes.ts).

  // ---- the list ------------------------------------------------------------------------------
  app.get<Query>("/admin/orders", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const f = { state: param(req.query, "state"), kind: param(req.query, "kind"), module: param(req.query, "module"), customer: param(req.query, "customer"), q: param(req.query, "q") };
    const r = await attempt(
      () =>
        c.orders.listOrders({
          ...(f.state ? { state: f.state } : {}),
          ...(f.kind ? { kind: f.kind } : {}),
          ...(f.module ? { moduleId: f.module } : {}),
          ...(f.customer ? { customerId: f.customer } : {}),
          ...(f.q ? { q: f.q } : {}),
          ...(param(req.query, "after") ? { after: param(req.query, "after") } : {}),
          ...limitParam(req.query),
        }),
      l,
    );
    const modules = (await c.catalog.listModules()).map((e) => e.module);
    const any = t(l, "console.filter.any");
    const list = r.ok ? r.value.items : [];
    const names = await namesOf(c, list);
    const refunded = await refundedAmong(c, list);
    const body = html`<h1>${t(l, "console.orders.title")}</h1>
<form class="filters card" method="get" action="/admin/orders" role="search" aria-label="${t(l, "console.orders.filters")}">
<div class="field"><label for="f-q">${t(l, "console.filter.search")}</label><input id="f-q" type="search" name="q" value="${f.q}" maxlength="254" aria-describedby="f-q-hint"><p class="hint" id="f-q-hint">${t(l, "console.orders.search_hint")}</p></div>
<div class="field"><label for="f-state">${t(l, "console.col.state")}</label><select id="f-state" name="state">${option("", any, f.state)}${ORDER_STATES.map((s) => option(s, word(l, "console.state.", s), f.state))}</select></div>
<div class="field"><label for="f-kind">${t(l, "console.col.kind")}</label><select id="f-kind" name="kind">${option("", any, f.kind)}${option("purchase", t(l, "console.kind.purchase"), f.kind)}${option("renewal", t(l, "console.kind.renewal"), f.kind)}</select></div>
<div class="field"><label for="f-module">${t(l, "console.col.module")}</label><select id="f-module" name="module">${option("", any, f.module)}${modules.map((m) => option(m.id, m.name, f.module))}</select></div>
<div class="field"><label for="f-customer">${t(l, "console.col.customer")}</label><input id="f-customer" type="text" name="customer" value="${f.customer}" maxlength="60" aria-describedby="f-customer-hint"><p class="hint" id="f-customer-hint">${t(l, "console.orders.customer_hint", { example: "cus_…" })}</p></div>
<p><button type="submit">${t(l, "console.filter.show")}</button> <a class="button secondary" href="/admin/orders">${t(l, "console.filter.clear")}</a></p></form>
${r.ok ? html`<section class="card">${r.value.items.length > 0 ? orderTable(l, r.value.items, names, refunded) : html`<p class="muted">${t(l, "console.orders.none")}</p>`}${nextLink("/admin/orders", { ...f, limit: param(req.query, "limit") }, r.value.next, l)}</section>` : r.message}`;
    return sendAdminPage(req, reply, { title: t(l, "console.orders.title"), section: "orders", body, status: r.ok ? 200 : r.status });
  });

  // ---- one order -----------------------------------------------------------------------------
  async function orderPage(req: FastifyRequest, reply: FastifyReply, id: string, message?: SafeHtml, status = 200): Promise<FastifyReply> {
    const l = loc(req);
    const found = await attempt(() => c.orders.get(id), l);
    if (!found.ok) return sendAdminPage(req, reply, { title: t(l, "console.order.title"), section: "orders", body: html`<h1>${t(l, "console.order.title")}</h1>${found.message}`, status: found.status });
    const o = found.value;
    const events = await c.orders.timeline(o.id);
    const timeline = events.filter((e) => e.kind !== "upstream_call");
    const calls = events.filter((e) => e.kind === "upstream_call");
    const invoice = o.invoice_id ? await c.invoices.show(o.invoice_id) : null;
    const charge = chargeOf(o);
    const names = await namesOf(c, [o]);
    const refund = await refundOf(c, o);
    const state = shownState(o, refund !== null);
    const m = (minor: number) => money({ minor, currency: o.currency }, l);
    const detail = (d: Record<string, unknown> | null) => (d ? html`<pre class="json">${JSON.stringify(redact(d), null, 1)}</pre>` : "");
    const actions = actionForms(req, o, refund !== null);
    const row = (label: string, value: SafeHtml | string) => html`<dt>${label}</dt><dd>${value}</dd>`;
    const body = html`<h1>${moduleName(names, o.module_id)} ${stateBadge(l, state)}</h1><p class="muted">${t(l, "console.order.id", { id: o.id })}</p>${message ?? ""}
${refund ? html`<p class="notice info" role="status">${t(l, "console.order.refunded_note", { at: when(refund.at, l), amount: refund.amount })}</p>` : ""}
<section class="card"><h2>${t(l, "console.order.details")}</h2><dl class="facts">
${row(t(l, "console.col.customer"), o.customer_id ? customerLink(names.customers.get(o.customer_id), o.customer_id) : t(l, "console.order.not_paid_yet"))}
${row(t(l, "console.col.kind"), word(l, "console.kind.", o.kind))}
${row(t(l, "console.order.fulfillment"), word(l, "console.fulfillment.", o.fulfillment))}
${row(t(l, "console.col.license"), html`${String(o.license_id)}${o.ip ? html` <span class="muted">${o.ip}</span>` : ""}`)}
${row(t(l, "console.col.module"), html`${moduleName(names, o.module_id)} <span class="muted">${t(l, "console.order.tariff", { tariff: String(o.tariff_id) })}</span>`)}
${row(t(l, "console.order.period"), t(l, "period.months", { months: o.period_months }))}
${row(t(l, "console.order.price"), m(Number(o.price_minor)))}
${row(t(l, "console.order.charged"), html`${t(l, "console.order.charge_sum", { net: m(charge.net), tax: m(charge.tax) })} <b>${m(charge.total)}</b>`)}
${row(t(l, "console.order.upstream_module"), o.upstream_service_id === null ? "—" : String(o.upstream_service_id))}
${row(t(l, "console.order.expires"), o.upstream_expires_on ? formatDate(o.upstream_expires_on, l) : "—")}
${row(t(l, "console.col.created"), when(o.created_at, l))}
${row(t(l, "console.order.paid"), when(o.paid_at, l))}
${row(t(l, "console.order.active_since"), when(o.activated_at, l))}
${row(t(l, "console.order.reason"), o.reason ?? "—")}
${row(t(l, "console.order.invoice"), invoice
      ? html`<a href="/admin/invoices/${invoice.invoice.id}">${invoice.invoice.number}</a> (<a href="/admin/invoices/${invoice.invoice.id}/pdf">PDF</a>) ${badge(invoiceStatusText(invoice.status, l))}${invoice.related ? html` · ${t(l, "console.order.credit_note")} <a href="/admin/invoices/${invoice.related.id}">${invoice.related.number}</a> (<a href="/admin/invoices/${invoice.related.id}/pdf">PDF</a>)` : ""}`
      : "—")}
</dl></section>
${await moduleDates(l, o, refund !== null)}${await attentionCard(req, o)}<section class="card"><h2>${t(l, "console.order.actions")}</h2>${actions}${actions.toString() === "" ? html`<p class="muted">${t(l, "console.order.no_action", { state: word(l, "console.state.", state) })}</p>` : ""}</section>
<section class="card"><h2>${t(l, "console.order.timeline")}</h2><div class="table-wrap"><table class="data"><thead><tr><th scope="col">${t(l, "console.col.at")}</th><th scope="col">${t(l, "console.col.event")}</th><th scope="col">${t(l, "console.col.by")}</th><th scope="col">${t(l, "console.col.detail")}</th></tr></thead><tbody>${timeline.map(
      (e) => html`<tr><td data-label="${t(l, "console.col.at")}">${when(e.at, l)}</td><td data-label="${t(l, "console.col.event")}">${e.kind === "transition" ? html`${e.from_state ? word(l, "console.state.", e.from_state) : "∅"} → <b>${word(l, "console.state.", e.to_state ?? "")}</b>` : word(l, "console.event.", e.kind)}</td><td data-label="${t(l, "console.col.by")}">${e.actor ?? t(l, "console.system")}</td><td data-label="${t(l, "console.col.detail")}">${detail(e.detail)}</td></tr>`,
    )}</tbody></table></div></section>
<section class="card"><h2>${t(l, "console.order.calls")}</h2>${calls.length > 0
      ? html`<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${t(l, "console.col.at")}</th><th scope="col">${t(l, "console.col.call")}</th></tr></thead><tbody>${calls.map((e) => html`<tr><td data-label="${t(l, "console.col.at")}">${when(e.at, l)}</td><td data-label="${t(l, "console.col.call")}">${detail(e.detail)}</td></tr>`)}</tbody></table></div><p class="muted">${t(l, "console.order.calls_secret")}</p>`
      : html`<p class="muted">${t(l, "console.order.no_calls")}</p>`}</section>`;
    return sendAdminPage(req, reply, { title: t(l, "console.order.page_title", { module: moduleName(names, o.module_id), id: o.id }), section: "orders", body, status });
  }

  /** The customer's module dates and state: upstream's, and our own arithmetic beside it when they differ (ADR 0030). */
  async function moduleDates(l: Locale, o: OrderRow, refunded: boolean): Promise<SafeHtml> {
    if (!o.customer_module_id) return html``;
    const cm = await c.repos.orders.findCustomerModule(c.db, o.customer_module_id);
    if (!cm) return html``;
    return html`<section class="card"><h2>${t(l, "console.module.heading", { id: String(cm.upstream_service_id) })}</h2><dl class="facts">
<dt>${t(l, "console.col.state")}</dt><dd>${stateBadge(l, cm.state)} <span class="muted">${t(l, "console.module.renewal", { renewal: word(l, "console.renewal.", cm.renewal) })}</span></dd>
${refunded ? html`<dt>${t(l, "console.module.after_refund")}</dt><dd>${t(l, cm.state === "active" ? (cm.renewal === "off" ? "console.module.after_refund_until_expiry" : "console.module.after_refund_still_active") : "console.module.after_refund_ended", { date: cm.expires_on ? formatDate(cm.expires_on, l) : "—" })}</dd>` : ""}
<dt>${t(l, "console.module.expires_upstream")}</dt><dd>${cm.expires_on ? formatDate(cm.expires_on, l) : "—"}${cm.upstream_checked_at ? html` <span class="muted">${t(l, "console.module.read_at", { at: when(cm.upstream_checked_at, l), status: cm.upstream_status ?? "?" })}</span>` : html` <span class="muted">${t(l, "console.module.not_confirmed")}</span>`}</dd>
${cm.expected_expires_on && cm.expected_expires_on !== cm.expires_on ? html`<dt>${t(l, "console.module.our_arithmetic")}</dt><dd>${formatDate(cm.expected_expires_on, l)} <span class="muted">${t(l, "console.module.differs")}</span></dd>` : ""}
</dl></section>`;
  }

  /** Needs attention: the evidence (upstream calls above, candidates here) and the two safe ways out. */
  async function attentionCard(req: FastifyRequest, o: OrderRow): Promise<SafeHtml> {
    if (o.state !== "needs_attention" || o.kind !== "purchase") return html``;
    const l = loc(req);
    const ev = await c.attention.evidence(o.id);
    const cols = [t(l, "console.attention.col_service"), t(l, "console.col.state"), t(l, "console.order.expires"), t(l, "console.order.actions")];
    const rows = ev.candidates.map(
      (m) => html`<tr><td data-label="${cols[0]}">${String(m.id)}</td><td data-label="${cols[1]}">${m.status}</td><td data-label="${cols[2]}">${m.expiresOn ? formatDate(m.expiresOn, l) : "—"}</td><td data-label="${cols[3]}"><form class="inline" method="post" action="/admin/orders/${o.id}/adopt">${csrfField(req)}<input type="hidden" name="serviceId" value="${String(m.id)}"><button class="small" type="submit">${t(l, "console.attention.adopt", { id: String(m.id) })}</button></form></td></tr>`,
    );
    return html`<section class="card"><h2>${t(l, "console.attention.heading")}</h2>
<p>${o.reason ?? ""}</p>
<p class="muted">${t(l, "console.attention.explain")}</p>
${ev.listError ? html`<p class="notice error">${t(l, "console.attention.list_error")} <span lang="en">${ev.listError}</span></p>` : rows.length > 0
      ? html`<p>${t(l, "console.attention.candidates", { license: String(o.license_id), tariff: String(o.tariff_id) })}</p><div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`
      : html`<p>${t(l, "console.attention.none", { license: String(o.license_id), claimed: ev.claimed.join(", ") })}</p>`}
</section>`;
  }

  app.get<Params<"id"> & Query>("/admin/orders/:id", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const done = param(req.query, "done");
    const text = (ORDER_ACTIONS as readonly string[]).includes(done) || done === "refund_pending" ? t(l, `console.order.done.${done as OrderAction | "refund_pending"}`) : null;
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
      if (!/^\d{1,15}$/.test(raw)) throw invalidInput(t(loc(req), "console.order.upstream_id_bad"));
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
      if (!/^\d{1,15}$/.test(raw)) throw invalidInput(t(loc(req), "console.order.upstream_id_bad"));
      return c.attention.adopt(req.params.id, Number(raw), staffAct(req).actor, audited(req, "order.adopt", { upstreamServiceId: Number(raw) }));
    },
    cancel: (req) => {
      const reason = field(req.body, "reason").trim() || "cancelled by staff";
      return c.orders.cancel(req.params.id, staffAct(req).actor, reason, audited(req, "order.cancel", { reason }));
    },
  };

  /**
   * The first step of an action: checks it applies, then says in words what it will do. True when
   * it answered (a FastifyReply is thenable, so it is not returned through a promise).
   */
  async function confirmStep(req: FastifyRequest<Params<"id"> & Form>, reply: FastifyReply, action: OrderAction): Promise<boolean> {
    const l = loc(req);
    const back = backOf(req.body, req.params.id);
    const found = await attempt(() => c.orders.get(req.params.id), l);
    if (!found.ok) {
      await orderPage(req, reply, req.params.id, found.message, found.status);
      return true;
    }
    const o = found.value;
    const refund = await refundOf(c, o);
    const again = (msg: SafeHtml, status: number) => (back === "/admin/manual" ? manualPage(req, reply, {}, msg, status) : orderPage(req, reply, o.id, msg, status));
    if (!allowed(o, action, refund !== null)) {
      await again(refusal(l, "illegal_transition", t(l, "console.order.not_applicable", { state: word(l, "console.state.", shownState(o, refund !== null)) })), 409);
      return true;
    }
    const reason = field(req.body, "reason").trim();
    if ((action === "reject" || action === "refund") && reason === "") {
      await again(notice("error", t(l, "console.order.reason_required")), 400);
      return true;
    }
    if (action === "place") return false;
    const names = await namesOf(c, [o]);
    const cu = o.customer_id ? names.customers.get(o.customer_id) : undefined;
    const who = cu ? (cu.name ? `${cu.name} (${cu.email})` : cu.email) : t(l, "console.order.the_customer");
    const values = { amount: priceOf(o, l), customer: who, module: moduleName(names, o.module_id), license: String(o.license_id), reason, service: field(req.body, "serviceId") };
    const effect = tHtml(l, `console.order.confirm.${action}`, values);
    const fields: Record<string, string> = { ...(reason ? { reason } : {}), ...(back === "/admin/manual" ? { back } : {}), ...(action === "adopt" ? { serviceId: field(req.body, "serviceId") } : {}) };
    await confirmPage(req, reply, {
      section: back === "/admin/manual" ? "manual" : "orders",
      title: t(l, `console.order.confirm_title.${action}`, values),
      effect,
      action: `/admin/orders/${o.id}/${action}`,
      fields,
      button: t(l, `console.order.confirm_button.${action}`, values),
      back,
      danger: action !== "resume" && action !== "adopt",
    });
    return true;
  }

  for (const action of ORDER_ACTIONS) {
    app.post<Params<"id"> & Form>(`/admin/orders/:id/${action}`, STAFF_PAGE, async (req, reply) => {
      if (!confirmed(req.body) && (await confirmStep(req, reply, action))) return reply;
      const l = loc(req);
      const r = await attempt(() => run[action](req), l);
      const back = backOf(req.body, req.params.id);
      if (r.ok && r.value === PENDING) return redirect(reply, `/admin/orders/${encodeURIComponent(req.params.id)}?done=refund_pending`);
      if (r.ok) return redirect(reply, back === "/admin/manual" ? `/admin/manual?done=${action}&order=${encodeURIComponent(req.params.id)}` : `${back}?done=${action}`);
      if (back === "/admin/manual") return manualPage(req, reply, {}, r.message, r.status);
      return orderPage(req, reply, req.params.id, r.message, r.status);
    });
  }

  // ---- the manual queue ----------------------------------------------------------------------
  async function manualPage(req: FastifyRequest, reply: FastifyReply, q: Record<string, string | string[] | undefined>, message?: SafeHtml, status = 200): Promise<FastifyReply> {
    const l = loc(req);
    const after = param(q, "after");
    const r = await attempt(() => c.orders.listOrders({ states: ["manual_queue", "needs_attention"], ...(after ? { after } : {}) }), l);
    const list = r.ok ? r.value.items : [];
    const names = await namesOf(c, list);
    const cols = ["console.col.order", "console.col.state", "console.order.paid", "console.col.customer", "console.col.license", "console.col.total", "console.order.actions"].map((k) => t(l, k as Parameters<typeof t>[1]));
    const body = html`<h1>${t(l, "console.nav.manual")}</h1>${message ?? ""}
<p class="muted">${t(l, "console.manual.explain")}</p>
${r.ok
      ? html`<section class="card">${r.value.items.length > 0
          ? html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x, i) => html`<th scope="col"${i === 5 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>${r.value.items.map(
              (o) => html`<tr data-order="${o.id}"><td data-label="${cols[0]}">${orderLink(names, o)}</td><td data-label="${cols[1]}">${stateBadge(l, o.state)}${o.reason ? html`<br><span class="muted">${o.reason}</span>` : ""}</td><td data-label="${cols[2]}">${when(o.paid_at, l)}</td><td data-label="${cols[3]}">${customerLink(o.customer_id ? names.customers.get(o.customer_id) : undefined, o.customer_id)}</td><td data-label="${cols[4]}">${String(o.license_id)}</td><td class="num" data-label="${cols[5]}">${priceOf(o, l)}</td><td data-label="${cols[6]}">${actionForms(req, o, false, "/admin/manual")}</td></tr>`,
            )}</tbody></table></div>`
          : html`<p class="muted">${t(l, "console.manual.empty")}</p>`}${nextLink("/admin/manual", {}, r.value.next, l)}</section>`
      : r.message}`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.manual"), section: "manual", body, status: r.ok ? status : r.status });
  }

  app.get<Query>("/admin/manual", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const done = param(req.query, "done");
    const order = param(req.query, "order");
    const message = (ORDER_ACTIONS as readonly string[]).includes(done) ? notice("ok", `${/^ord_[0-9a-z]{1,40}$/.test(order) ? `${order}: ` : ""}${t(l, `console.order.done.${done as OrderAction}`)}`) : undefined;
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
