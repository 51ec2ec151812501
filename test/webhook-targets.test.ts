// Webhook targets cannot probe the operator's network (issue 13, finding 11): creating an endpoint
// for a loopback, private, link-local, CGNAT, unique-local or mapped address — in any spelling — is
// refused in the admin form (an HTML page) and the API (JSON invalid_input); a name that resolves
// to 127.0.0.1 is refused at delivery, whatever it resolved to when the endpoint was made, with one
// error text whether the port is open or closed; WEBHOOKS_ALLOW_PRIVATE_TARGETS=true lets a local
// receiver work. Both dialects; real HTTP for deliveries.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { buildHttpApp } from "../src/http/app.ts";
import { REFUSED_TARGET } from "../src/modules/webhooks/webhook-target.ts";
import { createTestContainer } from "./helpers/app.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { WebClient } from "./helpers/web-client.ts";

const CLI = { actor: { kind: "cli" as const, id: "test", label: "test" } };
const BAD_URLS = [
  "http://127.0.0.1/hook", "http://localhost:8080/hook", "http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://127.1/",
  "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.0.10/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
  "http://0.0.0.0:22/", "http://[::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/",
];

async function receiver() {
  let hits = 0;
  const server: Server = createServer((req, res) => { hits++; req.resume(); req.on("end", () => res.end("ok")); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { port, hits: () => hits, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

async function endpointCount(c: Container): Promise<number> {
  return (await c.webhooks.listEndpoints()).length;
}

function build(t: TestDatabase, env: Record<string, string> = {}) {
  return createTestContainer(t, { FULFILLMENT_MODE: "manual", UPSTREAM_REGION: "eu", ...env }).container as Container;
}

describeEachDialect("webhook targets (finding 11)", (ctx) => {
  it("refuses internal targets in the admin form and the API, in their own error forms, storing nothing", async () => {
    const c = build(ctx());
    try {
      const app = await buildHttpApp(c);
      const owner = await c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: "a-long-staff-password" });
      const s = await c.sessions.start("staff", owner.id);
      const web = new WebClient(app);
      web.cookies.set("pb_staff", s.token);
      const token = (await c.apiTokens.create({ name: "hooks", scopes: ["webhooks:write", "webhooks:read"] }, CLI)).token;
      for (const url of BAD_URLS) {
        await web.get("/admin/webhooks");
        const page = await web.post("/admin/webhooks", { url, description: "", events: "order.paid" });
        assert.equal(page.statusCode, 400, `form ${url}`);
        assert.match(String(page.headers["content-type"]), /text\/html/);
        assert.match(page.body, /not a public address/, url);
        const api = await app.inject({ method: "POST", url: "/api/v1/webhooks", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, payload: JSON.stringify({ url, events: ["order.paid"] }) });
        assert.equal(api.statusCode, 400, `api ${url}`);
        assert.equal((api.json() as { error: { code: string } }).error.code, "invalid_input");
      }
      assert.equal(await endpointCount(c), 0);
      await app.close();
    } finally {
      await c.close();
    }
  });

  it("refuses at delivery a host that resolves to loopback, with one error whether the port is open or not", async () => {
    const rx = await receiver();
    // The endpoints were made while private targets were allowed (or their names resolved elsewhere then)…
    const onPrem = build(ctx(), { WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" });
    const open = await onPrem.webhooks.addEndpoint({ url: `http://localhost:${rx.port}/hook`, events: ["order.paid"] }, CLI);
    const literal = await onPrem.webhooks.addEndpoint({ url: `http://127.0.0.1:${rx.port}/hook`, events: ["order.paid"] }, CLI);
    const closed = await onPrem.webhooks.addEndpoint({ url: "http://localhost:1/hook", events: ["order.paid"] }, CLI);
    const tests = [];
    for (const ep of [open, literal, closed]) tests.push(await onPrem.webhooks.sendTest(ep.endpoint.id, CLI));
    await onPrem.close();
    // …and now they are not: every delivery checks the address it connects to.
    const c = build(ctx());
    try {
      const errors: string[] = [];
      for (const d of tests) {
        const out = await c.webhooks.deliver(d.id, { finalAttempt: false, signal: AbortSignal.timeout(5000) });
        assert.equal(out.status, "retry");
        errors.push((await c.webhooks.getDelivery(d.id)).lastError ?? "");
      }
      assert.deepEqual(errors, [REFUSED_TARGET, REFUSED_TARGET, REFUSED_TARGET], "no port-scan oracle");
      assert.equal(rx.hits(), 0, "nothing reached the local receiver");
    } finally {
      await c.close();
      await rx.close();
    }
  });

  it("with WEBHOOKS_ALLOW_PRIVATE_TARGETS=true a local receiver works", async () => {
    const rx = await receiver();
    const c = build(ctx(), { WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" });
    try {
      const ep = await c.webhooks.addEndpoint({ url: `http://localhost:${rx.port}/hook`, events: ["order.paid"] }, CLI);
      const d = await c.webhooks.sendTest(ep.endpoint.id, CLI);
      assert.equal((await c.webhooks.deliver(d.id, { finalAttempt: false, signal: AbortSignal.timeout(5000) })).status, "delivered");
      assert.equal(rx.hits(), 1);
    } finally {
      await c.close();
      await rx.close();
    }
  });
});
