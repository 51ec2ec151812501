// Card payments through Stripe (docs/adr/0016-stripe.md, README.md beside this file).
//
// Money always enters through the customer's balance: a paid Checkout Session posts
// clearing:stripe → customer once (ledger key per session), and in the same transaction pays the
// order it was for from the balance — if that order still awaits payment. The webhook and the
// return URL both settle through `settle`, so whichever comes first credits and the other finds
// the session settled. Network calls (Stripe, upstream pre-checks) happen before or after a
// transaction, never inside one.
import type { Db, Tx } from "../../../db/database.ts";
import type { OrderRow, StripeCheckoutSessionRow } from "../../../db/schema.ts";
import type { Clock } from "../../../lib/clock.ts";
import { AppError, conflict, invalidInput, isAppError, notFound } from "../../../lib/errors.ts";
import type { IdGenerator } from "../../../lib/ids.ts";
import { exponentOf, format, type Money } from "../../../lib/money.ts";
import type { AlertsService } from "../../alerts/alerts.service.ts";
import type { CustomersRepo } from "../../customers/customers.repo.ts";
import { transfer, type AccountRef } from "../../ledger/ledger.logic.ts";
import type { LedgerService } from "../../ledger/ledger.service.ts";
import type { OrdersRepo } from "../../orders/orders.repo.ts";
import type { PaymentStart, PayOrderInput, TopUpInput } from "../payment-provider.ts";
import type { CheckoutSessionView, PaymentIntentView, StripeEventView, StripeGateway } from "./stripe.gateway.ts";
import type { StripeRepo } from "./stripe.repo.ts";

/** Who Stripe settlements act as, in timelines and the ledger. */
export const STRIPE_ACTOR = "system:stripe";

export const STRIPE_ALERTS = {
  /** A paid Checkout Session's amount or currency is not what we asked for; subject: session id. */
  amountMismatch: "stripe_amount_mismatch",
  /** A refund to card could not be completed; subject: refund id. */
  refundFailed: "stripe_refund_failed",
} as const;

const CLEARING: AccountRef = { kind: "clearing", owner: "stripe" };
/** Stripe lets a Checkout Session be paid for 24 hours; a second click within 23 reuses it. */
const REUSE_OPEN_SESSION_MS = 23 * 3600_000;
/** Stripe's largest amount for most currencies (8 digits of minor units). */
const MAX_AMOUNT_MINOR = 99_999_999;
/** Business refusals after which a paid session's money stays on the balance instead of paying the order. */
const PAYMENT_REFUSALS = new Set(["insufficient_funds", "illegal_transition", "conflict", "invalid_input", "not_found", "forbidden"]);

export interface SettleResult {
  /** credited | already_settled | mismatch | unpaid | unknown_session | duplicate_event | ignored */
  status: string;
  outcome: string;
  sessionId?: string;
}

export function createStripeService(deps: {
  db: Db;
  repo: StripeRepo;
  /** Null when Stripe is not configured: the provider is then disabled. */
  gateway: StripeGateway | null;
  customers: Pick<CustomersRepo, "findById" | "lock">;
  orders: Pick<OrdersRepo, "findById">;
  /**
   * Pays a pending order from the customer's balance inside `tx` (OrderService: tax, invoice,
   * transition, hand-over to fulfillment); throws an AppError when it cannot.
   */
  payOrder: (tx: Tx, orderId: string, customerId: string, actor: string) => Promise<unknown>;
  /** What the customer pays for an order, tax included. */
  totalOf: (order: OrderRow) => Promise<Money> | Money;
  /** Upstream checks before money is taken (automatic mode); throws an AppError naming the problem. */
  precheck?: (order: OrderRow) => Promise<void>;
  ledger: Pick<LedgerService, "post" | "balance">;
  alerts: Pick<AlertsService, "raise">;
  clock: Clock;
  ids: IdGenerator;
  /** PUBLIC_URL: Stripe sends the customer back to PUBLIC_URL/payments/stripe/return. */
  publicUrl: string;
  /** Told of what went wrong outside a request (a card that could not be saved, …). Never secrets. */
  warn?: (info: Record<string, unknown>, message: string) => void;
}) {
  const { db, repo, customers, orders, ledger, alerts, clock, ids } = deps;
  const now = () => clock.now().toISOString();
  const warn = deps.warn ?? (() => {});

  function gateway(): StripeGateway {
    if (!deps.gateway) throw new AppError("forbidden", "Card payments are not configured (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET)");
    return deps.gateway;
  }

  async function customerOf(id: string) {
    const c = await customers.findById(db, id);
    if (!c) throw notFound(`No customer ${id}`);
    return c;
  }

  /** The customer's Stripe customer object, created on first need (keeping a card needs one). */
  async function stripeCustomerOf(customerId: string, create: boolean): Promise<string | null> {
    const known = await repo.findCustomer(db, customerId);
    if (known || !create) return known?.stripe_customer_id ?? null;
    const c = await customerOf(customerId);
    // Keyed by our customer id: two clicks at once create one Stripe customer.
    const stripeId = await gateway().createCustomer({ email: c.email, name: c.name, customerId: c.id, idempotencyKey: `partnerbill:customer:${c.id}` });
    const at = now();
    await repo.insertCustomer(db, { customer_id: c.id, stripe_customer_id: stripeId, payment_method_id: null, card_label: null, card_saved_at: null, created_at: at, updated_at: at });
    return (await repo.findCustomer(db, customerId))!.stripe_customer_id;
  }

  async function startCheckout(input: {
    purpose: "order" | "top_up";
    order: OrderRow | null;
    customerId: string;
    amount: Money;
    returnUrl: string;
    cancelUrl: string;
    saveCard: boolean;
    description: string;
  }): Promise<PaymentStart> {
    const g = gateway();
    const saveCard = input.saveCard ? 1 : 0;
    const reusable = await repo.findOpenSession(db, {
      orderId: input.order?.id ?? null,
      customerId: input.customerId,
      amountMinor: input.amount.minor,
      currency: input.amount.currency,
      saveCard,
      createdAfter: new Date(clock.now().getTime() - REUSE_OPEN_SESSION_MS).toISOString(),
    });
    if (reusable) return { kind: "redirect", url: reusable.url };

    const customer = await customerOf(input.customerId);
    const stripeCustomerId = await stripeCustomerOf(customer.id, input.saveCard);
    const metadata: Record<string, string> = { partnerbill_purpose: input.purpose, partnerbill_customer: customer.id };
    if (input.order) metadata["partnerbill_order"] = input.order.id;
    const s = await g.createCheckoutSession({
      amount: input.amount,
      description: input.description,
      clientReferenceId: input.order?.id ?? customer.id,
      metadata,
      successUrl: `${deps.publicUrl}/payments/stripe/return?session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: input.cancelUrl,
      stripeCustomerId,
      email: customer.email,
      saveCard: input.saveCard,
      idempotencyKey: `partnerbill:checkout:${ids.next("chk")}`,
    });
    if (!s.url) throw new AppError("upstream_unavailable", "Stripe did not return a payment page; try again");
    await repo.insertSession(db, {
      id: s.id,
      purpose: input.purpose,
      order_id: input.order?.id ?? null,
      customer_id: customer.id,
      amount_minor: input.amount.minor,
      currency: input.amount.currency,
      save_card: saveCard,
      url: s.url,
      return_url: input.returnUrl,
      state: "open",
      payment_intent_id: null,
      outcome: null,
      created_at: now(),
      settled_at: null,
    });
    return { kind: "redirect", url: s.url };
  }

  /** PaymentProvider.payOrder: a Checkout Session for the order's total; the money arrives by webhook or return URL. */
  async function payOrder(input: PayOrderInput): Promise<PaymentStart> {
    gateway();
    const order = await orders.findById(db, input.orderId);
    if (!order) throw notFound(`No order ${input.orderId}`);
    if (order.state !== "pending_payment") throw new AppError("illegal_transition", `Order ${order.id} is ${order.state}, not awaiting payment`);
    if (order.customer_id && order.customer_id !== input.customerId) throw conflict("This order belongs to another customer");
    // As with a payment from the balance: upstream is asked before the customer's money is taken.
    // (The container's pre-check also refuses a second purchase of a license's module in flight.)
    if (order.kind === "purchase") await deps.precheck?.(order);
    const amount = await deps.totalOf(order);
    return startCheckout({
      purpose: "order",
      order,
      customerId: input.customerId,
      amount,
      returnUrl: input.returnUrl,
      cancelUrl: input.cancelUrl,
      saveCard: input.saveCard === true,
      description: `${order.kind === "renewal" ? "Renewal" : "Order"} ${order.id} — ispmanager license ${order.license_id}`,
    });
  }

  /** PaymentProvider.topUp: a Checkout Session for `amount`, credited to the balance when paid. */
  async function topUp(input: TopUpInput): Promise<PaymentStart> {
    gateway();
    exponentOf(input.amount.currency);
    if (!Number.isSafeInteger(input.amount.minor) || input.amount.minor <= 0) throw invalidInput("A top-up must be greater than zero");
    if (input.amount.minor > MAX_AMOUNT_MINOR) throw invalidInput(`A card payment can be at most ${format({ minor: MAX_AMOUNT_MINOR, currency: input.amount.currency })}`);
    return startCheckout({
      purpose: "top_up",
      order: null,
      customerId: input.customerId,
      amount: input.amount,
      returnUrl: input.returnUrl,
      cancelUrl: input.cancelUrl,
      saveCard: input.saveCard === true,
      description: `Balance top-up ${format(input.amount)}`,
    });
  }

  /**
   * The card of a paid session that asked to keep it. Read before the settling transaction (a
   * network call); a failure only means the card is not kept.
   */
  async function cardOf(row: StripeCheckoutSessionRow, s: CheckoutSessionView): Promise<PaymentIntentView | null> {
    if (row.save_card !== 1 || !s.paymentIntentId) return null;
    try {
      const pi = await gateway().retrievePaymentIntent(s.paymentIntentId);
      return pi.paymentMethodId ? pi : null;
    } catch (e) {
      warn({ session: row.id, error: e instanceof Error ? e.message : String(e) }, "stripe: the card could not be read; it is not kept for renewals");
      return null;
    }
  }

  async function recordEvent(tx: Tx, event: StripeEventView | null, objectId: string | null, outcome: string): Promise<void> {
    if (!event) return;
    await repo.insertEvent(tx, { id: event.id, type: event.type, object_id: objectId, outcome, received_at: now() });
  }

  /** The settling transaction; `pay` false credits only (after the order refused the payment). */
  async function settleTx(row: StripeCheckoutSessionRow, s: CheckoutSessionView, event: StripeEventView | null, card: PaymentIntentView | null, pay: { refusal: string } | true): Promise<SettleResult> {
    return db.transaction().execute(async (tx) => {
      // Serialises a webhook and a return for the same customer (PostgreSQL; SQLite serialises writers).
      await customers.lock(tx, row.customer_id);
      if (event && (await repo.findEvent(tx, event.id))) return { status: "duplicate_event", outcome: "already processed", sessionId: row.id };
      const fresh = (await repo.findSession(tx, row.id))!;
      if (fresh.state !== "open") {
        const outcome = `session already ${fresh.state}`;
        await recordEvent(tx, event, row.id, outcome);
        return { status: "already_settled", outcome, sessionId: row.id };
      }
      const asked: Money = { minor: Number(fresh.amount_minor), currency: fresh.currency };
      if (!s.amount || s.amount.minor !== asked.minor || s.amount.currency !== asked.currency) {
        const paid = s.amount ? format(s.amount) : "an unknown amount";
        const outcome = `paid ${paid}, but ${format(asked)} was asked: nothing credited`;
        await repo.settleSession(tx, row.id, { state: "mismatch", payment_intent_id: s.paymentIntentId, outcome, settled_at: now() });
        await alerts.raise(tx, {
          kind: STRIPE_ALERTS.amountMismatch,
          subject: row.id,
          message: `Stripe Checkout Session ${row.id} (customer ${row.customer_id}${row.order_id ? `, order ${row.order_id}` : ""}) was paid ${paid} instead of ${format(asked)}. Nothing was credited; check the payment in the Stripe Dashboard and credit or refund it by hand.`,
        });
        await recordEvent(tx, event, row.id, outcome);
        return { status: "mismatch", outcome, sessionId: row.id };
      }
      await ledger.post(tx, {
        kind: "payment_received",
        memo: `Card payment (Stripe ${row.id})`,
        orderId: row.order_id,
        actor: STRIPE_ACTOR,
        key: `stripe:checkout:${row.id}`,
        postings: transfer(CLEARING, { kind: "customer", owner: row.customer_id }, asked),
      });
      if (card?.paymentMethodId) await repo.saveCard(tx, row.customer_id, { payment_method_id: card.paymentMethodId, card_label: card.cardLabel, at: now() });
      let outcome = `credited ${format(asked)} to the balance`;
      if (row.purpose === "order" && row.order_id) {
        if (pay !== true) {
          outcome += `; order ${row.order_id} not paid (${pay.refusal}): the money stays on the balance`;
        } else {
          const order = await orders.findById(tx, row.order_id);
          if (order?.state === "pending_payment") {
            await deps.payOrder(tx, row.order_id, row.customer_id, STRIPE_ACTOR);
            outcome += `; order ${row.order_id} paid from it`;
          } else {
            outcome += `; order ${row.order_id} is ${order?.state ?? "gone"}: the money stays on the balance`;
          }
        }
      }
      await repo.settleSession(tx, row.id, { state: "credited", payment_intent_id: s.paymentIntentId, outcome, settled_at: now() });
      await recordEvent(tx, event, row.id, outcome);
      return { status: "credited", outcome, sessionId: row.id };
    });
  }

  /** A Checkout Session as Stripe reports it (webhook or return URL) becomes money on the balance, once. */
  async function settle(s: CheckoutSessionView, event: StripeEventView | null): Promise<SettleResult> {
    const row = await repo.findSession(db, s.id);
    if (!row) {
      // Not one of ours (another integration on the same Stripe account): acknowledged, ignored.
      if (event) await db.transaction().execute((tx) => recordEvent(tx, event, s.id, "not a partnerbill session: ignored"));
      return { status: "unknown_session", outcome: "not a partnerbill session" };
    }
    if (s.paymentStatus !== "paid") {
      // E.g. a delayed payment method: checkout.session.async_payment_succeeded comes later. The
      // event is not recorded, so that a later delivery of the same id still counts.
      return { status: "unpaid", outcome: `session ${s.id} is ${s.status ?? "open"}, payment ${s.paymentStatus}`, sessionId: s.id };
    }
    const card = row.state === "open" ? await cardOf(row, s) : null;
    try {
      return await settleTx(row, s, event, card, true);
    } catch (e) {
      if (!isAppError(e) || !PAYMENT_REFUSALS.has(e.code)) throw e;
      // The order could not be paid (its price changed, it was cancelled meanwhile, …): the
      // payment is still the customer's money, so it is credited on its own.
      warn({ session: s.id, order: row.order_id, error: e.message }, "stripe: paid session credited to the balance; the order was not paid");
      return settleTx(row, s, event, card, { refusal: e.message });
    }
  }

  /** A saved card was charged for a renewal (webhook or the charge's own answer): credit it once. */
  async function creditCharge(chargeId: string, pi: PaymentIntentView, event: StripeEventView | null): Promise<SettleResult> {
    const charge = await repo.findCharge(db, chargeId);
    if (!charge) {
      if (event) await db.transaction().execute((tx) => recordEvent(tx, event, pi.id, "no such charge: ignored"));
      return { status: "unknown_session", outcome: "no such charge" };
    }
    return db.transaction().execute(async (tx) => {
      await customers.lock(tx, charge.customer_id);
      if (event && (await repo.findEvent(tx, event.id))) return { status: "duplicate_event", outcome: "already processed" };
      const asked: Money = { minor: Number(charge.amount_minor), currency: charge.currency };
      if (pi.status !== "succeeded" || pi.amount.minor !== asked.minor || pi.amount.currency !== asked.currency) {
        const outcome = `payment ${pi.id} is ${pi.status} for ${format(pi.amount)}; ${format(asked)} was asked: nothing credited`;
        if (pi.status === "succeeded") {
          await alerts.raise(tx, { kind: STRIPE_ALERTS.amountMismatch, subject: pi.id, message: `Stripe PaymentIntent ${pi.id} (renewal order ${charge.order_id}) charged ${format(pi.amount)} instead of ${format(asked)}. Nothing was credited; check it in the Stripe Dashboard.` });
        }
        await recordEvent(tx, event, pi.id, outcome);
        return { status: "mismatch", outcome };
      }
      const posted = await ledger.post(tx, {
        kind: "payment_received",
        memo: `Saved card charged for renewal ${charge.order_id} (Stripe ${pi.id})`,
        orderId: charge.order_id,
        actor: STRIPE_ACTOR,
        key: `stripe:payment_intent:${pi.id}`,
        postings: transfer(CLEARING, { kind: "customer", owner: charge.customer_id }, asked),
      });
      await repo.finishCharge(tx, charge.id, { state: "succeeded", payment_intent_id: pi.id, error: null, updated_at: now() });
      const outcome = posted.created ? `credited ${format(asked)} for renewal ${charge.order_id}` : "already credited";
      await recordEvent(tx, event, pi.id, outcome);
      return { status: posted.created ? "credited" : "already_settled", outcome };
    });
  }

  /**
   * POST /payments/stripe/webhook: verifies the signature over the raw body, then acts on the event
   * once. Throws invalid_input for a bad signature (nothing changes).
   */
  async function handleWebhook(rawBody: Buffer, signature: string | undefined): Promise<SettleResult> {
    const event = gateway().verifyEvent(rawBody, signature);
    if (await repo.findEvent(db, event.id)) return { status: "duplicate_event", outcome: "already processed" };
    const o = event.object;
    switch (event.type) {
      case "checkout.session.completed":
      case "checkout.session.async_payment_succeeded":
        return settle(sessionFromEvent(o), event);
      case "payment_intent.succeeded": {
        const meta = (o["metadata"] ?? {}) as Record<string, string>;
        const chargeId = meta["partnerbill_charge"];
        // Checkout's own PaymentIntents settle through their session; only renewal charges are ours here.
        if (chargeId) return creditCharge(chargeId, intentFromEvent(o), event);
        break;
      }
    }
    await db.transaction().execute((tx) => recordEvent(tx, event, typeof o["id"] === "string" ? o["id"] : null, "ignored"));
    return { status: "ignored", outcome: `${event.type}: nothing to do` };
  }

  /**
   * GET /payments/stripe/return?session_id=…: Stripe sent the customer back. Asks Stripe how the
   * session stands and settles it like the webhook would; returns where the customer goes next.
   * Stripe being unreachable is not the customer's problem: the webhook settles it later.
   */
  async function returnFromCheckout(sessionId: string): Promise<{ redirectTo: string; result: SettleResult | null }> {
    const row = /^cs_[A-Za-z0-9_]{1,250}$/.test(sessionId) ? await repo.findSession(db, sessionId) : undefined;
    if (!row) throw notFound("There is no such card payment. If you paid, the payment will appear on your balance shortly.");
    if (row.state !== "open") return { redirectTo: row.return_url, result: { status: "already_settled", outcome: row.outcome ?? row.state, sessionId: row.id } };
    try {
      const s = await gateway().retrieveCheckoutSession(row.id);
      return { redirectTo: row.return_url, result: await settle(s, null) };
    } catch (e) {
      if (!isAppError(e) || (e.code !== "upstream_unavailable" && e.code !== "upstream_rejected")) throw e;
      warn({ session: row.id, error: e.message }, "stripe: return URL could not read the session; the webhook will settle it");
      return { redirectTo: row.return_url, result: null };
    }
  }

  /**
   * Renewals: when the balance does not cover a renewal order and the customer kept a card, the
   * shortfall is charged off-session — once per renewal order (recorded before the call, Stripe
   * idempotency key per order) — and credited to the balance; the renewal is then paid from the
   * balance as usual. Never throws: a card that cannot be charged leaves the renewal to reminders.
   */
  async function chargeRenewalShortfall(orderId: string): Promise<{ status: "disabled" | "not_needed" | "no_card" | "charged" | "failed" | "unknown" | "already_charged"; detail?: string }> {
    if (!deps.gateway) return { status: "disabled" };
    try {
      const order = await orders.findById(db, orderId);
      if (!order || order.state !== "pending_payment" || !order.customer_id) return { status: "not_needed" };
      const saved = await repo.findCustomer(db, order.customer_id);
      if (!saved?.payment_method_id) return { status: "no_card" };
      let charge = await repo.findChargeOfOrder(db, order.id);
      if (charge && charge.state !== "pending") return { status: charge.state === "succeeded" ? "already_charged" : "failed", detail: charge.error ?? undefined };
      if (!charge) {
        const total = await deps.totalOf(order);
        const balance = await ledger.balance(db, { kind: "customer", owner: order.customer_id }, total.currency);
        const shortfall = total.minor - Math.max(0, balance.minor);
        if (shortfall <= 0) return { status: "not_needed" };
        const at = now();
        await repo.insertCharge(db, {
          id: ids.next("sch"),
          order_id: order.id,
          customer_id: order.customer_id,
          amount_minor: shortfall,
          currency: total.currency,
          state: "pending",
          payment_intent_id: null,
          error: null,
          created_at: at,
          updated_at: at,
        });
        charge = (await repo.findChargeOfOrder(db, order.id))!;
        if (charge.state !== "pending") return { status: "already_charged" };
      }
      // A pending charge is (re)sent with the same key: Stripe answers a repeat with the first result.
      const amount: Money = { minor: Number(charge.amount_minor), currency: charge.currency };
      let r;
      try {
        r = await deps.gateway.chargeOffSession({
          amount,
          stripeCustomerId: saved.stripe_customer_id,
          paymentMethodId: saved.payment_method_id,
          description: `Renewal ${order.id} — ispmanager license ${order.license_id}`,
          metadata: { partnerbill_charge: charge.id, partnerbill_order: order.id, partnerbill_customer: order.customer_id },
          idempotencyKey: `partnerbill:renewal:${order.id}`,
        });
      } catch (e) {
        const detail = e instanceof Error ? e.message : String(e);
        warn({ order: order.id, charge: charge.id, error: detail }, "stripe: renewal charge outcome unknown; retried with the same key on the next scan");
        return { status: "unknown", detail };
      }
      if (r.status === "failed") {
        await repo.finishCharge(db, charge.id, { state: "failed", payment_intent_id: r.paymentIntentId, error: r.message, updated_at: now() });
        return { status: "failed", detail: r.message };
      }
      const credited = await creditCharge(charge.id, r.paymentIntent, null);
      return credited.status === "credited" || credited.status === "already_settled" ? { status: "charged" } : { status: "failed", detail: credited.outcome };
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      warn({ order: orderId, error: detail }, "stripe: renewal charge failed");
      return { status: "unknown", detail };
    }
  }

  /**
   * Refund to card: money on the customer's balance goes back to the card that paid it
   * (customer → clearing:stripe, then Stripe's refunds.create). Idempotent per `key`: calling again
   * with the same key finishes a refund whose outcome was unknown, or returns the finished one.
   * Money spent on an order is first returned to the balance by refunding the order.
   */
  async function refund(input: { paymentIntentId?: string; sessionId?: string; amount?: Money; reason: string; key: string; actor: string }) {
    const g = gateway();
    if (!input.reason.trim()) throw invalidInput("A refund needs a reason");
    if (!input.key.trim()) throw invalidInput("A refund needs an idempotency key");
    let row = await repo.findRefundByKey(db, input.key);
    if (!row) {
      const session = input.sessionId
        ? await repo.findSession(db, input.sessionId)
        : input.paymentIntentId ? await repo.findSessionByPaymentIntent(db, input.paymentIntentId) : undefined;
      const charge = !session && input.paymentIntentId ? await repo.findChargeByPaymentIntent(db, input.paymentIntentId) : undefined;
      const paid = session?.state === "credited" && session.payment_intent_id
        ? { pi: session.payment_intent_id, customerId: session.customer_id, amount: { minor: Number(session.amount_minor), currency: session.currency } }
        : charge?.state === "succeeded" && charge.payment_intent_id
          ? { pi: charge.payment_intent_id, customerId: charge.customer_id, amount: { minor: Number(charge.amount_minor), currency: charge.currency } }
          : null;
      if (!paid) throw notFound("No card payment received through Stripe matches that session or payment");
      const amount = input.amount ?? paid.amount;
      if (amount.currency !== paid.amount.currency) throw invalidInput(`The payment was in ${paid.amount.currency}`);
      if (!Number.isSafeInteger(amount.minor) || amount.minor <= 0) throw invalidInput("A refund must be greater than zero");
      const id = ids.next("srf");
      row = await db.transaction().execute(async (tx) => {
        await customers.lock(tx, paid.customerId);
        const again = await repo.findRefundByKey(tx, input.key);
        if (again) return again;
        const left = paid.amount.minor - (await repo.refundedOf(tx, paid.pi));
        if (amount.minor > left) throw invalidInput(`At most ${format({ minor: left, currency: amount.currency })} of this payment can still be refunded`);
        const balance = await ledger.balance(tx, { kind: "customer", owner: paid.customerId }, amount.currency);
        if (balance.minor < amount.minor) {
          throw new AppError("insufficient_funds", `The customer's balance ${format(balance)} is less than the refund ${format(amount)}; refund the order to the balance first`);
        }
        const at = now();
        const r = {
          id, key: input.key, payment_intent_id: paid.pi, customer_id: paid.customerId, amount_minor: amount.minor, currency: amount.currency,
          reason: input.reason.trim(), state: "pending" as const, stripe_refund_id: null, error: null, actor: input.actor, created_at: at, updated_at: at,
        };
        await repo.insertRefund(tx, r);
        await ledger.post(tx, {
          kind: "refund_to_card",
          memo: `Refund to card (Stripe ${paid.pi}): ${r.reason}`,
          actor: input.actor,
          key: `stripe:refund:${id}`,
          postings: transfer({ kind: "customer", owner: paid.customerId }, CLEARING, amount),
        });
        return r;
      });
    }
    if (row.state !== "pending") return row;
    const amount: Money = { minor: Number(row.amount_minor), currency: row.currency };
    try {
      const r = await g.createRefund({ paymentIntentId: row.payment_intent_id, amount, metadata: { partnerbill_refund: row.id, partnerbill_customer: row.customer_id }, idempotencyKey: `partnerbill:refund:${row.id}` });
      if (r.status === "failed" || r.status === "canceled") throw new AppError("upstream_rejected", `Stripe refund ${r.id} is ${r.status}`);
      await repo.finishRefund(db, row.id, { state: "succeeded", stripe_refund_id: r.id, error: null, updated_at: now() });
    } catch (e) {
      if (isAppError(e) && e.code === "upstream_rejected") {
        // Stripe said no: the money goes back onto the balance, and staff are told.
        const refused = row;
        await db.transaction().execute(async (tx) => {
          if (!(await repo.finishRefund(tx, refused.id, { state: "failed", stripe_refund_id: null, error: e.message, updated_at: now() }))) return;
          await ledger.post(tx, {
            kind: "refund_to_card_reversed",
            memo: `Refund to card refused by Stripe: ${e.message}`,
            actor: STRIPE_ACTOR,
            key: `stripe:refund:${refused.id}:reversed`,
            postings: transfer(CLEARING, { kind: "customer", owner: refused.customer_id }, amount),
          });
          await alerts.raise(tx, { kind: STRIPE_ALERTS.refundFailed, subject: refused.id, message: `Refund ${refused.id} of ${format(amount)} to card (Stripe ${refused.payment_intent_id}) was refused: ${e.message}. The money is back on customer ${refused.customer_id}'s balance.` });
        });
      }
      throw e;
    }
    return (await repo.findRefundByKey(db, input.key))!;
  }

  return {
    enabled: () => deps.gateway !== null,
    payOrder,
    topUp,
    handleWebhook,
    returnFromCheckout,
    settle,
    chargeRenewalShortfall,
    refund,
    sessions: (f: { orderId?: string; customerId?: string } = {}) => repo.listSessions(db, f),
    savedCard: async (customerId: string) => {
      const c = await repo.findCustomer(db, customerId);
      return c?.payment_method_id ? { label: c.card_label, savedAt: c.card_saved_at } : null;
    },
    /** The customer no longer wants renewals charged to their card. */
    forgetCard: (customerId: string) => repo.forgetCard(db, customerId, now()),
  };
}

export type StripeService = ReturnType<typeof createStripeService>;

function sessionFromEvent(o: Record<string, unknown>): CheckoutSessionView {
  const currency = typeof o["currency"] === "string" ? o["currency"].toUpperCase() : null;
  const total = typeof o["amount_total"] === "number" ? o["amount_total"] : null;
  const pi = o["payment_intent"];
  return {
    id: String(o["id"]),
    url: typeof o["url"] === "string" ? o["url"] : null,
    status: typeof o["status"] === "string" ? o["status"] : null,
    paymentStatus: typeof o["payment_status"] === "string" ? o["payment_status"] : "unpaid",
    amount: total !== null && currency ? { minor: total, currency } : null,
    paymentIntentId: typeof pi === "string" ? pi : pi && typeof pi === "object" && "id" in pi ? String((pi as { id: unknown }).id) : null,
    clientReferenceId: typeof o["client_reference_id"] === "string" ? o["client_reference_id"] : null,
    metadata: (o["metadata"] ?? {}) as Record<string, string>,
  };
}

function intentFromEvent(o: Record<string, unknown>): PaymentIntentView {
  const pm = o["payment_method"];
  return {
    id: String(o["id"]),
    status: String(o["status"]),
    amount: { minor: Number(o["amount"]), currency: String(o["currency"] ?? "").toUpperCase() },
    paymentMethodId: typeof pm === "string" ? pm : null,
    cardLabel: null,
    metadata: (o["metadata"] ?? {}) as Record<string, string>,
  };
}
