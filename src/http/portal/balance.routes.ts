// /account/balance: the customer's balance per currency with its latest ledger entries (their own
// account only), and top-ups — by card through Stripe Checkout when it is configured, or by bank
// transfer with a payment reference that staff match when the money arrives. The amount is read
// as people type it in either language (13,50 · 13.50 · 1 234,50: parseMoneyInput); a refusal
// stands beside the field and keeps what was typed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import type { Locale } from "../../i18n/locales.ts";
import { parseMoneyInput } from "../../i18n/money-input.ts";
import { t, tHtml, type MessageKey } from "../../i18n/t.ts";
import { isAppError } from "../../lib/errors.ts";
import { html } from "../../lib/html.ts";
import { CURRENCY_EXPONENTS, toDecimal, type Money } from "../../lib/money.ts";
import { field } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendPortalPage } from "./layout.ts";
import { doneNotice, fieldBlock, ID_SHAPE, loc, me, money, notice, PORTAL_PAGE, refusalOf, refusalText, see, sendPortalNotFound, when, type Form, type IdParams } from "./common.ts";

/** Ledger kinds a customer's account sees, in words (anything else: "Other entry"). */
const KINDS = ["credit", "demo_credit", "order_payment", "order_refund", "payment_received", "bank_transfer_receipt", "refund_to_card", "refund_to_card_reversed", "balance_refund", "adjustment"] as const;

function kindText(kind: string, l: Locale): string {
  return t(l, (KINDS as readonly string[]).includes(kind) ? (`page.account_balance.kind.${kind}` as MessageKey) : "page.account_balance.kind.other");
}

interface TopUpForm {
  amount?: string;
  currency?: string;
  method?: string;
  errors?: { amount?: string; form?: string };
  status?: number;
}

export function registerPortalBalanceRoutes(app: FastifyInstance, c: Container): void {
  async function balancePage(req: FastifyRequest, reply: FastifyReply, o: TopUpForm = {}) {
    const l = loc(req);
    const customerId = me(req).id;
    const { balances, statements, transfers } = await c.portal.balance(customerId);
    const methods = await c.portal.topUpMethods();
    // The currency to top up in: what was chosen, else the balance's, else the customer's latest order's.
    const latest = balances[0] ? undefined : (await c.portal.orders(customerId)).items[0];
    const currency = o.currency ?? balances[0]?.currency ?? latest?.currency ?? "EUR";
    const method = o.method && (methods as string[]).includes(o.method) ? o.method : methods[0];
    const names = new Map<string, string>();
    for (const s of statements) for (const r of s.rows) if (r.orderId && !names.has(r.orderId)) names.set(r.orderId, await c.portal.order(customerId, r.orderId).then((x) => x.name, () => r.orderId!));
    const errors = o.errors ?? {};
    const tc = { asked: t(l, "page.account_balance.col.asked"), reference: t(l, "page.account_balance.col.reference"), amount: t(l, "page.account_balance.col.amount") };
    const ec = { when: t(l, "page.account_balance.col.when"), what: t(l, "page.account_balance.col.what"), amount: t(l, "page.account_balance.col.amount"), after: t(l, "page.account_balance.col.balance_after") };
    const methodLabel = (m: string) => (m === "card" ? t(l, "page.account_balance.method.card", { provider: "Stripe" }) : t(l, "page.account_balance.method.bank_transfer"));
    const topUpForm = methods.length === 0
      ? html`<p>${t(l, "page.account_balance.no_methods")}</p>`
      : html`<form method="post" action="/account/balance/top-up">${csrfField(req)}
${fieldBlock({ id: "amount", label: t(l, "form.account.amount.label"), hint: t(l, "form.account.amount.hint"), ...(errors.amount ? { error: errors.amount } : {}), control: (a) => html`<input${a} name="amount" type="text" inputmode="decimal" autocomplete="off" required maxlength="30" value="${o.amount ?? ""}">` })}
${fieldBlock({ id: "currency", label: t(l, "form.account.currency.label"), control: (a) => html`<select${a} name="currency">${Object.keys(CURRENCY_EXPONENTS).map((cur) => html`<option value="${cur}"${cur === currency ? html` selected` : ""}>${cur}</option>`)}</select>` })}
<fieldset class="field"><legend>${t(l, "page.account_balance.method")}</legend>${methods.map((m) => html`<div><label class="plain inline"><input type="radio" name="method" value="${m}"${m === method ? html` checked` : ""}> ${methodLabel(m)}</label></div>`)}</fieldset>
<p><button type="submit">${t(l, "page.account_balance.submit")}</button></p></form>`;
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_balance.title"),
      section: "balance",
      status: o.status ?? 200,
      body: html`<section class="card"><h1>${t(l, "page.account_balance.title")}</h1>${doneNotice(req, { card: t(l, "page.account_balance.card_done") })}
${balances.length === 0
  ? html`<p>${t(l, "page.account_balance.empty")}</p>`
  : html`<div class="grid">${balances.map((b) => html`<div><div class="muted">${t(l, "page.account_balance.currency_label", { currency: b.currency })}</div><div class="big"><b>${money(b, l)}</b></div></div>`)}</div>`}
<p class="muted">${t(l, "page.account_balance.paid_from")}</p></section>
<section class="card"><h2 id="top-up">${t(l, "page.account_balance.top_up")}</h2>${errors.form ? notice("error", errors.form) : ""}
${topUpForm}</section>
${transfers.length ? html`<section class="card"><h2>${t(l, "page.account_balance.transfers")}</h2><p class="muted">${t(l, "page.account_balance.transfers_hint")}</p><div class="table-wrap"><table class="data"><thead><tr><th scope="col">${tc.asked}</th><th scope="col">${tc.reference}</th><th scope="col" class="num">${tc.amount}</th></tr></thead><tbody>${transfers.map((x) => html`<tr><td data-label="${tc.asked}">${when(x.created_at, l)}</td><td data-label="${tc.reference}"><a href="/account/balance/transfers/${x.id}"><code>${x.reference}</code></a></td><td class="num" data-label="${tc.amount}">${money({ minor: Number(x.amount_minor), currency: x.currency }, l)}</td></tr>`)}</tbody></table></div></section>` : ""}
${statements.map((s) => html`<section class="card"><h2>${t(l, "page.account_balance.entries", { currency: s.currency })}</h2><div class="table-wrap"><table class="data"><thead><tr><th scope="col">${ec.when}</th><th scope="col">${ec.what}</th><th scope="col" class="num">${ec.amount}</th><th scope="col" class="num">${ec.after}</th></tr></thead><tbody>${s.rows.map(
        (r) => html`<tr><td data-label="${ec.when}">${when(r.at, l)}</td><td data-label="${ec.what}">${kindText(r.kind, l)}${r.orderId ? html` · <a href="/account/orders/${r.orderId}">${t(l, "page.account_balance.order_link", { module: names.get(r.orderId) ?? r.orderId })}</a>` : ""}</td><td class="num" data-label="${ec.amount}">${money(r.amount, l)}</td><td class="num" data-label="${ec.after}">${money(r.balance, l)}</td></tr>`,
      )}</tbody></table></div></section>`)}`,
    });
  }

  app.get("/account/balance", PORTAL_PAGE, async (req, reply) => balancePage(req, reply));

  app.post<Form>("/account/balance/top-up", PORTAL_PAGE, async (req, reply) => {
    const l = loc(req);
    const input = { amount: field(req.body, "amount").slice(0, 40), currency: field(req.body, "currency").slice(0, 10), method: field(req.body, "method").slice(0, 20) };
    const currency = input.currency.trim().toUpperCase();
    if (!Object.hasOwn(CURRENCY_EXPONENTS, currency)) return balancePage(req, reply, { amount: input.amount, method: input.method, errors: { form: t(l, "portal.error.invalid_input") }, status: 400 });
    if (!((await c.portal.topUpMethods()) as string[]).includes(input.method)) return balancePage(req, reply, { ...input, errors: { form: t(l, "form.account.method.invalid") }, status: 400 });
    let amount: Money;
    try {
      amount = parseMoneyInput(input.amount, currency, l);
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid_input") throw e;
      return balancePage(req, reply, { ...input, errors: { amount: e.message }, status: 400 });
    }
    if (amount.minor <= 0) return balancePage(req, reply, { ...input, errors: { amount: t(l, "form.account.amount.positive") }, status: 400 });
    try {
      const r = await c.portal.topUp(me(req).id, { ...input, currency, amount: toDecimal(amount) });
      if (r.kind === "redirect") return see(reply, r.url);
      if (r.kind === "transfer") return see(reply, `/account/balance/transfers/${r.transferId}`);
      return see(reply, "/account/balance");
    } catch (e) {
      const r = refusalOf(e);
      return balancePage(req, reply, { ...input, errors: { form: refusalText(r, l) }, status: r.status });
    }
  });

  app.get<IdParams>("/account/balance/transfers/:id", PORTAL_PAGE, async (req, reply) => {
    const l = loc(req);
    if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "balance");
    let x;
    try {
      x = await c.portal.transferInstructions(me(req).id, req.params.id);
    } catch (e) {
      if (refusalOf(e).notFound) return sendPortalNotFound(req, reply, "balance");
      throw e;
    }
    const s = x.seller;
    const amount = money(x.amount, l);
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_transfer.title"),
      section: "balance",
      body: html`<section class="card"><h1>${t(l, "page.account_transfer.title")}</h1>
<p>${tHtml(l, "page.account_transfer.lead", { amount: html`<b>${amount}</b>` })}</p>
${s.iban ? "" : notice("error", t(l, "page.account_transfer.no_details"))}
<dl class="facts">
<dt>${t(l, "page.account_transfer.reference")}</dt><dd><b><code>${x.reference}</code></b></dd>
${s.legalName ? html`<dt>${t(l, "page.account_transfer.beneficiary")}</dt><dd>${s.legalName}</dd>` : ""}
${s.iban ? html`<dt>${t(l, "page.account_transfer.iban")}</dt><dd><code>${s.iban}</code></dd>` : ""}
${s.bic ? html`<dt>${t(l, "page.account_transfer.bic")}</dt><dd><code>${s.bic}</code></dd>` : ""}
${s.bankName ? html`<dt>${t(l, "page.account_transfer.bank")}</dt><dd>${s.bankName}</dd>` : ""}
<dt>${t(l, "page.account_transfer.amount")}</dt><dd class="num">${amount}</dd>
</dl>
<p><a href="/account/balance">${t(l, "page.account_transfer.back")}</a></p></section>`,
    });
  });
}
