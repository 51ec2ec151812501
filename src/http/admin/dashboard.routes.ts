// /admin: the dashboard — revenue and margin from the ledger and orders by state over the last 30
// days as inline SVG charts, and what needs staff now (paid but not active, awaiting upstream
// funds, negative margins, reconciliation drift, dead jobs, other open alerts).
import type { FastifyInstance } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import type { AlertRow, OrderRow } from "../../db/schema.ts";
import { t } from "../../i18n/t.ts";
import { formatNumber } from "../../i18n/format.ts";
import type { Locale } from "../../i18n/locales.ts";
import { DASHBOARD_DAYS, PAID_NOT_ACTIVE_MINUTES } from "../../modules/console/console.logic.ts";
import { alertInfo } from "../../modules/alerts/alerts.catalog.ts";
import { sendAdminPage } from "./layout.ts";
import { lines, stackedColumns } from "./charts.ts";
import { STAFF_PAGE, badge, loc, money, stateBadge, when, word } from "./common.ts";
import { namesOf, orderLink, type Names } from "./orders.routes.ts";

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

function orderRows(l: Locale, names: Names, orders: OrderRow[], what: (o: OrderRow) => string): SafeHtml {
  const cols = [t(l, "console.col.order"), t(l, "console.col.state"), t(l, "console.col.license"), t(l, "console.dashboard.how_long")];
  return html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${orders.map(
    (o) => html`<tr><td data-label="${cols[0]}">${orderLink(names, o)}</td><td data-label="${cols[1]}">${stateBadge(l, o.state)}</td><td data-label="${cols[2]}">${String(o.license_id)}</td><td data-label="${cols[3]}">${what(o)}</td></tr>`,
  )}</tbody></table></div>`;
}

/** How long ago, in words: "12 min", "3 h 5 min", "2 d 4 h" (ICU units in the page's language). */
function age(l: Locale, fromIso: string, nowMs: number): string {
  const min = Math.max(0, Math.floor((nowMs - Date.parse(fromIso)) / 60_000));
  if (min < 60) return t(l, "console.age.minutes", { m: min });
  if (min < 24 * 60) return t(l, "console.age.hours", { h: Math.floor(min / 60), m: min % 60 });
  return t(l, "console.age.days", { d: Math.floor(min / 1440), h: Math.floor((min % 1440) / 60) });
}

function alertRows(l: Locale, alerts: AlertRow[], nowMs: number): SafeHtml {
  const cols = [t(l, "console.dashboard.alert"), t(l, "console.audit.subject"), t(l, "console.dashboard.message"), t(l, "console.dashboard.since"), t(l, "console.dashboard.open_for")];
  return html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${alerts.map((a) => {
    const info = alertInfo(a.kind, l);
    return html`<tr><td data-label="${cols[0]}"><b>${info.title}</b><br><span class="muted">${info.action}</span></td><td data-label="${cols[1]}">${a.subject && a.subject.startsWith("ord_") ? html`<a href="/admin/orders/${a.subject}">${a.subject}</a>` : (a.subject ?? "—")}</td><td data-label="${cols[2]}"${l === "en" ? "" : html` lang="en"`}>${a.message}</td><td data-label="${cols[3]}">${when(a.created_at, l)}</td><td data-label="${cols[4]}" data-alert-age="${a.id}">${age(l, a.created_at, nowMs)}</td></tr>`;
  })}</tbody></table></div>`;
}

function section(l: Locale, title: string, count: number, body: SafeHtml, none: string): SafeHtml {
  return html`<h3>${title} ${count > 0 ? badge(formatNumber(count, l), "warn") : ""}</h3>${count > 0 ? body : html`<p class="muted">${none}</p>`}`;
}

export function registerDashboardRoutes(app: FastifyInstance, c: Container): void {
  app.get("/admin", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const d = await c.adminConsole.dashboard();
    const f = await c.funds.view();
    const now = c.clock.now().getTime();
    const minutesSince = (iso: string | null) => (iso ? Math.floor((now - Date.parse(iso)) / 60_000) : 0);
    const a = d.alerts;
    const names = await namesOf(c, [...a.paidNotActive, ...a.awaitingFunds]);
    const days = DASHBOARD_DAYS;
    const kpis = d.money.map(
      (m) => html`<section class="card kpi"><h2>${t(l, "console.dashboard.kpi_heading", { days, currency: m.currency })}</h2><dl class="facts">
<dt>${t(l, "console.dashboard.revenue")}</dt><dd><b data-kpi="revenue-${m.currency}">${money(m.totals.revenue, l)}</b></dd><dt>${t(l, "console.dashboard.cost")}</dt><dd><b>${money(m.totals.cost, l)}</b></dd><dt>${t(l, "console.dashboard.margin")}</dt><dd><b data-kpi="margin-${m.currency}">${money(m.totals.margin, l)}</b></dd></dl></section>`,
    );
    const moneyCharts = d.money.map((m) => {
      const whole = (minor: number) => money({ minor: Math.round(minor), currency: m.currency }, l);
      return lines({
        title: t(l, "console.dashboard.money_chart", { currency: m.currency }),
        days: d.days,
        locale: l,
        series: [
          { name: t(l, "console.dashboard.revenue"), values: m.revenue, color: "#2457c5" },
          { name: t(l, "console.dashboard.margin"), values: m.margin, color: "#2e7d4f" },
        ],
        label: whole,
        total: whole,
      });
    });
    const ordersChart = stackedColumns({
      title: t(l, "console.dashboard.orders_chart"),
      days: d.days,
      locale: l,
      count: (n) => t(l, "console.dashboard.orders_count", { n }),
      empty: t(l, "console.orders.none_yet"),
      series: d.orders.map((s) => ({ name: word(l, "console.state.", s.state), values: s.counts, color: STATE_COLORS[s.state] ?? "#6b7685" })),
    });
    const body = html`<h1>${t(l, "console.nav.dashboard")}</h1>
<div class="grid">${kpis.length > 0 ? kpis : html`<section class="card"><p class="muted">${t(l, "console.dashboard.no_money", { days })}</p></section>`}</div>
<section class="card"><h2>${t(l, "console.dashboard.money_heading", { days })}</h2>${moneyCharts.length > 0 ? moneyCharts : html`<p class="muted">${t(l, "console.dashboard.nothing_earned")}</p>`}
<p class="muted">${t(l, "console.dashboard.money_explain")}</p></section>
<section class="card"><h2>${t(l, "console.dashboard.orders_heading", { days })}</h2>${d.orders.length > 0 ? ordersChart : html`<p class="muted">${t(l, "console.orders.none_yet")}</p>`}</section>
<section class="card" id="upstream-balance"><h2>${t(l, "console.dashboard.upstream_balance")} ${f.low ? badge(t(l, "console.dashboard.low"), "bad") : ""}</h2>${f.balance
      ? html`<p><b data-kpi="upstream-balance">${money(f.balance, l)}</b> <span class="muted">${t(l, "console.dashboard.read_at", { at: when(f.readAt, l) })}${f.threshold ? html` · ${t(l, "console.dashboard.alert_below", { amount: money(f.threshold, l) })}` : ""}</span></p>`
      : html`<p class="muted">${t(l, "console.dashboard.not_read")}</p>`}${f.error ? html`<p class="muted">${t(l, "console.dashboard.check_failed")} <span lang="en">${f.error}</span></p>` : ""}</section>
<section class="card" id="alerts"><h2>${t(l, "console.dashboard.attention")}</h2>
${section(l, t(l, "console.dashboard.paid_not_active", { minutes: PAID_NOT_ACTIVE_MINUTES }), a.paidNotActive.length, orderRows(l, names, a.paidNotActive, (o) => t(l, "console.dashboard.paid_ago", { m: minutesSince(o.paid_at) })), t(l, "console.dashboard.none"))}
${section(l, t(l, "console.dashboard.awaiting_funds"), a.awaitingFunds.length, html`<p>${t(l, "console.dashboard.awaiting_funds_explain")}</p>${orderRows(l, names, a.awaitingFunds, (o) => t(l, "console.dashboard.since_at", { at: when(o.updated_at, l) }))}`, t(l, "console.dashboard.none"))}
${section(l, t(l, "console.dashboard.negative_margin"), a.negativeMargin.length, alertRows(l, a.negativeMargin, now), t(l, "console.dashboard.no_negative_margin"))}
${section(l, t(l, "console.dashboard.drift"), a.drift.length, alertRows(l, a.drift, now), t(l, "console.dashboard.no_drift"))}
${section(l, t(l, "console.dashboard.dead_jobs"), a.deadJobs.count, html`<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${t(l, "console.jobs.job")}</th><th scope="col">${t(l, "console.col.kind")}</th><th scope="col">${t(l, "console.jobs.error")}</th></tr></thead><tbody>${a.deadJobs.latest.map((j) => html`<tr><td data-label="${t(l, "console.jobs.job")}">${j.id}</td><td data-label="${t(l, "console.col.kind")}"><code>${j.kind}</code></td><td data-label="${t(l, "console.jobs.error")}">${(j.last_error ?? "").slice(0, 200)}</td></tr>`)}</tbody></table></div><p><a href="/admin/jobs">${t(l, "console.dashboard.to_jobs")}</a></p>`, t(l, "console.dashboard.none"))}
${section(l, t(l, "console.dashboard.other_alerts"), a.other.length, alertRows(l, a.other, now), t(l, "console.dashboard.none"))}</section>`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.dashboard"), section: "dashboard", body });
  });
}
