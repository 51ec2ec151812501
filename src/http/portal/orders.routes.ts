// /account/orders: the customer's orders, newest first (keyset pages), and one order with its
// timeline — state changes and the notes meant for the customer, never upstream calls.
import type { FastifyInstance } from "fastify";
import type { Container } from "../../app/container.ts";
import { html } from "../../lib/html.ts";
import { format } from "../../lib/money.ts";
import { sendPortalPage } from "./layout.ts";
import { doneNotice, ID_SHAPE, me, notice, ORDER_STATE_TEXT, periodText, PORTAL_PAGE, refusalOf, sendPortalNotFound, when, type IdParams, type Query } from "./common.ts";

function totalOf(o: { total_minor: number | null; price_minor: number; currency: string }): string {
  return format({ minor: Number(o.total_minor ?? o.price_minor), currency: o.currency });
}

export function registerPortalOrderRoutes(app: FastifyInstance, c: Container): void {
  app.get<Query>("/account/orders", PORTAL_PAGE, async (req, reply) => {
    const after = typeof req.query.after === "string" ? req.query.after.slice(0, 200) : undefined;
    let page;
    try {
      page = await c.portal.orders(me(req).id, after);
    } catch (e) {
      const r = refusalOf(e);
      return sendPortalPage(req, reply, {
        title: "Orders",
        section: "orders",
        status: r.status,
        body: html`<div class="card"><h1>Orders</h1>${notice("error", "This page of the list does not exist.")}<p><a href="/account/orders">Back to the newest orders</a></p></div>`,
      });
    }
    const rows = page.items.map(
      (o) =>
        html`<tr><td><a href="/account/orders/${o.id}"><code>${o.id}</code></a></td><td>${when(o.created_at)}</td><td>${o.kind === "renewal" ? "Renewal" : "Purchase"}</td><td>${String(o.license_id)}</td><td>${periodText(o.period_months)}</td><td class="num">${totalOf(o)}</td><td>${ORDER_STATE_TEXT[o.state] ?? o.state}</td></tr>`,
    );
    return sendPortalPage(req, reply, {
      title: "Orders",
      section: "orders",
      body: html`<div class="card"><h1>Orders</h1>
${page.items.length === 0
  ? html`<p>No orders yet.</p>`
  : html`<table><thead><tr><th>Order</th><th>Created (UTC)</th><th>Kind</th><th>License</th><th>Period</th><th class="num">Total</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>`}
${page.next ? html`<p><a href="/account/orders?after=${encodeURIComponent(page.next)}">Older orders</a></p>` : ""}
${after ? html`<p><a href="/account/orders">Newest orders</a></p>` : ""}</div>`,
    });
  });

  app.get<IdParams>("/account/orders/:id", PORTAL_PAGE, async (req, reply) => {
    if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "orders");
    let found;
    try {
      found = await c.portal.order(me(req).id, req.params.id);
    } catch (e) {
      if (refusalOf(e).notFound) return sendPortalNotFound(req, reply, "orders");
      throw e;
    }
    const { order: o, name, timeline } = found;
    return sendPortalPage(req, reply, {
      title: `Order ${o.id}`,
      section: "orders",
      body: html`<div class="card"><h1>${name}</h1>${doneNotice(req, { renewed: "Paid from your balance. The module is being renewed; this page shows how it goes." })}
<table>
<tr><th>Order</th><td><code>${o.id}</code> (${o.kind === "renewal" ? "renewal" : "purchase"})</td></tr>
<tr><th>ispmanager license</th><td>${String(o.license_id)}${o.ip ? html` (${o.ip})` : ""}</td></tr>
<tr><th>Period</th><td>${periodText(o.period_months)}</td></tr>
<tr><th>Total</th><td>${totalOf(o)}</td></tr>
<tr><th>Status</th><td>${ORDER_STATE_TEXT[o.state] ?? o.state}</td></tr>
${o.upstream_expires_on ? html`<tr><th>Runs until</th><td>${o.upstream_expires_on}</td></tr>` : ""}
${o.invoice_id ? html`<tr><th>Invoice</th><td><a href="/account/invoices/${o.invoice_id}">View</a> · <a href="/account/invoices/${o.invoice_id}.pdf">PDF</a></td></tr>` : ""}
</table>
${o.state === "pending_payment" && o.kind === "purchase" ? html`<p><a href="/checkout/${o.id}">Pay for this order</a></p>` : ""}
${o.state === "active" && o.kind === "purchase" ? html`<p>The module is active. In ispmanager open <b>Main menu → License management → Update license information</b> to see it at once, or wait for the daily license refresh.</p>` : ""}
<h2>Timeline</h2>
<table><thead><tr><th>When (UTC)</th><th>What</th></tr></thead><tbody>${timeline.map(
        (e) => html`<tr><td>${when(e.at)}</td><td>${e.state ? ORDER_STATE_TEXT[e.state] ?? e.state : e.note}</td></tr>`,
      )}</tbody></table>
<p><a href="/account/orders">All orders</a></p></div>`,
    });
  });
}
