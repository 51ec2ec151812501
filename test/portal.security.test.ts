// Security of every customer-facing route (/account/*, /checkout/*, /payments/*) on both dialects,
// over the whole app: two customers, Ann (A) and Bob (B), each with a module, orders, invoices, a
// balance, a bank-transfer request and (Ann) an open card payment.
//   - The table ROUTES names every such route; the first test collects the routes the app really
//     registers (fastify's onRoute hook) and fails when one has no case here, or a case no route.
//   - Bob cannot read or act on anything of Ann's: every id route with every one of Ann's ids
//     answers the very 404 an unknown id gets, and no database row changes.
//   - Every POST form without a valid CSRF token (none, forged, another session's) is refused with
//     403 and changes nothing; anonymous visitors are sent to sign-in.
// Session fixation and login throttling are tested in test/accounts.test.ts ("never keeps a session
// id set before login", "locks sign-in after five failures"); the last test here checks they are there.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { afterEach, it } from "node:test";
import type { RouteOptions } from "fastify";
import { startStripeFake, type StripeFake } from "./fakes/stripe-server.ts";
import { allRows } from "./helpers/db-contents.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { buildPortalWorld, type PortalCustomer, type PortalWorld } from "./helpers/portal.ts";
import { WebClient } from "./helpers/web-client.ts";

/** What the customer-facing surface offers, and who may use each route. */
type Access =
  /** Takes the id of a customer's order, module, invoice or transfer: only its owner; anyone else gets the 404 of an unknown id. */
  | "owned"
  /** The signed-in customer's own data, no id in the URL (lists, forms acting on the own account). */
  | "own"
  /** Sign-in, sign-up, password pages: for anyone; they show no customer's data. */
  | "public"
  /** Proves itself by a signature (Stripe's webhook), not by a session or a CSRF token. */
  | "signed"
  /** Stripe sends the customer back here; the session id only says where to go next. */
  | "return";

interface Request {
  url: string;
  fields?: Record<string, string>;
}

interface RouteCase {
  access: Access;
  /** The concrete requests of this route for a customer's data (owned: one per id it takes). */
  requests: (x: Ids) => Request[];
}

interface Ids extends PortalCustomer {
  stripeSession: string | null;
}

/** Every id of a customer that an URL can carry. */
const idsOf = (x: Ids) => [x.moduleId, x.orderId, x.pendingOrderId, x.invoiceId, x.pendingInvoiceId, x.transferId];

const ROUTES: Record<string, RouteCase> = {
  // ---- the portal (src/http/portal) ----
  "GET /account": { access: "own", requests: () => [{ url: "/account" }] },
  "GET /account/modules/:id/renew": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/modules/${id}/renew` })) },
  "POST /account/modules/:id/renew": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/modules/${id}/renew`, fields: {} })) },
  "GET /account/modules/:id/move": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/modules/${id}/move` })) },
  "POST /account/modules/:id/move": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/modules/${id}/move`, fields: { license: "300009", ip: "" } })) },
  "GET /account/orders": { access: "own", requests: () => [{ url: "/account/orders" }] },
  "GET /account/orders/:id": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/orders/${id}` })) },
  "GET /account/invoices": { access: "own", requests: () => [{ url: "/account/invoices" }] },
  "GET /account/invoices/:id": { access: "owned", requests: (x) => idsOf(x).flatMap((id) => [{ url: `/account/invoices/${id}` }, { url: `/account/invoices/${id}.pdf` }]) },
  "GET /account/balance": { access: "own", requests: () => [{ url: "/account/balance" }] },
  "POST /account/balance/top-up": { access: "own", requests: () => [{ url: "/account/balance/top-up", fields: { amount: "10.00", currency: "EUR", method: "bank_transfer" } }] },
  "GET /account/balance/transfers/:id": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/balance/transfers/${id}` })) },
  "GET /account/details": { access: "own", requests: () => [{ url: "/account/details" }] },
  "POST /account/details": { access: "own", requests: () => [{ url: "/account/details", fields: { name: "Changed", company: "", address: "", country: "AT", vatId: "" } }] },
  // ---- licenses (src/http/licenses.routes.ts) ----
  "GET /account/licenses": { access: "own", requests: () => [{ url: "/account/licenses" }] },
  "GET /account/licenses/:id": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/licenses/${id}` })) },
  "GET /account/licenses/:id/key.txt": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/licenses/${id}/key.txt` })) },
  "POST /account/licenses/:id/ip": { access: "owned", requests: (x) => idsOf(x).map((id) => ({ url: `/account/licenses/${id}/ip`, fields: { ip: "192.0.2.250" } })) },
  // ---- accounts (src/http/account.routes.ts; their own tests: test/accounts.test.ts) ----
  "GET /account/signup": { access: "public", requests: () => [{ url: "/account/signup" }] },
  "POST /account/signup": { access: "public", requests: () => [{ url: "/account/signup", fields: { email: "eve@example.com" } }] },
  "GET /account/link.js": { access: "public", requests: () => [{ url: "/account/link.js" }] },
  "GET /account/verify": { access: "public", requests: () => [{ url: "/account/verify?token=x" }] },
  "POST /account/verify": { access: "public", requests: () => [{ url: "/account/verify", fields: { token: "x".repeat(43) } }] },
  "GET /account/login": { access: "public", requests: () => [{ url: "/account/login" }] },
  "POST /account/login": { access: "public", requests: (x) => [{ url: "/account/login", fields: { email: x.email, password: "portal password 1" } }] },
  "GET /account/logout": { access: "public", requests: () => [{ url: "/account/logout" }] },
  "POST /account/logout": { access: "public", requests: () => [{ url: "/account/logout", fields: {} }] },
  "GET /account/forgot": { access: "public", requests: () => [{ url: "/account/forgot" }] },
  "POST /account/forgot": { access: "public", requests: (x) => [{ url: "/account/forgot", fields: { email: x.email } }] },
  "GET /account/reset": { access: "public", requests: () => [{ url: "/account/reset?token=x" }] },
  "POST /account/reset": { access: "public", requests: () => [{ url: "/account/reset", fields: { token: "x".repeat(43), password: "new password 123" } }] },
  // ---- checkout (src/http/checkout.routes.ts): a claimed order is its customer's alone ----
  "GET /checkout/:id": { access: "owned", requests: (x) => [x.orderId, x.pendingOrderId].map((id) => ({ url: `/checkout/${id}` })) },
  "POST /checkout/:id/period": { access: "owned", requests: (x) => [x.orderId, x.pendingOrderId].map((id) => ({ url: `/checkout/${id}/period`, fields: { period: "12" } })) },
  "POST /checkout/:id/pay": { access: "owned", requests: (x) => [x.orderId, x.pendingOrderId].map((id) => ({ url: `/checkout/${id}/pay`, fields: { method: "balance", expect: "" } })) },
  "GET /checkout/:id/status": { access: "owned", requests: (x) => [x.orderId, x.pendingOrderId].map((id) => ({ url: `/checkout/${id}/status` })) },
  // ---- payments (src/http/stripe.routes.ts) ----
  "GET /payments/stripe/return": { access: "return", requests: (x) => (x.stripeSession ? [{ url: `/payments/stripe/return?session_id=${x.stripeSession}` }] : []) },
  "POST /payments/stripe/webhook": { access: "signed", requests: () => [{ url: "/payments/stripe/webhook", fields: {} }] },
};

const CUSTOMER_FACING = /^\/(account|checkout|payments)(\/|$)/;

let stripe: StripeFake | undefined;
afterEach(async () => { await stripe?.close(); stripe = undefined; });

interface SecurityWorld {
  w: PortalWorld;
  ann: Ids;
  bob: Ids;
  t: TestDatabase;
  registered: Set<string>;
}

async function build(t: TestDatabase): Promise<SecurityWorld> {
  stripe = await startStripeFake();
  const registered = new Set<string>();
  const onRoute = (r: RouteOptions) => {
    for (const m of Array.isArray(r.method) ? r.method : [r.method]) {
      if (m !== "HEAD" && CUSTOMER_FACING.test(r.url)) registered.add(`${m} ${r.url}`);
    }
  };
  const w = await buildPortalWorld(t, { env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url }, onRoute });
  const a = await w.customer("ann@example.com", 100001, "203.0.113.1");
  const b = await w.customer("bob@example.com", 200001, "203.0.113.2");
  // Ann started a card top-up and has not paid yet.
  await w.c.portal.topUp(a.id, { method: "card", amount: "30.00", currency: "EUR" });
  const session = (await w.c.stripe.sessions({ customerId: a.id }))[0]!.id;
  return { w, t, registered, ann: { ...a, stripeSession: session }, bob: { ...b, stripeSession: null } };
}

/** Every row of every table; sessions only by identity (each request moves their last-seen time). */
async function snapshot(t: TestDatabase) {
  const rows = await allRows(t.database);
  rows["sessions"] = (rows["sessions"] ?? []).map((s) => ({ id_hash: s["id_hash"], subject_id: s["subject_id"], realm: s["realm"], csrf_secret: s["csrf_secret"] }));
  // Rate-limit counters count every anonymous write by design (ADR 0026): bookkeeping, not a change.
  delete rows["rate_limit_counters"];
  return rows;
}

async function send(web: WebClient, r: Request, csrf?: string | null) {
  return r.fields ? web.post(r.url, r.fields, csrf) : web.get(r.url);
}

/** A valid CSRF token of `web`'s session (from a page it may open). */
async function tokenOf(web: WebClient): Promise<string> {
  await web.get("/account/details");
  const token = web.csrfOfLastPage();
  assert.ok(token, "a page with a form");
  return token;
}

/** What a customer's pages show that nobody else may see (`listed`: only what the lists show). */
async function secretsOf(w: PortalWorld, x: Ids, listed = false): Promise<string[]> {
  const refs = (await w.c.payments.transfersOf(x.id)).filter((t) => !listed || t.purpose === "top_up").map((t) => t.reference);
  const numbers = (await w.c.invoices.list({ customerId: x.id })).map((i) => i.number);
  return [x.email, ...idsOf(x), ...refs, ...numbers, `>${x.license}<`];
}

describeEachDialect("customer-facing routes: ownership, CSRF, sign-in", (ctx) => {
  it("has a case in its table for every customer-facing route the app registers, and no case without a route", async () => {
    const { registered } = await build(ctx());
    assert.ok(registered.size > 20, "the onRoute hook saw the routes");
    const missing = [...registered].filter((r) => !ROUTES[r]).sort();
    assert.deepEqual(missing, [], "routes without a security case: add them to ROUTES");
    const stale = Object.keys(ROUTES).filter((r) => !registered.has(r)).sort();
    assert.deepEqual(stale, [], "cases for routes that no longer exist");
  });

  it("answers Bob the 404 of an unknown id for every route and every id of Ann's, and changes nothing", async () => {
    const { w, t, ann, bob } = await build(ctx());
    const secrets = await secretsOf(w, ann);
    const before = await snapshot(t);
    const token = await tokenOf(bob.web);
    let checked = 0;
    for (const [route, rc] of Object.entries(ROUTES)) {
      if (rc.access !== "owned") continue;
      for (const r of rc.requests(ann)) {
        const res = await send(bob.web, r, token);
        assert.equal(res.statusCode, 404, `${route} ${r.url}: ${res.body.slice(0, 300)}`);
        for (const s of secrets) assert.ok(!res.body.includes(s), `${route} ${r.url} shows ${s}`);
        // The same page as for an id that does not exist (same shape, never issued).
        const unknownUrl = r.url.replace(/(cmod|ord|inv|btr)_[0-9a-z]+/, "$1_zzzzzz9");
        const unknown = await send(bob.web, { ...r, url: unknownUrl }, token);
        assert.equal(unknown.statusCode, 404, unknownUrl);
        assert.equal(res.body, unknown.body, `${route}: a foreign id answers exactly like an unknown one`);
        checked++;
      }
    }
    assert.ok(checked >= 40, `${checked} requests`);
    assert.deepEqual(await snapshot(t), before, "no row changed");

    // The same requests by Ann herself are not refused (the 404s above come from ownership).
    for (const r of ROUTES["GET /account/orders/:id"]!.requests(ann).slice(1, 3)) assert.equal((await ann.web.get(r.url)).statusCode, 200, r.url);
    assert.equal((await ann.web.get(`/account/invoices/${ann.invoiceId}.pdf`)).statusCode, 200);
    assert.equal((await ann.web.get(`/account/balance/transfers/${ann.transferId}`)).statusCode, 200);
    assert.equal((await ann.web.get(`/account/modules/${ann.moduleId}/renew`)).statusCode, 200);
  });

  it("shows Bob only his own modules, orders, invoices, balance and details", async () => {
    const { w, ann, bob } = await build(ctx());
    const annSecrets = await secretsOf(w, ann);
    const bobListed = await secretsOf(w, bob, true);
    for (const [route, rc] of Object.entries(ROUTES)) {
      if (rc.access !== "own" || route.startsWith("POST")) continue;
      for (const r of rc.requests(bob)) {
        const res = await bob.web.get(r.url);
        assert.equal(res.statusCode, 200, route);
        for (const s of annSecrets) assert.ok(!res.body.includes(s), `${route} shows Ann's ${s}`);
      }
    }
    // And the pages do show Bob's own rows: the check above could find something.
    const all = (await Promise.all(["/account", "/account/orders", "/account/invoices", "/account/balance"].map(async (u) => (await bob.web.get(u)).body))).join("\n");
    for (const s of bobListed) assert.ok(all.includes(s), `Bob's ${s} is shown`);
    // The balance page lists only Bob's own ledger entries: 100.00 in, 11.90 out.
    const balance = (await bob.web.get("/account/balance")).body;
    assert.equal([...balance.matchAll(/<td class="num" data-label="Amount">-€11\.90<\/td>/g)].length, 1);
  });

  it("refuses every POST form without a valid CSRF token with 403, changing nothing", async () => {
    const { w, t, ann, bob } = await build(ctx());
    const bobToken = await tokenOf(bob.web);
    const anonymous = new WebClient(w.app, "203.0.113.50");
    const before = await snapshot(t);
    let checked = 0;
    for (const [route, rc] of Object.entries(ROUTES)) {
      if (!route.startsWith("POST") || rc.access === "signed") continue;
      for (const r of rc.requests(ann)) {
        for (const [who, web, token] of [
          ["Ann, no token", ann.web, null],
          ["Ann, forged token", ann.web, "A".repeat(43)],
          ["Ann, Bob's token", ann.web, bobToken],
          ["anonymous, no token", anonymous, null],
        ] as const) {
          const res = await web.post(r.url, r.fields ?? {}, token);
          assert.equal(res.statusCode, 403, `${route} (${who}): ${res.body.slice(0, 200)}`);
          assert.match(res.body, /did not come from this site, so nothing was changed/);
          checked++;
        }
      }
    }
    assert.ok(checked >= 60, `${checked} requests`);
    assert.deepEqual(await snapshot(t), before, "no row changed");
    // With her own token the same form goes through: the 403s above are the CSRF check's.
    const ok = await ann.web.post("/account/details", ROUTES["POST /account/details"]!.requests(ann)[0]!.fields!, await tokenOf(ann.web));
    assert.equal(ok.statusCode, 303);
    assert.notDeepEqual(await snapshot(t), before);
  });

  it("sends anonymous visitors of every portal page to sign-in, and shows them no claimed order", async () => {
    const { w, t, ann } = await build(ctx());
    const anonymous = new WebClient(w.app, "203.0.113.60");
    await anonymous.get("/account/login");
    const preToken = anonymous.csrfOfLastPage(); // a valid token of the anonymous pre-session
    const before = await snapshot(t);
    for (const [route, rc] of Object.entries(ROUTES)) {
      if (rc.access !== "owned" && rc.access !== "own") continue;
      for (const r of rc.requests(ann)) {
        const res = await send(anonymous, r, preToken);
        if (route.includes(" /checkout/")) {
          assert.equal(res.statusCode, 404, `${route} ${r.url}`);
          continue;
        }
        assert.equal(res.statusCode, 303, `${route} ${r.url}: ${res.body.slice(0, 200)}`);
        const next = r.fields ? "/account" : r.url;
        assert.equal(res.headers.location, `/account/login?next=${encodeURIComponent(next)}`, route);
      }
    }
    assert.deepEqual(await snapshot(t), before, "no row changed");
  });

  it("lets Stripe's return URL and webhook change nothing for a visitor who is not Stripe or the payer", async () => {
    const { t, ann, bob } = await build(ctx());
    const before = await snapshot(t);
    // Bob replays Ann's (unpaid) card session: sent where Ann would be, nothing of hers shown or credited.
    const back = await bob.web.get(ROUTES["GET /payments/stripe/return"]!.requests(ann)[0]!.url);
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, "http://billing.test/account/balance?done=card");
    const unsigned = await bob.web.post("/payments/stripe/webhook", { type: "checkout.session.completed", id: ann.stripeSession! }, null);
    assert.equal(unsigned.statusCode, 400);
    assert.deepEqual(await snapshot(t), before);
  });
});

it("relies on test/accounts.test.ts for session fixation and login throttling", () => {
  const accounts = readFileSync(new URL("./accounts.test.ts", import.meta.url), "utf8");
  assert.match(accounts, /it\("never keeps a session id set before login/);
  assert.match(accounts, /it\("locks sign-in after five failures/);
});
