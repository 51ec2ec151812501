// The console's money pages a billing clerk uses daily (docs/adr/0039-console.md): invoices and
// credit notes (search by number, filter by customer and kind, keyset pages), bank transfers
// (the expected ones, and confirming one that arrived — in words first, audited in the credit's
// transaction, above the staff limit kept for the owner: ADR 0029), and exchange rates (the
// stored ones with their source and age, and a manual rate, as `partnerbill rates set` does).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { invalidInput, isAppError } from "../../lib/errors.ts";
import { parseDecimal, toDecimal } from "../../lib/money.ts";
import { t, tHtml } from "../../i18n/t.ts";
import { formatDate, formatNumber } from "../../i18n/format.ts";
import { normalizeAmount } from "../../i18n/money-input.ts";
import { invoiceStatusText } from "../../modules/invoices/invoice.html.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { STAFF_PAGE, attempt, badge, confirmed, confirmPage, customerLink, href, limitParam, loc, money, nextLink, option, param, refusal, staffAct, staffMember, stateBadge, when, word, type Form, type Query } from "./common.ts";
import { moduleName, namesOf } from "./orders.routes.ts";

const STATUS_TONE: Record<string, "ok" | "warn" | "bad" | "info"> = { paid: "ok", awaiting_payment: "info", overdue: "warn", credited: "bad", cancelled: "bad", issued: "info" };

function encodeKey(k: { at: string; id: string }): string {
  return Buffer.from(JSON.stringify([k.at, k.id])).toString("base64url");
}

function decodeKey(text: string): { at: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string" && !Number.isNaN(Date.parse(v[0])) && /^[a-z]{2,5}_[0-9a-z]{1,40}$/.test(v[1])) return { at: v[0], id: v[1] };
  } catch {
    // Refused below.
  }
  throw invalidInput("That page link is not valid any more; start from the first page");
}

export function registerAdminMoneyRoutes(app: FastifyInstance, c: Container): void {
  // ---- invoices ------------------------------------------------------------------------------
  app.get<Query>("/admin/invoices", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const f = { q: param(req.query, "q"), kind: param(req.query, "kind"), customer: param(req.query, "customer") };
    const r = await attempt(async () => {
      if (f.q && !/^[\w./-]{1,60}$/.test(f.q)) throw invalidInput("Search by an invoice number (or its start) or id: letters, digits, - / . _");
      if (f.kind && f.kind !== "invoice" && f.kind !== "credit_note") throw invalidInput("kind must be invoice or credit_note");
      if (f.customer && !/^cus_[0-9a-z]{1,40}$/.test(f.customer)) throw invalidInput("customer must be a customer id (cus_…)");
      const lim = limitParam(req.query).limit ?? 50;
      if (!Number.isInteger(lim) || lim < 1 || lim > 200) throw invalidInput("limit must be a whole number from 1 to 200");
      const after = param(req.query, "after");
      const rows = await c.invoices.list({ ...(f.q ? { q: f.q } : {}), ...(f.kind ? { kind: f.kind as "invoice" | "credit_note" } : {}), ...(f.customer ? { customerId: f.customer } : {}), ...(after ? { before: decodeKey(after) } : {}), limit: lim + 1 });
      const items = rows.slice(0, lim);
      const last = items[items.length - 1];
      return { items, next: rows.length > lim && last ? encodeKey({ at: last.issued_at, id: last.id }) : null };
    }, l);
    const items = r.ok ? r.value.items : [];
    const customers = new Map(
      (await Promise.all([...new Set(items.map((i) => i.customer_id))].map((id) => c.repos.customers.findById(c.db, id)))).filter((x) => x !== undefined).map((x) => [x!.id, x!] as const),
    );
    const cols = [t(l, "console.invoices.number"), t(l, "console.invoices.issued"), t(l, "console.col.customer"), t(l, "console.col.state"), t(l, "console.col.order"), t(l, "console.col.total")];
    const body = html`<h1>${t(l, "console.nav.invoices")}</h1>
<form class="filters card" method="get" action="/admin/invoices" role="search" aria-label="${t(l, "console.invoices.filters")}">
<div class="field"><label for="f-q">${t(l, "console.filter.search")}</label><input id="f-q" type="search" name="q" value="${f.q}" maxlength="60" aria-describedby="f-q-hint"><p class="hint" id="f-q-hint">${t(l, "console.invoices.search_hint")}</p></div>
<div class="field"><label for="f-kind">${t(l, "console.col.kind")}</label><select id="f-kind" name="kind">${option("", t(l, "console.filter.any"), f.kind)}${option("invoice", t(l, "console.invoices.kind_invoice"), f.kind)}${option("credit_note", t(l, "console.invoices.kind_credit_note"), f.kind)}</select></div>
<div class="field"><label for="f-customer">${t(l, "console.col.customer")}</label><input id="f-customer" type="text" name="customer" value="${f.customer}" maxlength="60" aria-describedby="f-customer-hint"><p class="hint" id="f-customer-hint">${t(l, "console.orders.customer_hint", { example: "cus_…" })}</p></div>
<p><button type="submit">${t(l, "console.filter.show")}</button> <a class="button secondary" href="/admin/invoices">${t(l, "console.filter.clear")}</a></p></form>
${r.ok
      ? html`<section class="card">${items.length > 0
          ? html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x, i) => html`<th scope="col"${i === 5 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>${items.map(
              (i) => html`<tr data-invoice="${i.id}"><td data-label="${cols[0]}"><a href="/admin/invoices/${i.id}">${i.number}</a> <a href="/admin/invoices/${i.id}/pdf">PDF</a><br><span class="muted">${t(l, i.kind === "credit_note" ? "console.invoices.kind_credit_note" : "console.invoices.kind_invoice")}</span></td><td data-label="${cols[1]}">${formatDate(i.issued_at, l)}${i.due_on ? html`<br><span class="muted">${t(l, "console.invoices.due", { date: formatDate(i.due_on, l) })}</span>` : ""}</td><td data-label="${cols[2]}">${customerLink(customers.get(i.customer_id), i.customer_id)}</td><td data-label="${cols[3]}">${badge(invoiceStatusText(i.status, l), STATUS_TONE[i.status] ?? "")}</td><td data-label="${cols[4]}">${i.order_id ? html`<a href="/admin/orders/${i.order_id}">${i.order_id}</a>` : "—"}</td><td class="num" data-label="${cols[5]}">${money({ minor: i.total_minor, currency: i.currency }, l)}</td></tr>`,
            )}</tbody></table></div>`
          : html`<p class="muted">${t(l, "console.invoices.none")}</p>`}${nextLink("/admin/invoices", { ...f, limit: param(req.query, "limit") }, r.value.next, l)}</section>`
      : r.message}`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.invoices"), section: "invoices", body, status: r.ok ? 200 : r.status });
  });

  // ---- bank transfers ------------------------------------------------------------------------
  async function transfersPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number; form?: { ref: string; amount: string; bankRef: string }; customer?: string } = {}): Promise<FastifyReply> {
    const l = loc(req);
    const customer = o.customer && /^cus_[0-9a-z]{1,40}$/.test(o.customer) ? o.customer : "";
    const rows = customer ? await c.payments.transfersOfCustomer(customer, 50) : await c.payments.recentTransfers(50);
    const orders = (await Promise.all([...new Set(rows.map((x) => x.order_id).filter((x): x is string => x !== null))].map((id) => c.orders.find(id)))).filter((x) => x !== undefined);
    const names = await namesOf(c, orders);
    for (const id of new Set(rows.map((x) => x.customer_id))) {
      if (!names.customers.has(id)) {
        const u = await c.repos.customers.findById(c.db, id);
        if (u) names.customers.set(id, u);
      }
    }
    const orderOf = new Map(orders.map((x) => [x.id, x] as const));
    const form = o.form ?? { ref: "", amount: "", bankRef: "" };
    const cols = [t(l, "console.transfers.reference"), t(l, "console.col.customer"), t(l, "console.transfers.for"), t(l, "console.transfers.expected"), t(l, "console.col.created"), t(l, "console.order.actions")];
    const body = html`<h1>${t(l, "console.nav.transfers")}</h1>${o.message ?? ""}
<p class="muted">${t(l, "console.transfers.explain")}</p>
<section class="card"><h2>${t(l, "console.transfers.confirm_heading")}</h2>
<form method="post" action="/admin/transfers/confirm">${csrfField(req)}
<div class="field"><label for="tr-ref">${t(l, "console.transfers.reference")}</label><input id="tr-ref" type="text" name="ref" required maxlength="60" value="${form.ref}" aria-describedby="tr-ref-hint"><p class="hint" id="tr-ref-hint">${t(l, "console.transfers.reference_hint")}</p></div>
<div class="field"><label for="tr-amount">${t(l, "console.transfers.amount")}</label><input id="tr-amount" type="text" name="amount" required maxlength="40" inputmode="decimal" value="${form.amount}" aria-describedby="tr-amount-hint"><p class="hint" id="tr-amount-hint">${t(l, "console.transfers.amount_hint")}</p></div>
<div class="field"><label for="tr-bank">${t(l, "console.transfers.bank_ref")}</label><input id="tr-bank" type="text" name="bankRef" maxlength="80" value="${form.bankRef}" aria-describedby="tr-bank-hint"><p class="hint" id="tr-bank-hint">${t(l, "console.transfers.bank_ref_hint")}</p></div>
<p><button type="submit">${t(l, "console.transfers.check")}</button></p></form></section>
<section class="card"><h2>${t(l, "console.transfers.expected_heading")}</h2>${customer ? html`<p>${customerLink(names.customers.get(customer), customer)} · <a href="/admin/transfers">${t(l, "console.transfers.all")}</a></p>` : ""}${rows.length === 0
      ? html`<p class="muted">${t(l, "console.transfers.none")}</p>`
      : html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x, i) => html`<th scope="col"${i === 3 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>${rows.map((x) => {
          const ord = x.order_id ? orderOf.get(x.order_id) : undefined;
          const expected = { minor: Number(x.amount_minor), currency: x.currency };
          return html`<tr data-transfer="${x.reference}"><td data-label="${cols[0]}"><code>${x.reference}</code></td><td data-label="${cols[1]}">${customerLink(names.customers.get(x.customer_id), x.customer_id)}</td><td data-label="${cols[2]}">${ord ? html`<a href="/admin/orders/${ord.id}">${moduleName(names, ord.module_id)}</a> ${stateBadge(l, ord.state)}` : t(l, "console.transfers.top_up")}</td><td class="num" data-label="${cols[3]}">${money(expected, l)}</td><td data-label="${cols[4]}">${when(x.created_at, l)}</td><td data-label="${cols[5]}"><a class="button secondary" href="${href("/admin/transfers", { ref: x.reference, amount: toDecimal(expected) })}#tr-ref">${t(l, "console.transfers.record")}</a></td></tr>`;
        })}</tbody></table></div>`}</section>`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.transfers"), section: "transfers", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/transfers", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const done = param(req.query, "done");
    const ref = param(req.query, "ref").slice(0, 60);
    const amount = param(req.query, "amount").slice(0, 40);
    const text = done === "credited" || done === "seen" || done === "pending" ? t(l, `console.transfers.done.${done}`, { ref }) : null;
    return transfersPage(req, reply, { ...(text ? { message: notice("ok", text) } : {}), ...(done ? {} : { form: { ref, amount, bankRef: "" } }), customer: param(req.query, "customer") });
  });

  app.post<Form>("/admin/transfers/confirm", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const form = { ref: field(req.body, "ref").trim(), amount: field(req.body, "amount"), bankRef: field(req.body, "bankRef").trim() };
    const checked = await attempt(async () => {
      if (!form.ref) throw invalidInput(t(l, "console.transfers.ref_required"));
      const tr = await c.payments.findTransfer(form.ref);
      const decimal = normalizeAmount(form.amount, l);
      const amount = parseDecimal(decimal, tr.currency);
      if (amount.minor <= 0) throw invalidInput(t(l, "console.transfers.amount_positive"));
      if (form.bankRef && !/^[\w./:-]{1,80}$/.test(form.bankRef)) throw invalidInput(t(l, "console.transfers.bank_ref_bad"));
      return { tr, decimal, amount };
    }, l);
    if (!checked.ok) return transfersPage(req, reply, { message: checked.message, status: checked.status, form });
    const { tr, decimal, amount } = checked.value;
    if (!confirmed(req.body)) {
      const order = tr.order_id ? await c.orders.find(tr.order_id) : undefined;
      const names = await namesOf(c, order ? [order] : []);
      const u = names.customers.get(tr.customer_id) ?? (await c.repos.customers.findById(c.db, tr.customer_id));
      const expected = { minor: Number(tr.amount_minor), currency: tr.currency };
      const values = {
        amount: money(amount, l),
        expected: money(expected, l),
        reference: tr.reference,
        customer: u ? (u.name ? `${u.name} (${u.email})` : u.email) : tr.customer_id,
        module: order ? moduleName(names, order.module_id) : "",
        license: order ? String(order.license_id) : "",
      };
      const lines: SafeHtml[] = [tHtml(l, "console.transfers.confirm_effect", values)];
      if (order) lines.push(tHtml(l, order.paid_at ? "console.transfers.confirm_order_paid" : "console.transfers.confirm_order", values));
      if (amount.minor !== expected.minor) lines.push(tHtml(l, amount.minor < expected.minor ? "console.transfers.confirm_less" : "console.transfers.confirm_more", values));
      return confirmPage(req, reply, {
        section: "transfers",
        title: t(l, "console.transfers.confirm_title"),
        effect: tHtml(l, "console.transfers.confirm_lead", values),
        extra: html`<ul>${lines.map((x) => html`<li>${x}</li>`)}</ul>`,
        action: "/admin/transfers/confirm",
        fields: { ref: tr.reference, amount: decimal, bankRef: form.bankRef },
        button: t(l, "console.transfers.confirm_button", values),
        back: href("/admin/transfers", { ref: tr.reference, amount: decimal }),
        danger: false,
      });
    }
    const act = staffAct(req);
    const r = await attempt(
      () =>
        c.approvals.confirmTransfer(tr.reference, { amount: decimal, ...(form.bankRef ? { bankRef: form.bankRef } : {}) }, staffMember(req), (tx, receipt) =>
          c.audit.record(tx, {
            ...act.ctx,
            action: "payment.bank_transfer_confirm",
            subject: { type: "customer", id: receipt.transfer.customer_id },
            after: { reference: receipt.transfer.reference, amount: receipt.amount, credited: receipt.credited, ...(form.bankRef ? { bankRef: form.bankRef } : {}), ...(receipt.transfer.order_id ? { order: receipt.transfer.order_id } : {}) },
          }).then(() => undefined),
        ),
      l,
    );
    if (!r.ok) return transfersPage(req, reply, { message: r.message, status: r.status, form });
    const done = r.value.kind === "pending" ? "pending" : r.value.value.credited ? "credited" : "seen";
    return redirect(reply, href("/admin/transfers", { done, ref: tr.reference }));
  });

  // ---- exchange rates ------------------------------------------------------------------------
  async function ratesPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number; form?: { base: string; quote: string; rate: string } } = {}): Promise<FastifyReply> {
    const l = loc(req);
    const rows = await c.pricing.listRates();
    const today = c.clock.now().toISOString().slice(0, 10);
    const ageDays = (asOf: string) => Math.max(0, Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${asOf.slice(0, 10)}T00:00:00Z`)) / 86_400_000));
    const form = o.form ?? { base: "EUR", quote: c.config.UPSTREAM_REGION === "ru" ? "RUB" : "USD", rate: "" };
    const cols = [t(l, "console.rates.pair"), t(l, "console.rates.rate"), t(l, "console.rates.source"), t(l, "console.rates.as_of"), t(l, "console.rates.age")];
    const body = html`<h1>${t(l, "console.nav.rates")}</h1>${o.message ?? ""}
<p class="muted">${t(l, "console.rates.explain")}</p>
<section class="card"><h2>${t(l, "console.rates.current")}</h2>${rows.length === 0
      ? html`<p class="muted">${t(l, "console.rates.none")}</p>`
      : html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x, i) => html`<th scope="col"${i === 1 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>${rows.map((x) => {
          const days = ageDays(x.as_of);
          return html`<tr data-rate="${x.base}/${x.quote}"><td data-label="${cols[0]}">${t(l, "console.rates.one", { base: x.base, quote: x.quote })}</td><td class="num" data-label="${cols[1]}">${formatNumber(Number(x.rate), l, { maximumFractionDigits: 8 })}</td><td data-label="${cols[2]}">${badge(word(l, "console.rates.source_", x.source), x.source === "manual" ? "info" : "ok")}</td><td data-label="${cols[3]}">${formatDate(x.as_of, l)}</td><td data-label="${cols[4]}">${days > 7 ? badge(t(l, "console.rates.days", { n: days }), "warn") : t(l, "console.rates.days", { n: days })}</td></tr>`;
        })}</tbody></table></div>`}</section>
<section class="card"><h2>${t(l, "console.rates.set")}</h2>
<form method="post" action="/admin/rates">${csrfField(req)}
<div class="field"><label for="rate-base">${t(l, "console.rates.base")}</label><input id="rate-base" type="text" name="base" required maxlength="3" size="4" value="${form.base}"></div>
<div class="field"><label for="rate-quote">${t(l, "console.rates.quote")}</label><input id="rate-quote" type="text" name="quote" required maxlength="3" size="4" value="${form.quote}"></div>
<div class="field"><label for="rate-rate">${t(l, "console.rates.rate")}</label><input id="rate-rate" type="text" name="rate" required maxlength="30" inputmode="decimal" value="${form.rate}" aria-describedby="rate-rate-hint"><p class="hint" id="rate-rate-hint">${t(l, "console.rates.rate_hint")}</p></div>
<p><button type="submit">${t(l, "console.rates.save")}</button></p></form></section>`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.rates"), section: "rates", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/rates", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const saved = param(req.query, "saved");
    return ratesPage(req, reply, /^[A-Z]{3}\/[A-Z]{3}$/.test(saved) ? { message: notice("ok", t(l, "console.rates.saved", { pair: saved })) } : {});
  });

  app.post<Form>("/admin/rates", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const form = { base: field(req.body, "base").trim().toUpperCase(), quote: field(req.body, "quote").trim().toUpperCase(), rate: field(req.body, "rate") };
    const act = staffAct(req);
    const r = await attempt(async () => {
      let rate: string;
      try {
        rate = normalizeAmount(form.rate, l);
      } catch (e) {
        if (isAppError(e)) throw invalidInput(t(l, "console.rates.rate_bad"));
        throw e;
      }
      const before = (await c.pricing.listRates()).find((x) => (x.base === form.base && x.quote === form.quote) || (x.base === form.quote && x.quote === form.base)) ?? null;
      const row = await c.pricing.setRate(form.base, form.quote, rate);
      await c.audit.record(c.db, { ...act.ctx, action: "rate.set", subject: { type: "rate", id: `${row.base}/${row.quote}` }, before: before ? { pair: `${before.base}/${before.quote}`, rate: before.rate, source: before.source } : null, after: { rate: row.rate, source: row.source, asOf: row.as_of } });
      return row;
    }, l);
    if (!r.ok) return ratesPage(req, reply, { message: r.message, status: r.status, form });
    return redirect(reply, `/admin/rates?saved=${encodeURIComponent(`${r.value.base}/${r.value.quote}`)}`);
  });
}
