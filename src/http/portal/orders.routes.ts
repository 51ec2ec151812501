// /account/orders: the customer's orders, newest first (keyset pages), and one order with its
// timeline — state changes and the notes meant for the customer, never upstream calls. A refunded
// active order says that it was refunded and runs until its date, not renewed (ADR 0038).
import type { FastifyInstance } from "fastify";
import type { Container } from "../../app/container.ts";
import type { OrderRow } from "../../db/schema.ts";
import type { Locale } from "../../i18n/locales.ts";
import { t, tHtml } from "../../i18n/t.ts";
import { html } from "../../lib/html.ts";
import type { CustomerNote } from "../../modules/portal/portal.service.ts";
import { sendPortalPage } from "./layout.ts";
import {
  badge,
  day,
  doneNotice,
  fixedMoney,
  ID_SHAPE,
  kindText,
  loc,
  me,
  money,
  notice,
  orderBadge,
  orderStateText,
  periodText,
  PORTAL_PAGE,
  refusalOf,
  sendPortalNotFound,
  when,
  type IdParams,
  type Query,
} from "./common.ts";

function totalOf(o: Pick<OrderRow, "total_minor" | "price_minor" | "currency">, l: Locale): string {
  return money({ minor: Number(o.total_minor ?? o.price_minor), currency: o.currency }, l);
}

/** Money a note recorded ("11.90 EUR") in the reader's form; the text as it is if it is not money. */
function noteMoney(text: string | null, l: Locale): string | null {
  if (text === null) return null;
  const m = fixedMoney(text);
  return m ? money(m, l) : text;
}

function noteText(n: CustomerNote, l: Locale): string {
  switch (n.kind) {
    case "invoice": {
      const total = noteMoney(n.total, l);
      return total ? t(l, "page.account_order.note.invoice_total", { number: n.number, total }) : t(l, "page.account_order.note.invoice", { number: n.number });
    }
    case "reminder": {
      const amount = noteMoney(n.amount, l);
      return amount ? t(l, "page.account_order.note.reminder_amount", { amount }) : t(l, "page.account_order.note.reminder");
    }
    case "refund": {
      const amount = noteMoney(n.amount, l) ?? t(l, "portal.none");
      return n.renewalOff && n.runsUntil ? t(l, "page.account_order.note.refund_off", { amount, date: day(n.runsUntil, l) }) : t(l, "page.account_order.note.refund", { amount });
    }
  }
}

export function registerPortalOrderRoutes(app: FastifyInstance, c: Container): void {
  app.get<Query>("/account/orders", PORTAL_PAGE, async (req, reply) => {
    const l = loc(req);
    const after = typeof req.query.after === "string" ? req.query.after.slice(0, 200) : undefined;
    let page;
    try {
      page = await c.portal.orders(me(req).id, after);
    } catch (e) {
      const r = refusalOf(e);
      return sendPortalPage(req, reply, {
        title: t(l, "page.account_orders.title"),
        section: "orders",
        status: r.status,
        body: html`<section class="card"><h1>${t(l, "page.account_orders.title")}</h1>${notice("error", t(l, "page.account_orders.bad_page"))}<p><a href="/account/orders">${t(l, "page.account_orders.newest")}</a></p></section>`,
      });
    }
    const col = {
      module: t(l, "page.account_orders.col.module"),
      created: t(l, "page.account_orders.col.created"),
      kind: t(l, "page.account_orders.col.kind"),
      license: t(l, "page.account_orders.col.license"),
      period: t(l, "page.account_orders.col.period"),
      total: t(l, "page.account_orders.col.total"),
      status: t(l, "page.account_orders.col.status"),
    };
    const rows = page.items.map(
      (o) =>
        html`<tr><td data-label="${col.module}"><a href="/account/orders/${o.id}">${o.name}</a> <span class="muted"><code>${o.id}</code></span></td><td data-label="${col.created}">${when(o.created_at, l)}</td><td data-label="${col.kind}">${kindText(o.kind, l)}</td><td data-label="${col.license}">${String(o.license_id)}</td><td data-label="${col.period}">${periodText(o.period_months, l)}</td><td class="num" data-label="${col.total}">${totalOf(o, l)}</td><td data-label="${col.status}">${badge(orderBadge(o), orderStateText(o, l))}</td></tr>`,
    );
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_orders.title"),
      section: "orders",
      body: html`<section class="card"><h1>${t(l, "page.account_orders.title")}</h1>
${page.items.length === 0
  ? html`<p>${t(l, "page.account_orders.empty")}</p>`
  : html`<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${col.module}</th><th scope="col">${col.created}</th><th scope="col">${col.kind}</th><th scope="col">${col.license}</th><th scope="col">${col.period}</th><th scope="col" class="num">${col.total}</th><th scope="col">${col.status}</th></tr></thead><tbody>${rows}</tbody></table></div>`}
${page.next ? html`<p><a href="/account/orders?after=${encodeURIComponent(page.next)}">${t(l, "page.account_orders.older")}</a></p>` : ""}
${after ? html`<p><a href="/account/orders">${t(l, "page.account_orders.newest")}</a></p>` : ""}</section>`,
    });
  });

  app.get<IdParams>("/account/orders/:id", PORTAL_PAGE, async (req, reply) => {
    const l = loc(req);
    if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "orders");
    let found;
    try {
      found = await c.portal.order(me(req).id, req.params.id);
    } catch (e) {
      if (refusalOf(e).notFound) return sendPortalNotFound(req, reply, "orders");
      throw e;
    }
    const { order: o, name, timeline } = found;
    const refunded = o.state === "active" && o.refunded_at !== null;
    const col = { when: t(l, "page.account_order.col.when"), what: t(l, "page.account_order.col.what") };
    const path = html`<b>${t(l, "page.checkout_status.path_full")}</b>`;
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_order.title", { module: name }),
      section: "orders",
      body: html`<section class="card"><h1>${name}</h1>${doneNotice(req, { renewed: t(l, "page.account_order.renewed") })}
${refunded
  ? notice("ok", o.upstream_expires_on
    ? t(l, "page.account_order.refunded_text", { date: day(o.refunded_at, l), until: day(o.upstream_expires_on, l) })
    : t(l, "page.account_order.refunded_text_undated", { date: day(o.refunded_at, l) }))
  : ""}
<dl class="facts">
<dt>${t(l, "page.account_order.order")}</dt><dd><code>${o.id}</code></dd>
<dt>${t(l, "page.account_order.kind")}</dt><dd>${kindText(o.kind, l)}</dd>
<dt>${t(l, "page.account_order.license")}</dt><dd>${o.ip ? t(l, "portal.license_with_ip", { license: String(o.license_id), ip: o.ip }) : String(o.license_id)}</dd>
<dt>${t(l, "page.account_order.period")}</dt><dd>${periodText(o.period_months, l)}</dd>
<dt>${t(l, "page.account_order.total")}</dt><dd class="num">${totalOf(o, l)}</dd>
<dt>${t(l, "page.account_order.status")}</dt><dd>${badge(orderBadge(o), orderStateText(o, l))}</dd>
${o.upstream_expires_on ? html`<dt>${t(l, "page.account_order.runs_until")}</dt><dd>${day(o.upstream_expires_on, l)}</dd>` : ""}
${refunded ? html`<dt>${t(l, "page.account_order.refunded")}</dt><dd>${day(o.refunded_at, l)}</dd>` : ""}
${o.invoice_id ? html`<dt>${t(l, "page.account_order.invoice")}</dt><dd><a href="/account/invoices/${o.invoice_id}">${t(l, "page.account_order.invoice_view")}</a> · <a href="/account/invoices/${o.invoice_id}.pdf">${t(l, "page.account_order.invoice_pdf", { format: "PDF" })}</a></dd>` : ""}
</dl>
${o.state === "pending_payment" && o.kind === "purchase" ? html`<p><a class="button" href="/checkout/${o.id}">${t(l, "page.account_order.pay")}</a></p>` : ""}
${o.state === "active" && o.kind === "purchase" && !refunded ? html`<p>${tHtml(l, "page.account_order.active_hint", { path })}</p>` : ""}
<h2>${t(l, "page.account_order.timeline")}</h2>
<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${col.when}</th><th scope="col">${col.what}</th></tr></thead><tbody>${timeline.map(
        (e) => html`<tr><td data-label="${col.when}">${when(e.at, l)}</td><td data-label="${col.what}">${e.state ? orderStateText({ state: e.state, refunded_at: null, upstream_expires_on: null }, l) : e.note ? noteText(e.note, l) : ""}</td></tr>`,
      )}</tbody></table></div>
<p><a href="/account/orders">${t(l, "page.account_order.all")}</a></p></section>`,
    });
  });
}
