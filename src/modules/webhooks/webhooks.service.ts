// Outgoing webhooks (ADR 0019). Three parts:
//   - endpoints: added (the signing secret returned once, stored sealed with SECRET_KEY), enabled,
//     disabled, removed — each with its audit entry in the same transaction;
//   - the domain-event listener: inside the transaction that changed an order or module, one
//     delivery row per subscribed endpoint and one webhook.deliver job each (the outbox), so a
//     rolled-back change sends nothing;
//   - deliver(): one signed POST for one delivery, outside any transaction (the job handler calls
//     it); the delivery row is the log: attempts, last status, last error, delivered or failed.
import type { Db, Executor } from "../../db/database.ts";
import type { WebhookDeliveryRow, WebhookEndpointRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { open, seal } from "../../lib/secret-box.ts";
import type { AuditContext } from "../audit/audit.logic.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { DomainEvent } from "../events/domain-events.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import type { WebhookSender } from "./webhook.transport.ts";
import { REFUSED_TARGET, type WebhookTargetPolicy } from "./webhook-target.ts";
import type { WebhooksRepo } from "./webhooks.repo.ts";
import {
  checkDescription,
  checkEndpointUrl,
  eventBody,
  eventsFromText,
  HEADERS,
  moduleData,
  moduleEventFor,
  newSigningSecret,
  alertData,
  orderData,
  orderEventFor,
  parseEvents,
  signatureHeader,
  TEST_EVENT,
  type WebhookEvent,
} from "./webhooks.logic.ts";

/** An endpoint as pages and the API show it: never its secret. */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  events: WebhookEvent[];
  enabled: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  state: WebhookDeliveryRow["state"];
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export type DeliveryOutcome =
  | { status: "delivered"; httpStatus: number }
  | { status: "retry"; error: string }
  | { status: "failed"; error: string }
  /** Delivered before, or the delivery is gone (its endpoint was deleted): nothing was sent. */
  | { status: "skipped"; reason: string };

export function toEndpointView(r: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: eventsFromText(r.events),
    enabled: Number(r.enabled) === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toDeliveryView(r: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    state: r.state,
    attempts: Number(r.attempts),
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: r.last_error,
    lastAttemptAt: r.last_attempt_at,
    deliveredAt: r.delivered_at,
    createdAt: r.created_at,
  };
}

const secretContext = (endpointId: string) => `webhook_endpoints.secret:${endpointId}`;
const MAX_ERROR = 500;
const ENDPOINT_ID = /^whe_[0-9a-z]{1,40}$/;
const DELIVERY_ID = /^whd_[0-9a-z]{1,40}$/;

function actorName(ctx: AuditContext): string {
  return `${ctx.actor.kind}:${ctx.actor.label ?? ctx.actor.id ?? "unknown"}`;
}

export function createWebhooksService(deps: {
  db: Db;
  webhooks: WebhooksRepo;
  customerModules: Pick<OrdersRepo, "findCustomerModule">;
  audit: Pick<AuditService, "record">;
  queue: { enqueue(ex: Executor, job: { kind: string; payload: Record<string, unknown>; key: string }): Promise<unknown> };
  clock: Clock;
  ids: IdGenerator;
  secretKey: string;
  sender: Pick<WebhookSender, "post">;
  /** Which hosts an endpoint may name (webhook-target.ts): checked after DNS at creation. */
  targets: Pick<WebhookTargetPolicy, "check">;
  deliverJobKind: string;
  /** Error text fit to store (redacted, truncated): src/jobs/job.ts describeError. */
  describeError: (e: unknown) => string;
}) {
  const { db, webhooks, audit, queue, clock, ids, secretKey, sender } = deps;
  const now = () => clock.now().toISOString();

  async function endpointIn(ex: Executor, id: string): Promise<WebhookEndpointRow> {
    const r = ENDPOINT_ID.test(id) ? await webhooks.findEndpoint(ex, id) : undefined;
    if (!r) throw notFound(`No webhook endpoint ${id.slice(0, 60)}`);
    return r;
  }

  /** Writes one pending delivery and its job, in `ex` (the caller's transaction). */
  async function queueDelivery(ex: Executor, endpointId: string, event: { id: string; type: string; body: string }, at: string): Promise<WebhookDeliveryRow> {
    const row: WebhookDeliveryRow = {
      id: ids.next("whd"),
      endpoint_id: endpointId,
      event_id: event.id,
      event_type: event.type,
      payload: event.body,
      state: "pending",
      attempts: 0,
      last_status: null,
      last_error: null,
      last_attempt_at: null,
      next_attempt_at: at,
      delivered_at: null,
      created_at: at,
      updated_at: at,
    };
    await webhooks.insertDelivery(ex, row);
    await queue.enqueue(ex, { kind: deps.deliverJobKind, payload: { deliveryId: row.id }, key: `${deps.deliverJobKind}:${row.id}` });
    return row;
  }

  async function fanOut(ex: Executor, type: WebhookEvent, data: Record<string, unknown>): Promise<void> {
    const endpoints = (await webhooks.listEnabledEndpoints(ex)).filter((e) => eventsFromText(e.events).includes(type));
    if (endpoints.length === 0) return;
    const at = now();
    const id = ids.next("evt");
    const body = eventBody({ id, type, createdAt: at, data });
    for (const e of endpoints) await queueDelivery(ex, e.id, { id, type, body }, at);
  }

  // ---- endpoints -------------------------------------------------------------------------------

  /** Adds an endpoint; `secret` is the signing secret, returned this once and stored sealed. */
  async function addEndpoint(input: { url: string; description?: string; events: readonly string[] }, ctx: AuditContext): Promise<{ secret: string; endpoint: WebhookEndpointView }> {
    const url = checkEndpointUrl(input.url);
    await deps.targets.check(url);
    const description = checkDescription(input.description ?? "");
    const events = parseEvents(input.events);
    const id = ids.next("whe");
    const secret = newSigningSecret();
    const at = now();
    const row: WebhookEndpointRow = {
      id,
      url,
      description,
      secret_enc: seal(secretKey, secret, secretContext(id)),
      events: JSON.stringify(events),
      enabled: 1,
      created_by: actorName(ctx),
      created_at: at,
      updated_at: at,
    };
    await db.transaction().execute(async (tx) => {
      await webhooks.insertEndpoint(tx, row);
      await audit.record(tx, { ...ctx, action: "webhook_endpoint.create", subject: { type: "webhook_endpoint", id }, after: toEndpointView(row) });
    });
    return { secret, endpoint: toEndpointView(row) };
  }

  async function update(id: string, change: { enabled?: boolean; events?: readonly string[] }, ctx: AuditContext, action: string): Promise<WebhookEndpointView> {
    const events = change.events === undefined ? undefined : parseEvents(change.events);
    return db.transaction().execute(async (tx) => {
      const before = await endpointIn(tx, id);
      const patch = {
        ...(change.enabled !== undefined ? { enabled: change.enabled ? 1 : 0 } : {}),
        ...(events !== undefined ? { events: JSON.stringify(events) } : {}),
        updated_at: now(),
      };
      const after = { ...before, ...patch };
      if (after.enabled === before.enabled && after.events === before.events) return toEndpointView(before);
      await webhooks.updateEndpoint(tx, id, patch);
      await audit.record(tx, { ...ctx, action, subject: { type: "webhook_endpoint", id }, before: toEndpointView(before), after: toEndpointView(after) });
      return toEndpointView(after);
    });
  }

  const setEnabled = (id: string, enabled: boolean, ctx: AuditContext) => update(id, { enabled }, ctx, enabled ? "webhook_endpoint.enable" : "webhook_endpoint.disable");
  const setEvents = (id: string, events: readonly string[], ctx: AuditContext) => update(id, { events }, ctx, "webhook_endpoint.update");

  /** Deletes an endpoint and its delivery log; pending deliveries are dropped. */
  async function removeEndpoint(id: string, ctx: AuditContext): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const before = await endpointIn(tx, id);
      await webhooks.deleteEndpoint(tx, id);
      await audit.record(tx, { ...ctx, action: "webhook_endpoint.delete", subject: { type: "webhook_endpoint", id }, before: toEndpointView(before) });
    });
  }

  async function listEndpoints(): Promise<WebhookEndpointView[]> {
    return (await webhooks.listEndpoints(db)).map(toEndpointView);
  }

  async function getEndpoint(id: string): Promise<WebhookEndpointView> {
    return toEndpointView(await endpointIn(db, id));
  }

  async function listDeliveries(q: { endpointId?: string; limit?: number } = {}): Promise<WebhookDeliveryView[]> {
    const limit = q.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 500) throw invalidInput("limit must be 1 to 500");
    if (q.endpointId !== undefined) await endpointIn(db, q.endpointId);
    return (await webhooks.listDeliveries(db, { ...(q.endpointId ? { endpointId: q.endpointId } : {}), limit })).map(toDeliveryView);
  }

  /** One delivery with the exact body it sends (the delivery log's detail). */
  async function getDelivery(id: string): Promise<WebhookDeliveryView & { payload: string }> {
    const r = DELIVERY_ID.test(id) ? await webhooks.findDelivery(db, id) : undefined;
    if (!r) throw notFound(`No webhook delivery ${id.slice(0, 60)}`);
    return { ...toDeliveryView(r), payload: r.payload };
  }

  /** "Send test event": a webhook.test event to this one endpoint, through the same queue. */
  async function sendTest(endpointId: string, ctx: AuditContext): Promise<WebhookDeliveryView> {
    return db.transaction().execute(async (tx) => {
      const ep = await endpointIn(tx, endpointId);
      const at = now();
      const id = ids.next("evt");
      const body = eventBody({ id, type: TEST_EVENT, createdAt: at, data: { endpointId: ep.id, message: "A test event from partnerbill: the signature and your endpoint work." } });
      const d = await queueDelivery(tx, ep.id, { id, type: TEST_EVENT, body }, at);
      await audit.record(tx, { ...ctx, action: "webhook_endpoint.test", subject: { type: "webhook_endpoint", id: ep.id }, after: { delivery: d.id, event: id } });
      return toDeliveryView(d);
    });
  }

  /** Sends a delivery again (same event id and body, a fresh signature): a new job, fresh attempts. */
  async function redeliver(deliveryId: string, ctx: AuditContext): Promise<WebhookDeliveryView> {
    return db.transaction().execute(async (tx) => {
      const d = DELIVERY_ID.test(deliveryId) ? await webhooks.findDelivery(tx, deliveryId) : undefined;
      if (!d) throw notFound(`No webhook delivery ${deliveryId.slice(0, 60)}`);
      const at = now();
      await webhooks.updateDelivery(tx, d.id, { state: "pending", next_attempt_at: at, updated_at: at });
      // Keyed by the attempts so far: pressing the button twice before the next attempt queues one job.
      await queue.enqueue(tx, { kind: deps.deliverJobKind, payload: { deliveryId: d.id }, key: `${deps.deliverJobKind}:${d.id}:again:${d.attempts}` });
      await audit.record(tx, { ...ctx, action: "webhook_delivery.redeliver", subject: { type: "webhook_delivery", id: d.id }, before: { state: d.state, attempts: Number(d.attempts) }, after: { state: "pending" } });
      return toDeliveryView({ ...d, state: "pending", next_attempt_at: at, updated_at: at });
    });
  }

  // ---- delivery ------------------------------------------------------------------------------

  /**
   * One attempt: sign the stored body with a fresh timestamp, POST it, record the outcome. A 2xx
   * is delivered; anything else (network error, timeout, 3xx, 4xx, 5xx) is `retry`, or `failed`
   * on the final attempt. Runs outside any transaction.
   */
  async function deliver(deliveryId: string, opts: { finalAttempt: boolean; signal: AbortSignal }): Promise<DeliveryOutcome> {
    const d = await webhooks.findDelivery(db, deliveryId);
    if (!d) return { status: "skipped", reason: "the delivery no longer exists (its endpoint was deleted)" };
    if (d.state === "delivered") return { status: "skipped", reason: "delivered already" };
    const ep = await webhooks.findEndpoint(db, d.endpoint_id);
    if (!ep) return { status: "skipped", reason: "the endpoint no longer exists" };
    const started = now();
    if (Number(ep.enabled) !== 1 && d.event_type !== TEST_EVENT) {
      const error = "the endpoint is disabled";
      await webhooks.updateDelivery(db, d.id, { state: "failed", last_error: error, next_attempt_at: null, updated_at: started });
      return { status: "failed", error };
    }
    const secret = open(secretKey, ep.secret_enc, secretContext(ep.id));
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    const headers = {
      "content-type": "application/json",
      "user-agent": "partnerbill-webhooks/1",
      [HEADERS.signature]: signatureHeader(secret, timestamp, d.payload),
      [HEADERS.eventId]: d.event_id,
      [HEADERS.eventType]: d.event_type,
      [HEADERS.delivery]: d.id,
    };
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      httpStatus = (await sender.post(ep.url, headers, d.payload, opts.signal)).status;
      if (httpStatus < 200 || httpStatus > 299) error = `HTTP ${httpStatus}`;
    } catch (e) {
      // A refused target gets one text whatever the address: the log is no port-scan oracle.
      error = (e as { code?: unknown }).code === "EWEBHOOKTARGET" ? REFUSED_TARGET : deps.describeError(e).slice(0, MAX_ERROR);
    }
    const at = now();
    const attempts = Number(d.attempts) + 1;
    if (error === null) {
      await webhooks.updateDelivery(db, d.id, { state: "delivered", attempts, last_status: httpStatus, last_error: null, last_attempt_at: at, delivered_at: at, next_attempt_at: null, updated_at: at });
      return { status: "delivered", httpStatus: httpStatus! };
    }
    const state = opts.finalAttempt ? "failed" : "pending";
    await webhooks.updateDelivery(db, d.id, { state, attempts, last_status: httpStatus, last_error: error, last_attempt_at: at, next_attempt_at: null, updated_at: at });
    return opts.finalAttempt ? { status: "failed", error } : { status: "retry", error };
  }

  // ---- the domain-event listener ---------------------------------------------------------------

  /** Registered in src/app/container.ts; runs inside the changing transaction and only writes rows. */
  async function onEvent(ex: Executor, event: DomainEvent): Promise<void> {
    if (event.type === "order.transition") {
      const type = orderEventFor(event.to);
      if (type) await fanOut(ex, type, { order: orderData(event.order), from: event.from });
      return;
    }
    if (event.type === "alert.opened" || event.type === "alert.resolved") {
      await fanOut(ex, event.type, { alert: alertData(event.alert) });
      return;
    }
    const type = moduleEventFor(event.kind);
    if (!type) return;
    const cm = await deps.customerModules.findCustomerModule(ex, event.customerModuleId);
    // The row is written in the same transaction as its event; without it there is nothing to say.
    if (!cm) return;
    await fanOut(ex, type, { module: moduleData(cm), detail: event.detail });
  }

  return { addEndpoint, setEnabled, setEvents, removeEndpoint, listEndpoints, getEndpoint, listDeliveries, getDelivery, sendTest, redeliver, deliver, onEvent };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
