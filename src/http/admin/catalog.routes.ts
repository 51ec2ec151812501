// /admin/catalog: modules with their prices per period, cost and margin (below cost highlighted),
// price history, set/clear a price, switch a module on or off, and "Sync now" (queued). The
// catalog service bumps the catalog counter, so pricelist.export shows a change at once.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { t } from "../../i18n/t.ts";
import { normalizeAmount } from "../../i18n/money-input.ts";
import type { Locale } from "../../i18n/locales.ts";
import { PERIODS } from "../../modules/catalog/catalog.logic.ts";
import { notice, redirect, field } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { attempt, badge, confirmed, confirmPage, loc, money, STAFF_PAGE, staffAct, when, word, type Form, type Params, type Query } from "./common.ts";
import { sendAdminPage } from "./layout.ts";

function periodLabel(l: Locale, p: number): string {
  return t(l, p === 12 ? "console.catalog.per_year" : "console.catalog.per_month");
}

export function registerAdminCatalogRoutes(app: FastifyInstance, c: Container): void {
  async function listPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number } = {}) {
    const l = loc(req);
    const rows = await c.margins.list();
    const cols = [t(l, "console.col.module"), t(l, "console.catalog.on_sale"), ...PERIODS.flatMap((p) => [t(l, "console.catalog.price_per", { period: periodLabel(l, p) }), t(l, "console.catalog.cost_per", { period: periodLabel(l, p) }), t(l, "console.catalog.margin_per", { period: periodLabel(l, p) })])];
    const body = html`<h1>${t(l, "console.nav.catalog")}</h1>${o.message ?? ""}
<section class="card"><form method="post" action="/admin/catalog/sync">${csrfField(req)}<p><button type="submit">${t(l, "console.catalog.sync")}</button> <span class="muted">${t(l, "console.catalog.sync_hint")}</span></p></form>
<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x, i) => html`<th scope="col"${i >= 2 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>
${rows.map(
  (r) => html`<tr${r.negative ? html` class="error"` : ""} data-module="${r.entry.module.tariff_id}"><td data-label="${cols[0]}"><a href="/admin/catalog/${r.entry.module.tariff_id}">${r.entry.module.name}</a><br><span class="muted">${t(l, "console.order.tariff", { tariff: String(r.entry.module.tariff_id) })}</span>${r.negative ? html`<br>${badge(t(l, "console.catalog.below_cost"), "bad")}` : ""}</td><td data-label="${cols[1]}">${r.entry.module.enabled === 1 ? badge(t(l, "console.catalog.yes"), "ok") : badge(t(l, "console.catalog.no"), "bad")}</td>${PERIODS.map(
    (p, i) => html`<td class="num" data-label="${cols[2 + i * 3]}">${money(r.periods[p].price, l)}</td><td class="num" data-label="${cols[3 + i * 3]}">${money(r.periods[p].cost, l)}</td><td class="num" data-label="${cols[4 + i * 3]}">${r.periods[p].margin && r.periods[p].margin!.minor < 0 ? html`<b class="negative">${money(r.periods[p].margin, l)}</b>` : money(r.periods[p].margin, l)}</td>`,
  )}</tr>`,
)}</tbody></table></div></section>`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.catalog"), section: "catalog", body, status: o.status ?? 200 });
  }

  async function modulePage(req: FastifyRequest, reply: FastifyReply, ref: string, o: { message?: SafeHtml; status?: number; form?: { period: string; amount: string; currency: string } } = {}) {
    const l = loc(req);
    const r = await attempt(async () => ({ entry: await c.catalog.getModule(ref), history: await c.catalog.history(ref) }), l);
    if (!r.ok) return sendAdminPage(req, reply, { title: t(l, "console.col.module"), section: "catalog", status: r.status, body: html`<h1>${t(l, "console.col.module")}</h1>${r.message}<p><a href="/admin/catalog">${t(l, "console.catalog.back")}</a></p>` });
    const { entry, history } = r.value;
    const m = entry.module;
    const margins = (await c.margins.list()).find((x) => x.entry.module.id === m.id);
    const base = `/admin/catalog/${m.tariff_id}`;
    const pcols = [t(l, "console.catalog.period"), t(l, "console.catalog.price"), t(l, "console.catalog.cost"), t(l, "console.catalog.margin"), t(l, "console.order.actions")];
    const hcols = [t(l, "console.col.at"), t(l, "console.catalog.period"), t(l, "console.catalog.was"), t(l, "console.catalog.now"), t(l, "console.col.by")];
    const currency = o.form?.currency ?? entry.prices[1]?.currency ?? entry.prices[12]?.currency ?? (m.region === "ru" ? "RUB" : "EUR");
    const body = html`<p><a href="/admin/catalog">${t(l, "console.catalog.back")}</a></p><h1>${m.name}</h1>${o.message ?? ""}
<section class="card"><dl class="facts"><dt>${t(l, "console.catalog.tariff")}</dt><dd>${String(m.tariff_id)} · ${m.region.toUpperCase()}</dd>
<dt>${t(l, "console.catalog.on_sale")}</dt><dd>${m.enabled === 1 ? badge(t(l, "console.catalog.on"), "ok") : badge(t(l, "console.catalog.off"), "bad")}</dd>
<dt>${t(l, "console.catalog.pricing")}</dt><dd>${t(l, m.pricing_mode === "rules" ? "console.catalog.pricing_rules" : "console.catalog.pricing_hand")}</dd></dl>
<form method="post" action="${base}/${m.enabled === 1 ? "disable" : "enable"}">${csrfField(req)}<p><button type="submit"${m.enabled === 1 ? html` class="danger"` : ""}>${t(l, m.enabled === 1 ? "console.catalog.switch_off" : "console.catalog.switch_on")}</button></p></form></section>
<section class="card"><h2>${t(l, "console.catalog.prices")}</h2><div class="table-wrap"><table class="data"><thead><tr>${pcols.map((x, i) => html`<th scope="col"${i >= 1 && i <= 3 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>
${PERIODS.map((p) => {
  const pm = margins?.periods[p];
  return html`<tr><td data-label="${pcols[0]}">${periodLabel(l, p)}</td><td class="num" data-label="${pcols[1]}">${money(entry.prices[p], l)}</td><td class="num" data-label="${pcols[2]}">${money(pm?.cost, l)}</td><td class="num" data-label="${pcols[3]}">${pm?.margin && pm.margin.minor < 0 ? html`<b class="negative">${money(pm.margin, l)}</b>` : money(pm?.margin, l)}</td><td data-label="${pcols[4]}">${
    entry.prices[p] ? html`<form method="post" action="${base}/clear">${csrfField(req)}<input type="hidden" name="period" value="${String(p)}"><button class="small danger" type="submit">${t(l, "console.catalog.clear")}</button></form>` : "—"
  }</td></tr>`;
})}</tbody></table></div></section>
<section class="card"><h2>${t(l, "console.catalog.set_price")}</h2>
<form method="post" action="${base}/price">${csrfField(req)}
<div class="field"><label for="period">${t(l, "console.catalog.period")}</label><select id="period" name="period">${PERIODS.map((p) => html`<option value="${String(p)}"${o.form?.period === String(p) ? html` selected` : ""}>${periodLabel(l, p)}</option>`)}</select></div>
<div class="field"><label for="amount">${t(l, "console.col.amount")}</label><input id="amount" name="amount" type="text" inputmode="decimal" required maxlength="40" value="${o.form?.amount ?? ""}" aria-describedby="amount-hint"><p class="hint" id="amount-hint">${t(l, "console.customer.amount_hint")}</p></div>
<div class="field"><label for="currency">${t(l, "console.col.currency")}</label><input id="currency" name="currency" type="text" maxlength="3" required value="${currency}"></div>
${m.pricing_mode === "rules" ? html`<div class="field"><label class="plain"><input type="checkbox" name="hand" value="on" checked> ${t(l, "console.catalog.hand")}</label></div>` : ""}
<p><button type="submit">${t(l, "console.catalog.set_price_button")}</button></p></form></section>
<section class="card"><h2>${t(l, "console.catalog.history")}</h2>${history.length === 0 ? html`<p class="muted">${t(l, "console.catalog.no_history")}</p>` : html`<div class="table-wrap"><table class="data"><thead><tr>${hcols.map((x, i) => html`<th scope="col"${i === 2 || i === 3 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>
${history.map(
  (h) => html`<tr><td data-label="${hcols[0]}">${when(h.created_at, l)}</td><td data-label="${hcols[1]}">${periodLabel(l, h.period_months)}</td><td class="num" data-label="${hcols[2]}">${h.old_amount_minor === null ? "—" : money({ minor: Number(h.old_amount_minor), currency: h.old_currency ?? "" }, l)}</td><td class="num" data-label="${hcols[3]}">${h.new_amount_minor === null ? t(l, "console.catalog.cleared") : money({ minor: Number(h.new_amount_minor), currency: h.new_currency ?? "" }, l)}</td><td data-label="${hcols[4]}">${word(l, "console.price_source.", h.source)}${h.actor ? html` (${h.actor})` : ""}</td></tr>`,
)}</tbody></table></div>`}</section>`;
    return sendAdminPage(req, reply, { title: m.name, section: "catalog", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/catalog", STAFF_PAGE, async (req, reply) => {
    const ok = req.query.synced !== undefined ? notice("ok", t(loc(req), "console.catalog.synced")) : undefined;
    return listPage(req, reply, ok ? { message: ok } : {});
  });

  app.get<Params<"ref"> & Query>("/admin/catalog/:ref", STAFF_PAGE, async (req, reply) => {
    const done = typeof req.query.ok === "string" && ["price", "clear", "enable", "disable"].includes(req.query.ok) ? req.query.ok : undefined;
    return modulePage(req, reply, req.params.ref, done ? { message: notice("ok", t(loc(req), `console.catalog.done.${done as "price" | "clear" | "enable" | "disable"}`)) } : {});
  });

  app.post("/admin/catalog/sync", STAFF_PAGE, async (req, reply) => {
    await c.priceSyncRequests.request(staffAct(req).ctx);
    return redirect(reply, "/admin/catalog?synced=1");
  });

  app.post<Params<"ref"> & Form>("/admin/catalog/:ref/price", STAFF_PAGE, async (req, reply) => {
    const act = staffAct(req);
    const l = loc(req);
    const form = { period: field(req.body, "period"), amount: field(req.body, "amount"), currency: field(req.body, "currency") };
    const r = await attempt(async () => {
      // The amount as people type it (13,50 · 1 234,50), in the page's language.
      const input = { ...form, amount: normalizeAmount(form.amount, l) };
      const set = await c.catalog.setPrice(req.params.ref, input, { source: "admin", name: act.actor });
      // A hand-set price on a rule-priced module would be overwritten by the next sync.
      const toHand = set.module.pricing_mode === "rules" && field(req.body, "hand") === "on";
      if (toHand) await c.pricing.setMode([set.module.id], "manual");
      await c.audit.record(c.db, {
        ...act.ctx,
        action: "price.set",
        subject: { type: "module", id: set.module.id },
        before: { period: set.period, price: set.previous, pricing: set.module.pricing_mode },
        after: { period: set.period, price: set.price, pricing: toHand ? "manual" : set.module.pricing_mode },
      });
      return set;
    }, l);
    if (!r.ok) return modulePage(req, reply, req.params.ref, { message: r.message, status: r.status, form });
    return redirect(reply, `/admin/catalog/${r.value.module.tariff_id}?ok=price`);
  });

  app.post<Params<"ref"> & Form>("/admin/catalog/:ref/clear", STAFF_PAGE, async (req, reply) => {
    const act = staffAct(req);
    const l = loc(req);
    if (!confirmed(req.body)) {
      const found = await attempt(() => c.catalog.getModule(req.params.ref), l);
      if (!found.ok) return modulePage(req, reply, req.params.ref, { message: found.message, status: found.status });
      const period = field(req.body, "period") === "12" ? 12 : 1;
      const price = found.value.prices[period];
      return confirmPage(req, reply, {
        section: "catalog",
        title: t(l, "console.catalog.confirm_clear_title"),
        effect: t(l, "console.catalog.confirm_clear", { module: found.value.module.name, period: periodLabel(l, period), price: money(price, l) }),
        action: `/admin/catalog/${found.value.module.tariff_id}/clear`,
        fields: { period: String(period) },
        button: t(l, "console.catalog.clear"),
        back: `/admin/catalog/${found.value.module.tariff_id}`,
      });
    }
    const r = await attempt(async () => {
      const m = await c.catalog.getModule(req.params.ref);
      const period = field(req.body, "period");
      const before = m.prices[period === "12" ? 12 : 1] ?? null;
      const cleared = await c.catalog.clearPrice(req.params.ref, period, { source: "admin", name: act.actor });
      await c.audit.record(c.db, { ...act.ctx, action: "price.clear", subject: { type: "module", id: m.module.id }, before: { period, price: before }, after: { period, price: null, cleared } });
      return m.module;
    }, l);
    if (!r.ok) return modulePage(req, reply, req.params.ref, { message: r.message, status: r.status });
    return redirect(reply, `/admin/catalog/${r.value.tariff_id}?ok=clear`);
  });

  for (const verb of ["enable", "disable"] as const) {
    app.post<Params<"ref"> & Form>(`/admin/catalog/:ref/${verb}`, STAFF_PAGE, async (req, reply) => {
      const act = staffAct(req);
      const l = loc(req);
      if (verb === "disable" && !confirmed(req.body)) {
        const found = await attempt(() => c.catalog.getModule(req.params.ref), l);
        if (!found.ok) return modulePage(req, reply, req.params.ref, { message: found.message, status: found.status });
        return confirmPage(req, reply, {
          section: "catalog",
          title: t(l, "console.catalog.confirm_off_title"),
          effect: t(l, "console.catalog.confirm_off", { module: found.value.module.name }),
          action: `/admin/catalog/${found.value.module.tariff_id}/disable`,
          button: t(l, "console.catalog.switch_off"),
          back: `/admin/catalog/${found.value.module.tariff_id}`,
        });
      }
      const r = await attempt(async () => {
        const before = (await c.catalog.getModule(req.params.ref)).module;
        const after = await c.catalog.setEnabled(req.params.ref, verb === "enable");
        await c.audit.record(c.db, { ...act.ctx, action: `module.${verb}`, subject: { type: "module", id: after.id }, before: { enabled: before.enabled === 1 }, after: { enabled: after.enabled === 1 } });
        return after;
      }, l);
      if (!r.ok) return modulePage(req, reply, req.params.ref, { message: r.message, status: r.status });
      return redirect(reply, `/admin/catalog/${r.value.tariff_id}?ok=${verb}`);
    });
  }
}
