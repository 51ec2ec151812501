// /account/balance: the customer's balance per currency with its latest ledger entries (their own
// account only), and top-ups — by card through Stripe Checkout when it is configured, or by bank
// transfer with a payment reference that staff match when the money arrives.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html } from "../../lib/html.ts";
import { CURRENCY_EXPONENTS, format } from "../../lib/money.ts";
import { field } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendPortalPage } from "./layout.ts";
import { doneNotice, ID_SHAPE, me, notice, PORTAL_PAGE, refusalOf, see, sendPortalNotFound, when, type Form, type IdParams } from "./common.ts";

const KIND_TEXT: Record<string, string> = {
  credit: "Credit",
  order_payment: "Payment for an order",
  bank_transfer_receipt: "Bank transfer received",
  stripe_payment: "Card payment",
  balance_refund: "Refund to you",
};

export function registerPortalBalanceRoutes(app: FastifyInstance, c: Container): void {
  async function balancePage(req: FastifyRequest, reply: FastifyReply, o: { amount?: string; currency?: string; method?: string; problem?: { status: number; message: string } } = {}) {
    const customerId = me(req).id;
    const { balances, statements, transfers } = await c.portal.balance(customerId);
    const methods = await c.portal.topUpMethods();
    const currency = o.currency ?? balances[0]?.currency ?? "EUR";
    const method = o.method && (methods as string[]).includes(o.method) ? o.method : methods[0];
    return sendPortalPage(req, reply, {
      title: "Balance",
      section: "balance",
      status: o.problem?.status ?? 200,
      body: html`<div class="card"><h1>Balance</h1>${doneNotice(req, { card: "Thank you. Your card payment is credited to the balance as soon as the card issuer confirms it." })}
${balances.length === 0 ? html`<p>Your balance is empty.</p>` : html`<div class="grid">${balances.map((b) => html`<div><div class="muted">${b.currency}</div><div class="big"><b>${format(b)}</b></div></div>`)}</div>`}
<p class="muted">Renewals and orders are paid from this balance.</p></div>
<div class="card"><h2 id="top-up">Top up</h2>${o.problem ? notice("error", o.problem.message) : ""}
<form method="post" action="/account/balance/top-up">${csrfField(req)}
<label for="amount">Amount</label><input id="amount" name="amount" type="text" inputmode="decimal" required maxlength="20" value="${o.amount ?? ""}" placeholder="50.00">
<label for="currency">Currency</label><select id="currency" name="currency">${Object.keys(CURRENCY_EXPONENTS).map((cur) => html`<option${cur === currency ? html` selected` : ""}>${cur}</option>`)}</select>
<label>How</label>${methods.map((m) => html`<div><label class="plain inline"><input type="radio" name="method" value="${m}"${m === method ? html` checked` : ""}> ${m === "card" ? "By card (Stripe)" : "By bank transfer"}</label></div>`)}
<p><button type="submit">Top up</button></p></form></div>
${transfers.length ? html`<div class="card"><h2>Bank transfers you asked for</h2><p class="muted">The money appears in the entries below once we receive it.</p><table><thead><tr><th>Asked (UTC)</th><th>Reference</th><th class="num">Amount</th></tr></thead><tbody>${transfers.map((t) => html`<tr><td>${when(t.created_at)}</td><td><a href="/account/balance/transfers/${t.id}"><code>${t.reference}</code></a></td><td class="num">${format({ minor: Number(t.amount_minor), currency: t.currency })}</td></tr>`)}</tbody></table></div>` : ""}
${statements.map((s) => html`<div class="card"><h2>Entries in ${s.currency}</h2><table><thead><tr><th>When (UTC)</th><th>What</th><th class="num">Amount</th><th class="num">Balance after</th></tr></thead><tbody>${s.rows.map(
        (r) => html`<tr><td>${when(r.at)}</td><td>${KIND_TEXT[r.kind] ?? r.memo}${r.orderId ? html` · <a href="/account/orders/${r.orderId}"><code>${r.orderId}</code></a>` : ""}</td><td class="num">${format(r.amount)}</td><td class="num">${format(r.balance)}</td></tr>`,
      )}</tbody></table></div>`)}`,
    });
  }

  app.get("/account/balance", PORTAL_PAGE, async (req, reply) => balancePage(req, reply));

  app.post<Form>("/account/balance/top-up", PORTAL_PAGE, async (req, reply) => {
    const input = { amount: field(req.body, "amount").slice(0, 40), currency: field(req.body, "currency").slice(0, 10), method: field(req.body, "method").slice(0, 20) };
    try {
      const r = await c.portal.topUp(me(req).id, input);
      if (r.kind === "redirect") return see(reply, r.url);
      if (r.kind === "transfer") return see(reply, `/account/balance/transfers/${r.transferId}`);
      return see(reply, "/account/balance");
    } catch (e) {
      return balancePage(req, reply, { ...input, problem: refusalOf(e) });
    }
  });

  app.get<IdParams>("/account/balance/transfers/:id", PORTAL_PAGE, async (req, reply) => {
    if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "balance");
    let t;
    try {
      t = await c.portal.transferInstructions(me(req).id, req.params.id);
    } catch (e) {
      if (refusalOf(e).notFound) return sendPortalNotFound(req, reply, "balance");
      throw e;
    }
    const s = t.seller;
    return sendPortalPage(req, reply, {
      title: "Top up by bank transfer",
      section: "balance",
      body: html`<div class="card"><h1>Top up by bank transfer</h1>
<p>Transfer <b>${format(t.amount)}</b> to the account below and quote the reference, so that we can match your payment. The money appears on your balance once it arrives and our staff confirm it.</p>
<table>
<tr><th>Reference</th><td><b><code>${t.reference}</code></b></td></tr>
<tr><th>Beneficiary</th><td>${s.legalName || "—"}</td></tr>
<tr><th>IBAN</th><td>${s.iban || "—"}</td></tr>
${s.bic ? html`<tr><th>BIC</th><td>${s.bic}</td></tr>` : ""}
${s.bankName ? html`<tr><th>Bank</th><td>${s.bankName}</td></tr>` : ""}
<tr><th>Amount</th><td>${format(t.amount)}</td></tr>
</table>
<p><a href="/account/balance">Back to your balance</a></p></div>`,
    });
  });
}
