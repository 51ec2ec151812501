// A partnerbill with something on every page, for rendering every page in every language without a
// browser (test/pages.i18n.test.ts): demo mode (the sandbox as client area, so the demo panel and
// mailbox exist) with manual fulfillment, the demo catalog, the seller's details, an owner and a
// staff member, and a customer, Anna, with an active module (bought from her balance, with its
// invoice), a refunded order (with its credit note), an order awaiting a bank transfer (with its
// invoice), an order in the manual queue, a bank-transfer top-up, held mail in the demo mailbox,
// an API token, a webhook endpoint with a delivery, and a job that died. Requests go through
// app.inject (WebClient): real routes, real sessions, no port.
import type { RouteOptions } from "fastify";
import type { Container } from "../../src/app/container.ts";
import { createContainer } from "../../src/app/container.ts";
import { createLogger } from "../../src/app/logger.ts";
import { buildHttpApp } from "../../src/http/app.ts";
import { manualClock } from "../../src/lib/clock.ts";
import { sequentialIds } from "../../src/lib/ids.ts";
import { TEST_SECRET, testConfig } from "./app.ts";
import type { TestDatabase } from "./db.ts";
import { startSandbox, type TestSandbox } from "./sandbox.ts";
import { WebClient } from "./web-client.ts";

export const WORLD_PASSWORD = "correct horse battery";

/** What the world's pages show that is data, not words to translate. */
export const WORLD_DATA = [
  "anna@customer.example", "Anna Petrova", "Petrova Hosting", "boris@customer.example", "owner@partner.example", "desk@partner.example",
  "Example Hosting GmbH", "Friedrichstr", "Berlin", "billing@hosting.example", "DE89370400440532013000", "COBADEFFXXX", "Commerzbank", "DE123456789",
  "hooks.example.com", "nightly export", "customer asked within 14 days", "opening balance", "staff:test", "cli:test", "boom",
];

export interface PageIds {
  customer: string;
  /** Anna's active module and the order that bought it, with its invoice. */
  module: string;
  order: string;
  invoice: string;
  /** Anna's refunded order and its credit note. */
  refundedOrder: string;
  creditNote: string;
  /** Anna's order awaiting a bank transfer, its invoice and transfer reference. */
  pendingOrder: string;
  pendingInvoice: string;
  /** An order nobody claimed yet (a fresh Buy): its checkout page is anonymous. */
  unclaimedOrder: string;
  /** An order paid and waiting in the manual queue. */
  queuedOrder: string;
  topUp: string;
  delivery: string;
  /** A held message in each language (the demo mailbox). */
  mail: { en: string; ru: string };
}

export interface PageWorld {
  c: Container;
  app: Awaited<ReturnType<typeof buildHttpApp>>;
  sb: TestSandbox;
  ids: PageIds;
  /** A browser signed in as Anna / the staff member / the owner, or anonymous, speaking `locale`. */
  client(who: "anonymous" | "customer" | "staff" | "owner", locale: string): Promise<WebClient>;
  close(): Promise<void>;
}

export async function buildPageWorld(t: TestDatabase, opts: { onRoute?: (r: RouteOptions) => void } = {}): Promise<PageWorld> {
  const sb = await startSandbox();
  const c = createContainer({
    config: testConfig({ UPSTREAM_URL: "sandbox", FULFILLMENT_MODE: "manual", PUBLIC_URL: "http://billing.test" }),
    database: t.database,
    secretKey: TEST_SECRET,
    clock: manualClock("2026-12-01T10:00:00Z"),
    ids: sequentialIds(),
    logger: createLogger("silent"),
    upstreamUrl: sb.billmgrUrl,
    upstreamCredentials: sb.credentials,
  });
  const app = await buildHttpApp(c, opts.onRoute ? { onRoute: opts.onRoute } : {});
  await app.ready();
  await c.catalog.seedDemoPrices();
  for (const [key, value] of [
    ["seller.legal_name", "Example Hosting GmbH"], ["seller.address", "Friedrichstr. 1\n10117 Berlin"], ["seller.country", "DE"], ["seller.vat_id", "DE123456789"],
    ["seller.email", "billing@hosting.example"], ["seller.iban", "DE89370400440532013000"], ["seller.bic", "COBADEFFXXX"], ["seller.bank_name", "Commerzbank"],
  ] as const) await c.settings.set(key, value);
  await c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: WORLD_PASSWORD });
  await c.staffAuth.add({ email: "desk@partner.example", role: "staff", password: WORLD_PASSWORD });

  // Anna, with a password, money and a billing address.
  const anna = await c.customers.add({ email: "anna@customer.example", name: "Anna Petrova" });
  await c.repos.accounts.setCustomerPassword(c.db, anna.id, await c.passwords.hash(WORLD_PASSWORD), c.clock.now().toISOString(), true);
  await c.customers.credit(anna.id, { amount: "200.00", currency: "EUR", reason: "opening balance", actor: "staff:test" });
  const buy = async (license: string) => (await c.orders.intake({ module_id: "23221", license, ip: "203.0.113.11" }, null)).order;
  let upstreamId = 7000;
  const bought = await buy("100001");
  await c.orders.payFromBalance(bought.id, anna.id, "staff:test");
  const active = await c.orders.placeManually(bought.id, { upstreamId: ++upstreamId, expiresOn: "2027-01-01" }, "staff:test");
  const refunded = await buy("100002");
  await c.orders.payFromBalance(refunded.id, anna.id, "staff:test");
  await c.orders.placeManually(refunded.id, { upstreamId: ++upstreamId, expiresOn: "2027-01-01" }, "staff:test");
  const refund = await c.orders.refundActive(refunded.id, "customer asked within 14 days", "staff:test");
  const pending = await buy("100003");
  const invoiced = await c.payments.payOrder("bank_transfer", { orderId: pending.id, customerId: anna.id, returnUrl: "http://billing.test/", cancelUrl: "http://billing.test/", actor: "staff:test" });
  if (invoiced.kind !== "invoice") throw new Error("expected an invoice for the bank transfer");
  const queued = await buy("100004");
  await c.orders.payFromBalance(queued.id, anna.id, "staff:test");
  const unclaimed = await buy("100005");
  const topUp = await c.payments.topUp("bank_transfer", { customerId: anna.id, amount: { minor: 5000, currency: "EUR" }, returnUrl: "http://billing.test/", cancelUrl: "http://billing.test/", actor: "staff:test" });
  if (topUp.kind !== "transfer") throw new Error("expected a transfer for the top-up");

  // The owner's integrations, and a job that died.
  const ctx = { actor: { kind: "cli" as const, id: "test" } };
  await c.apiTokens.create({ name: "nightly export", scopes: ["orders:read"] }, ctx);
  const hook = await c.webhooks.addEndpoint({ url: "https://hooks.example.com/in", events: ["order.paid"] }, ctx);
  const delivery = await c.webhooks.sendTest(hook.endpoint.id, ctx);
  await c.queue.enqueue(c.db, { kind: "order.place", key: "page-world-dead", payload: {}, maxAttempts: 1 });
  const [job] = await c.queue.claim("t", 1, 60_000);
  await c.queue.fail(job!.id, "t", "boom", null);

  // Held mail in each language: a sign-up from a browser speaking it.
  const mail = { en: "", ru: "" };
  for (const locale of ["en", "ru"] as const) {
    const web = new WebClient(app, "198.51.100.70");
    web.cookies.set("locale", locale);
    await web.submit("/account/signup", "/account/signup", { email: `boris.${locale}@customer.example` });
    const list = (await web.get("/demo/mailbox")).body;
    const id = [...list.matchAll(/href="\/demo\/mailbox\/(mail_[0-9a-z]+)"/g)].map((m) => m[1]!).find((m) => m !== mail.en);
    if (!id) throw new Error(`no held mail for the ${locale} sign-up:\n${list.slice(0, 500)}`);
    mail[locale] = id;
  }

  const order = await c.orders.get(active.id);
  const ids: PageIds = {
    customer: anna.id,
    module: active.customer_module_id!,
    order: active.id,
    invoice: order.invoice_id!,
    refundedOrder: refunded.id,
    creditNote: refund.creditNote?.id ?? "",
    pendingOrder: pending.id,
    pendingInvoice: invoiced.invoiceId,
    unclaimedOrder: unclaimed.id,
    queuedOrder: queued.id,
    topUp: topUp.transferId,
    delivery: delivery.id,
    mail,
  };

  const signedIn = new Map<string, WebClient>();
  async function client(who: "anonymous" | "customer" | "staff" | "owner", locale: string): Promise<WebClient> {
    const key = `${who}:${locale}`;
    const known = signedIn.get(key);
    if (known) return known;
    const web = new WebClient(app, `198.51.100.${10 + signedIn.size}`);
    web.cookies.set("locale", locale);
    if (who === "customer") {
      const r = await web.submit("/account/login", "/account/login", { email: "anna@customer.example", password: WORLD_PASSWORD });
      if (r.statusCode !== 303) throw new Error(`Anna's sign-in: ${r.statusCode}`);
    } else if (who === "staff" || who === "owner") {
      const r = await web.submit("/admin/login", "/admin/login", { email: who === "owner" ? "owner@partner.example" : "desk@partner.example", password: WORLD_PASSWORD });
      if (r.statusCode !== 303) throw new Error(`${who}'s sign-in: ${r.statusCode}`);
    }
    signedIn.set(key, web);
    return web;
  }

  return {
    c,
    app,
    sb,
    ids,
    client,
    close: async () => {
      await app.close();
      await sb.stop();
    },
  };
}
