// The only code that talks to Stripe: the official SDK behind a handful of calls partnerbill makes,
// with Stripe's shapes turned into ours (upper-case currencies, ids instead of expandable objects)
// and Stripe's errors into AppErrors. The secret key stays inside the SDK instance: it is never
// logged, never part of an error message, never in a URL (the SDK sends it as a Bearer header).
import { createRequire } from "node:module";
import type Stripe from "stripe";
import { AppError } from "../../../lib/errors.ts";
import type { Money } from "../../../lib/money.ts";

export interface StripeGatewayOptions {
  secretKey: string;
  webhookSecret: string;
  /** STRIPE_API_URL: another API host (a proxy, stripe-mock, the tests' fake). */
  apiUrl?: string | undefined;
  timeoutMs?: number;
}

/** A Checkout Session as partnerbill needs it. */
export interface CheckoutSessionView {
  id: string;
  url: string | null;
  /** open | complete | expired */
  status: string | null;
  /** paid | unpaid | no_payment_required */
  paymentStatus: string;
  /** What the customer was charged (null before Stripe knows it). */
  amount: Money | null;
  paymentIntentId: string | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
}

export interface PaymentIntentView {
  id: string;
  status: string;
  amount: Money;
  paymentMethodId: string | null;
  /** "visa •••• 4242" when the payment method is a card. */
  cardLabel: string | null;
  metadata: Record<string, string>;
}

/** A verified webhook event; `object` is the event's data.object as Stripe sent it. */
export interface StripeEventView {
  id: string;
  type: string;
  object: Record<string, unknown>;
}

export type OffSessionResult =
  | { status: "succeeded"; paymentIntent: PaymentIntentView }
  /** The card was declined or needs the customer (3-D Secure): a definite no. */
  | { status: "failed"; code: string; message: string; paymentIntentId: string | null };

/** Stripe answered, and said no: retrying the same request cannot change the answer. */
export class StripeRefusal extends AppError {
  constructor(message: string, readonly stripeCode: string | null) {
    super("upstream_rejected", message, stripeCode ? { stripe: stripeCode } : undefined);
  }
}

function upper(currency: string | null | undefined): string | null {
  return currency ? currency.toUpperCase() : null;
}

function idOf(v: string | { id: string } | null | undefined): string | null {
  if (!v) return null;
  return typeof v === "string" ? v : v.id;
}

function cardLabelOf(pm: Stripe.PaymentMethod | string | null): string | null {
  if (!pm || typeof pm === "string" || !pm.card) return null;
  return `${pm.card.brand} •••• ${pm.card.last4}`;
}

export function sessionView(s: Stripe.Checkout.Session): CheckoutSessionView {
  const currency = upper(s.currency);
  return {
    id: s.id,
    url: s.url ?? null,
    status: s.status ?? null,
    paymentStatus: s.payment_status,
    amount: s.amount_total !== null && s.amount_total !== undefined && currency ? { minor: s.amount_total, currency } : null,
    paymentIntentId: idOf(s.payment_intent),
    clientReferenceId: s.client_reference_id ?? null,
    metadata: { ...(s.metadata ?? {}) },
  };
}

function intentView(pi: Stripe.PaymentIntent): PaymentIntentView {
  return {
    id: pi.id,
    status: pi.status,
    amount: { minor: pi.amount, currency: pi.currency.toUpperCase() },
    paymentMethodId: idOf(pi.payment_method),
    cardLabel: cardLabelOf(pi.payment_method),
    metadata: { ...(pi.metadata ?? {}) },
  };
}

/**
 * Maps what the SDK threw to an AppError without Stripe's raw text where it could carry request
 * data: a refusal (4xx) names Stripe's error code; no answer or a 5xx is "unavailable", because the
 * request may or may not have taken effect (idempotency keys make a retry safe).
 */
// The SDK (some 500 modules) loads when a gateway is made — only with STRIPE_SECRET_KEY set — not
// with every process that imports the container (docs/adr/0032).
const require = createRequire(import.meta.url);
let sdk: typeof Stripe | undefined;
function loadStripe(): typeof Stripe {
  sdk ??= require("stripe") as typeof Stripe;
  return sdk;
}

function translate(e: unknown, what: string): AppError {
  const Stripe = loadStripe();
  if (e instanceof Stripe.errors.StripeError) {
    const status = e.statusCode ?? 0;
    if (status >= 400 && status < 500 && status !== 409 && status !== 429) {
      const code = e.code ?? e.rawType ?? "invalid_request";
      // Stripe's messages for refusals are meant for people ("Your card was declined."); an
      // authentication failure's message quotes part of the key, so it gets ours instead.
      const text = e instanceof Stripe.errors.StripeAuthenticationError || e instanceof Stripe.errors.StripePermissionError
        ? "Stripe did not accept partnerbill's API key (check STRIPE_SECRET_KEY)"
        : e.message;
      return new StripeRefusal(`${what}: Stripe refused (${code}): ${text}`, code);
    }
    return new AppError("upstream_unavailable", `${what}: Stripe did not answer in time or failed (${e.type}); try again`);
  }
  return new AppError("upstream_unavailable", `${what}: Stripe could not be reached; try again`);
}

export function createStripeGateway(opts: StripeGatewayOptions) {
  const api = opts.apiUrl ? new URL(opts.apiUrl) : null;
  const protocol = api?.protocol === "http:" ? "http" : "https";
  const Stripe = loadStripe();
  const stripe = new Stripe(opts.secretKey, {
    ...(api ? { host: api.hostname.replace(/^\[|\]$/g, ""), port: api.port || (protocol === "http" ? 80 : 443), protocol } : {}),
    timeout: opts.timeoutMs ?? 20_000,
    // Every POST carries our own idempotency key, so the SDK's retries are safe.
    maxNetworkRetries: 2,
    appInfo: { name: "partnerbill" },
  });

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw translate(e, what);
    }
  }

  return {
    async createCheckoutSession(input: {
      amount: Money;
      description: string;
      clientReferenceId: string;
      metadata: Record<string, string>;
      successUrl: string;
      cancelUrl: string;
      /** The customer's Stripe customer (needed to keep the card); else their e-mail is prefilled. */
      stripeCustomerId: string | null;
      email: string | null;
      saveCard: boolean;
      idempotencyKey: string;
    }): Promise<CheckoutSessionView> {
      const s = await call("Creating the card payment", () =>
        stripe.checkout.sessions.create(
          {
            mode: "payment",
            line_items: [
              {
                quantity: 1,
                price_data: { currency: input.amount.currency.toLowerCase(), unit_amount: input.amount.minor, product_data: { name: input.description } },
              },
            ],
            client_reference_id: input.clientReferenceId,
            metadata: input.metadata,
            success_url: input.successUrl,
            cancel_url: input.cancelUrl,
            ...(input.stripeCustomerId ? { customer: input.stripeCustomerId } : input.email ? { customer_email: input.email } : {}),
            payment_intent_data: {
              metadata: input.metadata,
              ...(input.saveCard ? { setup_future_usage: "off_session" as const } : {}),
            },
          },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return sessionView(s);
    },

    async retrieveCheckoutSession(id: string): Promise<CheckoutSessionView> {
      return sessionView(await call("Reading the card payment", () => stripe.checkout.sessions.retrieve(id)));
    },

    async retrievePaymentIntent(id: string): Promise<PaymentIntentView> {
      return intentView(await call("Reading the card payment", () => stripe.paymentIntents.retrieve(id, { expand: ["payment_method"] })));
    },

    async createCustomer(input: { email: string; name: string | null; customerId: string; idempotencyKey: string }): Promise<string> {
      const c = await call("Registering the customer with Stripe", () =>
        stripe.customers.create(
          { email: input.email, ...(input.name ? { name: input.name } : {}), metadata: { partnerbill_customer: input.customerId } },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return c.id;
    },

    /** Charges a saved card without the customer present (renewals). Throws only when the outcome is unknown. */
    async chargeOffSession(input: {
      amount: Money;
      stripeCustomerId: string;
      paymentMethodId: string;
      description: string;
      metadata: Record<string, string>;
      idempotencyKey: string;
    }): Promise<OffSessionResult> {
      try {
        const pi = await stripe.paymentIntents.create(
          {
            amount: input.amount.minor,
            currency: input.amount.currency.toLowerCase(),
            customer: input.stripeCustomerId,
            payment_method: input.paymentMethodId,
            off_session: true,
            confirm: true,
            description: input.description,
            metadata: input.metadata,
          },
          { idempotencyKey: input.idempotencyKey },
        );
        if (pi.status === "succeeded") return { status: "succeeded", paymentIntent: intentView(pi) };
        return { status: "failed", code: pi.status, message: `The payment is ${pi.status}`, paymentIntentId: pi.id };
      } catch (e) {
        const t = translate(e, "Charging the saved card");
        if (t instanceof StripeRefusal) {
          const raw = e as { raw?: { payment_intent?: { id?: string } } };
          return { status: "failed", code: t.stripeCode ?? "card_error", message: t.message, paymentIntentId: raw.raw?.payment_intent?.id ?? null };
        }
        throw t;
      }
    },

    async createRefund(input: { paymentIntentId: string; amount: Money; metadata: Record<string, string>; idempotencyKey: string }): Promise<{ id: string; status: string }> {
      const r = await call("Refunding to the card", () =>
        stripe.refunds.create(
          { payment_intent: input.paymentIntentId, amount: input.amount.minor, metadata: input.metadata },
          { idempotencyKey: input.idempotencyKey },
        ),
      );
      return { id: r.id, status: r.status ?? "pending" };
    },

    /** Checks the Stripe-Signature header against the raw body; throws invalid_input when it does not match. */
    verifyEvent(rawBody: Buffer, signature: string | undefined): StripeEventView {
      if (!signature) throw new AppError("invalid_input", "Missing Stripe-Signature header");
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signature, opts.webhookSecret);
      } catch {
        throw new AppError("invalid_input", "Stripe signature verification failed");
      }
      return { id: event.id, type: event.type, object: event.data.object as unknown as Record<string, unknown> };
    },
  };
}

export type StripeGateway = ReturnType<typeof createStripeGateway>;
