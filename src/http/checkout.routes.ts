// The Buy redirect (PROTOCOL.md §2.4) and the customer's checkout (docs/adr/0020-checkout.md).
// A browser arrives from the panel with module, license, ip and module_id; a good request becomes
// a pending order and a redirect to its checkout page, a bad one a readable 400 page naming the
// problem — and nothing stored. Then, all server-rendered forms that work without JavaScript:
//   GET  /checkout/:id          the order, period, price, tax, total; sign in or sign up inline; pay
//   POST /checkout/:id/period   monthly ↔ yearly while unpaid and uninvoiced
//   POST /checkout/:id/pay      balance | stripe | bank_transfer (PaymentsService providers)
//   GET  /checkout/:id/status   follows the order (meta refresh) until it is final
// Who sees an order: anyone with its link while nobody has claimed it (a pending order from a Buy
// click carries no personal data); once a customer has claimed it (paid or invoiced) only that
// customer — anyone else gets the same 404 as for an order that does not exist.
// Every word is the reader's language (pageLocale): catalogs src/i18n/catalog/portal.*.ts.
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import type { OrderRow } from "../db/schema.ts";
import { formatMoney, formatPercentBp } from "../i18n/format.ts";
import type { Locale } from "../i18n/locales.ts";
import { t, tHtml, type MessageKey } from "../i18n/t.ts";
import { AppError, isAppError, notFound, type ErrorCode } from "../lib/errors.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { subtract, type Money } from "../lib/money.ts";
import type { Params } from "../modules/catalog/pricelist.logic.ts";
import type { PrecheckResult } from "../modules/fulfillment/fulfillment.service.ts";
import type { Charge } from "../modules/orders/orders.logic.ts";
import type { PaymentProviderId } from "../modules/payments/payment-provider.ts";
import { field, redirect } from "./auth-pages.ts";
import { demoMailboxNote } from "./demo-mailbox.routes.ts";
import { sendError } from "./errors.ts";
import { STATUS_SCRIPT_PATH } from "./assets.ts";
import { pageLocale } from "./locale.ts";
import { errorPage, page } from "./pages.ts";
import { badge, day, fixedMoney, notice, orderBadge, orderStateText, periodText } from "./portal/common.ts";
import { portalNav } from "./portal/layout.ts";
import { csrfField, currentCustomer, type SignedInCustomer } from "./session.ts";

/** Cookie that lets repeated Buy clicks from one browser reuse its pending order. */
export const BROWSER_COOKIE = "pb_browser";

export function isBuyRedirect(params: Params): boolean {
  return params["module_id"] !== undefined || params["license"] !== undefined || params["module"] !== undefined;
}

function browserKeyOf(req: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = req.cookies?.[BROWSER_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{16,64}$/.test(existing)) return existing;
  const key = randomBytes(18).toString("base64url");
  reply.setCookie(BROWSER_COOKIE, key, { path: "/", httpOnly: true, sameSite: "lax", secure, maxAge: 30 * 24 * 3600 });
  return key;
}

const BUY_PROBLEMS = ["module_id_missing", "module_id_invalid", "license_missing", "license_invalid", "ip_invalid", "module_name_long", "not_sold", "not_on_sale", "no_price"] as const;

/** A refused Buy as a page in the reader's language: each problem named, and what to do. */
function buyProblemPage(req: FastifyRequest, e: AppError): string {
  const l = pageLocale(req);
  const codes = Array.isArray(e.details?.["codes"]) ? (e.details["codes"] as unknown[]).filter((x): x is string => typeof x === "string") : [];
  const module = typeof e.details?.["module"] === "string" ? e.details["module"] : "";
  const items = (codes.length ? codes : ["other"]).map((code) =>
    t(l, (BUY_PROBLEMS as readonly string[]).includes(code) ? (`page.buy.problem.${code}` as MessageKey) : "page.buy.problem.other", { module }),
  );
  const title = t(l, "page.buy.title");
  return page(req, title, html`<section class="card error"><h1>${title}</h1><p>${t(l, "page.buy.lead")}</p><ul>${items.map((x) => html`<li>${x}</li>`)}</ul><p>${t(l, "page.buy.again")}</p><p><a href="/">${t(l, "common.error.home")}</a></p></section>`, { nav: portalNav(req, "checkout"), returnTo: "/" });
}

export async function handleBuyRedirect(req: FastifyRequest, reply: FastifyReply, c: Container, params: Params) {
  const secure = c.config.PUBLIC_URL.startsWith("https:");
  try {
    const key = browserKeyOf(req, reply, secure);
    const { order } = await c.orders.intake(params, key);
    return reply.code(303).header("location", `/checkout/${order.id}`).header("cache-control", "no-store").send();
  } catch (e) {
    if (isAppError(e) && e.code === "invalid_input") {
      return reply.code(400).type("text/html; charset=utf-8").header("cache-control", "no-store").send(buyProblemPage(req, e));
    }
    return sendError(req, reply, e, "page");
  }
}

const PAGE = { config: { surface: "page" as const } };
const ORDER_ID = /^ord_[a-z0-9]{6,40}$/;
const METHODS: readonly PaymentProviderId[] = ["balance", "stripe", "bank_transfer"];

/** States after which nothing more happens by itself: the status page stops refreshing. */
const FINAL = new Set(["active", "rejected", "refunded", "cancelled"]);

/** Seconds between refreshes of the status page while the order is not final. */
function refreshSecondsOf(o: OrderRow): number | null {
  if (FINAL.has(o.state)) return null;
  if (o.state === "paid" || o.state === "placing") return 3;
  if (o.state === "pending_payment") return o.invoice_id ? 60 : 10;
  return 30;
}

/** Page status for a refused payment or period change: always a 4xx, never a 5xx. */
function statusOfRefusal(code: ErrorCode): number {
  switch (code) {
    case "invalid_input": return 400;
    case "unauthenticated": return 401;
    case "insufficient_funds": return 402;
    case "forbidden": return 403;
    case "not_found": return 404;
    default: return 409; // conflict, illegal_transition, upstream_*: try again later
  }
}

/** What the pay form promises: a payment happens only if the order still costs this. */
function expectationOf(o: OrderRow, charge: Charge): string {
  return `${o.period_months}:${charge.total}:${o.currency}`;
}

/** A pre-check's finding in the reader's words. */
function precheckText(code: string | undefined, license: string, l: Locale): string | null {
  switch (code) {
    case "license_unknown": return t(l, "page.checkout.problem.license_unknown", { license });
    case "ip_mismatch": return t(l, "page.checkout.problem.ip_mismatch", { license });
    case "already_active": return t(l, "page.checkout.problem.already_active", { license });
    case "ip_licensed": return t(l, "page.checkout.problem.ip_licensed");
    case "ip_refused": return t(l, "page.checkout.problem.ip_refused");
    case "unreachable": return t(l, "page.checkout.problem.unreachable");
    case "not_configured": return t(l, "page.checkout.problem.not_configured");
    case "funds_short": return t(l, "page.checkout.problem.funds_short");
    default: return null;
  }
}

/** The checkout's word for the order's state: the portal's, with what happens after payment. */
function stateText(o: OrderRow, l: Locale): string {
  return o.state === "paid" ? t(l, "page.checkout.state_paid") : orderStateText(o, l);
}

export function registerCheckoutRoutes(app: FastifyInstance, c: Container): void {
  /** The order this browser may see, or a not_found error (also for someone else's order). */
  async function visibleOrder(req: FastifyRequest, id: string): Promise<OrderRow> {
    const order = ORDER_ID.test(id) ? await c.orders.find(id) : undefined;
    const me = currentCustomer(req);
    if (!order || (order.customer_id !== null && order.customer_id !== me?.id)) {
      throw notFound("There is no such order. Start again from the Buy button in ispmanager.");
    }
    return order;
  }

  /** An error as a page: "no such order" in the reader's words, anything else as every page does. */
  function sendCheckoutError(req: FastifyRequest, reply: FastifyReply, e: unknown) {
    if (isAppError(e) && e.code === "not_found") {
      return reply.code(404).type("text/html; charset=utf-8").header("cache-control", "no-store").send(errorPage(req, 404, t("en", "page.checkout.not_found"), t(pageLocale(req), "page.checkout.not_found")));
    }
    return sendError(req, reply, e, "page");
  }

  function sendCheckoutPage(req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, o: { status?: number; head?: SafeHtml } = {}) {
    return reply
      .code(o.status ?? 200)
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(page(req, title, body, { nav: portalNav(req, "checkout"), head: html`${o.head ?? ""}` }));
  }

  async function moduleNameOf(o: OrderRow): Promise<{ name: string; yearly: Money | undefined; monthly: Money | undefined }> {
    const entry = await c.catalog.getModule(o.module_id).catch(() => undefined);
    return { name: entry?.module.name ?? String(o.tariff_id), yearly: entry?.prices[12], monthly: entry?.prices[1] };
  }

  async function summaryOf(o: OrderRow, me: SignedInCustomer | null, l: Locale): Promise<{ name: string; charge: Charge; rows: SafeHtml; monthly?: Money; yearly?: Money }> {
    const [mod, charge, settings] = await Promise.all([moduleNameOf(o), c.orders.quote(o.id, me?.id ?? null), c.settings.get()]);
    const m = (minor: number) => formatMoney({ minor, currency: o.currency }, l);
    const taxName = settings.tax.name || t(l, "page.checkout.tax_name_default");
    const taxRow = charge.reverseCharge
      ? html`<dt>${taxName}</dt><dd>${t(l, "page.checkout.reverse_charge", { tax: taxName })}</dd>`
      : charge.tax === 0
        ? html`<dt>${taxName}</dt><dd>${t(l, "page.checkout.tax_none")}</dd>`
        : html`<dt>${t(l, "page.checkout.tax_rate", { tax: taxName, rate: formatPercentBp(charge.rateBp, l) })}</dt><dd class="num">${settings.tax.pricesIncludeTax ? t(l, "page.checkout.tax_included", { amount: m(charge.tax) }) : m(charge.tax)}</dd>`;
    const rows = html`<dt>${t(l, "page.checkout.order")}</dt><dd><code>${o.id}</code></dd>
${o.product === "license"
  // A license purchase has no license number yet: upstream gives one when it is ordered.
  ? html`<dt>${t(l, "page.checkout.server_ip")}</dt><dd>${o.ip ?? "—"}</dd>`
  : html`<dt>${t(l, "page.checkout.license")}</dt><dd>${o.ip ? t(l, "portal.license_with_ip", { license: String(o.license_id), ip: o.ip }) : String(o.license_id)}</dd>`}
<dt>${t(l, "page.checkout.period")}</dt><dd>${periodText(o.period_months, l)}</dd>
<dt>${t(l, "page.checkout.price")}</dt><dd class="num">${m(Number(o.price_minor))}</dd>
${taxRow}
<dt>${t(l, "page.checkout.total")}</dt><dd class="num"><b>${m(charge.total)}</b></dd>
<dt>${t(l, "page.checkout.status")}</dt><dd>${badge(orderBadge(o), stateText(o, l))}</dd>`;
    return { name: mod.name, charge, rows, ...(mod.monthly ? { monthly: mod.monthly } : {}), ...(mod.yearly ? { yearly: mod.yearly } : {}) };
  }

  // ---- the checkout page ------------------------------------------------------------------------

  async function checkoutPage(req: FastifyRequest, reply: FastifyReply, order: OrderRow, o: { status?: number; message?: SafeHtml } = {}) {
    const l = pageLocale(req);
    const me = currentCustomer(req);
    const { name, charge, rows, monthly, yearly } = await summaryOf(order, me, l);
    const path = `/checkout/${order.id}`;
    const total: Money = { minor: charge.total, currency: order.currency };
    const totalText = formatMoney(total, l);
    // Before money is taken, say what upstream says about the license (automatic mode).
    const check: PrecheckResult | null = order.fulfillment === "automatic" && order.kind === "purchase" ? await c.fulfillment.precheck(order) : null;
    const cancelled = (req.query as Record<string, unknown>)["card"] === "cancelled";

    const periodForm =
      yearly && monthly && !order.invoice_id
        ? html`<form method="post" action="${path}/period" class="period">${csrfField(req)}
${order.period_months === 12
  ? html`<button class="link" type="submit" name="period" value="1">${t(l, "page.checkout.pay_monthly", { price: formatMoney(monthly, l) })}</button>`
  : html`<button class="link" type="submit" name="period" value="12">${t(l, "page.checkout.pay_yearly", { price: formatMoney(yearly, l) })}</button>`}
</form>`
        : html``;

    let pay: SafeHtml;
    if (!me) {
      pay = html`<section class="card" id="sign-in"><h2>${t(l, "page.checkout.sign_in.heading")}</h2>
<p class="muted">${t(l, "page.checkout.sign_in.lead")}</p>
<div class="grid">
<form method="post" action="/account/login">${csrfField(req)}<input type="hidden" name="next" value="${path}">
<h3>${t(l, "page.checkout.sign_in.existing")}</h3>
<div class="field"><label for="login-email">${t(l, "page.checkout.sign_in.email")}</label><input id="login-email" name="email" type="email" autocomplete="username" required maxlength="254"></div>
<div class="field"><label for="login-password">${t(l, "page.checkout.sign_in.password")}</label><input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="256"></div>
<p><button type="submit">${t(l, "page.checkout.sign_in.submit")}</button> <a href="/account/forgot?next=${encodeURIComponent(path)}">${t(l, "page.checkout.sign_in.forgot")}</a></p>
</form>
<form method="post" action="/account/signup">${csrfField(req)}<input type="hidden" name="next" value="${path}">
<h3>${t(l, "page.checkout.sign_up.heading")}</h3>
<div class="field"><label for="signup-email">${t(l, "page.checkout.sign_in.email")}</label><input id="signup-email" name="email" type="email" autocomplete="username" required maxlength="254" aria-describedby="signup-email-hint"><p class="hint" id="signup-email-hint">${t(l, "page.checkout.sign_up.hint")}</p></div>
<p><button type="submit">${t(l, "page.checkout.sign_up.submit")}</button></p>
</form>
</div>${demoMailboxNote(c, l)}</section>`;
    } else {
      // The balance in the order's currency is what can pay it; money in other currencies is named, not added.
      const balances = await c.ledger.customerBalances(c.db, me.id);
      const balance = balances.find((b) => b.currency === order.currency) ?? { minor: 0, currency: order.currency };
      const others = balances.filter((b) => b.currency !== order.currency && b.minor > 0);
      const short = balance.minor < total.minor ? subtract(total, balance) : null;
      const demoMoney = await c.demo.hasCredit(c.db, me.id);
      // The ways of paying are the service's (configured providers; bank transfer only with bank details).
      const offered = new Set((await c.payments.providers()).map((p) => p.id));
      pay = html`<section class="card" id="pay"><h2>${t(l, "page.checkout.pay.heading", { total: totalText })}</h2>
<p class="muted">${tHtml(l, "page.checkout.pay.signed_in", { email: html`<b>${me.email}</b>` })}</p>
<form method="post" action="${path}/pay">${csrfField(req)}<input type="hidden" name="expect" value="${expectationOf(order, charge)}">
${offered.has("balance") ? html`<div class="method" id="pay-balance"><h3>${t(l, "page.checkout.pay.balance_heading")}</h3>
<p>${tHtml(l, "page.checkout.pay.balance", { amount: html`<b>${formatMoney(balance, l)}</b>` })}${demoMoney ? html` <span class="badge info">${t(l, "page.checkout.pay.demo_badge")}</span>` : ""}</p>
${others.length ? html`<p class="muted">${t(l, "page.checkout.pay.other_currency", { amounts: others.map((b) => formatMoney(b, l)).join(", "), currency: order.currency })}</p>` : ""}
${demoMoney ? html`<p class="muted">${t(l, "page.checkout.pay.demo_note")}</p>` : ""}
${short
  ? html`<p class="notice error">${tHtml(l, "page.checkout.pay.short", { short: html`<b>${formatMoney(short, l)}</b>` })} <a href="/account/balance">${t(l, "page.checkout.pay.short_top_up")}</a> ${t(l, "page.checkout.pay.short_other")}</p>
<p><button type="submit" name="method" value="balance" disabled>${t(l, "page.checkout.pay.from_balance", { total: totalText })}</button></p>`
  : html`<p><button type="submit" name="method" value="balance">${t(l, "page.checkout.pay.from_balance", { total: totalText })}</button></p>`}
</div>` : ""}
${offered.has("stripe")
  ? html`<div class="method" id="pay-card"><h3>${t(l, "page.checkout.pay.card_heading")}</h3><p class="muted">${t(l, "page.checkout.pay.card_hint", { provider: "Stripe" })}</p>
<p><button type="submit" name="method" value="stripe">${t(l, "page.checkout.pay.by_card", { total: totalText })}</button></p></div>`
  : ""}
${offered.has("bank_transfer")
  ? html`<div class="method" id="pay-transfer"><h3>${t(l, "page.checkout.pay.transfer_heading")}</h3><p class="muted">${t(l, "page.checkout.pay.transfer_hint")}</p>
<p><button type="submit" name="method" value="bank_transfer">${t(l, "page.checkout.pay.by_transfer")}</button></p></div>`
  : ""}
</form></section>`;
    }

    const license = String(order.license_id);
    const problem = check && check.ok !== true ? precheckText(check.code, license, l) ?? check.problem : null;
    const body = html`<section class="card" id="order"><h1>${name}</h1>${o.message ?? ""}
${cancelled ? notice("ok", t(l, "page.checkout.card_cancelled")) : ""}
<dl class="facts">
${rows}
</dl>
${periodForm}
${check && check.ok === false ? html`<p class="notice error">${t(l, "page.checkout.cannot_pay", { problem })}</p>` : ""}
${check && check.ok === "unknown" ? html`<p class="notice">${t(l, "page.checkout.cannot_check", { problem })}</p>` : ""}
${order.invoice_id ? html`<p class="notice">${tHtml(l, "page.checkout.invoice_issued", { link: html`<a href="${path}/status">${t(l, "page.checkout.invoice_issued_link")}</a>` })}</p>` : ""}
</section>
${pay}`;
    return sendCheckoutPage(req, reply, t(l, "page.checkout.title", { module: name }), body, o.status ? { status: o.status } : {});
  }

  app.get<{ Params: { id: string } }>("/checkout/:id", PAGE, async (req, reply) => {
    try {
      const order = await visibleOrder(req, req.params.id);
      if (order.state !== "pending_payment") return redirect(reply, `/checkout/${order.id}/status`);
      return checkoutPage(req, reply, order);
    } catch (e) {
      return sendCheckoutError(req, reply, e);
    }
  });

  /** A refused payment or period change in the reader's words (the service's English stays in logs and the API). */
  function refusalMessage(e: AppError, order: OrderRow, l: Locale): SafeHtml {
    const details = e.details ?? {};
    const topUp = html`<a href="/account/balance">${t(l, "page.checkout.pay.short_top_up")}</a>`;
    if (e.code === "insufficient_funds") {
      const short = fixedMoney(details["shortfall"]);
      return notice("error", short ? tHtml(l, "page.checkout.error.insufficient", { short: html`<b>${formatMoney(short, l)}</b>`, link: topUp }) : tHtml(l, "page.checkout.error.insufficient_plain", { link: topUp }));
    }
    const pre = typeof details["precheck"] === "string" ? precheckText(details["precheck"], String(order.license_id), l) : null;
    if (pre) return notice("error", details["precheck"] === "funds_short" ? pre : t(l, "page.checkout.cannot_pay", { problem: pre }));
    if (details["duplicateOf"] !== undefined) return notice("error", t(l, "page.checkout.error.duplicate", { license: String(order.license_id) }));
    if (e.code === "illegal_transition") return notice("error", t(l, "page.checkout.error.period_locked"));
    if (e.code === "invalid_input" && / is not a way of paying /.test(e.message)) return notice("error", t(l, "page.checkout.error.method"));
    if (l === "en") return notice("error", e.message);
    switch (e.code) {
      case "invalid_input": return notice("error", t(l, "portal.error.invalid_input"));
      case "upstream_unavailable":
      case "upstream_rejected": return notice("error", t(l, "portal.error.upstream"));
      default: return notice("error", t(l, "portal.error.conflict"));
    }
  }

  /** A refused request shown on the checkout page (or the status page once the order moved on). */
  async function refused(req: FastifyRequest, reply: FastifyReply, orderId: string, e: unknown) {
    if (!isAppError(e) || e.code === "not_found") return sendCheckoutError(req, reply, e);
    const now = await visibleOrder(req, orderId);
    // A repeated submission whose first one went through: show where the order is.
    if (now.state !== "pending_payment") return redirect(reply, `/checkout/${now.id}/status`);
    return checkoutPage(req, reply, now, { status: statusOfRefusal(e.code), message: refusalMessage(e, now, pageLocale(req)) });
  }

  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>("/checkout/:id/period", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    try {
      const order = await visibleOrder(req, req.params.id);
      if (order.state !== "pending_payment") return redirect(reply, `/checkout/${order.id}/status`);
      const period = field(req.body, "period");
      if (period !== "1" && period !== "12") {
        return checkoutPage(req, reply, order, { status: 400, message: notice("error", t(l, "page.checkout.error.period")) });
      }
      if (Number(period) !== order.period_months) await c.orders.choosePeriod(order.id, Number(period));
      return redirect(reply, `/checkout/${order.id}`);
    } catch (e) {
      return refused(req, reply, req.params.id, e);
    }
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>("/checkout/:id/pay", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    try {
      const order = await visibleOrder(req, req.params.id);
      const me = currentCustomer(req);
      if (order.state !== "pending_payment") return redirect(reply, `/checkout/${order.id}/status`);
      if (!me) return checkoutPage(req, reply, order, { status: 401, message: notice("error", t(l, "page.checkout.error.sign_in_first")) });
      const method = field(req.body, "method");
      if (!(METHODS as readonly string[]).includes(method)) {
        return checkoutPage(req, reply, order, { status: 400, message: notice("error", t(l, "page.checkout.error.method")) });
      }
      // The customer pays what the page showed them, or nothing: the period, a price or the tax
      // rules may have changed since (another tab, staff).
      const charge = await c.orders.quote(order.id, me.id);
      if (field(req.body, "expect") !== expectationOf(order, charge)) {
        return checkoutPage(req, reply, order, { status: 409, message: notice("error", t(l, "page.checkout.error.changed")) });
      }
      const base = c.config.PUBLIC_URL;
      const start = await c.payments.payOrder(method, {
        orderId: order.id,
        customerId: me.id,
        returnUrl: `${base}/checkout/${order.id}/status`,
        cancelUrl: `${base}/checkout/${order.id}?card=cancelled`,
        actor: `customer:${me.id}`,
      });
      if (start.kind === "redirect") return reply.code(303).header("location", start.url).header("cache-control", "no-store").send();
      return redirect(reply, `/checkout/${order.id}/status`);
    } catch (e) {
      return refused(req, reply, req.params.id, e);
    }
  });

  // ---- the status page --------------------------------------------------------------------------

  async function transferInstructions(order: OrderRow, l: Locale): Promise<SafeHtml> {
    const invoiceId = order.invoice_id!;
    const [settings, transfer] = await Promise.all([c.settings.get(), c.payments.findTransfer(invoiceId).catch(() => undefined)]);
    const s = settings.seller;
    const total = formatMoney({ minor: Number(order.total_minor ?? order.price_minor), currency: order.currency }, l);
    return html`<h2>${t(l, "page.checkout_status.how_to_pay")}</h2>
<p>${tHtml(l, "page.checkout_status.transfer_lead", { total: html`<b>${total}</b>` })}</p>
<dl class="facts" id="transfer">
<dt>${t(l, "page.account_transfer.amount")}</dt><dd class="num">${total}</dd>
${s.legalName ? html`<dt>${t(l, "page.account_transfer.beneficiary")}</dt><dd>${s.legalName}</dd>` : ""}
${s.iban ? html`<dt>${t(l, "page.account_transfer.iban")}</dt><dd><code>${s.iban}</code></dd>` : ""}
${s.bic ? html`<dt>${t(l, "page.account_transfer.bic")}</dt><dd><code>${s.bic}</code></dd>` : ""}
${s.bankName ? html`<dt>${t(l, "page.account_transfer.bank")}</dt><dd>${s.bankName}</dd>` : ""}
<dt>${t(l, "page.account_transfer.reference")}</dt><dd><code>${transfer?.reference ?? t(l, "page.checkout_status.reference_on_invoice")}</code></dd>
</dl>
${s.iban ? "" : html`<p class="muted">${t(l, "page.checkout_status.details_on_invoice")}</p>`}
<p><a href="/account/invoices/${invoiceId}">${t(l, "page.checkout_status.open_invoice")}</a> ${t(l, "page.checkout_status.transfer_after", { format: "PDF" })}</p>`;
  }

  function explanationOf(o: OrderRow, l: Locale): { title: string; text: SafeHtml } {
    const p = (key: MessageKey) => html`<p>${t(l, key)}</p>`;
    switch (o.state) {
      case "pending_payment":
        return o.invoice_id
          ? { title: t(l, "page.checkout_status.awaiting_transfer.title"), text: p("page.checkout_status.awaiting_transfer.text") }
          : { title: t(l, "page.checkout_status.not_paid.title"), text: html`<p>${tHtml(l, "page.checkout_status.not_paid.text", { link: html`<a href="/checkout/${o.id}">${t(l, "page.checkout_status.not_paid.link")}</a>` })}</p>` };
      case "paid":
      case "placing":
        return { title: t(l, "page.checkout_status.placing.title"), text: p("page.checkout_status.placing.text") };
      case "awaiting_funds":
        return { title: t(l, "page.checkout_status.awaiting_funds.title"), text: p("page.checkout_status.awaiting_funds.text") };
      case "manual_queue":
        return { title: t(l, "page.checkout_status.manual_queue.title"), text: p("page.checkout_status.manual_queue.text") };
      case "needs_attention":
        return { title: t(l, "page.checkout_status.needs_attention.title"), text: p("page.checkout_status.needs_attention.text") };
      case "active":
        if (o.refunded_at) {
          return {
            title: t(l, "page.checkout_status.active_refunded.title"),
            text: html`<p>${o.upstream_expires_on ? t(l, "page.account_order.refunded_text", { date: day(o.refunded_at, l), until: day(o.upstream_expires_on, l) }) : t(l, "page.account_order.refunded_text_undated", { date: day(o.refunded_at, l) })}</p>`,
          };
        }
        return {
          title: t(l, "page.checkout_status.active.title"),
          text: html`<h2>${t(l, "page.checkout_status.active.next")}</h2><p>${tHtml(l, "page.checkout_status.active.text", { license: String(o.license_id), path: html`<b>${t(l, "page.checkout_status.active.path")}</b>` })}</p>`,
        };
      case "rejected":
      case "refunded":
        return {
          title: t(l, "page.checkout_status.refunded.title"),
          text: html`<p>${o.reason ? t(l, "page.checkout_status.refunded.reason", { reason: o.reason }) : t(l, "page.checkout_status.refunded.text")} <a href="/account/balance">${t(l, "page.checkout_status.see_balance")}</a>.</p>`,
        };
      case "cancelled":
        // The expiry job's reason is known and worded; a staff member's reason is shown as typed.
        if (o.reason === "not paid in time") return { title: t(l, "page.checkout_status.cancelled.title"), text: p("page.checkout_status.cancelled.unpaid") };
        return { title: t(l, "page.checkout_status.cancelled.title"), text: o.reason ? html`<p>${t(l, "page.checkout_status.cancelled.reason", { reason: o.reason })}</p>` : p("page.checkout_status.cancelled.text") };
      default:
        return { title: t(l, "page.checkout_status.other.title"), text: html`<p>${stateText(o, l)}</p>` };
    }
  }

  app.get<{ Params: { id: string } }>("/checkout/:id/status", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    try {
      const order = await visibleOrder(req, req.params.id);
      const me = currentCustomer(req);
      const { name, rows } = await summaryOf(order, me, l);
      const { title, text } = explanationOf(order, l);
      const refresh = refreshSecondsOf(order);
      const transfer = order.state === "pending_payment" && order.invoice_id && me ? await transferInstructions(order, l) : html``;
      const body = html`<section class="card" id="status" data-state="${order.state}"${refresh ? html` data-refresh="${String(refresh)}"` : ""}><h1>${title}</h1>
${text}
${transfer}
<h2>${name}</h2>
<dl class="facts">
${rows}
</dl>
${refresh ? html`<p class="muted">${t(l, "page.checkout_status.refreshes", { seconds: refresh })} <a href="/checkout/${order.id}/status" id="check-again">${t(l, "page.checkout_status.check_again")}</a></p>` : ""}
${me ? html`<p><a href="/account/orders">${t(l, "page.checkout_status.all_orders")}</a></p>` : ""}
</section>`;
      return sendCheckoutPage(req, reply, title, body, refresh ? { head: html`<script src="${STATUS_SCRIPT_PATH}" defer></script>` } : {});
    } catch (e) {
      return sendCheckoutError(req, reply, e);
    }
  });
}
