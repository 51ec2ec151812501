// Customers in the admin console: the list (search by id, e-mail prefix; keyset pages) and a
// customer's page — balances, a balance adjustment with a mandatory reason (confirmed in words
// before it moves money), modules, orders and ledger entries.
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { isAppError } from "../../lib/errors.ts";
import { t, tHtml } from "../../i18n/t.ts";
import { formatDate } from "../../i18n/format.ts";
import { countryName, countryOptions } from "../../i18n/countries.ts";
import { normalizeAmount } from "../../i18n/money-input.ts";
import { parseAdjustment } from "../../modules/console/console.logic.ts";
import { chargeOf } from "../../modules/orders/orders.logic.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { STAFF_PAGE, attempt, confirmed, option, confirmPage, href, limitParam, loc, money, nextLink, param, refusal, staffMember, stateBadge, when, word, type Form, type Params, type Query } from "./common.ts";
import { moduleName, namesOf, orderLink } from "./orders.routes.ts";

type AdjustForm = { direction: string; amount: string; currency: string; reason: string };

export function registerAdminCustomerRoutes(app: FastifyInstance, c: Container): void {
  app.get<Query>("/admin/customers", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const q = param(req.query, "q");
    const country = param(req.query, "country");
    const after = param(req.query, "after");
    const r = await attempt(() => c.adminConsole.customersPage({ ...(q ? { q } : {}), ...(country ? { country } : {}), ...(after ? { cursor: after } : {}), ...limitParam(req.query) }), l);
    const cols = [t(l, "console.col.customer"), t(l, "console.customers.company"), t(l, "console.customers.country"), t(l, "console.customers.since")];
    const body = html`<h1>${t(l, "console.customers.title")}</h1>
<form class="filters card" method="get" action="/admin/customers" role="search" aria-label="${t(l, "console.customers.search_label")}">
<div class="field"><label for="f-q">${t(l, "console.filter.search")}</label><input id="f-q" type="search" name="q" value="${q}" maxlength="254" aria-describedby="f-q-hint"><p class="hint" id="f-q-hint">${t(l, "console.customers.search_hint", { example: "cus_…" })}</p></div>
<div class="field"><label for="f-country">${t(l, "console.customers.country")}</label><select id="f-country" name="country">${option("", t(l, "console.filter.any"), country)}${countryOptions(l, country).map((o) => option(o.code, o.name, country))}</select></div>
<p><button type="submit">${t(l, "console.filter.search_button")}</button> <a class="button secondary" href="/admin/customers">${t(l, "console.filter.clear")}</a></p></form>
${r.ok
      ? html`<section class="card">${r.value.items.length > 0
          ? html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${r.value.items.map(
              (u) => html`<tr data-customer="${u.id}"><td data-label="${cols[0]}"><a href="/admin/customers/${u.id}">${u.name ?? u.email}</a>${u.name ? html`<br><span class="muted">${u.email}</span>` : ""}<br><span class="muted">${u.id}</span></td><td data-label="${cols[1]}">${u.company ?? "—"}</td><td data-label="${cols[2]}">${u.country ? countryName(u.country, l) : "—"}</td><td data-label="${cols[3]}">${when(u.created_at, l)}</td></tr>`,
            )}</tbody></table></div>`
          : html`<p class="muted">${t(l, "console.customers.none")}</p>`}${nextLink("/admin/customers", { q, country, limit: param(req.query, "limit") }, r.value.next, l)}</section>`
      : r.message}`;
    return sendAdminPage(req, reply, { title: t(l, "console.customers.title"), section: "customers", body, status: r.ok ? 200 : r.status });
  });

  async function customerPage(req: FastifyRequest, reply: FastifyReply, id: string, o: { message?: SafeHtml; status?: number; form?: AdjustForm } = {}): Promise<FastifyReply> {
    const l = loc(req);
    const r = await attempt(() => c.adminConsole.customer(id), l);
    if (!r.ok) return sendAdminPage(req, reply, { title: t(l, "console.col.customer"), section: "customers", body: html`<h1>${t(l, "console.col.customer")}</h1>${r.message}`, status: r.status });
    const { customer: u, balances, modules, statements } = r.value;
    const orders = await c.orders.listOrders({ customerId: u.id, limit: 20 });
    const names = await namesOf(c, orders.items);
    const currency = o.form?.currency ?? balances[0]?.currency ?? (c.config.UPSTREAM_REGION === "ru" ? "RUB" : "EUR");
    const direction = o.form?.direction === "debit" ? "debit" : "credit";
    // A fresh key per rendered form: submitting the same form twice moves the money once.
    const key = randomBytes(18).toString("base64url");
    const mcols = [t(l, "console.col.module"), t(l, "console.col.license"), t(l, "console.order.upstream_module"), t(l, "console.col.state"), t(l, "console.order.expires"), t(l, "console.module.renewal_col")];
    const ocols = [t(l, "console.col.order"), t(l, "console.col.created"), t(l, "console.col.state"), t(l, "console.col.license"), t(l, "console.col.total")];
    const lcols = [t(l, "console.col.at"), t(l, "console.col.kind"), t(l, "console.col.memo"), t(l, "console.col.order"), t(l, "console.col.amount"), t(l, "console.col.balance")];
    const body = html`<h1>${u.name ?? u.email}</h1><p class="muted">${u.name ? html`${u.email} · ` : ""}${u.id}</p>${o.message ?? ""}
<section class="card"><h2>${t(l, "console.customer.details")}</h2><dl class="facts">
<dt>${t(l, "console.customer.name")}</dt><dd>${u.name ?? "—"}</dd>
<dt>${t(l, "console.customers.company")}</dt><dd>${u.company ?? "—"}</dd>
<dt>${t(l, "console.customers.country")}</dt><dd>${u.country ? countryName(u.country, l) : "—"}</dd>
<dt>${t(l, "console.customer.vat_id")}</dt><dd>${u.vat_id ?? "—"}</dd>
<dt>${t(l, "console.customers.since")}</dt><dd>${when(u.created_at, l)}</dd>
<dt>${t(l, "console.col.balance")}</dt><dd>${balances.length > 0 ? balances.map((b) => html`<b data-balance="${b.currency}">${money(b, l)}</b> `) : money({ minor: 0, currency }, l)}</dd>
</dl></section>
<section class="card"><h2>${t(l, "console.customer.adjust")}</h2>
<form method="post" action="/admin/customers/${u.id}/adjust">${csrfField(req)}<input type="hidden" name="key" value="${key}">
<div class="field"><label for="adj-direction">${t(l, "console.customer.direction")}</label><select id="adj-direction" name="direction"><option value="credit"${direction === "credit" ? html` selected` : ""}>${t(l, "console.customer.credit")}</option><option value="debit"${direction === "debit" ? html` selected` : ""}>${t(l, "console.customer.debit")}</option></select></div>
<div class="field"><label for="adj-amount">${t(l, "console.col.amount")}</label><input id="adj-amount" type="text" name="amount" required value="${o.form?.amount ?? ""}" inputmode="decimal" maxlength="40" aria-describedby="adj-amount-hint"><p class="hint" id="adj-amount-hint">${t(l, "console.customer.amount_hint")}</p></div>
<div class="field"><label for="adj-currency">${t(l, "console.col.currency")}</label><input id="adj-currency" type="text" name="currency" required value="${currency}" maxlength="3" size="4"></div>
<div class="field"><label for="adj-reason">${t(l, "console.order.reason")}</label><input id="adj-reason" type="text" name="reason" required value="${o.form?.reason ?? ""}" maxlength="500" aria-describedby="adj-reason-hint"><p class="hint" id="adj-reason-hint">${t(l, "console.customer.reason_hint")}</p></div>
<p><button type="submit">${t(l, "console.customer.adjust_button")}</button></p></form></section>
<section class="card"><h2>${t(l, "console.customer.modules")}</h2>${modules.length > 0
      ? html`<div class="table-wrap"><table class="data"><thead><tr>${mcols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${modules.map(
          (m) => html`<tr><td data-label="${mcols[0]}"><a href="/admin/orders/${m.created_order_id}">${moduleName(names, m.module_id)}</a><br><span class="muted">${m.created_order_id}</span></td><td data-label="${mcols[1]}">${String(m.license_id)}</td><td data-label="${mcols[2]}">${String(m.upstream_service_id)}</td><td data-label="${mcols[3]}">${stateBadge(l, m.state)}</td><td data-label="${mcols[4]}">${m.expires_on ? formatDate(m.expires_on, l) : "—"}</td><td data-label="${mcols[5]}">${word(l, "console.renewal.", m.renewal)}</td></tr>`,
        )}</tbody></table></div>`
      : html`<p class="muted">${t(l, "console.customer.no_modules")}</p>`}</section>
<section class="card"><h2>${t(l, "console.orders.title")}</h2>${orders.items.length > 0
      ? html`<div class="table-wrap"><table class="data"><thead><tr>${ocols.map((x, i) => html`<th scope="col"${i === 4 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>${orders.items.map(
          (x) => html`<tr><td data-label="${ocols[0]}">${orderLink(names, x)}</td><td data-label="${ocols[1]}">${when(x.created_at, l)}</td><td data-label="${ocols[2]}">${stateBadge(l, x.state)}</td><td data-label="${ocols[3]}">${String(x.license_id)}</td><td class="num" data-label="${ocols[4]}">${money({ minor: chargeOf(x).total, currency: x.currency }, l)}</td></tr>`,
        )}</tbody></table></div>${orders.next ? html`<p><a href="${href("/admin/orders", { customer: u.id })}">${t(l, "console.customer.all_orders")}</a></p>` : ""}`
      : html`<p class="muted">${t(l, "console.orders.none_yet")}</p>`}</section>
<section class="card"><h2>${t(l, "console.customer.ledger")}</h2>${statements.length > 0
      ? statements.map(
          (s) => html`<h3>${s.currency} <a class="muted" href="${href("/admin/ledger", { account: c.adminConsole.customerAccount(u.id, s.currency) })}">${t(l, "console.customer.in_ledger")}</a></h3><div class="table-wrap"><table class="data"><thead><tr>${lcols.map((x, i) => html`<th scope="col"${i >= 4 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>${s.rows.map(
            (e) => html`<tr><td data-label="${lcols[0]}">${when(e.at, l)}</td><td data-label="${lcols[1]}">${word(l, "console.ledger_kind.", e.kind)}</td><td data-label="${lcols[2]}"><span lang="en">${e.memo}</span></td><td data-label="${lcols[3]}">${e.orderId ? html`<a href="/admin/orders/${e.orderId}">${e.orderId}</a>` : "—"}</td><td class="num" data-label="${lcols[4]}">${money(e.amount, l)}</td><td class="num" data-label="${lcols[5]}">${money(e.balance, l)}</td></tr>`,
          )}</tbody></table></div>`,
        )
      : html`<p class="muted">${t(l, "console.customer.no_money")}</p>`}</section>
<p><a href="${href("/admin/audit", { subjectType: "customer", subjectId: u.id })}">${t(l, "console.customer.audit_link")}</a> · <a href="${href("/admin/invoices", { customer: u.id })}">${t(l, "console.customer.invoices_link")}</a> · <a href="${href("/admin/transfers", { customer: u.id })}">${t(l, "console.customer.transfers_link")}</a></p>`;
    return sendAdminPage(req, reply, { title: u.name ?? u.email, section: "customers", body, status: o.status ?? 200 });
  }

  app.get<Params<"id"> & Query>("/admin/customers/:id", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const done = param(req.query, "adjusted");
    const key = done === "1" ? "console.customer.adjusted" : done === "0" ? "console.customer.adjusted_once" : done === "pending" ? "console.customer.adjust_pending" : null;
    return customerPage(req, reply, req.params.id, key ? { message: notice("ok", t(l, key)) } : {});
  });

  app.post<Params<"id"> & Form>("/admin/customers/:id/adjust", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const form: AdjustForm = { direction: field(req.body, "direction"), amount: field(req.body, "amount"), currency: field(req.body, "currency"), reason: field(req.body, "reason") };
    // The amount as typed (13,50 · 1 234,50 · a leading minus takes money off), as a signed decimal.
    let signed: string;
    try {
      const text = form.amount.trim();
      const negative = /^[-\u2212]/.test(text) || form.direction === "debit";
      signed = `${negative ? "-" : ""}${normalizeAmount(text.replace(/^[-\u2212+]\s*/, ""), l)}`;
    } catch (e) {
      if (!isAppError(e)) throw e;
      return customerPage(req, reply, req.params.id, { message: refusal("en", e.code, e.message), status: 400, form });
    }
    const input = { amount: signed, currency: form.currency, reason: form.reason, key: field(req.body, "key") };
    if (!confirmed(req.body)) {
      const checked = await attempt(async () => ({ parsed: parseAdjustment(input), page: await c.adminConsole.customer(req.params.id) }), l);
      if (!checked.ok) return customerPage(req, reply, req.params.id, { message: checked.message, status: checked.status, form });
      const { parsed, page } = checked.value;
      const u = page.customer;
      const now = page.balances.find((b) => b.currency === parsed.amount.currency) ?? { minor: 0, currency: parsed.amount.currency };
      const after = { minor: now.minor + parsed.amount.minor, currency: now.currency };
      const values = { amount: money({ minor: Math.abs(parsed.amount.minor), currency: parsed.amount.currency }, l), customer: u.name ? `${u.name} (${u.email})` : u.email, now: money(now, l), after: money(after, l), reason: parsed.reason };
      const credit = parsed.amount.minor > 0;
      return confirmPage(req, reply, {
        section: "customers",
        title: t(l, credit ? "console.customer.confirm_credit_title" : "console.customer.confirm_debit_title"),
        effect: tHtml(l, credit ? "console.customer.confirm_credit" : "console.customer.confirm_debit", values),
        action: `/admin/customers/${u.id}/adjust`,
        fields: { amount: signed, currency: parsed.amount.currency, reason: parsed.reason, key: input.key },
        button: t(l, credit ? "console.customer.confirm_credit_button" : "console.customer.confirm_debit_button", values),
        back: `/admin/customers/${u.id}`,
        danger: !credit,
      });
    }
    const r = await attempt(() => c.approvals.adjustBalance(req.params.id, input, staffMember(req)), l);
    if (r.ok) {
      const v = r.value;
      return redirect(reply, `/admin/customers/${encodeURIComponent(req.params.id)}?adjusted=${v.kind === "pending" ? "pending" : v.value.created ? 1 : 0}`);
    }
    return customerPage(req, reply, req.params.id, { message: r.message, status: r.status, form });
  });
}
