// /admin: the dashboard — revenue and margin from the ledger and orders by state over the last 30
// days as inline SVG charts, and what needs staff now (paid but not active, awaiting upstream
// funds, negative margins, reconciliation drift, dead jobs, other open alerts).
import type { FastifyInstance } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { toDecimal, type Money } from "../../lib/money.ts";
import type { AlertRow, OrderRow } from "../../db/schema.ts";
import { DASHBOARD_DAYS, PAID_NOT_ACTIVE_MINUTES } from "../../modules/console/console.logic.ts";
import { alertInfo } from "../../modules/alerts/alerts.catalog.ts";
import { sendAdminPage } from "./layout.ts";
import { lines, stackedColumns } from "./charts.ts";
import { ADMIN_STYLE, STAFF_PAGE, badge, money, when } from "./common.ts";

const STATE_COLORS: Record<string, string> = {
  pending_payment: "#c5cdd8",
  paid: "#7fa6ff",
  placing: "#5b8def",
  active: "#2e9e5b",
  needs_attention: "#e0a030",
  awaiting_funds: "#d9822b",
  manual_queue: "#8e6fd8",
  rejected: "#b3261e",
  refunded: "#e07b73",
  cancelled: "#8a94a3",
};

function orderRows(orders: OrderRow[], what: (o: OrderRow) => string): SafeHtml {
  return html`<table class="list"><tr><th>Order</th><th>State</th><th>License</th><th>Module</th><th></th></tr>${orders.map(
    (o) => html`<tr><td><a href="/admin/orders/${o.id}">${o.id}</a></td><td>${badge(o.state)}</td><td>${String(o.license_id)}</td><td>${o.module_id}</td><td>${what(o)}</td></tr>`,
  )}</table>`;
}

/** How long ago, in words: "12 min", "3 h 5 min", "2 d 4 h". */
function age(fromIso: string, nowMs: number): string {
  const min = Math.max(0, Math.floor((nowMs - Date.parse(fromIso)) / 60_000));
  if (min < 60) return `${min} min`;
  if (min < 24 * 60) return `${Math.floor(min / 60)} h ${min % 60} min`;
  return `${Math.floor(min / 1440)} d ${Math.floor((min % 1440) / 60)} h`;
}

function alertRows(alerts: AlertRow[], nowMs: number): SafeHtml {
  return html`<table class="list"><tr><th>Kind</th><th>Subject</th><th>Message</th><th>Since</th><th>Open for</th></tr>${alerts.map(
    (a) => html`<tr><td title="${alertInfo(a.kind).action}">${a.kind}</td><td>${a.subject && a.subject.startsWith("ord_") ? html`<a href="/admin/orders/${a.subject}">${a.subject}</a>` : (a.subject ?? "—")}</td><td>${a.message}</td><td>${when(a.created_at)}</td><td data-alert-age="${a.id}">${age(a.created_at, nowMs)}</td></tr>`,
  )}</table>`;
}

function section(title: string, count: number, body: SafeHtml, none: string): SafeHtml {
  return html`<h2>${title} ${count > 0 ? badge(String(count)) : ""}</h2>${count > 0 ? body : html`<p class="muted">${none}</p>`}`;
}

export function registerDashboardRoutes(app: FastifyInstance, c: Container): void {
  app.get("/admin", STAFF_PAGE, async (req, reply) => {
    const d = await c.adminConsole.dashboard();
    const f = await c.funds.view();
    const now = c.clock.now().getTime();
    const minutesSince = (iso: string | null) => (iso ? Math.floor((now - Date.parse(iso)) / 60_000) : 0);
    const a = d.alerts;
    const kpis = d.money.map(
      (m) => html`<div class="card kpi"><p class="muted">Last ${DASHBOARD_DAYS} days, ${m.currency}</p>
<p>Revenue <b data-kpi="revenue-${m.currency}">${money(m.totals.revenue)}</b></p><p>Upstream cost <b>${money(m.totals.cost)}</b></p><p>Margin <b data-kpi="margin-${m.currency}">${money(m.totals.margin)}</b></p></div>`,
    );
    const moneyCharts = d.money.map((m) =>
      lines({
        title: `Revenue and margin per day, ${m.currency}`,
        days: d.days,
        series: [
          { name: "revenue", values: m.revenue, color: "#2457c5" },
          { name: "margin", values: m.margin, color: "#2e9e5b" },
        ],
        label: (minor) => toDecimal({ minor: Math.round(minor), currency: m.currency } as Money),
      }),
    );
    const ordersChart = stackedColumns({
      title: "Orders created per day by their state now",
      days: d.days,
      unit: "orders",
      series: d.orders.map((s) => ({ name: `${s.state} (${s.total})`, values: s.counts, color: STATE_COLORS[s.state] ?? "#6b7685" })),
    });
    const body = html`${ADMIN_STYLE}<h1>Dashboard</h1>
<div class="grid">${kpis.length > 0 ? kpis : html`<div class="card"><p class="muted">No revenue or upstream cost in the last ${DASHBOARD_DAYS} days.</p></div>`}</div>
<div class="card"><h2>Revenue and margin, last ${DASHBOARD_DAYS} days</h2>${moneyCharts.length > 0 ? moneyCharts : html`<p class="muted">Nothing earned yet.</p>`}
<p class="muted">From the ledger: revenue is earned when a module becomes active (net of tax; refunds subtract), margin is revenue minus what upstream charged.</p></div>
<div class="card"><h2>Orders, last ${DASHBOARD_DAYS} days</h2>${d.orders.length > 0 ? ordersChart : html`<p class="muted">No orders.</p>`}</div>
<div class="card" id="upstream-balance"><h2>Client-area balance ${f.low ? badge("low") : ""}</h2>${f.balance
      ? html`<p><b data-kpi="upstream-balance">${money(f.balance)}</b> <span class="muted">read ${when(f.readAt)}${f.threshold ? html`; alert below ${money(f.threshold)}` : ""}</span></p>`
      : html`<p class="muted">Not read yet (automatic mode reads it every few minutes).</p>`}${f.error ? html`<p class="muted">Last check failed: ${f.error}</p>` : ""}</div>
<div class="card" id="alerts"><h1>Needs attention</h1>
${section(`Paid but not active for over ${PAID_NOT_ACTIVE_MINUTES} minutes`, a.paidNotActive.length, orderRows(a.paidNotActive, (o) => `paid ${minutesSince(o.paid_at)} min ago`), "None.")}
${section("Awaiting upstream funds", a.awaitingFunds.length, html`<p>Top up the partner account in the client area; the orders continue by themselves within about a minute of the top-up (or use Resume now on the order).</p>${orderRows(a.awaitingFunds, (o) => `since ${when(o.updated_at)}`)}`, "None.")}
${section("Negative margin", a.negativeMargin.length, alertRows(a.negativeMargin, now), "No module sells below its cost.")}
${section("Reconciliation drift", a.drift.length, alertRows(a.drift, now), "No drift in the latest reconciliation.")}
${section("Dead jobs", a.deadJobs.count, html`<table class="list"><tr><th>Job</th><th>Kind</th><th>Error</th></tr>${a.deadJobs.latest.map((j) => html`<tr><td>${j.id}</td><td>${j.kind}</td><td>${(j.last_error ?? "").slice(0, 200)}</td></tr>`)}</table><p><a href="/admin/jobs">Jobs →</a></p>`, "None.")}
${section("Other open alerts", a.other.length, alertRows(a.other, now), "None.")}</div>`;
    return sendAdminPage(req, reply, { title: "Dashboard", section: "dashboard", body });
  });
}
