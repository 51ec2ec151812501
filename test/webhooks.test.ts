// Outgoing webhooks (ADR 0019) end to end: real order and renewal flows produce events, the
// webhook.deliver job POSTs them to a real local HTTP receiver that checks the signature, failures
// are retried with the queue's backoff and finally given up, a rolled-back change sends nothing,
// and the owner-only /admin/webhooks page adds endpoints, sends test events and redelivers — with
// the signing secret shown once and found in no log and no table.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { buildHttpApp } from "../src/http/app.ts";
import { DELIVER_WEBHOOK_ATTEMPTS, DELIVER_WEBHOOK_BACKOFF } from "../src/jobs/handlers/deliver-webhook.ts";
import { HEADERS, verifySignature, type WebhookEvent } from "../src/modules/webhooks/webhooks.logic.ts";
import { createTestContainer } from "./helpers/app.ts";
import { allRows } from "./helpers/db-contents.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { WebClient } from "./helpers/web-client.ts";

const BUY = { module: "DDoS-GUARD", license: "100001", ip: "192.0.2.10", module_id: "23221" };
const ALL_EVENTS: WebhookEvent[] = ["order.paid", "order.active", "order.failed", "module.renewed", "module.expired"];
const CLI = { actor: { kind: "cli" as const, id: "test", label: "test" } };

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The (manual) clock's unix seconds when it arrived: what the receiver checks freshness against. */
  at: number;
}

/** A webhook receiver on a real port: answers each request with the next status of `plan` (then 200). */
async function startReceiver(nowSeconds: () => number) {
  const received: Received[] = [];
  const plan: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: nowSeconds() });
      res.statusCode = plan.shift() ?? 200;
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/partnerbill?source=test`;
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return { url, received, plan, close };
}

async function world(t: TestDatabase) {
  const built = createTestContainer(t, { FULFILLMENT_MODE: "manual", UPSTREAM_REGION: "eu", WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" });
  const c = built.container as Container;
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  const nowSeconds = () => Math.floor(built.clock.now().getTime() / 1000);
  const receiver = await startReceiver(nowSeconds);
  const worker = c.jobs.createWorker({ concurrency: 4 });
  /** Runs due jobs until none is left. */
  const drain = async () => {
    for (let i = 0; i < 50 && (await worker.runOnce()) > 0; i++);
  };
  const dispose = async () => {
    await receiver.close();
    await c.close();
  };
  return { ...built, c, receiver, worker, drain, nowSeconds, dispose };
}

type World = Awaited<ReturnType<typeof world>>;

/** Checks every received request's signature and headers; returns the parsed bodies. */
function verified(w: World, secret: string): Array<{ id: string; type: string; createdAt: string; data: any }> {
  return w.receiver.received.map((r) => {
    const sig = String(r.headers[HEADERS.signature]);
    assert.ok(verifySignature(secret, sig, r.body, r.at), `signature of ${r.body.slice(0, 80)}`);
    assert.ok(!verifySignature("whsec_other", sig, r.body, r.at), "another secret does not verify");
    assert.ok(!verifySignature(secret, sig, r.body + " ", r.at), "a changed body does not verify");
    assert.ok(!verifySignature(secret, sig, r.body, r.at + 3600), "an old signature is refused (replay)");
    assert.equal(r.headers["content-type"], "application/json");
    const body = JSON.parse(r.body) as { id: string; type: string; createdAt: string; data: any };
    assert.equal(r.headers[HEADERS.eventId], body.id);
    assert.equal(r.headers[HEADERS.eventType], body.type);
    assert.match(String(r.headers[HEADERS.delivery]), /^whd_/);
    return body;
  });
}

async function deliveries(w: World) {
  return w.c.webhooks.listDeliveries({ limit: 500 });
}

describeEachDialect("outgoing webhooks", (ctx) => {
  it("delivers order.paid, order.active and order.failed from real order flows, signed", async () => {
    const w = await world(ctx());
    try {
      const { secret } = await w.c.webhooks.addEndpoint({ url: w.receiver.url, events: ALL_EVENTS }, CLI);
      const ann = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
      await w.c.customers.credit(ann.id, { amount: "100.00", currency: "EUR", reason: "seed", actor: "test" });
      const a = (await w.c.orders.intake(BUY, null)).order;
      await w.c.orders.payFromBalance(a.id, ann.email, "test");
      await w.c.orders.placeManually(a.id, { upstreamId: 777001, expiresOn: "2027-01-01" }, "staff");
      const b = (await w.c.orders.intake({ ...BUY, license: "100002" }, null)).order;
      await w.c.orders.payFromBalance(b.id, ann.email, "test");
      await w.c.orders.reject(b.id, "license not found upstream", "staff");
      assert.equal(w.receiver.received.length, 0, "nothing is sent inside the transactions");
      await w.drain();

      const bodies = verified(w, secret);
      assert.deepEqual(bodies.map((x) => `${x.type} ${x.data.order.id}`).sort(), [`order.active ${a.id}`, `order.failed ${b.id}`, `order.paid ${a.id}`, `order.paid ${b.id}`].sort());
      const active = bodies.find((x) => x.type === "order.active")!;
      assert.deepEqual([active.data.order.state, active.data.order.upstreamServiceId, active.data.order.price], ["active", 777001, { minor: 1190, currency: "EUR" }]);
      assert.equal(bodies.find((x) => x.type === "order.failed")!.data.order.reason, "license not found upstream");
      assert.equal(new Set(bodies.map((x) => x.id)).size, 4, "one event id per event");
      const log = await deliveries(w);
      assert.ok(log.every((d) => d.state === "delivered" && d.attempts === 1 && d.lastStatus === 200));
    } finally {
      await w.dispose();
    }
  });

  it("delivers module.renewed and module.expired from the renewal scan, and only the events an endpoint chose", async () => {
    const w = await world(ctx());
    try {
      const { secret } = await w.c.webhooks.addEndpoint({ url: w.receiver.url, events: ["module.renewed", "module.expired"] }, CLI);
      const ann = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
      const bob = await w.c.customers.add({ email: "bob@example.com", name: "Bob" });
      await w.c.customers.credit(ann.id, { amount: "100.00", currency: "EUR", reason: "seed", actor: "test" });
      await w.c.customers.credit(bob.id, { amount: "11.90", currency: "EUR", reason: "seed", actor: "test" });
      const buy = async (email: string, license: string, upstreamId: number) => {
        const o = (await w.c.orders.intake({ ...BUY, license }, null)).order;
        await w.c.orders.payFromBalance(o.id, email, "test");
        return w.c.orders.placeManually(o.id, { upstreamId, expiresOn: "2027-01-01" }, "staff");
      };
      await buy(ann.email, "100001", 777001);
      await buy(bob.email, "100002", 777002);
      w.clock.set("2026-12-25T10:00:00Z");
      await w.c.renewals.scan();
      const renewal = (await w.c.orders.list({ limit: 50 })).find((o) => o.kind === "renewal" && o.customer_id === ann.id && o.state === "manual_queue");
      assert.ok(renewal, "Ann's renewal is paid and waits in the manual queue");
      await w.c.renewals.completeManually(renewal.id, { expiresOn: "2027-02-01" }, "staff");
      w.clock.set("2027-01-02T10:00:00Z");
      await w.c.renewals.scan();
      await w.drain();

      const bodies = verified(w, secret);
      assert.deepEqual(bodies.map((x) => x.type).sort(), ["module.expired", "module.renewed"]);
      const renewed = bodies.find((x) => x.type === "module.renewed")!;
      assert.deepEqual([renewed.data.module.customerId, renewed.data.module.expiresOn, renewed.data.detail.to], [ann.id, "2027-02-01", "2027-02-01"]);
      const expired = bodies.find((x) => x.type === "module.expired")!;
      assert.deepEqual([expired.data.module.customerId, expired.data.module.state, expired.data.module.upstreamServiceId], [bob.id, "expired", 777002]);
    } finally {
      await w.dispose();
    }
  });

  it("retries after a 500 and a refused connection with the queue's backoff, then delivers the same event", async () => {
    const w = await world(ctx());
    try {
      const { secret } = await w.c.webhooks.addEndpoint({ url: w.receiver.url, events: ["order.paid"] }, CLI);
      w.receiver.plan.push(500);
      const ann = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
      await w.c.customers.credit(ann.id, { amount: "100.00", currency: "EUR", reason: "seed", actor: "test" });
      const o = (await w.c.orders.intake(BUY, null)).order;
      await w.c.orders.payFromBalance(o.id, ann.email, "test");
      await w.drain();
      let [d] = await deliveries(w);
      assert.deepEqual([d!.state, d!.attempts, d!.lastStatus, d!.lastError], ["pending", 1, 500, "HTTP 500"]);
      assert.equal(await w.worker.runOnce(), 0, "not before its backoff");
      w.clock.advance(DELIVER_WEBHOOK_BACKOFF.baseMs);
      await w.drain();
      [d] = await deliveries(w);
      assert.deepEqual([d!.state, d!.attempts, d!.lastStatus], ["delivered", 2, 200]);
      const bodies = verified(w, secret);
      assert.equal(bodies.length, 2);
      assert.equal(w.receiver.received[0]!.body, w.receiver.received[1]!.body, "the same body each attempt");
      assert.equal(bodies[0]!.id, bodies[1]!.id, "the same event id: receivers de-duplicate on it");

      // A receiver that is down: the connection error is recorded and retried too.
      await w.receiver.close();
      const o2 = (await w.c.orders.intake({ ...BUY, license: "100002" }, null)).order;
      await w.c.orders.payFromBalance(o2.id, ann.email, "test");
      await w.drain();
      const down = (await deliveries(w)).find((x) => x.state !== "delivered")!;
      assert.deepEqual([down.state, down.attempts, down.lastStatus], ["pending", 1, null]);
      assert.match(down.lastError ?? "", /ECONNREFUSED|refused|closed|socket/i);
    } finally {
      await w.dispose();
    }
  });

  it(`gives up after ${DELIVER_WEBHOOK_ATTEMPTS} failed attempts, and staff can redeliver`, async () => {
    const w = await world(ctx());
    try {
      const { secret, endpoint } = await w.c.webhooks.addEndpoint({ url: w.receiver.url, events: ["order.paid"] }, CLI);
      for (let i = 0; i < DELIVER_WEBHOOK_ATTEMPTS; i++) w.receiver.plan.push(503);
      const ann = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
      await w.c.customers.credit(ann.id, { amount: "100.00", currency: "EUR", reason: "seed", actor: "test" });
      const o = (await w.c.orders.intake(BUY, null)).order;
      await w.c.orders.payFromBalance(o.id, ann.email, "test");
      for (let i = 0; i < DELIVER_WEBHOOK_ATTEMPTS + 2; i++) {
        await w.drain();
        w.clock.advance(DELIVER_WEBHOOK_BACKOFF.maxMs);
      }
      let [d] = await deliveries(w);
      assert.deepEqual([d!.state, d!.attempts, d!.lastStatus], ["failed", DELIVER_WEBHOOK_ATTEMPTS, 503]);
      assert.equal(w.receiver.received.length, DELIVER_WEBHOOK_ATTEMPTS);
      assert.equal((await w.c.queue.list({ kind: "webhook.deliver", state: "dead" })).length, 0, "a given-up delivery is a finished job, not a dead one");

      await w.c.webhooks.redeliver(d!.id, CLI);
      await w.drain();
      [d] = await deliveries(w);
      assert.deepEqual([d!.state, d!.attempts, d!.lastStatus], ["delivered", DELIVER_WEBHOOK_ATTEMPTS + 1, 200]);
      assert.equal(verified(w, secret).length, DELIVER_WEBHOOK_ATTEMPTS + 1);
      assert.equal(d!.endpointId, endpoint.id);
    } finally {
      await w.dispose();
    }
  });

  it("writes no delivery and no job when the change's transaction rolls back", async () => {
    const w = await world(ctx());
    try {
      await w.c.webhooks.addEndpoint({ url: w.receiver.url, events: ALL_EVENTS }, CLI);
      const ann = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
      const o = (await w.c.orders.intake(BUY, null)).order;
      // Too little money: payFromBalance fails inside its transaction, no order.paid.
      await assert.rejects(w.c.orders.payFromBalance(o.id, ann.email, "test"), { code: "insufficient_funds" });
      // A listener's rows share the fate of the transaction that emitted the event.
      await assert.rejects(
        w.c.db.transaction().execute(async (tx) => {
          await w.c.events.emit(tx, { type: "order.transition", order: { ...o, state: "paid" }, from: "pending_payment", to: "paid", actor: "test" });
          assert.equal((await w.c.repos.webhooks.listDeliveries(tx, { limit: 10 })).length, 1, "written inside the transaction");
          throw new Error("something later in the use case failed");
        }),
        /something later/,
      );
      assert.equal((await deliveries(w)).length, 0);
      assert.equal((await w.c.queue.list({ kind: "webhook.deliver" })).length, 0);
      await w.drain();
      assert.equal(w.receiver.received.length, 0);
    } finally {
      await w.dispose();
    }
  });

  it("refuses endpoint URLs that are not http(s) and events it does not know, storing nothing", async () => {
    const w = await world(ctx());
    try {
      for (const url of ["ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd", "https://user:pw@example.com/", "/relative", ""]) {
        await assert.rejects(w.c.webhooks.addEndpoint({ url, events: ["order.paid"] }, CLI), { code: "invalid_input" }, url);
      }
      await assert.rejects(w.c.webhooks.addEndpoint({ url: w.receiver.url, events: ["order.refunded"] }, CLI), /Unknown event/);
      await assert.rejects(w.c.webhooks.addEndpoint({ url: w.receiver.url, events: [] }, CLI), { code: "invalid_input" });
      assert.equal((await w.c.webhooks.listEndpoints()).length, 0);
      assert.equal((await w.c.audit.list()).entries.length, 0);
    } finally {
      await w.dispose();
    }
  });
});

describeEachDialect("admin: webhooks page", (ctx) => {
  it("is the owner's only", async () => {
    const w = await world(ctx());
    try {
      const app = await buildHttpApp(w.c);
      const staff = await w.c.staffAuth.add({ email: "staff@partner.example", role: "staff", password: "a-long-staff-password" });
      const anon = await app.inject({ method: "GET", url: "/admin/webhooks" });
      assert.equal(anon.statusCode, 303);
      assert.match(String(anon.headers.location), /^\/admin\/login/);
      const s = await w.c.sessions.start("staff", staff.id);
      for (const [method, url] of [["GET", "/admin/webhooks"], ["POST", "/admin/webhooks"], ["POST", "/admin/webhooks/whe_000001/test"]] as const) {
        const res = await app.inject({ method, url, headers: { cookie: `pb_staff=${s.token}`, ...(method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}) }, ...(method === "POST" ? { payload: "" } : {}) });
        assert.equal(res.statusCode, 403, `${method} ${url}`);
      }
    } finally {
      await w.dispose();
    }
  });

  it("adds an endpoint (secret shown once), sends a test event, disables, redelivers and deletes, all audited; the secret is in no log", async () => {
    const w = await world(ctx());
    try {
      const app = await buildHttpApp(w.c);
      const owner = await w.c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: "a-long-staff-password" });
      const s = await w.c.sessions.start("staff", owner.id);
      const client = new WebClient(app);
      client.cookies.set("pb_staff", s.token);
      /** Submits a form of the webhooks page, as a browser would after loading it. */
      const press = async (action: string, fields: Record<string, string> = {}) => {
        await client.get("/admin/webhooks");
        return client.post(action, fields);
      };
      assert.equal((await client.get("/admin/webhooks")).statusCode, 200);

      const bad = await client.post("/admin/webhooks", { url: "javascript:alert('<x>')", description: "", events: "order.paid" });
      assert.equal(bad.statusCode, 400);
      assert.ok(!bad.body.includes("<x>"), "the refused input is escaped");
      assert.equal((await w.c.webhooks.listEndpoints()).length, 0);

      const added = await client.post("/admin/webhooks", { url: w.receiver.url, description: "CRM", events: "order.paid,order.active" });
      assert.equal(added.statusCode, 201);
      const secret = /<code id="new-secret">(whsec_[0-9a-f]+)<\/code>/.exec(added.body)?.[1];
      assert.ok(secret, "the secret is on the page once");
      const [endpoint] = await w.c.webhooks.listEndpoints();
      assert.deepEqual(endpoint!.events, ["order.paid", "order.active"]);
      const later = await client.get("/admin/webhooks");
      assert.ok(!later.body.includes(secret), "and never again");

      // Send test event: a webhook.test delivery, signed like any other.
      w.receiver.plan.push(500);
      assert.equal((await client.post(`/admin/webhooks/${endpoint!.id}/test`, {})).statusCode, 303);
      await w.drain();
      const failed = (await deliveries(w))[0]!;
      assert.deepEqual([failed.eventType, failed.state, failed.lastStatus], ["webhook.test", "pending", 500]);
      const page = await client.get("/admin/webhooks");
      assert.ok(page.body.includes("webhook.test") && page.body.includes("HTTP 500"), "the delivery log shows the failed attempt");
      await client.get(`/admin/webhooks/deliveries/${failed.id}`);
      assert.equal((await client.post(`/admin/webhooks/deliveries/${failed.id}/redeliver`, {})).statusCode, 303);
      await w.drain();
      assert.equal((await deliveries(w))[0]!.state, "delivered");
      const bodies = verified(w, secret);
      assert.deepEqual(bodies.map((b) => b.type), ["webhook.test", "webhook.test"]);
      assert.equal(bodies[0]!.data.endpointId, endpoint!.id);

      // Events per endpoint, then disabled: no deliveries for new events.
      assert.equal((await press(`/admin/webhooks/${endpoint!.id}/events`, { events: "order.paid" })).statusCode, 303);
      assert.deepEqual((await w.c.webhooks.getEndpoint(endpoint!.id)).events, ["order.paid"]);
      assert.equal((await press(`/admin/webhooks/${endpoint!.id}/disable`)).statusCode, 200, "disabling is confirmed first");
      assert.equal((await w.c.webhooks.getEndpoint(endpoint!.id)).enabled, true);
      assert.equal((await press(`/admin/webhooks/${endpoint!.id}/disable`, { confirm: "yes" })).statusCode, 303);
      const ann = await w.c.customers.add({ email: "ann@example.com", name: "Ann" });
      await w.c.customers.credit(ann.id, { amount: "100.00", currency: "EUR", reason: "seed", actor: "test" });
      const o = (await w.c.orders.intake(BUY, null)).order;
      await w.c.orders.payFromBalance(o.id, ann.email, "test");
      assert.equal((await deliveries(w)).length, 1, "a disabled endpoint gets no new event");
      assert.equal((await press(`/admin/webhooks/${endpoint!.id}/enable`)).statusCode, 303);
      assert.equal((await press(`/admin/webhooks/whe_999999/delete`)).statusCode, 404);
      assert.equal((await press(`/admin/webhooks/${endpoint!.id}/delete`, { confirm: "yes" })).statusCode, 303);
      assert.equal((await w.c.webhooks.listEndpoints()).length, 0);
      assert.equal((await deliveries(w)).length, 0, "its delivery log went with it");

      const actions = (await w.c.audit.list({ actorKind: "staff" })).entries.map((e) => e.action).sort();
      assert.deepEqual(actions, [
        "webhook_delivery.redeliver",
        "webhook_endpoint.create",
        "webhook_endpoint.delete",
        "webhook_endpoint.disable",
        "webhook_endpoint.enable",
        "webhook_endpoint.test",
        "webhook_endpoint.update",
      ]);
      const everything = JSON.stringify(await allRows(w.c.database));
      assert.ok(!everything.includes(secret), "the secret is stored only sealed");
      assert.ok(!w.logs.join("").includes(secret), "the secret is in no log line");
      assert.ok(w.logs.join("").includes("webhook"), "the worker did log about webhooks");
    } finally {
      await w.dispose();
    }
  });
});
