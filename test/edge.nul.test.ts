// NUL characters (U+0000) in a path, a query, a form or JSON body or a cookie: PostgreSQL cannot
// handle them in text, and before the edge refused them 16 routes answered 500 there. Every
// surface now answers in its own form — a 400 page, 400 JSON with invalid_input, a BILLmanager
// error document — on both databases, and nothing in the database changes.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { buildHttpApp } from "../src/http/app.ts";
import { SCOPE_NAMES } from "../src/modules/api-tokens/api-tokens.logic.ts";
import { createTestContainer } from "./helpers/app.ts";
import { allRows } from "./helpers/db-contents.ts";
import { describeEachDialect } from "./helpers/db.ts";

interface Case {
  name: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  form?: string;
  json?: string;
  auth?: "staff" | "api" | "customer";
  cookie?: string;
  surface: "page" | "api" | "billmgr";
}

const CASES: Case[] = [
  { name: "customer sign-in form", method: "POST", url: "/account/login", form: "email=a%00b%40example.com&password=x", surface: "page" },
  { name: "sign-up form", method: "POST", url: "/account/signup", form: "email=a%40example.com%00&password=long+enough+password", surface: "page" },
  { name: "forgot form", method: "POST", url: "/account/forgot", form: "email=%00", surface: "page" },
  { name: "reset link query", method: "GET", url: "/account/reset?token=abc%00", surface: "page" },
  { name: "verify link query", method: "GET", url: "/account/verify?token=%00", surface: "page" },
  { name: "staff sign-in form", method: "POST", url: "/admin/login", form: "email=owner%40partner.example%00&password=x", surface: "page" },
  { name: "admin order search", method: "GET", url: "/admin/orders?q=ord%00", auth: "staff", surface: "page" },
  { name: "admin customer search", method: "GET", url: "/admin/customers?q=a%00", auth: "staff", surface: "page" },
  { name: "admin order page path", method: "GET", url: "/admin/orders/ord%00x", auth: "staff", surface: "page" },
  { name: "checkout path", method: "GET", url: "/checkout/ord_%00", surface: "page" },
  { name: "checkout form", method: "POST", url: "/checkout/ord_1/period", form: "period=1%00", surface: "page" },
  { name: "portal order path", method: "GET", url: "/account/orders/ord%00", auth: "customer", surface: "page" },
  { name: "session cookie", method: "GET", url: "/account", cookie: "pb_session=%00abc", surface: "page" },
  { name: "API order path", method: "GET", url: "/api/v1/orders/ord_%00", auth: "api", surface: "api" },
  { name: "API customer path", method: "GET", url: "/api/v1/customers/cus%00", auth: "api", surface: "api" },
  { name: "API order list query", method: "GET", url: "/api/v1/orders?state=paid%00", auth: "api", surface: "api" },
  { name: "API customer create body", method: "POST", url: "/api/v1/customers", json: JSON.stringify({ email: "x\u0000@example.com" }), auth: "api", surface: "api" },
  { name: "API JSON key", method: "POST", url: "/api/v1/customers", json: JSON.stringify({ "em\u0000ail": "x@example.com" }), auth: "api", surface: "api" },
  { name: "API price body", method: "PUT", url: "/api/v1/modules/23221/prices/1", json: JSON.stringify({ amount: "1.00\u0000", currency: "EUR" }), auth: "api", surface: "api" },
  { name: "API webhook create body", method: "POST", url: "/api/v1/webhooks", json: JSON.stringify({ url: "https://hooks.example/\u0000", events: ["order.paid"] }), auth: "api", surface: "api" },
  { name: "API audit query", method: "GET", url: "/api/v1/audit?actor=%00", auth: "api", surface: "api" },
  { name: "price list query", method: "GET", url: "/billmgr?func=pricelist.export&pricelist=%00&out=xml", surface: "billmgr" },
  { name: "Buy redirect", method: "GET", url: "/billmgr?startform=softexternal.buy&license=100001%00&module_id=23221&ip=192.0.2.1", surface: "billmgr" },
  { name: "billmgr form body", method: "POST", url: "/billmgr", form: "func=pricelist.export%00", surface: "billmgr" },
];

async function world(t: Parameters<typeof createTestContainer>[0]) {
  const built = createTestContainer(t, { FULFILLMENT_MODE: "manual", UPSTREAM_REGION: "eu" });
  const c = built.container as Container;
  const app = await buildHttpApp(c);
  await app.ready();
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  const staff = await c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: "a-long-staff-password" });
  const staffSession = await c.sessions.start("staff", staff.id);
  const customer = await c.customers.add({ email: "buyer@example.com" });
  const customerSession = await c.sessions.start("customer", customer.id);
  const token = (await c.apiTokens.create({ name: "nul", scopes: [...SCOPE_NAMES] }, { actor: { kind: "cli", id: "test", label: "test" } })).token;
  return { c, app, t, cookies: { staff: `pb_staff=${staffSession.token}`, customer: `pb_session=${customerSession.token}` }, token };
}

describeEachDialect("NUL bytes at the edge", (ctx) => {
  it(`refuses a NUL in the path, query, body or cookie of ${CASES.length} routes with a 400 in the surface's form, changing nothing`, async () => {
    const w = await world(ctx());
    const before = await allRows(w.t.database);
    for (const k of CASES) {
      const headers: Record<string, string> = {};
      if (k.auth === "api") headers["authorization"] = `Bearer ${w.token}`;
      if (k.auth === "staff") headers["cookie"] = w.cookies.staff;
      if (k.auth === "customer") headers["cookie"] = w.cookies.customer;
      if (k.cookie) headers["cookie"] = k.cookie;
      if (k.form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
      if (k.json !== undefined) headers["content-type"] = "application/json";
      const payload = k.form ?? k.json;
      const res = await w.app.inject({ method: k.method, url: k.url, headers, remoteAddress: "198.51.100.20", ...(payload !== undefined ? { payload } : {}) });
      assert.ok(res.statusCode < 500, `${k.name}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      if (k.surface === "billmgr") {
        // Panels read the body: input errors on /billmgr are error documents (ADR 0001).
        assert.match(res.body, /<doc><error type="value"/, k.name);
        assert.match(res.body, /NUL character/, k.name);
      } else if (k.surface === "api") {
        assert.equal(res.statusCode, 400, `${k.name}: ${res.body.slice(0, 200)}`);
        assert.equal((res.json() as { error: { code: string } }).error.code, "invalid_input", k.name);
        assert.match(res.body, /NUL character/, k.name);
      } else {
        assert.equal(res.statusCode, 400, `${k.name}: ${res.body.slice(0, 200)}`);
        assert.match(String(res.headers["content-type"]), /^text\/html/, k.name);
        assert.match(res.body, /NUL character/, k.name);
      }
    }
    assert.deepEqual(await allRows(w.t.database), before, "nothing changed");
    await w.app.close();
  });
});
