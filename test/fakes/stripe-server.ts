// A local fake of the few Stripe API endpoints partnerbill uses, over real HTTP on 127.0.0.1, so
// the official `stripe` SDK runs unchanged against it (STRIPE_API_URL = fake.url). It honours the
// contract the SDK relies on:
//   - Bearer authentication with the secret key (401 invalid_request_error otherwise);
//   - form-encoded request bodies with bracket notation (line_items[0][price_data][currency]=eur),
//     query strings for GET (expand[0]=payment_method);
//   - Stripe's JSON objects and error objects ({error: {type, code, message, param}}, with 400 for
//     bad requests, 402 for card errors, 404 for unknown objects);
//   - idempotency keys: the same key with the same parameters replays the first answer
//     (Idempotent-Replayed: true), with other parameters is a 400 idempotency_error.
// Beyond the API it plays stripe.com for the customer: a session's `url` is a page on this server
// with a Pay button (for browser tests), and tests can complete a session directly as if the
// customer had paid, then deliver the signed webhook event to partnerbill — signed with the SDK's
// own `webhooks.generateTestHeaderString`.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { readBody } from "./read-body.ts";

type Obj = Record<string, any>;

export interface SeenStripeRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  status: number;
}

export interface Delivery {
  status: number;
  body: string;
}

export interface StripeFake {
  /** Base URL for STRIPE_API_URL, e.g. http://127.0.0.1:40123 */
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** Where signed events are delivered (partnerbill's /payments/stripe/webhook); set once partnerbill listens. */
  setWebhookUrl(url: string): void;
  requests: SeenStripeRequest[];
  sessions: Map<string, Obj>;
  paymentIntents: Map<string, Obj>;
  customers: Map<string, Obj>;
  paymentMethods: Map<string, Obj>;
  refunds: Map<string, Obj>;
  /** Every event the fake created, in order. */
  events: Obj[];
  /**
   * The customer pays the session on "stripe.com": a succeeded PaymentIntent with a card (saved
   * on the customer when setup_future_usage asked for it). `amountTotal`/`currency` let a test
   * make Stripe report something other than what was asked. Returns the checkout.session.completed event.
   */
  completeSession(id: string, opts?: { amountTotal?: number; currency?: string; card?: { brand: string; last4: string } }): Obj;
  /** Creates an event of `type` for `object` (as Stripe would) without delivering it. */
  createEvent(type: string, object: Obj): Obj;
  /** The exact body and Stripe-Signature header Stripe would send for `event`. */
  sign(event: Obj, opts?: { secret?: string; timestamp?: number }): { payload: string; header: string };
  /** POSTs the signed event to the webhook URL, as Stripe's servers do. */
  deliver(event: Obj, opts?: { secret?: string; timestamp?: number; header?: string }): Promise<Delivery>;
  /** Makes off-session charges of this payment method fail with a card error (e.g. card_declined, authentication_required). */
  declineCard(paymentMethodId: string, code: string): void;
  /** Events are delivered automatically when the browser pays on the fake's page (default true). */
  autoDeliver: boolean;
  close(): Promise<void>;
}

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function stripeId(prefix: string, n = 24): string {
  const bytes = randomBytes(n);
  let s = "";
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return `${prefix}_${s}`;
}

/** qs-style bracket notation into nested objects; numeric keys become arrays. */
export function parseStripeForm(text: string): Obj {
  const root: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.replace(/\]/g, "").split("[");
    let node: any = root;
    for (let i = 0; i < parts.length; i++) {
      const k = parts[i]!;
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(parts[i + 1]!);
      const key = k === "" && Array.isArray(node) ? String(node.length) : k;
      if (last) {
        node[key] = value;
      } else {
        node[key] ??= nextIsIndex ? [] : {};
        node = node[key];
      }
    }
  }
  return root;
}

class StripeApiError extends Error {
  constructor(readonly status: number, readonly body: Obj) {
    super(String(body["message"]));
  }
}

function invalid(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError(400, { type: "invalid_request_error", message, ...(param ? { param } : {}), ...(code ? { code } : {}) });
}

function missing(param: string): StripeApiError {
  return invalid(`Missing required param: ${param}.`, param, "parameter_missing");
}

function intParam(v: unknown, param: string): number {
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw invalid(`Invalid integer: ${String(v)}`, param, "parameter_invalid_integer");
  return Number(v);
}

function currencyParam(v: unknown, param: string): string {
  if (typeof v !== "string" || !/^[a-z]{3}$/.test(v)) throw invalid(`Invalid currency: ${String(v)}. Stripe currently supports these currencies: usd, eur, …`, param);
  return v;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export async function startStripeFake(opts: { secretKey?: string; webhookSecret?: string; webhookUrl?: string } = {}): Promise<StripeFake> {
  const secretKey = opts.secretKey ?? `sk_test_fake${randomBytes(12).toString("hex")}`;
  const webhookSecret = opts.webhookSecret ?? `whsec_fake${randomBytes(12).toString("hex")}`;
  let webhookUrl = opts.webhookUrl ?? "";
  const signer = new Stripe("sk_test_signer_only").webhooks;

  const requests: SeenStripeRequest[] = [];
  const sessions = new Map<string, Obj>();
  const paymentIntents = new Map<string, Obj>();
  const customers = new Map<string, Obj>();
  const paymentMethods = new Map<string, Obj>();
  const refunds = new Map<string, Obj>();
  const events: Obj[] = [];
  const declines = new Map<string, string>();
  const idempotency = new Map<string, { fingerprint: string; status: number; body: string }>();
  const now = () => Math.floor(Date.now() / 1000);
  let base = "";

  function createEvent(type: string, object: Obj): Obj {
    const event = {
      id: stripeId("evt"),
      object: "event",
      api_version: Stripe.API_VERSION,
      created: now(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    events.push(event);
    return event;
  }

  function sign(event: Obj, o: { secret?: string; timestamp?: number } = {}) {
    // Stripe sends events pretty-printed; the signature covers these exact bytes.
    const payload = JSON.stringify(event, null, 2);
    const header = signer.generateTestHeaderString({ payload, secret: o.secret ?? webhookSecret, ...(o.timestamp !== undefined ? { timestamp: o.timestamp } : {}) });
    return { payload, header };
  }

  async function deliver(event: Obj, o: { secret?: string; timestamp?: number; header?: string } = {}): Promise<Delivery> {
    if (!webhookUrl) throw new Error("stripe fake: no webhook URL set (setWebhookUrl)");
    const { payload, header } = sign(event, o);
    const res = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": o.header ?? header, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
      body: payload,
    });
    return { status: res.status, body: await res.text() };
  }

  function paymentMethodFor(card: { brand: string; last4: string } = { brand: "visa", last4: "4242" }): Obj {
    const pm = {
      id: stripeId("pm"),
      object: "payment_method",
      type: "card",
      card: { brand: card.brand, last4: card.last4, exp_month: 12, exp_year: 2034, funding: "credit", country: "US" },
      customer: null as string | null,
      created: now(),
      livemode: false,
      metadata: {},
    };
    paymentMethods.set(pm.id, pm);
    return pm;
  }

  function completeSession(id: string, o: { amountTotal?: number; currency?: string; card?: { brand: string; last4: string } } = {}): Obj {
    const s = sessions.get(id);
    if (!s) throw new Error(`stripe fake: no session ${id}`);
    if (s["status"] !== "open") throw new Error(`stripe fake: session ${id} is ${s["status"]}`);
    const pm = paymentMethodFor(o.card);
    const futureUsage = s["_payment_intent_data"]?.["setup_future_usage"] ?? null;
    if (futureUsage && s["customer"]) pm["customer"] = s["customer"];
    if (o.amountTotal !== undefined) s["amount_total"] = o.amountTotal;
    if (o.currency !== undefined) s["currency"] = o.currency;
    const pi = {
      id: stripeId("pi"),
      object: "payment_intent",
      amount: s["amount_total"],
      amount_received: s["amount_total"],
      currency: s["currency"],
      customer: s["customer"],
      payment_method: pm["id"],
      setup_future_usage: futureUsage,
      status: "succeeded",
      latest_charge: stripeId("ch"),
      metadata: { ...(s["_payment_intent_data"]?.["metadata"] ?? {}) },
      created: now(),
      livemode: false,
    };
    paymentIntents.set(pi.id, pi);
    s["status"] = "complete";
    s["payment_status"] = "paid";
    s["payment_intent"] = pi.id;
    return createEvent("checkout.session.completed", publicSession(s));
  }

  /** A session as the API shows it (without the fake's own bookkeeping). */
  function publicSession(s: Obj): Obj {
    return Object.fromEntries(Object.entries(s).filter(([k]) => !k.startsWith("_")));
  }

  function createSession(p: Obj): Obj {
    if (p["mode"] !== "payment") throw p["mode"] ? invalid(`Invalid mode: ${p["mode"]}`, "mode") : missing("mode");
    if (!p["success_url"]) throw missing("success_url");
    const items = p["line_items"];
    if (!Array.isArray(items) || items.length === 0) throw invalid("line_items is required in payment mode.", "line_items");
    let total = 0;
    let currency: string | null = null;
    items.forEach((li: Obj, i: number) => {
      const pd = li["price_data"];
      if (!pd) throw missing(`line_items[${i}][price_data]`);
      const c = currencyParam(pd["currency"], `line_items[${i}][price_data][currency]`);
      if (currency && c !== currency) throw invalid("All line items must use the same currency.", `line_items[${i}][price_data][currency]`);
      currency = c;
      if (!pd["product_data"]?.["name"]) throw missing(`line_items[${i}][price_data][product_data][name]`);
      total += intParam(pd["unit_amount"], `line_items[${i}][price_data][unit_amount]`) * intParam(li["quantity"], `line_items[${i}][quantity]`);
    });
    if (total < 50) throw invalid("The Checkout Session's total amount due must add up to at least 0.50", "line_items", "amount_too_small");
    if (p["customer"] && !customers.has(p["customer"])) throw new StripeApiError(400, { type: "invalid_request_error", message: `No such customer: '${p["customer"]}'`, param: "customer", code: "resource_missing" });
    if (p["customer"] && p["customer_email"]) throw invalid("You may only specify one of these parameters: customer, customer_email.", "customer_email");
    const id = stripeId("cs_test", 58);
    const s: Obj = {
      id,
      object: "checkout.session",
      amount_subtotal: total,
      amount_total: total,
      cancel_url: p["cancel_url"] ?? null,
      client_reference_id: p["client_reference_id"] ?? null,
      created: now(),
      currency,
      customer: p["customer"] ?? null,
      customer_email: p["customer_email"] ?? null,
      expires_at: now() + 24 * 3600,
      livemode: false,
      metadata: p["metadata"] ?? {},
      mode: "payment",
      payment_intent: null,
      payment_status: "unpaid",
      status: "open",
      success_url: p["success_url"],
      url: `${base}/pay/${id}`,
      _payment_intent_data: p["payment_intent_data"] ?? {},
    };
    sessions.set(id, s);
    return publicSession(s);
  }

  function createCustomer(p: Obj): Obj {
    const c = { id: stripeId("cus", 14), object: "customer", email: p["email"] ?? null, name: p["name"] ?? null, metadata: p["metadata"] ?? {}, created: now(), livemode: false };
    customers.set(c.id, c);
    return c;
  }

  function retrieveIntent(id: string, expand: string[]): Obj {
    const pi = paymentIntents.get(id);
    if (!pi) throw new StripeApiError(404, { type: "invalid_request_error", message: `No such payment_intent: '${id}'`, param: "intent", code: "resource_missing" });
    const out: Obj = { ...pi };
    if (expand.includes("payment_method") && pi["payment_method"]) out["payment_method"] = paymentMethods.get(pi["payment_method"]) ?? pi["payment_method"];
    return out;
  }

  function createIntent(p: Obj): Obj {
    const amount = intParam(p["amount"], "amount");
    const currency = currencyParam(p["currency"], "currency");
    if (p["confirm"] !== "true" || p["off_session"] !== "true") throw invalid("This fake supports only confirm=true off_session=true PaymentIntents.");
    const customer = p["customer"];
    if (!customer || !customers.has(customer)) throw new StripeApiError(400, { type: "invalid_request_error", message: `No such customer: '${customer}'`, param: "customer", code: "resource_missing" });
    const pm = paymentMethods.get(p["payment_method"]);
    if (!pm) throw new StripeApiError(400, { type: "invalid_request_error", message: `No such PaymentMethod: '${p["payment_method"]}'`, param: "payment_method", code: "resource_missing" });
    if (pm["customer"] !== customer) throw invalid(`The provided PaymentMethod was previously used without being attached to a Customer or was detached from a Customer, and may not be used again.`, "payment_method");
    const pi: Obj = {
      id: stripeId("pi"),
      object: "payment_intent",
      amount,
      amount_received: 0,
      currency,
      customer,
      description: p["description"] ?? null,
      payment_method: pm["id"],
      status: "succeeded",
      latest_charge: stripeId("ch"),
      metadata: p["metadata"] ?? {},
      created: now(),
      livemode: false,
    };
    const decline = declines.get(pm["id"]);
    if (decline) {
      pi["status"] = decline === "authentication_required" ? "requires_action" : "requires_payment_method";
      paymentIntents.set(pi["id"], pi);
      throw new StripeApiError(402, {
        type: "card_error",
        code: decline,
        ...(decline === "card_declined" ? { decline_code: "generic_decline" } : {}),
        message: decline === "authentication_required" ? "Your card was declined. This transaction requires authentication." : "Your card was declined.",
        payment_intent: pi,
        payment_method: pm,
      });
    }
    pi["amount_received"] = amount;
    paymentIntents.set(pi["id"], pi);
    return pi;
  }

  function createRefund(p: Obj): Obj {
    const pi = paymentIntents.get(p["payment_intent"]);
    if (!pi) throw new StripeApiError(400, { type: "invalid_request_error", message: `No such payment_intent: '${p["payment_intent"]}'`, param: "payment_intent", code: "resource_missing" });
    if (pi["status"] !== "succeeded") throw invalid("This PaymentIntent does not have a successful charge to refund.", "payment_intent");
    const already = [...refunds.values()].filter((r) => r["payment_intent"] === pi["id"]).reduce((a, r) => a + Number(r["amount"]), 0);
    const amount = p["amount"] === undefined ? pi["amount_received"] - already : intParam(p["amount"], "amount");
    if (amount <= 0 || already + amount > pi["amount_received"]) {
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${pi["amount_received"] - already})`, "amount", already >= pi["amount_received"] ? "charge_already_refunded" : "amount_too_large");
    }
    const r = { id: stripeId("re"), object: "refund", amount, currency: pi["currency"], payment_intent: pi["id"], charge: pi["latest_charge"], status: "succeeded", metadata: p["metadata"] ?? {}, created: now() };
    refunds.set(r.id, r);
    return r;
  }

  /** One API request: authenticated, parsed, routed. */
  function route(method: string, path: string, params: Obj): Obj {
    let m: RegExpExecArray | null;
    if (method === "POST" && path === "/v1/checkout/sessions") return createSession(params);
    if (method === "GET" && (m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path))) {
      const s = sessions.get(decodeURIComponent(m[1]!));
      if (!s) throw new StripeApiError(404, { type: "invalid_request_error", message: `No such checkout.session: '${decodeURIComponent(m[1]!)}'`, param: "session", code: "resource_missing" });
      return publicSession(s);
    }
    if (method === "POST" && path === "/v1/customers") return createCustomer(params);
    if (method === "POST" && path === "/v1/payment_intents") return createIntent(params);
    if (method === "GET" && (m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path))) {
      const expand = Array.isArray(params["expand"]) ? params["expand"] : [];
      return retrieveIntent(decodeURIComponent(m[1]!), expand);
    }
    if (method === "POST" && path === "/v1/refunds") return createRefund(params);
    throw new StripeApiError(404, { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` });
  }

  function send(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", "request-id": stripeId("req", 14), "stripe-version": Stripe.API_VERSION, ...extra });
    res.end(body);
  }

  async function api(req: IncomingMessage, res: ServerResponse, seen: SeenStripeRequest): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const auth = req.headers["authorization"];
    if (auth !== `Bearer ${secretKey}`) {
      const shown = typeof auth === "string" && auth.startsWith("Bearer ") ? `${auth.slice(7, 15)}****${auth.slice(-4)}` : "";
      seen.status = 401;
      return send(res, 401, JSON.stringify({ error: { type: "invalid_request_error", message: shown ? `Invalid API Key provided: ${shown}` : "You did not provide an API key." } }));
    }
    const params = req.method === "GET" ? parseStripeForm(url.search.slice(1)) : parseStripeForm(seen.body);
    if (req.method === "POST" && req.headers["content-type"] !== "application/x-www-form-urlencoded") {
      seen.status = 400;
      return send(res, 400, JSON.stringify({ error: { type: "invalid_request_error", message: "Content-Type must be application/x-www-form-urlencoded" } }));
    }
    const key = req.method === "POST" ? req.headers["idempotency-key"] : undefined;
    const fingerprint = createHash("sha256").update(`${req.method} ${url.pathname} ${seen.body}`).digest("hex");
    if (typeof key === "string") {
      const prior = idempotency.get(key);
      if (prior) {
        if (prior.fingerprint !== fingerprint) {
          seen.status = 400;
          return send(res, 400, JSON.stringify({ error: { type: "idempotency_error", message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } }));
        }
        seen.status = prior.status;
        return send(res, prior.status, prior.body, { "idempotent-replayed": "true", "idempotency-key": key });
      }
    }
    let status = 200;
    let body: string;
    try {
      body = JSON.stringify(route(req.method ?? "GET", url.pathname, params));
    } catch (e) {
      if (!(e instanceof StripeApiError)) throw e;
      status = e.status;
      body = JSON.stringify({ error: e.body });
    }
    // Stripe keeps the first answer to a key, errors included (except when it could not run).
    if (typeof key === "string") idempotency.set(key, { fingerprint, status, body });
    seen.status = status;
    send(res, status, body, typeof key === "string" ? { "idempotency-key": key } : {});
  }

  /** The hosted payment page, for browser tests: Pay completes the session and delivers the webhook. */
  async function payPage(req: IncomingMessage, res: ServerResponse, id: string, seen: SeenStripeRequest): Promise<void> {
    const s = sessions.get(id);
    if (!s) {
      seen.status = 404;
      res.writeHead(404, { "content-type": "text/html; charset=utf-8" }).end("<h1>This payment page does not exist</h1>");
      return;
    }
    if (req.method === "POST") {
      const form = new URLSearchParams(seen.body);
      if (form.get("action") === "cancel") {
        seen.status = 303;
        res.writeHead(303, { location: s["cancel_url"] ?? "/" }).end();
        return;
      }
      if (s["status"] === "open") {
        const event = completeSession(id);
        if (fake.autoDeliver && webhookUrl) await deliver(event).catch(() => undefined);
      }
      seen.status = 303;
      res.writeHead(303, { location: String(s["success_url"]).replace("{CHECKOUT_SESSION_ID}", id) }).end();
      return;
    }
    const amount = (Number(s["amount_total"]) / 100).toFixed(2);
    seen.status = 200;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(`<!doctype html><html><head><title>Stripe Checkout (fake)</title></head><body>
<h1>Pay ${escapeHtml(amount)} ${escapeHtml(String(s["currency"]).toUpperCase())}</h1>
<p>Test card 4242 4242 4242 4242 (this is the local Stripe fake)</p>
${s["status"] === "open" ? `<form method="post"><button name="action" value="pay" id="pay">Pay</button> <button name="action" value="cancel" id="cancel">Cancel</button></form>` : `<p>This session is ${escapeHtml(String(s["status"]))}.</p>`}
</body></html>`);
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const seen: SeenStripeRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: await readBody(req), status: 0 };
      requests.push(seen);
      const path = (req.url ?? "/").split("?", 1)[0]!;
      const pay = /^\/pay\/([A-Za-z0-9_]+)$/.exec(path);
      if (pay) return payPage(req, res, pay[1]!, seen);
      return api(req, res, seen);
    })().catch((e) => {
      res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { type: "api_error", message: String(e) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: StripeFake = {
    url: base,
    secretKey,
    webhookSecret,
    setWebhookUrl: (u) => { webhookUrl = u; },
    requests,
    sessions,
    paymentIntents,
    customers,
    paymentMethods,
    refunds,
    events,
    completeSession,
    createEvent,
    sign,
    deliver,
    declineCard: (pm, code) => { declines.set(pm, code); },
    autoDeliver: true,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  return fake;
}
