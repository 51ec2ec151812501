// Card payments through Stripe, offline: the official SDK talks over real HTTP to the local fake
// (test/fakes/stripe-server.ts), which plays stripe.com for the customer and delivers webhooks
// signed with the SDK's own test-header helper to partnerbill's real HTTP server. Orders run
// against the sandbox of the client area, so a card payment ends with a module active upstream.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, it } from "node:test";
import { createContainer, type Container } from "../src/app/container.ts";
import type { FastifyInstance } from "fastify";
import { buildHttpApp } from "../src/http/app.ts";
import { manualClock } from "../src/lib/clock.ts";
import { sequentialIds } from "../src/lib/ids.ts";
import type { CustomerRow, OrderRow } from "../src/db/schema.ts";
import { TEST_SECRET, testConfig } from "./helpers/app.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { newPartnerAccount, START, type PartnerAccount } from "./helpers/renewals.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";
import { memoryLogger } from "./helpers/upstream-sandbox.ts";
import { startStripeFake, type StripeFake } from "./fakes/stripe-server.ts";

const PUBLIC_URL = "http://billing.test";

let sb: TestSandbox;
let fake: StripeFake;
before(async () => {
  sb = await startSandbox();
  fake = await startStripeFake();
});
after(async () => {
  await fake.close();
  await sb.stop();
});

interface World {
  c: Container;
  app: FastifyInstance;
  /** partnerbill's real base URL (the webhook is delivered here). */
  base: string;
  clock: ReturnType<typeof manualClock>;
  account: PartnerAccount;
  customer: CustomerRow;
  logs: string[];
  /** A pending order for the module 23221 (11.90 EUR monthly) on one of the account's licenses. */
  newOrder(licenseIndex?: number): Promise<OrderRow>;
  /** Starts a card payment of the order; returns the Checkout Session id. */
  payByCard(order: OrderRow, opts?: { saveCard?: boolean }): Promise<string>;
  advanceTo(iso: string): void;
}

const worlds: World[] = [];

async function world(t: TestDatabase, env: Record<string, string> = {}, opts: { sameStripeAccount?: boolean; email?: string } = {}): Promise<World> {
  sb.clock.set(START);
  // A Stripe account of its own per world: ids restart in every container, and Stripe keeps
  // idempotency keys per account.
  if (!opts.sameStripeAccount) {
    await fake.close();
    fake = await startStripeFake();
  }
  const clock = manualClock(START);
  const account = await newPartnerAccount(sb, 3);
  const { logger, lines } = memoryLogger();
  const c = createContainer({
    config: testConfig({
      UPSTREAM_TIMEOUT_MS: "400",
      PUBLIC_URL,
      STRIPE_SECRET_KEY: fake.secretKey,
      STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
      STRIPE_API_URL: fake.url,
      ...env,
    }),
    database: t.database,
    secretKey: TEST_SECRET,
    clock,
    ids: sequentialIds(),
    logger,
    upstreamUrl: sb.billmgrUrl,
    upstreamCredentials: account.credentials,
  });
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  const customer = await c.customers.add({ email: opts.email ?? "card@example.com", name: "Card Holder" });
  const app = await buildHttpApp(c);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  fake.setWebhookUrl(`${base}/payments/stripe/webhook`);
  const w: World = {
    c,
    app,
    base,
    clock,
    account,
    customer,
    logs: lines,
    async newOrder(i = 0) {
      return (await c.orders.intake({ license: String(account.licenses[i]!.id), module_id: "23221" }, null)).order;
    },
    async payByCard(order, o = {}) {
      const start = await c.stripe.payOrder({
        orderId: order.id,
        customerId: customer.id,
        returnUrl: `${PUBLIC_URL}/checkout/${order.id}`,
        cancelUrl: `${PUBLIC_URL}/checkout/${order.id}?cancelled=1`,
        actor: `customer:${customer.id}`,
        ...(o.saveCard ? { saveCard: true } : {}),
      });
      assert.equal(start.kind, "redirect");
      const url = (start as { url: string }).url;
      assert.ok(url.startsWith(`${fake.url}/pay/cs_test_`), url);
      return url.slice(url.lastIndexOf("/") + 1);
    },
    advanceTo(iso) {
      clock.set(iso);
      sb.clock.set(iso);
    },
  };
  worlds.push(w);
  return w;
}

async function closeWorlds() {
  for (const w of worlds.splice(0)) await w.app.close();
}

async function balanceOf(w: World, owner = w.customer.id) {
  return (await w.c.ledger.balance(w.c.db, { kind: "customer", owner }, "EUR")).minor;
}

async function clearing(w: World) {
  return (await w.c.ledger.balance(w.c.db, { kind: "clearing", owner: "stripe" }, "EUR")).minor;
}

async function creditsOf(w: World, sessionId: string) {
  return w.c.db.selectFrom("ledger_transactions").selectAll().where("idempotency_key", "=", `stripe:checkout:${sessionId}`).execute();
}

async function ledgerRows(w: World) {
  const r = await w.c.db.selectFrom("ledger_entries").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(r.n);
}

async function ledgerIsBalanced(c: Container) {
  assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });
}

function returnFetch(w: World, sessionId: string) {
  return fetch(`${w.base}/payments/stripe/return?session_id=${encodeURIComponent(sessionId)}`, { redirect: "manual" });
}

describeEachDialect("card payments through Stripe", (ctx) => {
  it("creates a Checkout Session for the order's total, authenticated, idempotent, and reuses it on a second click", async () => {
    const w = await world(ctx());
    try {
      const order = await w.newOrder();
      const before = fake.requests.length;
      const id = await w.payByCard(order);
      const s = fake.sessions.get(id)!;
      assert.equal(s["amount_total"], 1190);
      assert.equal(s["currency"], "eur");
      assert.equal(s["mode"], "payment");
      assert.equal(s["client_reference_id"], order.id);
      assert.deepEqual(s["metadata"], { partnerbill_purpose: "order", partnerbill_customer: w.customer.id, partnerbill_order: order.id });
      assert.equal(s["success_url"], `${PUBLIC_URL}/payments/stripe/return?session_id={CHECKOUT_SESSION_ID}`);
      assert.equal(s["cancel_url"], `${PUBLIC_URL}/checkout/${order.id}?cancelled=1`);
      assert.equal(s["customer_email"], "card@example.com");
      const sent = fake.requests.slice(before).filter((r) => r.url.startsWith("/v1/"));
      assert.ok(sent.length >= 1);
      for (const r of sent) {
        assert.equal(r.headers["authorization"], `Bearer ${fake.secretKey}`);
        assert.ok(!r.url.includes(fake.secretKey) && !r.body.includes(fake.secretKey), "the key travels only in the Authorization header");
        if (r.method === "POST") assert.match(String(r.headers["idempotency-key"]), /^partnerbill:checkout:/);
      }
      const rows = await w.c.stripe.sessions({ orderId: order.id });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.state, "open");
      assert.equal(Number(rows[0]!.amount_minor), 1190);

      // A second click on "Pay by card" goes to the same Stripe page instead of a second session.
      const count = fake.sessions.size;
      assert.equal(await w.payByCard(order), id);
      assert.equal(fake.sessions.size, count);
      assert.equal((await w.c.orders.get(order.id)).state, "pending_payment", "nothing is paid before Stripe says so");
      assert.equal(await balanceOf(w), 0);
    } finally {
      await closeWorlds();
    }
  });

  it("credits the webhook's payment once, pays the order from the balance and the module goes active upstream", async () => {
    const w = await world(ctx());
    try {
      const order = await w.newOrder();
      const id = await w.payByCard(order);
      const event = fake.completeSession(id);
      const first = await fake.deliver(event);
      assert.equal(first.status, 200, first.body);
      assert.equal(JSON.parse(first.body).status, "credited");

      const paid = await w.c.orders.get(order.id);
      assert.equal(paid.state, "paid");
      assert.equal(paid.customer_id, w.customer.id);
      assert.equal((await creditsOf(w, id)).length, 1);
      assert.equal(await balanceOf(w), 0, "credited 11.90, then paid 11.90 from the balance");
      assert.equal(await clearing(w), -1190);
      const session = (await w.c.stripe.sessions({ orderId: order.id }))[0]!;
      assert.equal(session.state, "credited");
      assert.equal(session.payment_intent_id, fake.sessions.get(id)!["payment_intent"]);
      assert.match(session.outcome ?? "", /paid from it/);

      // The same delivery again, and the event replayed later (a new signature): nothing changes.
      const rows = await ledgerRows(w);
      for (const again of [await fake.deliver(event), await fake.deliver(event, { timestamp: Math.floor(Date.now() / 1000) + 5 })]) {
        assert.equal(again.status, 200);
        assert.equal(JSON.parse(again.body).status, "duplicate_event");
      }
      // Another event about the same session (e.g. async_payment_succeeded) finds it settled.
      const other = await fake.deliver(fake.createEvent("checkout.session.async_payment_succeeded", event["data"]["object"]));
      assert.equal(JSON.parse(other.body).status, "already_settled");
      assert.equal(await ledgerRows(w), rows);
      assert.equal((await creditsOf(w, id)).length, 1);

      assert.deepEqual(await w.c.fulfillment.place(order.id), { status: "done", state: "active" });
      assert.equal(sb.modulesOf(w.account.licenses[0]!.id).length, 1, "one module upstream");
      await ledgerIsBalanced(w.c);
    } finally {
      await closeWorlds();
    }
  });

  it("refuses a webhook with a bad or missing signature with a 400 JSON error, and changes nothing", async () => {
    const w = await world(ctx());
    try {
      const order = await w.newOrder();
      const id = await w.payByCard(order);
      const event = fake.completeSession(id);
      const rows = await ledgerRows(w);
      const { payload, header } = fake.sign(event);
      const attempts: Array<{ body: string; headers: Record<string, string> }> = [
        { body: payload, headers: { "stripe-signature": fake.sign(event, { secret: "whsec_not_the_right_one" }).header } },
        { body: payload.replace('"amount_total": 1190', '"amount_total": 1'), headers: { "stripe-signature": header } },
        { body: payload, headers: {} },
        { body: payload, headers: { "stripe-signature": "t=1,v1=<script>" } },
        { body: payload, headers: { "stripe-signature": fake.sign(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 }).header } },
      ];
      for (const a of attempts) {
        const r = await fetch(`${w.base}/payments/stripe/webhook`, { method: "POST", headers: { "content-type": "application/json", ...a.headers }, body: a.body });
        assert.equal(r.status, 400);
        assert.match(String(r.headers.get("content-type")), /application\/json/);
        const body = (await r.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, "invalid_input");
        assert.doesNotMatch(body.error.message, /<script|whsec_/);
      }
      assert.equal(await ledgerRows(w), rows);
      assert.equal((await w.c.orders.get(order.id)).state, "pending_payment");
      assert.equal(await w.c.db.selectFrom("stripe_events").selectAll().executeTakeFirst(), undefined, "no event stored");
      // The genuine delivery still works afterwards.
      assert.equal(JSON.parse((await fake.deliver(event)).body).status, "credited");
    } finally {
      await closeWorlds();
    }
  });

  it("credits once when the return URL and the webhook race, in either order and at the same time", async () => {
    const w = await world(ctx());
    try {
      // Return first, then the webhook.
      const a = await w.newOrder(0);
      const idA = await w.payByCard(a);
      const evA = fake.completeSession(idA);
      const back = await returnFetch(w, idA);
      assert.equal(back.status, 303);
      assert.equal(back.headers.get("location"), `${PUBLIC_URL}/checkout/${a.id}`);
      assert.equal((await w.c.orders.get(a.id)).state, "paid");
      assert.equal(JSON.parse((await fake.deliver(evA)).body).status, "already_settled");
      assert.equal((await creditsOf(w, idA)).length, 1);

      // Webhook first, then the return.
      const b = await w.newOrder(1);
      const idB = await w.payByCard(b);
      assert.equal(JSON.parse((await fake.deliver(fake.completeSession(idB))).body).status, "credited");
      const backB = await returnFetch(w, idB);
      assert.equal(backB.status, 303);
      assert.equal(backB.headers.get("location"), `${PUBLIC_URL}/checkout/${b.id}`);
      assert.equal((await creditsOf(w, idB)).length, 1);

      // Truly concurrent: two webhook deliveries and two returns at once.
      const cOrder = await w.newOrder(2);
      const idC = await w.payByCard(cOrder);
      const evC = fake.completeSession(idC);
      const other = fake.createEvent("checkout.session.completed", evC["data"]["object"]);
      const results = await Promise.all([fake.deliver(evC), returnFetch(w, idC), fake.deliver(other), returnFetch(w, idC), fake.deliver(evC)]);
      for (const r of results) assert.ok(r.status === 200 || r.status === 303, `status ${r.status}`);
      assert.equal((await creditsOf(w, idC)).length, 1, "one credit");
      assert.equal((await w.c.orders.get(cOrder.id)).state, "paid");
      const payments = await w.c.db.selectFrom("ledger_transactions").selectAll().where("idempotency_key", "=", `order:${cOrder.id}:payment`).execute();
      assert.equal(payments.length, 1, "one payment of the order");

      assert.equal(await balanceOf(w), 0);
      assert.equal(await clearing(w), -3 * 1190);
      await ledgerIsBalanced(w.c);
    } finally {
      await closeWorlds();
    }
  });

  it("credits nothing and raises an alert when Stripe reports another amount or currency than asked", async () => {
    const w = await world(ctx());
    try {
      const a = await w.newOrder(0);
      const idA = await w.payByCard(a);
      const r = await fake.deliver(fake.completeSession(idA, { amountTotal: 100 }));
      assert.equal(r.status, 200);
      assert.equal(JSON.parse(r.body).status, "mismatch");
      const b = await w.newOrder(1);
      const idB = await w.payByCard(b);
      // The return URL path checks the same.
      fake.completeSession(idB, { currency: "usd" });
      assert.equal((await returnFetch(w, idB)).status, 303);

      for (const [order, id] of [[a, idA], [b, idB]] as const) {
        assert.equal((await creditsOf(w, id)).length, 0);
        assert.equal((await w.c.orders.get(order.id)).state, "pending_payment");
        const row = (await w.c.stripe.sessions({ orderId: order.id }))[0]!;
        assert.equal(row.state, "mismatch");
      }
      assert.equal(await balanceOf(w), 0);
      assert.equal(await clearing(w), 0);
      const alerts = await w.c.alerts.list({ kind: "stripe_amount_mismatch" });
      assert.deepEqual(alerts.map((x) => x.subject).sort(), [idA, idB].sort());
      assert.match(alerts.find((x) => x.subject === idA)!.message, /paid 1\.00 EUR instead of 11\.90 EUR/);
    } finally {
      await closeWorlds();
    }
  });

  it("leaves the money on the balance when the order no longer awaits payment", async () => {
    const w = await world(ctx());
    try {
      const order = await w.newOrder();
      const id = await w.payByCard(order);
      await w.c.orders.cancel(order.id, "test");
      assert.equal(JSON.parse((await fake.deliver(fake.completeSession(id))).body).status, "credited");
      assert.equal(await balanceOf(w), 1190);
      assert.equal((await w.c.orders.get(order.id)).state, "cancelled");
      assert.match((await w.c.stripe.sessions({ orderId: order.id }))[0]!.outcome ?? "", /stays on the balance/);
      await ledgerIsBalanced(w.c);
    } finally {
      await closeWorlds();
    }
  });

  it("tops the balance up by card", async () => {
    const w = await world(ctx());
    try {
      const start = await w.c.stripe.topUp({ customerId: w.customer.id, amount: { minor: 2500, currency: "EUR" }, returnUrl: `${PUBLIC_URL}/account/balance`, cancelUrl: `${PUBLIC_URL}/account/balance`, actor: "test" });
      assert.equal(start.kind, "redirect");
      const id = (start as { url: string }).url.split("/").pop()!;
      assert.equal(fake.sessions.get(id)!["client_reference_id"], w.customer.id);
      const back = await (async () => { fake.completeSession(id); return returnFetch(w, id); })();
      assert.equal(back.headers.get("location"), `${PUBLIC_URL}/account/balance`);
      assert.equal(await balanceOf(w), 2500);
      await assert.rejects(w.c.stripe.topUp({ customerId: w.customer.id, amount: { minor: 0, currency: "EUR" }, returnUrl: "x", cancelUrl: "x", actor: "t" }), /greater than zero/);
      await assert.rejects(w.c.stripe.topUp({ customerId: w.customer.id, amount: { minor: 100, currency: "XXX" }, returnUrl: "x", cancelUrl: "x", actor: "t" }), /Unknown currency/);
    } finally {
      await closeWorlds();
    }
  });

  it("charges the saved card off-session for a renewal's shortfall once, then pays the renewal from the balance", async () => {
    const w = await world(ctx());
    try {
      const order = await w.newOrder();
      const id = await w.payByCard(order, { saveCard: true });
      const s = fake.sessions.get(id)!;
      assert.ok(String(s["customer"]).startsWith("cus_"), "a Stripe customer carries the saved card");
      assert.equal(s["_payment_intent_data"]["setup_future_usage"], "off_session");
      await fake.deliver(fake.completeSession(id, { card: { brand: "visa", last4: "4242" } }));
      assert.deepEqual(await w.c.stripe.savedCard(w.customer.id), { label: "visa •••• 4242", savedAt: START.replace("Z", ".000Z") });
      assert.deepEqual(await w.c.fulfillment.place(order.id), { status: "done", state: "active" });

      // Seven days before expiry the renewal is invoiced; the balance (0) falls short by 11.90.
      w.advanceTo("2026-12-25T10:00:00Z");
      const summary = await w.c.renewals.scan();
      assert.equal(summary.paid, 1, JSON.stringify(summary));
      const renewal = (await w.c.orders.list({ limit: 50 })).find((o) => o.kind === "renewal")!;
      assert.equal(renewal.state, "paid");
      const charges = [...fake.paymentIntents.values()].filter((pi) => pi["metadata"]["partnerbill_order"] === renewal.id && pi["customer"] === s["customer"] && pi["description"]?.startsWith("Renewal"));
      assert.equal(charges.length, 1);
      assert.equal(charges[0]!["amount"], 1190);
      const sent = fake.requests.filter((r) => r.method === "POST" && r.url === "/v1/payment_intents");
      assert.equal(sent.at(-1)!.headers["idempotency-key"], `partnerbill:renewal:${renewal.id}`);
      assert.equal(await balanceOf(w), 0);

      // Stripe's own payment_intent.succeeded webhook for that charge, and another scan: no second credit, no second charge.
      const rows = await ledgerRows(w);
      const r = await fake.deliver(fake.createEvent("payment_intent.succeeded", charges[0]!));
      assert.equal(JSON.parse(r.body).status, "already_settled");
      await w.c.renewals.scan();
      assert.equal(await ledgerRows(w), rows);
      assert.equal(fake.requests.filter((x) => x.method === "POST" && x.url === "/v1/payment_intents").length, sent.length);
      await ledgerIsBalanced(w.c);
    } finally {
      await closeWorlds();
    }
  });

  it("does not charge a declined saved card twice; the renewal waits with a reminder", async () => {
    const w = await world(ctx());
    try {
      const order = await w.newOrder();
      const id = await w.payByCard(order, { saveCard: true });
      await fake.deliver(fake.completeSession(id));
      await w.c.fulfillment.place(order.id);
      const saved = (await w.c.db.selectFrom("stripe_customers").selectAll().where("customer_id", "=", w.customer.id).executeTakeFirstOrThrow());
      fake.declineCard(saved.payment_method_id!, "card_declined");
      w.advanceTo("2026-12-25T10:00:00Z");
      const before = fake.requests.filter((x) => x.method === "POST" && x.url === "/v1/payment_intents").length;
      const summary = await w.c.renewals.scan();
      assert.equal(summary.paid, 0);
      assert.equal(summary.reminded, 1);
      const renewal = (await w.c.orders.list({ limit: 50 })).find((o) => o.kind === "renewal")!;
      const charge = await w.c.db.selectFrom("stripe_charges").selectAll().where("order_id", "=", renewal.id).executeTakeFirstOrThrow();
      assert.equal(charge.state, "failed");
      assert.match(charge.error ?? "", /card_declined/);
      await w.c.renewals.scan();
      assert.equal(fake.requests.filter((x) => x.method === "POST" && x.url === "/v1/payment_intents").length, before + 1, "one attempt per renewal order");
      assert.equal(await balanceOf(w), 0);
      assert.equal((await w.c.orders.get(renewal.id)).state, "pending_payment");
    } finally {
      await closeWorlds();
    }
  });

  it("refunds to the card: the balance goes back out through clearing once per key", async () => {
    const w = await world(ctx());
    try {
      const start = await w.c.stripe.topUp({ customerId: w.customer.id, amount: { minor: 2000, currency: "EUR" }, returnUrl: `${PUBLIC_URL}/account`, cancelUrl: `${PUBLIC_URL}/account`, actor: "test" });
      const id = (start as { url: string }).url.split("/").pop()!;
      await fake.deliver(fake.completeSession(id));
      assert.equal(await balanceOf(w), 2000);
      const pi = fake.sessions.get(id)!["payment_intent"] as string;

      const r = await w.c.stripe.refund({ sessionId: id, amount: { minor: 500, currency: "EUR" }, reason: "customer asked", key: "refund-1", actor: "staff:ann" });
      assert.equal(r.state, "succeeded");
      assert.ok(r.stripe_refund_id?.startsWith("re_"));
      const again = await w.c.stripe.refund({ sessionId: id, amount: { minor: 500, currency: "EUR" }, reason: "customer asked", key: "refund-1", actor: "staff:ann" });
      assert.equal(again.id, r.id);
      const atStripe = [...fake.refunds.values()].filter((x) => x["payment_intent"] === pi);
      assert.equal(atStripe.length, 1);
      assert.equal(atStripe[0]!["amount"], 500);
      assert.equal(await balanceOf(w), 1500);
      assert.equal(await clearing(w), -1500);

      await assert.rejects(w.c.stripe.refund({ paymentIntentId: pi, amount: { minor: 1600, currency: "EUR" }, reason: "too much", key: "refund-2", actor: "staff:ann" }), /At most 15\.00 EUR/);
      await assert.rejects(w.c.stripe.refund({ paymentIntentId: "pi_unknown", reason: "x", key: "refund-3", actor: "staff:ann" }), (e: Error & { code?: string }) => e.code === "not_found");
      // The rest, by payment id.
      const rest = await w.c.stripe.refund({ paymentIntentId: pi, reason: "closing the account", key: "refund-4", actor: "staff:ann", amount: { minor: 1500, currency: "EUR" } });
      assert.equal(rest.state, "succeeded");
      assert.equal(await balanceOf(w), 0);
      assert.equal(await clearing(w), 0);
      await ledgerIsBalanced(w.c);
    } finally {
      await closeWorlds();
    }
  });

  it("keeps both Stripe secrets out of logs, error answers and URLs", async () => {
    const w = await world(ctx());
    try {
      const order = await w.newOrder();
      const id = await w.payByCard(order);
      await fake.deliver(fake.completeSession(id), { secret: "whsec_wrong" });
      await fake.deliver(fake.events.at(-1)!);
      // A wrong key: Stripe's answer quotes part of it; ours does not.
      const bad = await world(ctx(), { STRIPE_SECRET_KEY: "sk_test_wrongwrongwrongwrong1234" }, { sameStripeAccount: true, email: "other@example.com" });
      const o2 = await bad.newOrder();
      const err = await bad.c.stripe.payOrder({ orderId: o2.id, customerId: bad.customer.id, returnUrl: PUBLIC_URL, cancelUrl: PUBLIC_URL, actor: "t" }).catch((e: Error) => e);
      assert.ok(err instanceof Error);
      assert.match(err.message, /did not accept partnerbill's API key/);
      assert.doesNotMatch(err.message, /sk_test|wrong/);
      const page = await fetch(`${bad.base}/payments/stripe/return?session_id=cs_test_nope`);
      assert.equal(page.status, 404);
      const all = [...w.logs, ...bad.logs].join("\n");
      assert.ok(all.length > 0);
      for (const secret of [fake.secretKey, fake.webhookSecret, "sk_test_wrongwrongwrongwrong1234"]) assert.ok(!all.includes(secret), "no secret in the logs");
      for (const r of fake.requests) assert.ok(!r.url.includes("sk_test") && !r.url.includes("whsec_"), r.url);
    } finally {
      await closeWorlds();
    }
  });

  it("is disabled without configuration: the webhook answers 404 and paying by card is refused", async () => {
    const w = await world(ctx(), { STRIPE_SECRET_KEY: "", STRIPE_WEBHOOK_SECRET: "" });
    try {
      assert.equal(w.c.stripe.enabled(), false);
      const r = await fetch(`${w.base}/payments/stripe/webhook`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      assert.equal(r.status, 404);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, "not_found");
      const order = await w.newOrder();
      await assert.rejects(w.c.stripe.payOrder({ orderId: order.id, customerId: w.customer.id, returnUrl: PUBLIC_URL, cancelUrl: PUBLIC_URL, actor: "t" }), /not configured/);
    } finally {
      await closeWorlds();
    }
  });
});
