// The Buy redirect (PROTOCOL.md §2.4) and the checkout page. A browser arrives from the panel with
// module, license, ip and module_id; a good request becomes a pending order and a redirect to its
// checkout page, a bad one a readable 400 page naming the problem — and nothing stored.
// Sign-in and payment pages come with customer accounts; until then the page shows the order and
// staff pay it with `partnerbill orders pay`.
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { notFound } from "../lib/errors.ts";
import { html } from "../lib/html.ts";
import { format } from "../lib/money.ts";
import type { Params } from "../modules/catalog/pricelist.logic.ts";
import { sendError } from "./errors.ts";
import { page } from "./pages.ts";

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

const STATE_TEXT: Record<string, string> = {
  pending_payment: "Awaiting payment",
  paid: "Paid — ordering the module",
  placing: "Ordering the module from ispmanager",
  active: "Active",
  needs_attention: "Paid — our staff are checking the order",
  awaiting_funds: "Paid — the order will be placed shortly",
  manual_queue: "Paid — our staff will activate the module shortly",
  rejected: "Rejected",
  refunded: "Refunded to your balance",
  cancelled: "Cancelled",
};

export function registerCheckoutRoutes(app: FastifyInstance, c: Container): void {
  app.get<{ Params: { id: string } }>("/checkout/:id", { config: { surface: "page" } }, async (req, reply) => {
    const id = req.params.id;
    const order = /^ord_[a-z0-9]{6,40}$/.test(id) ? await c.orders.find(id) : undefined;
    if (!order) return sendError(req, reply, notFound("There is no such order. Start again from the Buy button in ispmanager."), "page");
    const entry = await c.catalog.getModule(order.module_id).catch(() => undefined);
    const price = { minor: Number(order.price_minor), currency: order.currency };
    const active = order.state === "active";
    // Before money is taken, say what upstream says about the license (automatic mode).
    const check = order.state === "pending_payment" && order.fulfillment === "automatic" ? await c.fulfillment.precheck(order) : null;
    return reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(
        page(
          `Order ${order.id}`,
          html`<div class="card"><h1>${entry?.module.name ?? `Module ${order.tariff_id}`}</h1>
<table>
<tr><th>Order</th><td><code>${order.id}</code></td></tr>
<tr><th>ispmanager license</th><td>${String(order.license_id)}${order.ip ? html` (${order.ip})` : ""}</td></tr>
<tr><th>Period</th><td>${order.period_months === 12 ? "12 months" : "1 month"}</td></tr>
<tr><th>Price</th><td>${format(price)}</td></tr>
<tr><th>Status</th><td>${STATE_TEXT[order.state] ?? order.state}</td></tr>
</table>
${active
  ? html`<h2>What to do now</h2><p>The module is active on your license. In ispmanager open <b>Main menu → License management → Update license information</b> to see it at once, or wait for the daily license refresh.</p>`
  : order.state === "pending_payment"
    ? html`${check && check.ok === false ? html`<p class="error">This order cannot be paid: ${check.problem}</p>` : ""}
${check && check.ok === "unknown" ? html`<p class="error">We cannot check your license right now: ${check.problem}</p>` : ""}
<p class="muted">Online payment opens here soon. Until then our staff can take the payment for this order: quote the order number above.</p>`
    : ""}
</div>`,
        ),
      );
  });
}
