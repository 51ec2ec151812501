// A small world for the customer portal tests: the whole app in manual fulfillment mode (staff
// place modules by hand, so no upstream is needed), a catalog with DDoS-GUARD at 11.90 EUR a month,
// and customers who each own a module (bought from their balance, so with an invoice), an order
// awaiting a bank transfer (with its invoice), a bank-transfer top-up request, and a browser
// signed in through the real login form.
import type { RouteOptions } from "fastify";
import type { Container } from "../../src/app/container.ts";
import { buildHttpApp } from "../../src/http/app.ts";
import { createTestContainer } from "./app.ts";
import type { TestDatabase } from "./db.ts";
import { WebClient } from "./web-client.ts";

export const PORTAL_PASSWORD = "portal password 1";

export interface PortalCustomer {
  id: string;
  email: string;
  web: WebClient;
  /** The active customer module, on `license`. */
  moduleId: string;
  license: number;
  /** The purchase that created it (active) and its invoice. */
  orderId: string;
  invoiceId: string;
  /** An order awaiting a bank transfer, and its invoice. */
  pendingOrderId: string;
  pendingInvoiceId: string;
  /** A bank-transfer top-up request. */
  transferId: string;
}

let nextUpstreamId = 7000;

export async function buildPortalWorld(t: TestDatabase, o: { env?: Record<string, string>; onRoute?: (r: RouteOptions) => void } = {}) {
  const built = createTestContainer(t, { FULFILLMENT_MODE: "manual", PUBLIC_URL: "http://billing.test", ...o.env });
  const c: Container = built.container;
  const app = await buildHttpApp(c, o.onRoute ? { onRoute: o.onRoute } : {});
  await app.ready();
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  await c.catalog.setPrice("23221", { period: 12, amount: "119.00", currency: "EUR" }, { source: "cli" });
  // Bank transfer is offered once the seller's bank details are set (the set-up wizard asks for them).
  await c.settings.setMany({ "seller.legal_name": "Partner GmbH", "seller.iban": "DE89370400440532013000" });

  async function signIn(email: string, ip: string): Promise<WebClient> {
    const web = new WebClient(app, ip);
    const r = await web.submit("/account/login", "/account/login", { email, password: PORTAL_PASSWORD });
    if (r.statusCode !== 303) throw new Error(`login of ${email}: ${r.statusCode}\n${r.body.slice(0, 400)}`);
    return web;
  }

  /** A customer with 100.00 EUR, an active module on `license`, an order awaiting a transfer and a top-up request. */
  async function customer(email: string, license: number, ip: string): Promise<PortalCustomer> {
    const cu = await c.customers.add({ email });
    await c.repos.accounts.setCustomerPassword(c.db, cu.id, await c.passwords.hash(PORTAL_PASSWORD), c.clock.now().toISOString(), true);
    await c.customers.credit(cu.id, { amount: "100.00", currency: "EUR", reason: "opening balance", actor: "test" });

    const bought = (await c.orders.intake({ license: String(license), module_id: "23221" }, null)).order;
    await c.orders.payFromBalance(bought.id, cu.id, "test");
    const active = await c.orders.placeManually(bought.id, { upstreamId: ++nextUpstreamId, expiresOn: "2027-01-01" }, "staff:test");

    const pending = (await c.orders.intake({ license: String(license + 1), module_id: "23221" }, null)).order;
    const invoiced = await c.payments.payOrder("bank_transfer", { orderId: pending.id, customerId: cu.id, returnUrl: "http://billing.test/", cancelUrl: "http://billing.test/", actor: "test" });
    if (invoiced.kind !== "invoice") throw new Error("expected an invoice");

    const topUp = await c.payments.topUp("bank_transfer", { customerId: cu.id, amount: { minor: 5000, currency: "EUR" }, returnUrl: "http://billing.test/", cancelUrl: "http://billing.test/", actor: "test" });
    if (topUp.kind !== "transfer") throw new Error("expected a transfer");

    return {
      id: cu.id,
      email,
      web: await signIn(email, ip),
      moduleId: active.customer_module_id!,
      license,
      orderId: active.id,
      invoiceId: active.invoice_id!,
      pendingOrderId: pending.id,
      pendingInvoiceId: invoiced.invoiceId,
      transferId: topUp.transferId,
    };
  }

  /** A customer with a password and nothing else, signed in. */
  async function signInNew(email: string, ip: string): Promise<WebClient> {
    const cu = await c.customers.add({ email });
    await c.repos.accounts.setCustomerPassword(c.db, cu.id, await c.passwords.hash(PORTAL_PASSWORD), c.clock.now().toISOString(), true);
    return signIn(email, ip);
  }

  return { ...built, c, app, customer, signIn, signInNew };
}

export type PortalWorld = Awaited<ReturnType<typeof buildPortalWorld>>;
