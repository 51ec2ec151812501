// Per-address rate limits on anonymous writes, over real HTTP: a burst from one address is cut at
// the limit (sign-up, forgot-password, the panels' Buy redirect, anonymous API writes), each
// surface answering 429 in its own form with Retry-After; another address is unaffected; the
// client's address is the one the trusted proxy states; and two app instances on one database
// share the counter. (Before: 1,000 sign-ups from one address in 36 s, 3,000 pending orders in 6 s.)
import assert from "node:assert/strict";
import { it } from "node:test";
import type { FastifyInstance } from "fastify";
import { buildHttpApp } from "../src/http/app.ts";
import { createDatabase } from "../src/db/database.ts";
import { createTestContainer } from "./helpers/app.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";

const LIMITS = { RATE_LIMIT_SIGNUP: "5", RATE_LIMIT_FORGOT: "3", RATE_LIMIT_BUY: "4", RATE_LIMIT_ANONYMOUS: "3" };
const ENV = { TRUST_PROXY: "127.0.0.1", FULFILLMENT_MODE: "manual", UPSTREAM_REGION: "eu", ...LIMITS };

async function instance(t: TestDatabase, env: Record<string, string> = {}) {
  const built = createTestContainer(t, { ...ENV, ...env });
  const app: FastifyInstance = await buildHttpApp(built.container);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await built.container.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  return { ...built, c: built.container, app, base };
}

interface Answer { status: number; body: string; headers: Headers }

/** A browser at `ip` (as nginx states it in X-Forwarded-For): opens the form page, then posts it. */
async function submitForm(base: string, ip: string, page: string, fields: Record<string, string>): Promise<Answer> {
  const got = await fetch(base + page, { headers: { "x-forwarded-for": ip } });
  const html = await got.text();
  const cookie = got.headers.getSetCookie().map((c) => c.split(";", 1)[0]).join("; ");
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(csrf, `no form on ${page}`);
  const r = await fetch(base + page, {
    method: "POST",
    redirect: "manual",
    headers: { "x-forwarded-for": ip, "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
  });
  return { status: r.status, body: await r.text(), headers: r.headers };
}

async function get(base: string, ip: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const r = await fetch(base + path, { redirect: "manual", ...init, headers: { "x-forwarded-for": ip, ...(init.headers as Record<string, string> | undefined) } });
  return { status: r.status, body: await r.text(), headers: r.headers };
}

function assertRefusedPage(a: Answer) {
  assert.equal(a.status, 429);
  assert.match(String(a.headers.get("content-type")), /^text\/html/);
  assert.match(a.body, /<h1>Too many requests<\/h1>/);
  assert.ok(Number(a.headers.get("retry-after")) > 0, "Retry-After");
}

describeEachDialect("rate limits per client address", (ctx) => {
  it("cuts a concurrent burst of sign-ups from one address at the limit, and leaves another address alone", async () => {
    const a = await instance(ctx());
    try {
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) => submitForm(a.base, "198.51.100.1", "/account/signup", { email: `victim${i}@example.com`, password: "a long enough password" })),
      );
      const passed = burst.filter((r) => r.status !== 429);
      assert.equal(passed.length, 5, `statuses: ${burst.map((r) => r.status).join(",")}`);
      for (const r of passed) assert.equal(r.status, 200);
      for (const r of burst.filter((x) => x.status === 429)) assertRefusedPage(r);
      const mails = await a.c.db.selectFrom("mail_outbox").select("to_address").execute();
      assert.equal(mails.length, 5, "only the sign-ups let through sent mail");

      const other = await submitForm(a.base, "198.51.100.2", "/account/signup", { email: "someone@example.com", password: "a long enough password" });
      assert.equal(other.status, 200, "another address is unaffected");

      // forgot-password: its own limit.
      const forgot = [];
      for (let i = 0; i < 5; i++) forgot.push(await submitForm(a.base, "198.51.100.3", "/account/forgot", { email: `x${i}@example.com` }));
      assert.deepEqual(forgot.map((r) => r.status), [200, 200, 200, 429, 429]);
      assertRefusedPage(forgot[4]!);
    } finally {
      await a.app.close();
    }
  });

  it("cuts Buy redirects at the limit with a BILLmanager error document, and anonymous API writes with JSON rate_limited", async () => {
    const a = await instance(ctx());
    try {
      const buys = [];
      for (let i = 0; i < 7; i++) buys.push(await get(a.base, "203.0.113.50", `/billmgr?module=DDoSGUARD&license=${900000 + i}&ip=192.0.2.${i + 1}&module_id=23221`));
      assert.deepEqual(buys.map((r) => r.status), [303, 303, 303, 303, 429, 429, 429]);
      const refused = buys[4]!;
      assert.match(refused.body, /^<\?xml[^>]*\?>\n<doc><error /);
      assert.match(refused.body, /Too many requests/);
      assert.ok(Number(refused.headers.get("retry-after")) > 0);
      const orders = await a.c.db.selectFrom("orders").select("id").execute();
      assert.equal(orders.length, 4, "no pending order past the limit");
      assert.equal((await get(a.base, "203.0.113.51", `/billmgr?module=DDoSGUARD&license=900100&ip=192.0.2.9&module_id=23221`)).status, 303);
      // The price list is no write: never limited.
      for (let i = 0; i < 10; i++) assert.equal((await get(a.base, "203.0.113.50", "/billmgr?func=pricelist.export&out=xml")).status, 200);

      const api = [];
      for (let i = 0; i < 5; i++) {
        api.push(await get(a.base, "203.0.113.60", "/api/v1/customers", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "x@example.com" }) }));
      }
      assert.deepEqual(api.map((r) => r.status), [401, 401, 401, 429, 429]);
      assert.equal((JSON.parse(api[3]!.body) as { error: { code: string } }).error.code, "rate_limited");
      assert.ok(Number(api[3]!.headers.get("retry-after")) > 0);
    } finally {
      await a.app.close();
    }
  });

  it("counts the connection's address when no proxy is trusted: a made-up X-Forwarded-For does not escape the limit", async () => {
    const a = await instance(ctx(), { TRUST_PROXY: "false" });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await get(a.base, `198.51.100.${100 + i}`, `/billmgr?module=DDoSGUARD&license=${910000 + i}&ip=192.0.2.1&module_id=23221`)).status);
      assert.deepEqual(statuses, [303, 303, 303, 303, 429, 429]);
    } finally {
      await a.app.close();
    }
  });

  it("shares the counter between two app instances on one database", async () => {
    const t = ctx();
    const second = createDatabase(t.url);
    const a = await instance(t);
    const b = await instance({ ...t, database: second });
    try {
      const burst = await Promise.all(
        Array.from({ length: 10 }, (_, i) => submitForm(i % 2 === 0 ? a.base : b.base, "198.51.100.77", "/account/signup", { email: `shared${i}@example.com`, password: "a long enough password" })),
      );
      assert.equal(burst.filter((r) => r.status !== 429).length, 5, `statuses: ${burst.map((r) => r.status).join(",")}`);
      const more = [await submitForm(a.base, "198.51.100.77", "/account/signup", { email: "late-a@example.com", password: "a long enough password" }),
        await submitForm(b.base, "198.51.100.77", "/account/signup", { email: "late-b@example.com", password: "a long enough password" })];
      assert.deepEqual(more.map((r) => r.status), [429, 429], "neither instance lets the address through");
    } finally {
      await a.app.close();
      await b.app.close();
      await second.close();
    }
  });
});
