// Pure rules of outgoing webhooks (ADR 0019): which domain events become which webhook events,
// what an endpoint URL may be, the body receivers get, and the signature over it.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AlertRow, CustomerModuleRow, OrderRow } from "../../db/schema.ts";
import { invalidInput } from "../../lib/errors.ts";

export const WEBHOOK_EVENTS = {
  "order.paid": "An order was paid (purchase or renewal)",
  "order.active": "An order's module is active upstream (a purchase placed, a renewal prolonged)",
  "order.failed": "An order could not be fulfilled and was rejected (its money is refunded)",
  "module.renewed": "A customer's module was renewed; its expiry moved",
  "module.expired": "A customer's module expired unrenewed",
  "alert.opened": "An alert opened (a condition staff must look at; docs/adr/0031)",
  "alert.resolved": "An alert closed: its condition cleared, or staff resolved it",
} as const;
export type WebhookEvent = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as WebhookEvent[];
/** Sent only by the "send test event" button, to one endpoint, whatever it subscribes to. */
export const TEST_EVENT = "webhook.test";

/** Header names (lower case, as HTTP/2 and undici send them). */
export const HEADERS = {
  signature: "partnerbill-signature",
  eventId: "partnerbill-event-id",
  eventType: "partnerbill-event-type",
  delivery: "partnerbill-delivery-id",
} as const;

const ORDER_EVENT_OF_STATE: Partial<Record<string, WebhookEvent>> = {
  paid: "order.paid",
  active: "order.active",
  rejected: "order.failed",
};
const MODULE_EVENT_OF_KIND: Partial<Record<string, WebhookEvent>> = {
  renewed: "module.renewed",
  expired: "module.expired",
};

export function orderEventFor(toState: string): WebhookEvent | null {
  return ORDER_EVENT_OF_STATE[toState] ?? null;
}
export function moduleEventFor(kind: string): WebhookEvent | null {
  return MODULE_EVENT_OF_KIND[kind] ?? null;
}

export function isWebhookEvent(s: string): s is WebhookEvent {
  return Object.hasOwn(WEBHOOK_EVENTS, s);
}

/** Events as chosen (repeated or comma-separated): known names, each once, in list order. */
export function parseEvents(input: readonly string[]): WebhookEvent[] {
  const names = input.flatMap((s) => s.split(/[\s,]+/)).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw invalidInput(`Choose at least one event: ${WEBHOOK_EVENT_NAMES.join(", ")}`);
  const unknown = names.find((n) => !isWebhookEvent(n));
  if (unknown !== undefined) throw invalidInput(`Unknown event ${JSON.stringify(unknown.slice(0, 40))}; events are ${WEBHOOK_EVENT_NAMES.join(", ")}`);
  return WEBHOOK_EVENT_NAMES.filter((e) => names.includes(e));
}

export function eventsFromText(text: string): WebhookEvent[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is WebhookEvent => typeof x === "string" && isWebhookEvent(x)) : [];
  } catch {
    return [];
  }
}

/**
 * An endpoint URL: absolute http(s), no user:password (a secret in a URL ends up in logs and
 * pages), at most 2000 characters. Which hosts it may reach is an operator's choice (ADR 0019).
 */
export function checkEndpointUrl(text: string): string {
  const t = text.trim();
  if (t.length === 0 || t.length > 2000) throw invalidInput("The URL must be 1 to 2000 characters");
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    throw invalidInput("The URL is not a valid absolute URL, e.g. https://example.com/hooks/partnerbill");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw invalidInput("The URL must start with https:// or http://");
  if (u.username || u.password) throw invalidInput("The URL must not carry a user name or password; the signature proves who sends");
  if (!u.hostname) throw invalidInput("The URL needs a host");
  u.hash = "";
  return u.toString();
}

const DESCRIPTION_RE = /^[^\u0000-\u001f\u007f]{0,200}$/;
export function checkDescription(text: string): string {
  const d = text.trim();
  if (!DESCRIPTION_RE.test(d)) throw invalidInput("A description is up to 200 printable characters");
  return d;
}

/** A new signing secret: whsec_ and 32 random bytes in hex. */
export function newSigningSecret(random: (n: number) => Buffer = randomBytes): string {
  return `whsec_${random(32).toString("hex")}`;
}

/** HMAC-SHA256 of `${timestamp}.${body}` with the endpoint's secret, hex. */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** The Partnerbill-Signature header: `t=<unix seconds>,v1=<hex>`. */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

/**
 * What a receiver does (and the tests do): recompute the HMAC over the raw body, compare in
 * constant time, and refuse timestamps older than `toleranceSeconds` (replays).
 */
export function verifySignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = new Map(header.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const t = Number(parts.get("t"));
  const v1 = parts.get("v1");
  if (!Number.isSafeInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const a = Buffer.from(signatureOf(secret, t, body), "hex");
  const b = Buffer.from(v1, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

// ---- bodies: a stable contract, not the tables' columns ---------------------------------------

export function orderData(o: OrderRow) {
  return {
    id: o.id,
    kind: o.kind,
    state: o.state,
    customerId: o.customer_id,
    moduleId: o.module_id,
    tariffId: Number(o.tariff_id),
    licenseId: Number(o.license_id),
    ip: o.ip,
    periodMonths: Number(o.period_months),
    price: { minor: Number(o.price_minor), currency: o.currency },
    total: o.total_minor === null ? null : { minor: Number(o.total_minor), currency: o.currency },
    fulfillment: o.fulfillment,
    upstreamServiceId: o.upstream_service_id === null ? null : Number(o.upstream_service_id),
    upstreamExpiresOn: o.upstream_expires_on,
    reason: o.reason,
    createdAt: o.created_at,
    paidAt: o.paid_at,
    activatedAt: o.activated_at,
  };
}

export function moduleData(cm: CustomerModuleRow) {
  return {
    id: cm.id,
    customerId: cm.customer_id,
    moduleId: cm.module_id,
    tariffId: Number(cm.tariff_id),
    licenseId: Number(cm.license_id),
    ip: cm.ip,
    periodMonths: Number(cm.period_months),
    state: cm.state,
    expiresOn: cm.expires_on,
    upstreamServiceId: Number(cm.upstream_service_id),
  };
}

/** The JSON text sent (and signed) on every attempt of one delivery. */
export function eventBody(e: { id: string; type: string; createdAt: string; data: Record<string, unknown> }): string {
  return JSON.stringify({ id: e.id, type: e.type, createdAt: e.createdAt, data: e.data });
}

/** The `alert` object of alert.opened / alert.resolved bodies; `openSeconds` once resolved. */
export function alertData(a: AlertRow): Record<string, unknown> {
  return {
    id: a.id,
    kind: a.kind,
    subject: a.subject,
    message: a.message,
    openedAt: a.created_at,
    resolvedAt: a.resolved_at,
    resolvedBy: a.resolved_by,
    openSeconds: a.resolved_at ? Math.max(0, Math.round((Date.parse(a.resolved_at) - Date.parse(a.created_at)) / 1000)) : null,
  };
}
