// The JSON API (/api/v1, ADR 0017) through app.inject: the OpenAPI document matches the routes
// fastify registered, bearer tokens and scopes guard every route, bad input changes nothing,
// every route does its job, every change leaves an audit entry, and a token's text is stored
// nowhere. Also the owner-only /admin/tokens page and `partnerbill tokens`.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { RouteOptions } from "fastify";
import type { z } from "zod";
import type { Container } from "../src/app/container.ts";
import { apiRoutes } from "../src/http/api.routes.ts";
import { buildHttpApp } from "../src/http/app.ts";
import { OPENAPI_PATH, openApiPath } from "../src/http/openapi.ts";
import { SCOPE_NAMES, type Scope } from "../src/modules/api-tokens/api-tokens.logic.ts";
import { createTestContainer } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { runCli } from "./helpers/cli.ts";
import { allRows } from "./helpers/db-contents.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { WebClient } from "./helpers/web-client.ts";

const BUY = { module: "DDoS-GUARD", license: "100001", ip: "192.0.2.10", module_id: "23221" };
const SAMPLE_PARAMS: Record<string, string> = { module: "23221", period: "1", order: "ord_000999", customer: "cus_000999", endpoint: "whe_000999" };
const STAFF_PASSWORD = "a-long-staff-password";

async function world(t: TestDatabase, env: Record<string, string> = {}) {
  const built = createTestContainer(t, { FULFILLMENT_MODE: "manual", UPSTREAM_REGION: "eu", ...env });
  const registered: RouteOptions[] = [];
  const app = await buildHttpApp(built.container, { onRoute: (r) => registered.push(r) });
  await app.ready();
  const c = built.container as Container;
  const cli = { actor: { kind: "cli" as const, id: "test", label: "test" } };
  const token = async (scopes: readonly Scope[], name = "test") => (await c.apiTokens.create({ name, scopes }, cli)).token;
  const call = (method: string, url: string, tok?: string | null, body?: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: method as "GET",
      url,
      remoteAddress: "198.51.100.9",
      headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { payload: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
  return { ...built, c, app, registered, token, call };
}

/** Every method + path fastify registered under /api (HEAD routes are fastify's own copies of GETs). */
function apiRoutesOf(registered: RouteOptions[]): string[] {
  return registered
    .flatMap((r) => (Array.isArray(r.method) ? r.method : [r.method]).map((m) => ({ method: String(m), url: r.url })))
    .filter((r) => r.url.startsWith("/api/") && r.url !== OPENAPI_PATH && r.method !== "HEAD")
    .map((r) => `${r.method} ${openApiPath(r.url)}`)
    .sort();
}

function fill(path: string): string {
  return path.replace(/:([a-z]+)/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? "x");
}

function errorCode(res: { json(): unknown }): string {
  return (res.json() as { error: { code: string } }).error.code;
}

async function staffCookie(c: Container, role: "owner" | "staff") {
  const v = await c.staffAuth.add({ email: `${role}@partner.example`, role, password: STAFF_PASSWORD });
  const s = await c.sessions.start("staff", v.id);
  return { id: v.id, cookie: `pb_staff=${s.token}` };
}

async function ownerClient(w: Awaited<ReturnType<typeof world>>) {
  const owner = await staffCookie(w.c, "owner");
  const client = new WebClient(w.app);
  client.cookies.set("pb_staff", owner.cookie.split("=")[1]!);
  return { client, owner };
}

describeEachDialect("JSON API", (ctx) => {
  it("serves an OpenAPI 3.1 document with exactly the /api routes fastify registered", async () => {
    const w = await world(ctx());
    const res = await w.call("GET", OPENAPI_PATH);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers["content-type"]), /application\/json/);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { operationId: string; security: unknown; responses: Record<string, unknown> }>>; components: { securitySchemes: Record<string, unknown> } };
    assert.equal(doc.openapi, "3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const served = apiRoutesOf(w.registered);
    assert.ok(served.length >= 20, `found ${served.length} /api routes`);
    assert.deepEqual(documented, served);
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        assert.ok(op.operationId && op.security && op.responses["401"] && op.responses["403"], op.operationId);
      }
    }
    assert.ok(doc.components.securitySchemes["bearer"]);
    // What Redocly's recommended rules ask of the document as a whole: a license, described tags.
    const whole = res.json() as { info: { license?: { name: string; identifier?: string } }; tags: { name: string; description?: string }[] };
    assert.deepEqual(whole.info.license, { name: "MIT", identifier: "MIT" });
    const used = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => (op as { tags?: string[] }).tags ?? [])));
    assert.deepEqual(whole.tags.map((t) => t.name).sort(), [...used].sort());
    for (const t of whole.tags) assert.ok(t.description && t.description !== t.name, `tag ${t.name} has a description`);
  });

  it("refuses every route without a token, with a malformed, a wrong or a revoked token (401, JSON)", async () => {
    const w = await world(ctx());
    const good = await w.token(SCOPE_NAMES);
    const wrongSecret = good.slice(0, -1) + (good.endsWith("0") ? "1" : "0");
    const revoked = await w.token(SCOPE_NAMES, "revoked");
    const revokedId = /^pb_(tok_[0-9a-z]+)_/.exec(revoked)![1]!;
    await w.c.apiTokens.revoke(revokedId, { actor: { kind: "cli", id: "test" } });
    for (const r of apiRoutes(w.c)) {
      for (const auth of [null, "Bearer", "Basic dXNlcjpwYXNz", `Bearer ${good}x`, `Bearer ${wrongSecret}`, `Bearer ${revoked}`]) {
        const res = await w.app.inject({ method: r.method, url: fill(r.path), headers: auth ? { authorization: auth } : {} });
        assert.equal(res.statusCode, 401, `${r.method} ${r.path} with ${auth?.slice(0, 12)}`);
        assert.equal(errorCode(res), "unauthenticated");
        assert.match(String(res.headers["www-authenticate"]), /^Bearer/);
      }
    }
    // The good token still works.
    assert.equal((await w.call("GET", "/api/v1/modules", good)).statusCode, 200);
  });

  it("refuses a token that lacks the route's scope (403) before looking at the input", async () => {
    const w = await world(ctx());
    const auditOnly = await w.token(["audit:read"]);
    const catalogOnly = await w.token(["catalog:read"]);
    for (const r of apiRoutes(w.c)) {
      const tok = r.scope === "audit:read" ? catalogOnly : auditOnly;
      const res = await w.call(r.method, fill(r.path), tok, r.method === "GET" ? undefined : {});
      assert.equal(res.statusCode, 403, `${r.method} ${r.path}`);
      assert.equal(errorCode(res), "forbidden");
      assert.ok((res.json() as { error: { message: string } }).error.message.includes(r.scope));
    }
  });

  it("never lets a staff or customer session cookie stand in for a token", async () => {
    const w = await world(ctx());
    const owner = await staffCookie(w.c, "owner");
    const customer = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
    const customerSession = await w.c.sessions.start("customer", customer.id);
    for (const cookie of [owner.cookie, `pb_session=${customerSession.token}`]) {
      for (const [method, url] of [["GET", "/api/v1/modules"], ["GET", "/api/v1/customers"], ["POST", "/api/v1/prices/sync"]] as const) {
        const res = await w.call(method, url, null, method === "POST" ? {} : undefined, { cookie });
        assert.equal(res.statusCode, 401, `${method} ${url} with ${cookie.split("=")[0]}`);
        assert.equal(errorCode(res), "unauthenticated");
      }
    }
    assert.equal((await w.c.audit.list()).entries.filter((e) => e.action === "prices.sync").length, 0);
  });

  it("answers bad input with 400 invalid_input and changes nothing", async () => {
    const w = await world(ctx());
    await seedKnownCatalog(w.c);
    const customer = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
    const tok = await w.token(SCOPE_NAMES);
    assert.equal((await w.call("GET", "/api/v1/modules", tok)).statusCode, 200); // last_used_at is set now, not during the checks
    const before = await allRows(w.c.database);
    const bad: Array<[string, string, unknown?]> = [
      ["PUT", "/api/v1/modules/23221/prices/1", { amount: "eleven", currency: "EUR" }],
      ["PUT", "/api/v1/modules/23221/prices/1", { amount: "12.00", currency: "EUR", extra: 1 }],
      ["PUT", "/api/v1/modules/23221/prices/6", { amount: "12.00", currency: "EUR" }],
      ["PUT", "/api/v1/modules/23221/prices/1", "{not json"],
      ["PUT", "/api/v1/modules/23221/prices/1", [1, 2]],
      ["POST", "/api/v1/modules/<script>/enable", {}],
      ["POST", `/api/v1/customers/${customer.id}/credits`, { amount: "10.00", currency: "EUR" }],
      ["POST", `/api/v1/customers/${customer.id}/credits`, { amount: "-10.00", currency: "EUR", reason: "negative" }],
      ["POST", "/api/v1/customers", { email: 42 }],
      ["POST", "/api/v1/orders/not-an-order/cancel", {}],
      ["POST", "/api/v1/orders/ord_000001/place", { upstreamId: "twelve" }],
      ["GET", "/api/v1/orders?limit=0"],
      ["GET", "/api/v1/orders?state=lost"],
      ["GET", "/api/v1/audit?cursor=%3Cb%3E"],
      ["POST", "/api/v1/webhooks", { url: "ftp://example.com/x", events: ["order.paid"] }],
      ["POST", "/api/v1/webhooks", { url: "https://example.com/x", events: [] }],
      ["POST", "/api/v1/webhooks", { url: "https://example.com/x", events: ["order.lost"] }],
    ];
    for (const [method, url, body] of bad) {
      const res = await w.call(method, url, tok, body);
      assert.equal(res.statusCode, 400, `${method} ${url} ${JSON.stringify(body)}: ${res.body}`);
      assert.equal(errorCode(res), "invalid_input");
      assert.ok(!res.body.includes("<script>"), "nothing unescaped is echoed");
    }
    assert.deepEqual(await allRows(w.c.database), before);
  });

  it("does each route's job, answers in its documented shape and audits every change", async () => {
    const w = await world(ctx());
    await seedKnownCatalog(w.c);
    const ann = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
    await w.c.customers.credit(ann.id, { amount: "100.00", currency: "EUR", reason: "seed", actor: "test" });
    const pending = (await w.c.orders.intake(BUY, null)).order;
    const queued = async (license: string) => {
      const { order } = await w.c.orders.intake({ ...BUY, license }, null);
      return w.c.orders.payFromBalance(order.id, ann.email, "test");
    };
    const toPlace = await queued("100002");
    const toReject = await queued("100003");
    const toRefund = await queued("100004");
    await w.c.orders.placeManually(toRefund.id, { upstreamId: 555001, expiresOn: "2027-01-01" }, "test");
    const tok = await w.token(SCOPE_NAMES, "integration");
    const tokenId = /^pb_(tok_[0-9a-z]+)_/.exec(tok)![1]!;

    const routes = apiRoutes(w.c);
    const done = new Set<string>();
    const ok = async (operationId: string, url: string, body?: unknown) => {
      const r = routes.find((x) => x.operationId === operationId)!;
      const auditBefore = (await w.c.audit.list({ actorKind: "api_token", limit: 200 })).entries.length;
      const res = await w.call(r.method, url, tok, body);
      assert.equal(res.statusCode, r.status, `${operationId}: ${res.body}`);
      const json = res.json() as unknown;
      (r.response as z.ZodType).parse(json);
      const entries = (await w.c.audit.list({ actorKind: "api_token", limit: 200 })).entries;
      if (r.changes) {
        assert.ok(entries.length > auditBefore, `${operationId} wrote an audit entry`);
        assert.equal(entries[0]!.actor.id, tokenId);
        assert.equal(entries[0]!.actor.label, "integration");
        assert.equal(entries[0]!.ip, "198.51.100.9");
      } else {
        assert.equal(entries.length, auditBefore, `${operationId} changes nothing`);
      }
      done.add(operationId);
      return json as any;
    };

    // catalog
    assert.ok((await ok("listModules", "/api/v1/modules")).modules.some((m: { id: string }) => m.id === "eu-23221"));
    assert.equal((await ok("getModule", "/api/v1/modules/eu-55361")).prices[0].price.minor, 490);
    assert.equal((await ok("disableModule", "/api/v1/modules/23221/disable")).enabled, false);
    assert.equal((await ok("enableModule", "/api/v1/modules/23221/enable")).enabled, true);
    // prices
    assert.ok((await ok("listPrices", "/api/v1/prices")).prices.length >= 6);
    const set = await ok("setPrice", "/api/v1/modules/23221/prices/1", { amount: "12.50", currency: "EUR" });
    assert.deepEqual([set.price, set.previous], [{ minor: 1250, currency: "EUR" }, { minor: 1190, currency: "EUR" }]);
    assert.equal((await w.c.catalog.getModule("23221")).prices[1]?.minor, 1250);
    assert.equal((await ok("clearPrice", "/api/v1/modules/55362/prices/12")).cleared, true);
    const history = await ok("priceHistory", "/api/v1/modules/23221/prices/history?limit=5");
    assert.equal(history.history[0].new.minor, 1250);
    assert.equal(history.history[0].actor, `api:${tokenId}`);
    assert.equal((await ok("syncPrices", "/api/v1/prices/sync")).job.created, true);
    // orders
    const list = await ok("listOrders", "/api/v1/orders?limit=2");
    assert.equal(list.orders.length, 2);
    const rest = await ok("listOrders", `/api/v1/orders?limit=10&cursor=${encodeURIComponent(list.nextCursor)}`);
    assert.equal(list.orders.length + rest.orders.length, 4);
    assert.equal((await ok("listOrders", "/api/v1/orders?state=manual_queue")).orders.length, 2);
    const detail = await ok("getOrder", `/api/v1/orders/${toPlace.id}`);
    assert.deepEqual(detail.timeline.map((e: { to: string }) => e.to), ["pending_payment", "paid", "manual_queue"]);
    assert.equal((await ok("cancelOrder", `/api/v1/orders/${pending.id}/cancel`, { reason: "customer changed their mind" })).order.state, "cancelled");
    const placed = await ok("placeOrderManually", `/api/v1/orders/${toPlace.id}/place`, { upstreamId: 555002, expiresOn: "2027-01-01" });
    assert.deepEqual([placed.order.state, placed.order.upstreamServiceId], ["active", 555002]);
    // Awaiting funds (set directly: this world runs in manual mode): Resume now queues the placing job at once, audited.
    const toResume = await queued("100005");
    await w.c.db.updateTable("orders").set({ state: "awaiting_funds" }).where("id", "=", toResume.id).execute();
    assert.equal((await ok("resumeOrder", `/api/v1/orders/${toResume.id}/resume`)).order.state, "awaiting_funds");
    assert.ok((await w.c.queue.list({ kind: "order.place" })).some((j) => j.idempotency_key.includes(toResume.id) && j.idempotency_key.includes(":resume-now:")));
    assert.equal((await ok("rejectOrder", `/api/v1/orders/${toReject.id}/reject`, { reason: "license not found upstream" })).order.state, "refunded");
    const refund = await ok("refundOrder", `/api/v1/orders/${toRefund.id}/refund`, { reason: "goodwill" });
    assert.deepEqual(refund.amount, { minor: 1190, currency: "EUR" });
    // customers and balances
    assert.ok((await ok("listCustomers", "/api/v1/customers")).customers.some((x: { id: string }) => x.id === ann.id));
    const bob = (await ok("createCustomer", "/api/v1/customers", { email: "bob@example.com", name: "Bob" })).customer;
    assert.equal((await ok("getCustomer", `/api/v1/customers/${encodeURIComponent("bob@example.com")}`)).customer.id, bob.id);
    const credited = await ok("creditBalance", `/api/v1/customers/${bob.id}/credits`, { amount: "25.00", currency: "EUR", reason: "prepayment by bank" });
    assert.deepEqual(credited.balances, [{ minor: 2500, currency: "EUR" }]);
    assert.deepEqual((await ok("getBalance", `/api/v1/customers/${bob.id}/balance`)).balances, [{ minor: 2500, currency: "EUR" }]);
    // audit
    const audit = await ok("listAuditEntries", "/api/v1/audit?actorKind=api_token&action=order.");
    assert.deepEqual(audit.entries.map((e: { action: string }) => e.action).sort(), ["order.cancel", "order.place_manually", "order.refund", "order.reject", "order.resume"]);
    // webhooks
    const hook = await ok("createWebhookEndpoint", "/api/v1/webhooks", { url: "https://hooks.example.com/pb", events: ["order.paid", "module.expired"] });
    assert.match(hook.secret, /^whsec_[0-9a-f]{64}$/);
    const listed = await ok("listWebhookEndpoints", "/api/v1/webhooks");
    assert.deepEqual(listed.endpoints.map((e: { id: string }) => e.id), [hook.endpoint.id]);
    assert.ok(!JSON.stringify(listed).includes(hook.secret), "the secret is returned once only");
    assert.equal((await ok("sendWebhookTest", `/api/v1/webhooks/${hook.endpoint.id}/test`)).delivery.eventType, "webhook.test");
    assert.equal((await ok("listWebhookDeliveries", `/api/v1/webhooks/${hook.endpoint.id}/deliveries?limit=10`)).deliveries.length, 1);
    assert.equal((await ok("deleteWebhookEndpoint", `/api/v1/webhooks/${hook.endpoint.id}`)).deleted, true);
    assert.deepEqual(await w.c.webhooks.listEndpoints(), []);

    assert.deepEqual([...done].sort(), routes.map((r) => r.operationId).sort(), "every route was exercised");
  });

  it("answers a well-formed request for something missing or in the wrong state with its code", async () => {
    const w = await world(ctx());
    await seedKnownCatalog(w.c);
    const tok = await w.token(SCOPE_NAMES);
    const missing = await w.call("GET", "/api/v1/orders/ord_000999", tok);
    assert.deepEqual([missing.statusCode, errorCode(missing)], [404, "not_found"]);
    const { order } = await w.c.orders.intake(BUY, null);
    const wrong = await w.call("POST", `/api/v1/orders/${order.id}/refund`, tok, { reason: "x" });
    assert.deepEqual([wrong.statusCode, errorCode(wrong)], [409, "illegal_transition"]);
    const unknown = await w.call("GET", "/api/v1/nothing-here", tok);
    assert.deepEqual([unknown.statusCode, errorCode(unknown)], [404, "not_found"]);
  });

  it("stores only a hash of a token: its text is in no table, and lists show only its prefix", async () => {
    const w = await world(ctx());
    const created = await w.c.apiTokens.create({ name: "ci", scopes: ["orders:read"] }, { actor: { kind: "cli", id: "test" } });
    const secret = created.token.split("_").pop()!;
    assert.equal((await w.call("GET", "/api/v1/orders", created.token)).statusCode, 200);
    const dump = JSON.stringify(await allRows(w.c.database));
    assert.ok(!dump.includes(secret), "the secret part is stored nowhere");
    assert.ok(dump.includes(created.view.prefix));
    assert.ok(!JSON.stringify(await w.c.apiTokens.list()).includes(secret));
    assert.ok(!w.logs.join("").includes(secret), "nor logged");
  });
});

describeEachDialect("admin: API tokens page", (ctx) => {
  it("is the owner's only: anonymous is sent to sign in, staff are refused", async () => {
    const w = await world(ctx());
    const staff = await staffCookie(w.c, "staff");
    const anon = await w.app.inject({ method: "GET", url: "/admin/tokens" });
    assert.equal(anon.statusCode, 303);
    assert.match(String(anon.headers.location), /^\/admin\/login/);
    const refused = await w.app.inject({ method: "GET", url: "/admin/tokens", headers: { cookie: staff.cookie } });
    assert.equal(refused.statusCode, 403);
    const customer = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
    const s = await w.c.sessions.start("customer", customer.id);
    const asCustomer = await w.app.inject({ method: "GET", url: "/admin/tokens", headers: { cookie: `pb_session=${s.token}` } });
    assert.equal(asCustomer.statusCode, 303, "a customer session opens no admin page");
    const revokeByStaff = await w.app.inject({ method: "POST", url: "/admin/tokens/tok_000001/revoke", headers: { cookie: staff.cookie, "content-type": "application/x-www-form-urlencoded" }, payload: "" });
    assert.equal(revokeByStaff.statusCode, 403);
  });

  it("creates a token shown once, lists it without its secret, revokes it, with audit entries", async () => {
    const w = await world(ctx());
    const { client, owner } = await ownerClient(w);
    const page = await client.get("/admin/tokens");
    assert.equal(page.statusCode, 200);
    const bad = await client.post("/admin/tokens", { name: "CRM <sync>", scopes: "" });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.body.includes("CRM &lt;sync&gt;") && !bad.body.includes("CRM <sync>"));
    assert.equal((await w.c.apiTokens.list()).length, 0);

    const created = await client.post("/admin/tokens", { name: "CRM sync", scopes: "orders:read,customers:read" });
    assert.equal(created.statusCode, 201);
    const token = /<code id="new-token">(pb_[^<]+)<\/code>/.exec(created.body)?.[1];
    assert.ok(token, "the token is on the page");
    assert.equal((await w.call("GET", "/api/v1/orders", token)).statusCode, 200);
    assert.equal((await w.call("GET", "/api/v1/modules", token)).statusCode, 403);
    const again = await client.get("/admin/tokens");
    assert.ok(!again.body.includes(token), "shown once");
    assert.ok(again.body.includes("CRM sync"));

    const [view] = await w.c.apiTokens.list();
    const ask = await client.post(`/admin/tokens/${view!.id}/revoke`, {});
    assert.equal(ask.statusCode, 200, "revoking is confirmed in words first");
    assert.match(ask.body, /Revoke the token “CRM sync”/);
    assert.equal((await w.call("GET", "/api/v1/orders", token)).statusCode, 200, "asking changes nothing");
    const revoked = await client.post(`/admin/tokens/${view!.id}/revoke`, { confirm: "yes" });
    assert.equal(revoked.statusCode, 303);
    assert.equal((await w.call("GET", "/api/v1/orders", token)).statusCode, 401);
    const noCsrf = await client.post(`/admin/tokens/${view!.id}/revoke`, {}, null);
    assert.equal(noCsrf.statusCode, 403);

    const entries = (await w.c.audit.list({ actorKind: "staff" })).entries;
    assert.deepEqual(entries.map((e) => e.action).sort(), ["api_token.create", "api_token.revoke"]);
    assert.ok(entries.every((e) => e.actor.id === owner.id));
    assert.ok(!JSON.stringify(await allRows(w.c.database)).includes(token.split("_").pop()!));
  });
});

describeEachDialect("partnerbill tokens", (ctx) => {
  it("creates a token printed once, lists it and revokes it from the command line", async () => {
    const t = ctx();
    const w = await world(t);
    const env = { DATABASE_URL: t.url, SECRET_KEY: "test-secret-key-test-secret-key-0123456789" };
    const created = await runCli(["tokens", "create", "nightly export", "--scope", "orders:read", "--scope", "audit:read"], env);
    assert.equal(created.code, 0, created.stderr);
    const token = /(pb_tok_[0-9a-z]+_[0-9a-f]{64})/.exec(created.stdout)?.[1];
    assert.ok(token, created.stdout);
    assert.equal((await w.call("GET", "/api/v1/audit", token)).statusCode, 200);
    const listed = await runCli(["tokens", "list", "--json"], env);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout) as Array<{ id: string; scopes: string[] }>;
    assert.deepEqual(rows[0]!.scopes, ["orders:read", "audit:read"]);
    assert.ok(!listed.stdout.includes(token));
    const badScope = await runCli(["tokens", "create", "x", "--scope", "admin"], env);
    assert.notEqual(badScope.code, 0);
    assert.match(badScope.stderr, /Unknown scope/);
    const revoked = await runCli(["tokens", "revoke", rows[0]!.id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await w.call("GET", "/api/v1/audit", token)).statusCode, 401);
    const actions = (await w.c.audit.list({ actorKind: "cli" })).entries.map((e) => e.action).sort();
    assert.deepEqual(actions, ["api_token.create", "api_token.revoke"]);
  });
});
