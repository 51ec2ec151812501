// /admin/catalog: modules with their prices per period, cost and margin (below cost highlighted),
// price history, set/clear a price, switch a module on or off, and "Sync now" (queued). The
// catalog service bumps the catalog counter, so pricelist.export shows a change at once.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { PERIODS } from "../../modules/catalog/catalog.logic.ts";
import { notice, redirect, field } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { attempt, money, STAFF_PAGE, staffAct, when, type Form, type Params, type Query } from "./common.ts";
import { sendAdminPage } from "./layout.ts";

const PERIOD_LABEL = { 1: "month", 12: "year" } as const;

export function registerAdminCatalogRoutes(app: FastifyInstance, c: Container): void {
  async function listPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number } = {}) {
    const rows = await c.margins.list();
    const body = html`<div class="card"><h1>Catalog &amp; prices</h1>${o.message ?? ""}
<form method="post" action="/admin/catalog/sync">${csrfField(req)}<p><button type="submit">Sync now</button> <span class="muted">reads costs from the client area and recomputes rule-priced modules (a background job)</span></p></form>
<table><thead><tr><th>Module</th><th>Tariff</th><th>On</th><th class="num">Price / month</th><th class="num">Cost</th><th class="num">Margin</th><th class="num">Price / year</th><th class="num">Cost</th><th class="num">Margin</th></tr></thead><tbody>
${rows.map(
  (r) => html`<tr${r.negative ? html` class="error" title="Sells below cost"` : ""} data-module="${r.entry.module.tariff_id}"><td><a href="/admin/catalog/${r.entry.module.tariff_id}">${r.entry.module.name}</a></td><td>${r.entry.module.tariff_id}</td><td>${r.entry.module.enabled === 1 ? "yes" : "no"}</td>${PERIODS.map(
    (p) => html`<td class="num">${money(r.periods[p].price)}</td><td class="num">${money(r.periods[p].cost)}</td><td class="num">${r.periods[p].margin && r.periods[p].margin!.minor < 0 ? html`<b class="negative">${money(r.periods[p].margin)}</b>` : money(r.periods[p].margin)}</td>`,
  )}</tr>`,
)}</tbody></table></div>`;
    return sendAdminPage(req, reply, { title: "Catalog & prices", section: "catalog", body, status: o.status ?? 200 });
  }

  async function modulePage(req: FastifyRequest, reply: FastifyReply, ref: string, o: { message?: SafeHtml; status?: number } = {}) {
    const r = await attempt(async () => ({ entry: await c.catalog.getModule(ref), history: await c.catalog.history(ref) }));
    if (!r.ok) return sendAdminPage(req, reply, { title: "Module", section: "catalog", status: r.status, body: html`<div class="card">${r.message}<p><a href="/admin/catalog">Back to the catalog</a></p></div>` });
    const { entry, history } = r.value;
    const m = entry.module;
    const margins = (await c.margins.list()).find((x) => x.entry.module.id === m.id);
    const base = `/admin/catalog/${m.tariff_id}`;
    const body = html`<div class="card"><p><a href="/admin/catalog">← Catalog</a></p><h1>${m.name}</h1>${o.message ?? ""}
<p>Tariff ${m.tariff_id} · ${m.region.toUpperCase()} · ${m.enabled === 1 ? "on sale" : "switched off"} · pricing: ${m.pricing_mode === "rules" ? "computed from cost by the markup rule" : "set by hand"}</p>
<form method="post" action="${base}/${m.enabled === 1 ? "disable" : "enable"}">${csrfField(req)}<p><button type="submit">${m.enabled === 1 ? "Switch off" : "Switch on"}</button></p></form>
<table><thead><tr><th>Period</th><th class="num">Price</th><th class="num">Cost</th><th class="num">Margin</th><th></th></tr></thead><tbody>
${PERIODS.map((p) => {
  const pm = margins?.periods[p];
  return html`<tr${pm?.margin && pm.margin.minor < 0 ? html` class="error"` : ""}><td>${PERIOD_LABEL[p]}</td><td class="num">${money(entry.prices[p])}</td><td class="num">${money(pm?.cost)}</td><td class="num">${money(pm?.margin)}</td><td>${
    entry.prices[p] ? html`<form method="post" action="${base}/clear">${csrfField(req)}<input type="hidden" name="period" value="${String(p)}"><button class="link" type="submit">Clear</button></form>` : ""
  }</td></tr>`;
})}</tbody></table>
<h2>Set a price</h2>
<form method="post" action="${base}/price">${csrfField(req)}
<label for="period">Period</label><select id="period" name="period">${PERIODS.map((p) => html`<option value="${String(p)}">${PERIOD_LABEL[p]}</option>`)}</select>
<label for="amount">Amount</label><input id="amount" name="amount" type="text" inputmode="decimal" required maxlength="20">
<label for="currency">Currency</label><input id="currency" name="currency" type="text" maxlength="3" required value="${entry.prices[1]?.currency ?? entry.prices[12]?.currency ?? (m.region === "ru" ? "RUB" : "EUR")}">
${m.pricing_mode === "rules" ? html`<label class="plain"><input type="checkbox" name="hand" value="on" checked> Price this module by hand from now on (otherwise the next price sync recomputes it from cost by the markup rule)</label>` : ""}
<p><button type="submit">Set price</button></p></form>
<h2>Price history</h2>
<table><thead><tr><th>When</th><th>Period</th><th class="num">Was</th><th class="num">Now</th><th>By</th></tr></thead><tbody>
${history.map(
  (h) => html`<tr><td>${when(h.created_at)}</td><td>${h.period_months === 12 ? "year" : "month"}</td><td class="num">${h.old_amount_minor === null ? "—" : money({ minor: Number(h.old_amount_minor), currency: h.old_currency ?? "" })}</td><td class="num">${h.new_amount_minor === null ? "cleared" : money({ minor: Number(h.new_amount_minor), currency: h.new_currency ?? "" })}</td><td>${h.source}${h.actor ? html` (${h.actor})` : ""}</td></tr>`,
)}</tbody></table></div>`;
    return sendAdminPage(req, reply, { title: m.name, section: "catalog", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/catalog", STAFF_PAGE, async (req, reply) => {
    const ok = req.query.synced !== undefined ? notice("ok", "Price sync queued; costs and prices update in a moment.") : undefined;
    return listPage(req, reply, ok ? { message: ok } : {});
  });

  app.get<Params<"ref"> & Query>("/admin/catalog/:ref", STAFF_PAGE, async (req, reply) => {
    const ok = typeof req.query.ok === "string" ? { price: "Price saved.", clear: "Price cleared.", enable: "Module switched on.", disable: "Module switched off." }[req.query.ok] : undefined;
    return modulePage(req, reply, req.params.ref, ok ? { message: notice("ok", ok) } : {});
  });

  app.post("/admin/catalog/sync", STAFF_PAGE, async (req, reply) => {
    await c.priceSyncRequests.request(staffAct(req).ctx);
    return redirect(reply, "/admin/catalog?synced=1");
  });

  app.post<Params<"ref"> & Form>("/admin/catalog/:ref/price", STAFF_PAGE, async (req, reply) => {
    const act = staffAct(req);
    const r = await attempt(async () => {
      const input = { period: field(req.body, "period"), amount: field(req.body, "amount"), currency: field(req.body, "currency") };
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
    });
    if (!r.ok) return modulePage(req, reply, req.params.ref, { message: r.message, status: r.status });
    return redirect(reply, `/admin/catalog/${r.value.module.tariff_id}?ok=price`);
  });

  app.post<Params<"ref"> & Form>("/admin/catalog/:ref/clear", STAFF_PAGE, async (req, reply) => {
    const act = staffAct(req);
    const r = await attempt(async () => {
      const m = await c.catalog.getModule(req.params.ref);
      const period = field(req.body, "period");
      const before = m.prices[period === "12" ? 12 : 1] ?? null;
      const cleared = await c.catalog.clearPrice(req.params.ref, period, { source: "admin", name: act.actor });
      await c.audit.record(c.db, { ...act.ctx, action: "price.clear", subject: { type: "module", id: m.module.id }, before: { period, price: before }, after: { period, price: null, cleared } });
      return m.module;
    });
    if (!r.ok) return modulePage(req, reply, req.params.ref, { message: r.message, status: r.status });
    return redirect(reply, `/admin/catalog/${r.value.tariff_id}?ok=clear`);
  });

  for (const verb of ["enable", "disable"] as const) {
    app.post<Params<"ref">>(`/admin/catalog/:ref/${verb}`, STAFF_PAGE, async (req, reply) => {
      const act = staffAct(req);
      const r = await attempt(async () => {
        const before = (await c.catalog.getModule(req.params.ref)).module;
        const after = await c.catalog.setEnabled(req.params.ref, verb === "enable");
        await c.audit.record(c.db, { ...act.ctx, action: `module.${verb}`, subject: { type: "module", id: after.id }, before: { enabled: before.enabled === 1 }, after: { enabled: after.enabled === 1 } });
        return after;
      });
      if (!r.ok) return modulePage(req, reply, req.params.ref, { message: r.message, status: r.status });
      return redirect(reply, `/admin/catalog/${r.value.tariff_id}?ok=${verb}`);
    });
  }
}
