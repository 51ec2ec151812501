// Who may open what in the admin console, checked for EVERY /admin route the app registers: the
// routes are collected with fastify's onRoute hook and compared with the table below, so a new
// admin route without a row here fails this test until someone decides who may use it.
//
// For each route and each of anonymous, a signed-in customer, staff and the owner:
//   - staff pages: anonymous and customers are sent to the staff login (a customer session opens
//     nothing under /admin, and the redirect carries no data); staff and owner get 200;
//   - owner pages: as above, but staff get 403;
//   - form POSTs (with a valid CSRF token for the browser's session, so the check reached is the
//     authorization, not the CSRF one): the same, where "allowed" means the handler ran (any
//     answer but the login redirect, 403 or an internal error — the URLs name missing things or
//     send empty forms, so nothing much changes);
//   - the sign-in flow and the wizard have their own rows.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { FastifyInstance, RouteOptions } from "fastify";
import type { Container } from "../src/app/container.ts";
import { buildHttpApp } from "../src/http/app.ts";
import { createTestContainer } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { followLink, mailedLink } from "./helpers/account-links.ts";
import { WebClient } from "./helpers/web-client.ts";

const PASSWORD = "correct horse battery";
type Role = "anonymous" | "customer" | "staff" | "owner";
const ROLES: Role[] = ["anonymous", "customer", "staff", "owner"];

/** What a role gets: a status, and for redirects where they lead. "allowed": the handler ran. */
type Expect = { status: number; location?: RegExp } | "allowed";
const LOGIN: Expect = { status: 303, location: /^\/admin\/login(\?next=.*)?$/ };
const FORBIDDEN: Expect = { status: 403 };
const OK: Expect = { status: 200 };

interface Ids {
  order: string;
  customer: string;
  invoice: string;
  job: string;
  token: string;
  webhook: string;
  delivery: string;
}

type Row = { url: (ids: Ids) => string; access: "staff" | "owner" } | { url: (ids: Ids) => string; expect: Record<Role, Expect> };

const fixed = (url: string) => () => url;

/** Every /admin route: "METHOD /path" as registered → the URL to call and who may use it. */
const ROUTES: Record<string, Row> = {
  // sign-in flow (src/http/admin-auth.routes.ts)
  "GET /admin/login": { url: fixed("/admin/login"), expect: { anonymous: OK, customer: OK, staff: { status: 303, location: /^\/admin$/ }, owner: { status: 303, location: /^\/admin$/ } } },
  "POST /admin/login": { url: fixed("/admin/login"), expect: { anonymous: { status: 401 }, customer: { status: 401 }, staff: { status: 401 }, owner: { status: 401 } } },
  "GET /admin/logout": { url: fixed("/admin/logout"), expect: { anonymous: LOGIN, customer: LOGIN, staff: OK, owner: OK } },
  // Signs the browser out: checked last (see below).
  "POST /admin/logout": { url: fixed("/admin/logout"), expect: { anonymous: LOGIN, customer: LOGIN, staff: LOGIN, owner: LOGIN } },
  // The language switch: anyone may switch; it leads back (here, with no page named, to the console).
  "POST /admin/locale": { url: fixed("/admin/locale"), expect: { anonymous: { status: 303, location: /^\/admin$/ }, customer: { status: 303, location: /^\/admin$/ }, staff: { status: 303, location: /^\/admin$/ }, owner: { status: 303, location: /^\/admin$/ } } },
  // Signed in, the second factor's settings are on the account page.
  "GET /admin/totp": { url: fixed("/admin/totp"), expect: { anonymous: LOGIN, customer: LOGIN, staff: { status: 303, location: /^\/admin\/account$/ }, owner: { status: 303, location: /^\/admin\/account$/ } } },
  "GET /admin/account": { url: fixed("/admin/account"), access: "staff" },
  "POST /admin/account/password": { url: fixed("/admin/account/password"), access: "staff" },
  // The second step of a login: without a login waiting for its code it leads to the login page.
  "POST /admin/totp": { url: fixed("/admin/totp"), expect: { anonymous: LOGIN, customer: LOGIN, staff: LOGIN, owner: LOGIN } },
  "POST /admin/totp/enrol": { url: fixed("/admin/totp/enrol"), access: "staff" },
  "POST /admin/totp/confirm": { url: fixed("/admin/totp/confirm"), access: "staff" },
  "POST /admin/totp/disable": { url: fixed("/admin/totp/disable"), access: "staff" },

  // day-to-day pages (src/http/admin/{dashboard,orders,customers,records}.routes.ts)
  "GET /admin": { url: fixed("/admin"), access: "staff" },
  "GET /admin/orders": { url: fixed("/admin/orders"), access: "staff" },
  "GET /admin/orders/:id": { url: (i) => `/admin/orders/${i.order}`, access: "staff" },
  "POST /admin/orders/:id/place": { url: (i) => `/admin/orders/${i.order}/place`, access: "staff" },
  "POST /admin/orders/:id/reject": { url: (i) => `/admin/orders/${i.order}/reject`, access: "staff" },
  "POST /admin/orders/:id/refund": { url: (i) => `/admin/orders/${i.order}/refund`, access: "staff" },
  "POST /admin/orders/:id/cancel": { url: (i) => `/admin/orders/${i.order}/cancel`, access: "staff" },
  "POST /admin/orders/:id/resume": { url: (i) => `/admin/orders/${i.order}/resume`, access: "staff" },
  "POST /admin/orders/:id/adopt": { url: (i) => `/admin/orders/${i.order}/adopt`, access: "staff" },
  "GET /admin/manual": { url: fixed("/admin/manual"), access: "staff" },
  "GET /admin/invoices/:id": { url: (i) => `/admin/invoices/${i.invoice}`, access: "staff" },
  "GET /admin/invoices/:id/pdf": { url: (i) => `/admin/invoices/${i.invoice}/pdf`, access: "staff" },
  "GET /admin/customers": { url: fixed("/admin/customers"), access: "staff" },
  "GET /admin/customers/:id": { url: (i) => `/admin/customers/${i.customer}`, access: "staff" },
  "POST /admin/customers/:id/adjust": { url: (i) => `/admin/customers/${i.customer}/adjust`, access: "staff" },
  "GET /admin/ledger": { url: fixed("/admin/ledger"), access: "staff" },
  // money pages (src/http/admin/money.routes.ts)
  "GET /admin/invoices": { url: fixed("/admin/invoices"), access: "staff" },
  "GET /admin/transfers": { url: fixed("/admin/transfers"), access: "staff" },
  "POST /admin/transfers/confirm": { url: fixed("/admin/transfers/confirm"), access: "staff" },
  "GET /admin/rates": { url: fixed("/admin/rates"), access: "staff" },
  "POST /admin/rates": { url: fixed("/admin/rates"), access: "staff" },
  // four eyes (src/http/admin/approvals.routes.ts)
  "GET /admin/approvals": { url: fixed("/admin/approvals"), access: "staff" },
  "POST /admin/approvals/:id/approve": { url: fixed("/admin/approvals/apr_missing/approve"), access: "owner" },
  "POST /admin/approvals/:id/reject": { url: fixed("/admin/approvals/apr_missing/reject"), access: "owner" },
  "GET /admin/jobs": { url: fixed("/admin/jobs"), access: "staff" },
  "POST /admin/jobs/:id/retry": { url: (i) => `/admin/jobs/${i.job}/retry`, access: "staff" },
  "POST /admin/jobs/retry-dead": { url: fixed("/admin/jobs/retry-dead"), access: "staff" },
  "GET /admin/audit": { url: fixed("/admin/audit"), access: "staff" },

  // set-up wizard, catalog, settings, staff (src/http/admin/{setup,catalog,settings}.routes.ts)
  "GET /admin/setup": { url: fixed("/admin/setup"), access: "owner" },
  // Creating the owner is open while none exists; once one does, nobody creates another.
  "POST /admin/setup/owner": { url: fixed("/admin/setup/owner"), expect: { anonymous: { status: 400 }, customer: { status: 400 }, staff: { status: 400 }, owner: { status: 400 } } },
  "POST /admin/setup/upstream": { url: fixed("/admin/setup/upstream"), access: "owner" },
  "POST /admin/setup/fulfillment": { url: fixed("/admin/setup/fulfillment"), access: "owner" },
  "POST /admin/setup/import": { url: fixed("/admin/setup/import"), access: "owner" },
  "POST /admin/setup/markup": { url: fixed("/admin/setup/markup"), access: "owner" },
  "POST /admin/setup/seller": { url: fixed("/admin/setup/seller"), access: "owner" },
  "POST /admin/setup/tax": { url: fixed("/admin/setup/tax"), access: "owner" },
  "POST /admin/setup/bank": { url: fixed("/admin/setup/bank"), access: "owner" },
  "GET /admin/catalog": { url: fixed("/admin/catalog"), access: "staff" },
  "GET /admin/catalog/:ref": { url: fixed("/admin/catalog/23221"), access: "staff" },
  "POST /admin/catalog/sync": { url: fixed("/admin/catalog/sync"), access: "staff" },
  "POST /admin/catalog/:ref/price": { url: fixed("/admin/catalog/23221/price"), access: "staff" },
  "POST /admin/catalog/:ref/clear": { url: fixed("/admin/catalog/23221/clear"), access: "staff" },
  "POST /admin/catalog/:ref/enable": { url: fixed("/admin/catalog/23221/enable"), access: "staff" },
  "POST /admin/catalog/:ref/disable": { url: fixed("/admin/catalog/23221/disable"), access: "staff" },
  "GET /admin/settings": { url: fixed("/admin/settings"), access: "owner" },
  "POST /admin/settings": { url: fixed("/admin/settings"), access: "owner" },
  "POST /admin/settings/test-mail": { url: fixed("/admin/settings/test-mail"), access: "owner" },
  "GET /admin/staff": { url: fixed("/admin/staff"), access: "owner" },
  "POST /admin/staff": { url: fixed("/admin/staff"), access: "owner" },
  "POST /admin/staff/disable": { url: fixed("/admin/staff/disable"), access: "owner" },
  "POST /admin/staff/enable": { url: fixed("/admin/staff/enable"), access: "owner" },

  // API tokens and webhooks (src/http/admin/{tokens,webhooks}.routes.ts)
  "GET /admin/tokens": { url: fixed("/admin/tokens"), access: "owner" },
  "POST /admin/tokens": { url: fixed("/admin/tokens"), access: "owner" },
  "POST /admin/tokens/:id/revoke": { url: (i) => `/admin/tokens/${i.token}/revoke`, access: "owner" },
  "GET /admin/webhooks": { url: fixed("/admin/webhooks"), access: "owner" },
  "POST /admin/webhooks": { url: fixed("/admin/webhooks"), access: "owner" },
  "POST /admin/webhooks/:id/enable": { url: (i) => `/admin/webhooks/${i.webhook}/enable`, access: "owner" },
  "POST /admin/webhooks/:id/disable": { url: (i) => `/admin/webhooks/${i.webhook}/disable`, access: "owner" },
  "POST /admin/webhooks/:id/delete": { url: () => "/admin/webhooks/whe_missing/delete", access: "owner" },
  "POST /admin/webhooks/:id/events": { url: (i) => `/admin/webhooks/${i.webhook}/events`, access: "owner" },
  "POST /admin/webhooks/:id/test": { url: (i) => `/admin/webhooks/${i.webhook}/test`, access: "owner" },
  "POST /admin/webhooks/deliveries/:id/redeliver": { url: (i) => `/admin/webhooks/deliveries/${i.delivery}/redeliver`, access: "owner" },
  "GET /admin/webhooks/deliveries/:id": { url: (i) => `/admin/webhooks/deliveries/${i.delivery}`, access: "owner" },
};

function expected(row: Row, method: string, role: Role): Expect {
  if ("expect" in row) return row.expect[role];
  if (role === "anonymous" || role === "customer") return LOGIN;
  if (row.access === "owner" && role === "staff") return FORBIDDEN;
  return method === "GET" ? OK : "allowed";
}

/** Everything the clients must not see on an admin URL they may not open. */
function secretsOf(ids: Ids): string[] {
  return [ids.order, ids.invoice, "ann@customer.example", "desk@partner.example"];
}

async function customerClient(app: FastifyInstance, c: Container): Promise<WebClient> {
  const web = new WebClient(app, "198.51.100.20");
  const email = "carol@customer.example";
  const sent = await web.submit("/account/signup", "/account/signup", { email });
  assert.equal(sent.statusCode, 200, sent.body);
  const confirmed = await followLink(web, await mailedLink(c, email, "verify_email"), PASSWORD);
  assert.equal(confirmed.statusCode, 303, confirmed.body);
  assert.equal((await web.get("/account")).statusCode, 200, "the customer is signed in");
  return web;
}

describeEachDialect("admin console authorization", (ctx) => {
  it("lets anonymous, customers, staff and the owner into exactly what their role allows, on every /admin route", { timeout: 300_000 }, async () => {
    const { container: c } = createTestContainer(ctx(), { FULFILLMENT_MODE: "manual" });
    const registered: string[] = [];
    const app = await buildHttpApp(c, {
      onRoute: (r: RouteOptions) => {
        for (const m of [r.method].flat()) if (m !== "HEAD" && (r.url === "/admin" || r.url.startsWith("/admin/"))) registered.push(`${m} ${r.url}`);
      },
    });
    await app.ready();
    try {
      // Every registered admin route has a row, and every row is a registered route.
      assert.deepEqual(registered.filter((r) => !(r in ROUTES)), [], "admin routes without a row in ROUTES: decide who may use them");
      assert.deepEqual(Object.keys(ROUTES).filter((r) => !registered.includes(r)), [], "rows of routes that no longer exist");

      await seedKnownCatalog(c);
      await c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: PASSWORD });
      await c.staffAuth.add({ email: "desk@partner.example", role: "staff", password: PASSWORD });
      const ctxOwner = { actor: { kind: "cli" as const, id: "test" } };
      const ann = await c.customers.add({ email: "ann@customer.example" });
      await c.customers.credit(ann.id, { amount: "100", currency: "EUR", reason: "t", actor: "t" });
      const { order } = await c.orders.intake({ module_id: "23221", license: "100001", ip: null }, null);
      const paid = await c.orders.payFromBalance(order.id, ann.id, "test");
      await c.queue.enqueue(c.db, { kind: "order.place", key: "authz-dead", payload: {}, maxAttempts: 1 });
      const [job] = await c.queue.claim("t", 1, 60_000);
      await c.queue.fail(job!.id, "t", "boom", null);
      const token = await c.apiTokens.create({ name: "ci", scopes: ["orders:read"] }, ctxOwner);
      const hook = await c.webhooks.addEndpoint({ url: "https://hooks.example.com/in", events: ["order.paid"] }, ctxOwner);
      const delivery = await c.webhooks.sendTest(hook.endpoint.id, ctxOwner);
      const ids: Ids = { order: paid.id, customer: ann.id, invoice: paid.invoice_id!, job: job!.id, token: token.view.id, webhook: hook.endpoint.id, delivery: delivery.id };

      const clients: Record<Role, WebClient> = {
        anonymous: new WebClient(app, "198.51.100.10"),
        customer: await customerClient(app, c),
        staff: new WebClient(app, "198.51.100.30"),
        owner: new WebClient(app, "198.51.100.40"),
      };
      for (const [role, email] of [["staff", "desk@partner.example"], ["owner", "owner@partner.example"]] as const) {
        const r = await clients[role].submit("/admin/login", "/admin/login", { email, password: PASSWORD });
        assert.equal(r.statusCode, 303, r.body);
      }

      const failures: string[] = [];
      const sequence = Object.keys(ROUTES).sort((a, b) => Number(a === "POST /admin/logout") - Number(b === "POST /admin/logout"));
      for (const key of sequence) {
        const row = ROUTES[key]!;
        const [method, _path] = key.split(" ") as ["GET" | "POST", string];
        const url = row.url(ids);
        for (const role of ROLES) {
          const web = clients[role];
          let res;
          if (method === "GET") res = await web.get(url);
          else {
            // A CSRF token of this browser's session (or pre-session), so that the check reached is the role's.
            await web.get(role === "staff" || role === "owner" ? "/admin/account" : "/admin/login");
            res = await web.post(url, {});
          }
          const want = expected(row, method, role);
          const location = String(res.headers.location ?? "");
          const got = `${res.statusCode}${location ? ` → ${location}` : ""}`;
          if (want === "allowed") {
            if (res.statusCode === 403 || (res.statusCode === 303 && location.startsWith("/admin/login")) || res.statusCode === 500) failures.push(`${key} as ${role}: expected the handler to run, got ${got}`);
          } else if (res.statusCode !== want.status || (want.location && !want.location.test(location))) {
            failures.push(`${key} as ${role}: expected ${want.status}${want.location ? ` → ${want.location}` : ""}, got ${got}`);
          }
          if ((role === "anonymous" || role === "customer") && res.statusCode !== 200) {
            for (const s of secretsOf(ids)) if (res.body.includes(s)) failures.push(`${key} as ${role}: the answer shows ${s}`);
          }
        }
      }
      assert.deepEqual(failures, []);
    } finally {
      await app.close();
    }
  });
});
