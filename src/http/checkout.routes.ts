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
import { randomBytes } from "node:crypto";
import { ORDER_STATE_TEXT } from "./portal/common.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import type { OrderRow } from "../db/schema.ts";
import { isAppError, notFound, type ErrorCode } from "../lib/errors.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { format, subtract, type Money } from "../lib/money.ts";
import type { Params } from "../modules/catalog/pricelist.logic.ts";
import type { Charge } from "../modules/orders/orders.logic.ts";
import type { PaymentProviderId } from "../modules/payments/payment-provider.ts";
import { field, notice, redirect } from "./auth-pages.ts";
import { demoMailboxNote } from "./demo-mailbox.routes.ts";
import { sendError } from "./errors.ts";
import { page } from "./pages.ts";
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

export async function handleBuyRedirect(req: FastifyRequest, reply: FastifyReply, c: Container, params: Params) {
  const secure = c.config.PUBLIC_URL.startsWith("https:");
  try {
    const key = browserKeyOf(req, reply, secure);
    const { order } = await c.orders.intake(params, key);
    return reply.code(303).header("location", `/checkout/${order.id}`).header("cache-control", "no-store").send();
  } catch (e) {
    return sendError(req, reply, e, "page");
  }
}

const PAGE = { config: { surface: "page" as const } };
const ORDER_ID = /^ord_[a-z0-9]{6,40}$/;
const METHODS: readonly PaymentProviderId[] = ["balance", "stripe", "bank_transfer"];

/** The short status shown on the checkout: the portal's wording, with what happens after payment. */
const STATE_TEXT: Record<string, string> = { ...ORDER_STATE_TEXT, paid: "Paid — ordering the module" };

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

function periodText(months: number): string {
  return months === 12 ? "12 months" : "1 month";
}

function percent(bp: number): string {
  return `${(bp / 100).toFixed(bp % 100 === 0 ? 0 : 2)}%`;
}

/** What the pay form promises: a payment happens only if the order still costs this. */
function expectationOf(o: OrderRow, charge: Charge): string {
  return `${o.period_months}:${charge.total}:${o.currency}`;
}

/** Origins the checkout page's forms may lead to: this site, and Stripe's payment page. */
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

  function sendCheckoutPage(req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, o: { status?: number; head?: SafeHtml } = {}) {
    return reply
      .code(o.status ?? 200)
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(page(req, title, body, { nav: portalNav(req, "checkout"), head: html`${o.head ?? ""}` }));
  }

  async function moduleNameOf(o: OrderRow): Promise<{ name: string; yearly: Money | undefined; monthly: Money | undefined }> {
    const entry = await c.catalog.getModule(o.module_id).catch(() => undefined);
    return { name: entry?.module.name ?? `Module ${o.tariff_id}`, yearly: entry?.prices[12], monthly: entry?.prices[1] };
  }

  async function summaryOf(o: OrderRow, me: SignedInCustomer | null): Promise<{ name: string; charge: Charge; rows: SafeHtml; monthly?: Money; yearly?: Money }> {
    const [mod, charge, settings] = await Promise.all([moduleNameOf(o), c.orders.quote(o.id, me?.id ?? null), c.settings.get()]);
    const m = (minor: number) => format({ minor, currency: o.currency });
    const taxName = settings.tax.name || "Tax";
    const taxRow = charge.reverseCharge
      ? html`<tr><th>${taxName}</th><td>Reverse charge: ${taxName} is accounted for by you, the buyer</td></tr>`
      : charge.tax === 0
        ? html`<tr><th>${taxName}</th><td>none</td></tr>`
        : html`<tr><th>${taxName} ${percent(charge.rateBp)}</th><td>${m(charge.tax)}${settings.tax.pricesIncludeTax ? " (included in the price)" : ""}</td></tr>`;
    const rows = html`<tr><th>Order</th><td><code>${o.id}</code></td></tr>
<tr><th>ispmanager license</th><td>${String(o.license_id)}${o.ip ? html` (${o.ip})` : ""}</td></tr>
<tr><th>Period</th><td>${periodText(o.period_months)}</td></tr>
<tr><th>Price</th><td>${m(Number(o.price_minor))}</td></tr>
${taxRow}
<tr><th>Total</th><td><b>${m(charge.total)}</b></td></tr>
<tr><th>Status</th><td>${STATE_TEXT[o.state] ?? o.state}</td></tr>`;
    return { name: mod.name, charge, rows, ...(mod.monthly ? { monthly: mod.monthly } : {}), ...(mod.yearly ? { yearly: mod.yearly } : {}) };
  }

  // ---- the checkout page ------------------------------------------------------------------------

  async function checkoutPage(req: FastifyRequest, reply: FastifyReply, order: OrderRow, o: { status?: number; message?: SafeHtml } = {}) {
    const me = currentCustomer(req);
    const { name, charge, rows, monthly, yearly } = await summaryOf(order, me);
    const path = `/checkout/${order.id}`;
    const total: Money = { minor: charge.total, currency: order.currency };
    // Before money is taken, say what upstream says about the license (automatic mode).
    const check = order.fulfillment === "automatic" && order.kind === "purchase" ? await c.fulfillment.precheck(order) : null;
    const cancelled = (req.query as Record<string, unknown>)["card"] === "cancelled";

    const periodForm =
      yearly && monthly && !order.invoice_id
        ? html`<form method="post" action="${path}/period" class="period">${csrfField(req)}
${order.period_months === 12
  ? html`<button class="link" type="submit" name="period" value="1">Pay monthly instead: ${format(monthly)} / month</button>`
  : html`<button class="link" type="submit" name="period" value="12">Pay yearly instead: ${format(yearly)} / year</button>`}
</form>`
        : html``;

    let pay: SafeHtml;
    if (!me) {
      pay = html`<div class="card" id="sign-in"><h2>Sign in or create an account to pay</h2>
<p class="muted">Your account keeps your modules, invoices and balance. After confirming a new account you come straight back to this order.</p>
<div class="grid">
<form method="post" action="/account/login">${csrfField(req)}<input type="hidden" name="next" value="${path}">
<h3>I have an account</h3>
<label for="login-email">E-mail</label><input id="login-email" name="email" type="email" autocomplete="username" required maxlength="254">
<label for="login-password">Password</label><input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<p><button type="submit">Sign in</button> <a href="/account/forgot?next=${encodeURIComponent(path)}">Forgot your password?</a></p>
</form>
<form method="post" action="/account/signup">${csrfField(req)}<input type="hidden" name="next" value="${path}">
<h3>I am new here</h3>
<label for="signup-email">E-mail</label><input id="signup-email" name="email" type="email" autocomplete="username" required maxlength="254">
<p class="muted">We e-mail you a link; you choose your password after opening it, and come back to this order.</p>
<p><button type="submit">Create account</button></p>
</form>
</div>${demoMailboxNote(c)}</div>`;
    } else {
      const balance = await c.ledger.balance(c.db, { kind: "customer", owner: me.id }, order.currency);
      const short = balance.minor < total.minor ? subtract(total, balance) : null;
      const demoMoney = await c.demo.hasCredit(c.db, me.id);
      const offered = new Set((await c.payments.providers()).map((p) => p.id));
      pay = html`<div class="card" id="pay"><h2>Pay ${format(total)}</h2>
<p class="muted">Signed in as <b>${me.email}</b>.</p>
<form method="post" action="${path}/pay">${csrfField(req)}<input type="hidden" name="expect" value="${expectationOf(order, charge)}">
<div class="method" id="pay-balance"><h3>From your balance</h3>
<p>Balance: <b>${format(balance)}</b>${demoMoney ? html` <span class="badge">includes demo money</span>` : ""}</p>
${demoMoney ? html`<p class="muted">Demo mode: your account was given demo money when you confirmed it. Nothing is charged for real and the module is ordered from the built-in sandbox, not from ispmanager.</p>` : ""}
${short
  ? html`<p class="notice error">Your balance is <b>${format(short)}</b> short. <a href="/account/balance">Top up your balance</a>, or pay by ${offered.has("stripe") ? "card or " : ""}bank transfer below.</p>
<p><button type="submit" name="method" value="balance" disabled>Pay ${format(total)} from balance</button></p>`
  : html`<p><button type="submit" name="method" value="balance">Pay ${format(total)} from balance</button></p>`}
</div>
${offered.has("stripe")
  ? html`<div class="method" id="pay-card"><h3>By card</h3><p class="muted">You enter your card on Stripe's payment page and come back here.</p>
<p><button type="submit" name="method" value="stripe">Pay ${format(total)} by card</button></p></div>`
  : ""}
${offered.has("bank_transfer")
  ? html`<div class="method" id="pay-transfer"><h3>By bank transfer</h3><p class="muted">You get an invoice with our bank details and a payment reference. The module is ordered once our staff see your transfer arrive, usually within one or two working days.</p>
<p><button type="submit" name="method" value="bank_transfer">Get an invoice for bank transfer</button></p></div>`
  : ""}
</form></div>`;
    }

    const body = html`<div class="card" id="order"><h1>${name}</h1>${o.message ?? ""}
${cancelled ? notice("ok", "The card payment was cancelled; nothing was charged. Choose another way or try again.") : ""}
<table>
${rows}
</table>
${periodForm}
${check && check.ok === false ? html`<p class="notice error">This order cannot be paid: ${check.problem}</p>` : ""}
${check && check.ok === "unknown" ? html`<p class="notice">We cannot check your license right now: ${check.problem}</p>` : ""}
${order.invoice_id ? html`<p class="notice">An invoice for bank transfer was issued for this order. <a href="${path}/status">See the transfer instructions</a> — or pay another way below.</p>` : ""}
</div>
${pay}`;
    return sendCheckoutPage(req, reply, `Order ${order.id}`, body, o.status ? { status: o.status } : {});
  }

  app.get<{ Params: { id: string } }>("/checkout/:id", PAGE, async (req, reply) => {
    try {
      const order = await visibleOrder(req, req.params.id);
      if (order.state !== "pending_payment") return redirect(reply, `/checkout/${order.id}/status`);
      return checkoutPage(req, reply, order);
    } catch (e) {
      return sendError(req, reply, e, "page");
    }
  });

  /** A refused request shown on the checkout page (or the status page once the order moved on). */
  async function refused(req: FastifyRequest, reply: FastifyReply, orderId: string, e: unknown) {
    if (!isAppError(e) || e.code === "not_found") return sendError(req, reply, e, "page");
    const now = await visibleOrder(req, orderId);
    // A repeated submission whose first one went through: show where the order is.
    if (now.state !== "pending_payment") return redirect(reply, `/checkout/${now.id}/status`);
    const details = e.details as { shortfall?: string } | undefined;
    const message = e.code === "insufficient_funds" && details?.shortfall
      ? html`<p class="notice error" role="alert">${e.message}. <a href="/account/balance">Top up your balance</a> or choose another way to pay.</p>`
      : notice("error", e.message);
    return checkoutPage(req, reply, now, { status: statusOfRefusal(e.code), message });
  }

  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>("/checkout/:id/period", PAGE, async (req, reply) => {
    try {
      const order = await visibleOrder(req, req.params.id);
      if (order.state !== "pending_payment") return redirect(reply, `/checkout/${order.id}/status`);
      const period = field(req.body, "period");
      if (period !== "1" && period !== "12") {
        return checkoutPage(req, reply, order, { status: 400, message: notice("error", "Choose 1 or 12 months.") });
      }
      if (Number(period) !== order.period_months) await c.orders.choosePeriod(order.id, Number(period));
      return redirect(reply, `/checkout/${order.id}`);
    } catch (e) {
      return refused(req, reply, req.params.id, e);
    }
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>("/checkout/:id/pay", PAGE, async (req, reply) => {
    try {
      const order = await visibleOrder(req, req.params.id);
      const me = currentCustomer(req);
      if (order.state !== "pending_payment") return redirect(reply, `/checkout/${order.id}/status`);
      if (!me) return checkoutPage(req, reply, order, { status: 401, message: notice("error", "Sign in or create an account first; then choose how to pay.") });
      const method = field(req.body, "method");
      if (!(METHODS as readonly string[]).includes(method)) {
        return checkoutPage(req, reply, order, { status: 400, message: notice("error", "Choose how to pay: from your balance, by card or by bank transfer.") });
      }
      // The customer pays what the page showed them, or nothing: the period, a price or the tax
      // rules may have changed since (another tab, staff).
      const charge = await c.orders.quote(order.id, me.id);
      if (field(req.body, "expect") !== expectationOf(order, charge)) {
        return checkoutPage(req, reply, order, { status: 409, message: notice("error", "This order changed after the page was shown, so nothing was charged. Check the figures below and pay again.") });
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

  async function transferInstructions(order: OrderRow): Promise<SafeHtml> {
    const invoiceId = order.invoice_id!;
    const [settings, transfer] = await Promise.all([c.settings.get(), c.payments.findTransfer(invoiceId).catch(() => undefined)]);
    const s = settings.seller;
    const total = format({ minor: Number(order.total_minor ?? order.price_minor), currency: order.currency });
    return html`<h2>How to pay</h2>
<p>Transfer <b>${total}</b> to our bank account and quote the payment reference, so that we can match your payment to this order.</p>
<table id="transfer">
<tr><th>Amount</th><td>${total}</td></tr>
${s.legalName ? html`<tr><th>Beneficiary</th><td>${s.legalName}</td></tr>` : ""}
${s.iban ? html`<tr><th>IBAN</th><td><code>${s.iban}</code></td></tr>` : ""}
${s.bic ? html`<tr><th>BIC</th><td><code>${s.bic}</code></td></tr>` : ""}
${s.bankName ? html`<tr><th>Bank</th><td>${s.bankName}</td></tr>` : ""}
<tr><th>Payment reference</th><td><code>${transfer?.reference ?? "see the invoice"}</code></td></tr>
</table>
${s.iban ? "" : html`<p class="muted">Our bank details are on the invoice.</p>`}
<p><a href="/account/invoices/${invoiceId}">Open the invoice</a> (print it or save it as PDF). When our staff see the money arrive they confirm it, and the module is ordered at once; this page follows it.</p>`;
  }

  function explanationOf(o: OrderRow): { title: string; text: SafeHtml } {
    switch (o.state) {
      case "pending_payment":
        return o.invoice_id
          ? { title: "Awaiting your bank transfer", text: html`<p>We issued an invoice for this order. It stays reserved for you until the invoice is due.</p>` }
          : { title: "Not paid yet", text: html`<p>This order is waiting for payment. If you have just paid by card, this page updates by itself in a few seconds; otherwise <a href="/checkout/${o.id}">go back to the checkout</a>.</p>` };
      case "paid":
      case "placing":
        return { title: "Payment received — ordering your module", text: html`<p>We are ordering the module from ispmanager for your license. This usually takes a few seconds; this page updates by itself.</p>` };
      case "awaiting_funds":
        return { title: "Paid — your module will be ordered shortly", text: html`<p>Your payment is safe. Our account at ispmanager is being topped up, and the module is ordered automatically as soon as it is — there is nothing you need to do.</p>` };
      case "manual_queue":
        return { title: "Paid — our staff will activate your module", text: html`<p>Your payment is safe. Modules are activated by our staff here, usually within one working day. This page updates by itself, and you will also get an e-mail.</p>` };
      case "needs_attention":
        return { title: "Paid — our staff are checking your order", text: html`<p>Your payment is safe. ispmanager did not give a clear answer when we ordered the module, so our staff check by hand before anything is ordered again. You will not be charged twice.</p>` };
      case "active":
        return {
          title: "Your module is active",
          text: html`<h2>What to do now</h2><p>The module is active on license ${String(o.license_id)}. In ispmanager open <b>License management → Update license information</b> and it appears at once — or do nothing: ispmanager refreshes the license information once a day.</p>`,
        };
      case "rejected":
      case "refunded":
        return {
          title: "Refunded",
          text: html`<p>ispmanager did not accept the order${o.reason ? html` (${o.reason})` : ""}, so nothing was bought. The full amount went back to your balance: use it for another order, or ask us to pay it out. <a href="/account/balance">See your balance</a>.</p>`,
        };
      case "cancelled":
        return {
          title: "Cancelled",
          text: html`<p>This order was cancelled${o.reason ? html` (${o.reason})` : ""}. Nothing was charged. To buy the module, start again from the Buy button in ispmanager.</p>`,
        };
      default:
        return { title: STATE_TEXT[o.state] ?? o.state, text: html`` };
    }
  }

  app.get<{ Params: { id: string } }>("/checkout/:id/status", PAGE, async (req, reply) => {
    try {
      const order = await visibleOrder(req, req.params.id);
      const me = currentCustomer(req);
      const { name, rows } = await summaryOf(order, me);
      const { title, text } = explanationOf(order);
      const refresh = refreshSecondsOf(order);
      const transfer = order.state === "pending_payment" && order.invoice_id && me ? await transferInstructions(order) : html``;
      const body = html`<div class="card" id="status" data-state="${order.state}"><h1>${title}</h1>
${text}
${transfer}
<h2>${name}</h2>
<table>
${rows}
</table>
${refresh ? html`<p class="muted">This page refreshes itself every ${String(refresh)} seconds.</p>` : ""}
${me ? html`<p><a href="/account/orders">All your orders</a></p>` : ""}
</div>`;
      return sendCheckoutPage(req, reply, title, body, refresh ? { head: html`<meta http-equiv="refresh" content="${String(refresh)}">` } : {});
    } catch (e) {
      return sendError(req, reply, e, "page");
    }
  });
}
