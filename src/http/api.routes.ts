// The JSON API, /api/v1 (ADR 0017). Each route is one entry of a table: method, path, scope,
// zod schemas for its input and answer, and a handler that passes the input to a service. The
// same table registers the fastify routes and generates the OpenAPI document (openapi.ts), so a
// route cannot exist without being documented.
//
// Every request: bearer token (401) → scope (403) → input validated (400 invalid_input) →
// service → JSON. Every change writes an audit entry naming the token and the client's address.
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Container } from "../app/container.ts";
import type { CustomerRow, OrderRow } from "../db/schema.ts";
import { AppError, invalidInput, isAppError } from "../lib/errors.ts";
import type { Money } from "../lib/money.ts";
import type { ApiTokenView } from "../modules/api-tokens/api-tokens.service.ts";
import type { Scope } from "../modules/api-tokens/api-tokens.logic.ts";
import type { AuditContext } from "../modules/audit/audit.logic.ts";
import type { CatalogEntry } from "../modules/catalog/catalog.logic.ts";
import * as S from "./api.schemas.ts";
import { sendError } from "./errors.ts";
import { safeJson } from "./json.ts";
import { buildOpenApi, OPENAPI_PATH } from "./openapi.ts";
import { route, type ApiRoute, type HandlerInput } from "./api-route.ts";
import { orderData } from "../modules/webhooks/webhooks.logic.ts";

export type { ApiRoute, HttpMethod } from "./api-route.ts";

// ---- views: what the API shows of a row (a stable contract, not the table's columns) ----------

function moduleView(e: CatalogEntry): z.infer<typeof S.ModuleView> {
  return {
    id: e.module.id,
    tariffId: e.module.tariff_id,
    name: e.module.name,
    intname: e.module.intname,
    enabled: e.module.enabled === 1,
    upstreamAvailable: e.module.upstream_available === 1,
    pricingMode: e.module.pricing_mode,
    prices: ([1, 12] as const).flatMap((p) => (e.prices[p] ? [{ periodMonths: p, price: e.prices[p] }] : [])),
  };
}

export function orderView(o: OrderRow): z.infer<typeof S.OrderView> {
  // The same public shape as webhook bodies (webhooks.logic.ts), with updatedAt and without total.
  const { total: _total, ...common } = orderData(o);
  return { ...common, updatedAt: o.updated_at };
}

function customerView(c: Pick<CustomerRow, "id" | "email" | "name" | "created_at">): z.infer<typeof S.CustomerView> {
  return { id: c.id, email: c.email, name: c.name, createdAt: c.created_at };
}

const money = (minor: number | null, currency: string | null): Money | null => (minor === null || currency === null ? null : { minor: Number(minor), currency });
const sameMoney = (a: Money | null | undefined, b: Money | null | undefined) => (a ?? null) === (b ?? null) || (!!a && !!b && a.minor === b.minor && a.currency === b.currency);

// ---- the routes ------------------------------------------------------------------------------

export function apiRoutes(c: Container): ApiRoute[] {
  /** An audit entry for a change a service committed in its own transaction (ADR 0017). */
  const audited = (ctx: AuditContext, action: string, subject: { type: string; id: string }, before: unknown, after: unknown) =>
    c.audit.record(c.db, { ...ctx, action, subject, before, after });

  const setEnabled = (enabled: boolean) => async ({ params, ctx }: HandlerInput<z.output<typeof S.ModuleParams>, undefined, undefined>) => {
    const before = await c.catalog.getModule(params.module);
    await c.catalog.setEnabled(params.module, enabled);
    const after = await c.catalog.getModule(params.module);
    if (before.module.enabled !== after.module.enabled) {
      await audited(ctx, enabled ? "module.enable" : "module.disable", { type: "module", id: after.module.id }, { enabled: before.module.enabled === 1 }, { enabled: enabled });
    }
    return moduleView(after);
  };

  return [
    // -- catalog
    route({
      method: "GET", path: "/api/v1/modules", operationId: "listModules", tag: "catalog", scope: "catalog:read",
      summary: "List the modules of the configured client area with their sell prices",
      response: S.ModuleList,
      handle: async () => ({ modules: (await c.catalog.listModules()).map(moduleView) }),
    }),
    route({
      method: "GET", path: "/api/v1/modules/:module", operationId: "getModule", tag: "catalog", scope: "catalog:read",
      summary: "Read one module with its sell prices",
      params: S.ModuleParams, response: S.ModuleView,
      handle: async ({ params }) => moduleView(await c.catalog.getModule(params.module)),
    }),
    route({
      method: "POST", path: "/api/v1/modules/:module/enable", operationId: "enableModule", tag: "catalog", scope: "catalog:write",
      summary: "Put a module on sale (it is listed once it has a monthly price)",
      params: S.ModuleParams, response: S.ModuleView,
      handle: setEnabled(true),
    }),
    route({
      method: "POST", path: "/api/v1/modules/:module/disable", operationId: "disableModule", tag: "catalog", scope: "catalog:write",
      summary: "Take a module off sale (panels stop listing it)",
      params: S.ModuleParams, response: S.ModuleView,
      handle: setEnabled(false),
    }),

    // -- prices
    route({
      method: "GET", path: "/api/v1/prices", operationId: "listPrices", tag: "prices", scope: "prices:read",
      summary: "List every sell price",
      response: S.PriceList,
      handle: async () => ({
        prices: (await c.catalog.listModules()).flatMap((e) =>
          ([1, 12] as const).flatMap((p) => (e.prices[p] ? [{ module: e.module.id, tariffId: e.module.tariff_id, periodMonths: p, price: e.prices[p] }] : [])),
        ),
      }),
    }),
    route({
      method: "PUT", path: "/api/v1/modules/:module/prices/:period", operationId: "setPrice", tag: "prices", scope: "prices:write",
      summary: "Set a module's sell price for a period (the price list panels read changes at once)",
      params: S.PriceParams, body: S.SetPriceBody, response: S.SetPriceResult,
      handle: async ({ params, body, ctx, token }) => {
        const r = await c.catalog.setPrice(params.module, { period: params.period, amount: body.amount, currency: body.currency }, { source: "api", name: `api:${token.id}` });
        if (!sameMoney(r.previous, r.price)) {
          await audited(ctx, "price.set", { type: "module_price", id: `${r.module.id}/${r.period}` }, r.previous ? { price: r.previous } : null, { price: r.price });
        }
        return { module: r.module.id, periodMonths: r.period, price: r.price, previous: r.previous };
      },
    }),
    route({
      method: "DELETE", path: "/api/v1/modules/:module/prices/:period", operationId: "clearPrice", tag: "prices", scope: "prices:write",
      summary: "Clear a module's sell price for a period (that period is no longer sold)",
      params: S.PriceParams, response: S.ClearPriceResult,
      handle: async ({ params, ctx, token }) => {
        const before = await c.catalog.getModule(params.module);
        const period = Number(params.period) as 1 | 12;
        const cleared = await c.catalog.clearPrice(params.module, period, { source: "api", name: `api:${token.id}` });
        if (cleared) await audited(ctx, "price.clear", { type: "module_price", id: `${before.module.id}/${period}` }, { price: before.prices[period] ?? null }, null);
        return { module: before.module.id, periodMonths: period, cleared };
      },
    }),
    route({
      method: "GET", path: "/api/v1/modules/:module/prices/history", operationId: "priceHistory", tag: "prices", scope: "prices:read",
      summary: "A module's price changes, newest first",
      params: S.ModuleParams, query: S.HistoryQuery, response: S.PriceHistory,
      handle: async ({ params, query }) => ({
        history: (await c.catalog.history(params.module, query.limit ?? 50)).map((h) => ({
          id: h.id,
          at: h.created_at,
          periodMonths: Number(h.period_months),
          old: money(h.old_amount_minor, h.old_currency),
          new: money(h.new_amount_minor, h.new_currency),
          source: h.source,
          actor: h.actor,
        })),
      }),
    }),
    route({
      method: "POST", path: "/api/v1/prices/sync", operationId: "syncPrices", tag: "prices", scope: "prices:write",
      summary: "Queue a price sync now: upstream costs are read and rule-driven prices recomputed by the worker",
      status: 202, response: S.SyncResult,
      handle: async ({ ctx }) => {
        const r = await c.priceSyncRequests.request(ctx);
        return { job: { id: r.jobId, state: r.state, created: r.created } };
      },
    }),

    // -- orders
    route({
      method: "GET", path: "/api/v1/orders", operationId: "listOrders", tag: "orders", scope: "orders:read",
      summary: "List orders newest first, with filters, a search and keyset pages (pass nextCursor as cursor)",
      query: S.OrderListQuery, response: S.OrderList,
      handle: async ({ query }) => {
        const r = await c.orders.listOrders({
          ...(query.state ? { state: query.state } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.customer ? { customerId: query.customer } : {}),
          ...(query.license !== undefined ? { licenseId: query.license } : {}),
          ...(query.module ? { moduleId: query.module } : {}),
          ...(query.from ? { createdFrom: query.from } : {}),
          ...(query.to ? { createdTo: query.to } : {}),
          ...(query.q !== undefined ? { q: query.q } : {}),
          ...(query.cursor ? { after: query.cursor } : {}),
          ...(query.limit !== undefined ? { limit: query.limit } : {}),
        });
        return { orders: r.items.map(orderView), nextCursor: r.next };
      },
    }),
    route({
      method: "GET", path: "/api/v1/orders/:order", operationId: "getOrder", tag: "orders", scope: "orders:read",
      summary: "Read an order with its timeline",
      params: S.OrderParams, response: S.OrderDetail,
      handle: async ({ params }) => {
        const order = await c.orders.get(params.order);
        const timeline = await c.orders.timeline(order.id);
        return {
          order: orderView(order),
          timeline: timeline.map((e) => ({ id: e.id, at: e.at, kind: e.kind, from: e.from_state, to: e.to_state, detail: e.detail, actor: e.actor })),
        };
      },
    }),
    route({
      method: "POST", path: "/api/v1/orders/:order/cancel", operationId: "cancelOrder", tag: "orders", scope: "orders:write",
      summary: "Cancel an unpaid order",
      params: S.OrderParams, body: S.CancelBody, response: S.OrderResult,
      handle: async ({ params, body, ctx, actor }) => {
        const before = await c.orders.get(params.order);
        const after = await c.orders.cancel(before.id, actor, body?.reason ?? "cancelled through the API");
        await audited(ctx, "order.cancel", { type: "order", id: after.id }, { state: before.state }, { state: after.state, reason: after.reason });
        return { order: orderView(after) };
      },
    }),
    route({
      method: "POST", path: "/api/v1/orders/:order/place", operationId: "placeOrderManually", tag: "orders", scope: "orders:write",
      summary: "Manual queue: record that the module was ordered upstream by hand (the order becomes active)",
      params: S.OrderParams, body: S.PlaceBody, response: S.OrderResult,
      handle: async ({ params, body, ctx, actor }) => {
        const before = await c.orders.get(params.order);
        const after = await c.orders.placeManually(before.id, { upstreamId: body.upstreamId, expiresOn: body.expiresOn ?? null }, actor);
        await audited(ctx, "order.place_manually", { type: "order", id: after.id }, { state: before.state }, { state: after.state, upstreamServiceId: after.upstream_service_id, upstreamExpiresOn: after.upstream_expires_on });
        return { order: orderView(after) };
      },
    }),
    route({
      method: "POST", path: "/api/v1/orders/:order/reject", operationId: "rejectOrder", tag: "orders", scope: "orders:write",
      summary: "Manual queue: reject an order and refund it to the customer's balance",
      params: S.OrderParams, body: S.RejectBody, response: S.OrderResult,
      handle: async ({ params, body, ctx, actor }) => {
        const before = await c.orders.get(params.order);
        const after = await c.orders.reject(before.id, body.reason, actor);
        await audited(ctx, "order.reject", { type: "order", id: after.id }, { state: before.state }, { state: after.state, reason: body.reason });
        return { order: orderView(after) };
      },
    }),
    route({
      method: "POST", path: "/api/v1/orders/:order/resume", operationId: "resumeOrder", tag: "orders", scope: "orders:write",
      summary: "Awaiting funds: try the order upstream again now (after a top-up of the client-area balance); audited",
      params: S.OrderParams, response: S.OrderResult,
      handle: async ({ params, ctx }) => {
        const o = await c.funds.resumeNow(params.order, ctx);
        return { order: orderView(await c.orders.get(o.id)) };
      },
    }),
    route({
      method: "POST", path: "/api/v1/orders/:order/refund", operationId: "refundOrder", tag: "orders", scope: "orders:write",
      summary: "Refund an active order to the customer's balance (the module stays upstream)",
      params: S.OrderParams, body: S.RefundBody, response: S.RefundResult,
      handle: async ({ params, body, ctx, actor }) => {
        const r = await c.orders.refundActive(params.order, body.reason, actor);
        await audited(ctx, "order.refund", { type: "order", id: r.order.id }, { state: r.order.state }, { refunded: r.amount, reason: body.reason, creditNote: r.creditNote?.number ?? null });
        return { order: orderView(await c.orders.get(r.order.id)), amount: r.amount, creditNote: r.creditNote };
      },
    }),

    // -- customers
    route({
      method: "GET", path: "/api/v1/customers", operationId: "listCustomers", tag: "customers", scope: "customers:read",
      summary: "List customers, newest first",
      query: S.CustomerListQuery, response: S.CustomerList,
      handle: async ({ query }) => ({ customers: (await c.customers.list(query.limit ?? 100)).map(customerView) }),
    }),
    route({
      method: "POST", path: "/api/v1/customers", operationId: "createCustomer", tag: "customers", scope: "customers:write",
      summary: "Create a customer account",
      body: S.CreateCustomerBody, status: 201, response: S.CustomerResult,
      handle: async ({ body, ctx }) => {
        const row = await c.customers.add({ email: body.email, name: body.name ?? null });
        await audited(ctx, "customer.create", { type: "customer", id: row.id }, null, customerView(row));
        return { customer: customerView(row) };
      },
    }),
    route({
      method: "GET", path: "/api/v1/customers/:customer", operationId: "getCustomer", tag: "customers", scope: "customers:read",
      summary: "Read a customer (by id or e-mail) with balances",
      params: S.CustomerParams, response: S.CustomerDetail,
      handle: async ({ params }) => {
        const r = await c.customers.show(params.customer);
        return { customer: customerView(r.customer), balances: r.balances };
      },
    }),
    route({
      method: "GET", path: "/api/v1/customers/:customer/balance", operationId: "getBalance", tag: "customers", scope: "customers:read",
      summary: "A customer's balances, one per currency",
      params: S.CustomerParams, response: S.Balances,
      handle: async ({ params }) => {
        const r = await c.customers.show(params.customer);
        return { customerId: r.customer.id, balances: r.balances };
      },
    }),
    route({
      method: "POST", path: "/api/v1/customers/:customer/credits", operationId: "creditBalance", tag: "customers", scope: "balance:write",
      summary: "Add money to a customer's balance, with a reason (one ledger transaction from funding)",
      params: S.CustomerParams, body: S.CreditBody, status: 201, response: S.CreditResult,
      handle: async ({ params, body, ctx, actor }) => {
        const before = await c.customers.show(params.customer);
        const credited = await c.customers.credit(before.customer.id, { amount: body.amount, currency: body.currency, reason: body.reason, actor });
        const after = await c.customers.show(before.customer.id);
        await audited(ctx, "customer.credit", { type: "customer", id: before.customer.id }, { balances: before.balances }, { credited, reason: body.reason, balances: after.balances });
        return { customerId: before.customer.id, credited, balances: after.balances };
      },
    }),

    // -- audit
    route({
      method: "GET", path: "/api/v1/audit", operationId: "listAuditEntries", tag: "audit", scope: "audit:read",
      summary: "The audit log, newest first, filtered, in keyset pages",
      query: S.AuditQuery, response: S.AuditList,
      handle: async ({ query }) => c.audit.list(query),
    }),

    // -- webhooks (ADR 0019); the service writes each change's audit entry in its transaction
    route({
      method: "GET", path: "/api/v1/webhooks", operationId: "listWebhookEndpoints", tag: "webhooks", scope: "webhooks:read",
      summary: "List outgoing webhook endpoints (never their signing secrets)",
      response: S.WebhookEndpointList,
      handle: async () => ({ endpoints: await c.webhooks.listEndpoints() }),
    }),
    route({
      method: "POST", path: "/api/v1/webhooks", operationId: "createWebhookEndpoint", tag: "webhooks", scope: "webhooks:write",
      summary: "Add an endpoint; the answer carries its signing secret, which is never shown again",
      body: S.CreateWebhookBody, status: 201, response: S.CreateWebhookResult,
      handle: async ({ body, ctx }) => c.webhooks.addEndpoint({ url: body.url, description: body.description ?? "", events: body.events }, ctx),
    }),
    route({
      method: "DELETE", path: "/api/v1/webhooks/:endpoint", operationId: "deleteWebhookEndpoint", tag: "webhooks", scope: "webhooks:write",
      summary: "Delete an endpoint and its delivery log",
      params: S.WebhookParams, response: S.DeleteWebhookResult,
      handle: async ({ params, ctx }) => {
        await c.webhooks.removeEndpoint(params.endpoint, ctx);
        return { deleted: true as const };
      },
    }),
    route({
      method: "GET", path: "/api/v1/webhooks/:endpoint/deliveries", operationId: "listWebhookDeliveries", tag: "webhooks", scope: "webhooks:read",
      summary: "An endpoint's delivery log, newest first",
      params: S.WebhookParams, query: S.WebhookDeliveriesQuery, response: S.WebhookDeliveryList,
      handle: async ({ params, query }) => ({ deliveries: await c.webhooks.listDeliveries({ endpointId: params.endpoint, limit: query.limit ?? 50 }) }),
    }),
    route({
      method: "POST", path: "/api/v1/webhooks/:endpoint/test", operationId: "sendWebhookTest", tag: "webhooks", scope: "webhooks:write",
      summary: "Queue a webhook.test event to this endpoint",
      params: S.WebhookParams, status: 202, response: S.WebhookDeliveryResult,
      handle: async ({ params, ctx }) => ({ delivery: await c.webhooks.sendTest(params.endpoint, ctx) }),
    }),
  ];
}

// ---- registration ---------------------------------------------------------------------------

const JSON_TYPE = "application/json; charset=utf-8";

function bearerOf(req: FastifyRequest): string {
  const h = req.headers.authorization;
  const m = typeof h === "string" ? /^Bearer +(\S+) *$/i.exec(h) : null;
  if (!m) throw new AppError("unauthenticated", "A valid API token is required (Authorization: Bearer pb_…)");
  return m[1]!;
}

/** Input checked against its schema; the message names each problem by where it is. */
function parsed(schema: z.ZodType | undefined, value: unknown, where: "path" | "query" | "body"): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 5).map((i) => `${[where, ...i.path.map(String)].join(".")}: ${i.message}`);
  const text = problems.join("; ");
  throw invalidInput(text.length > 600 ? `${text.slice(0, 600)}…` : text);
}

export function registerApiRoutes(app: FastifyInstance, c: Container, routes: ApiRoute[] = apiRoutes(c)): void {
  const document = safeJson(buildOpenApi(routes, { serverUrl: c.config.PUBLIC_URL }));
  app.get(OPENAPI_PATH, { config: { surface: "api" } }, async (_req, reply) => reply.type(JSON_TYPE).header("cache-control", "no-cache").send(document));

  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.path,
      config: { surface: "api" },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const requestId = randomUUID();
        reply.header("x-request-id", requestId).header("cache-control", "no-store");
        try {
          const token = await c.apiTokens.authenticate(bearerOf(req));
          c.apiTokens.requireScope(token, r.scope);
          const input = {
            params: parsed(r.params, req.params, "path"),
            query: parsed(r.query, req.query, "query"),
            body: parsed(r.body, req.body, "body"),
          };
          const result = await r.handle({
            ...input,
            token,
            ctx: { actor: { kind: "api_token", id: token.id, label: token.name }, ip: req.ip, requestId },
            actor: `api:${token.id}`,
          });
          return reply.status(r.status).type(JSON_TYPE).send(safeJson(result));
        } catch (e) {
          if (isAppError(e) && e.code === "unauthenticated") reply.header("www-authenticate", 'Bearer realm="partnerbill"');
          return sendError(req, reply, e, "api");
        }
      },
    });
  }
}
