// The operator's path in a real browser, in one language (docs/adr/0041-acceptance-harness.md): a
// fresh partnerbill (the test app over SQLite, listening on a local port) with the sandbox as its
// client area. The set-up wizard (owner, language switch, client-area credentials, fulfillment,
// cost import, markup, billing URL) → catalog and a price typed as the reader writes money → an
// order in the manual queue placed by hand → that order refunded (through its confirmation) → a
// bank transfer's receipt confirmed in the console (through its confirmation) → customers, an
// invoice, ledger, jobs, audit log, approvals, staff, tokens, webhooks, two-factor → settings saved
// → the dashboard → sign out and the sign-in page. Every page goes through the audit.
//
// Customers and their orders are made through the services (what a customer does is the customer
// walk's); everything staff do happens in the browser, found by ids, names and hrefs, never by
// English words, so the same walk runs in Russian.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import type { Container } from "../../src/app/container.ts";
import type { Locale } from "../../src/i18n/locales.ts";
import { accepted, acceptanceSuite, chooseLanguage, navTo, submitConfirmed, submitForm, typedMoney, type Walker } from "./acceptance.ts";
import { createTestApp } from "./app.ts";
import { createTestDatabase, type TestDatabase } from "./db.ts";
import { saveDocShot } from "./page-audit.ts";
import { startSandbox, type TestSandbox } from "./sandbox.ts";

const OWNER = { email: "owner@partner.example", password: "correct horse battery" };

interface Console {
  base: string;
  c: Container;
  db: TestDatabase;
  sb: TestSandbox;
  close(): Promise<void>;
}

async function startConsole(): Promise<Console> {
  const sb = await startSandbox();
  const db = await createTestDatabase("sqlite");
  try {
    const { app, c } = await createTestApp(db, { UPSTREAM_URL: sb.billmgrUrl });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    return { base, c, db, sb, close: async () => void (await app.close()) };
  } catch (e) {
    // Nothing may stay open: a hook that failed gets no `after` to stop what it started.
    await db.dispose();
    await sb.stop();
    throw e;
  }
}

async function stopConsole(s: Console): Promise<void> {
  try {
    await s.close();
    await s.db.dispose();
  } finally {
    await s.sb.stop();
  }
}

/** A customer with money who bought DDoS-GUARD on `license`, paid from the balance: the order's id. */
async function paidOrder(c: Container, email: string, license: string): Promise<{ orderId: string; customerId: string }> {
  const customer = await c.customers.add({ email, name: "Anna Petrova" });
  await c.customers.credit(customer.id, { amount: "100.00", currency: "EUR", reason: "opening balance", actor: "test" });
  const { order } = await c.orders.intake({ module_id: "23221", license, ip: "203.0.113.11" }, null);
  const paid = await c.orders.payFromBalance(order.id, customer.id, "test");
  return { orderId: paid.id, customerId: customer.id };
}

/**
 * Goes to the console's form that confirms the bank transfer of `orderId` — on the order's page, or
 * on a page the navigation links (transfers, payments), maybe behind a link on the transfer's row —
 * and returns the form's action; null when the console has none.
 */
async function findTransferConfirmation(w: Walker, orderId: string, reference: string): Promise<string | null> {
  const { page } = w;
  const postForm = async (scope: string): Promise<string | null> => {
    const form = page.locator(`${scope} form[method="post" i][action*="confirm"], ${scope} form[method="post" i][action*="transfer"]`);
    return (await form.count()) > 0 ? form.first().getAttribute("action") : null;
  };
  await w.open(`/admin/orders/${orderId}`);
  const onOrder = await postForm("main");
  if (onOrder) return onOrder;
  const fromOrder = page.locator('main a[href*="transfer"]');
  const pages = [
    ...((await fromOrder.count()) > 0 ? [(await fromOrder.first().getAttribute("href"))!] : []),
    ...(await page.locator('nav a[href*="transfer"], nav a[href*="payment"]').evaluateAll((as) => as.map((a) => a.getAttribute("href")!))),
  ];
  for (const href of pages) {
    await w.open(href);
    await w.check("transfers");
    // A link on the transfer's row (it may fill the form in), else the page's own form.
    const rowLink = page.locator("main tr, main li").filter({ hasText: reference }).locator('a[href*="transfer"], a[href*="confirm"]');
    if ((await rowLink.count()) > 0) {
      await w.nav(() => rowLink.first().click());
      await w.check("transfer-form");
    }
    const action = await postForm("main");
    if (action) return action;
  }
  return null;
}

async function walkOperator(w: Walker, s: Console): Promise<void> {
  const { page, locale } = w;
  const { c } = s;
  const doc = (path: string, name: string) => saveDocShot(path, `${name}.${locale}`);

  // A fresh install: /admin leads to the wizard's first step, creating the owner.
  await w.open("/admin");
  assert.equal(new URL(page.url()).pathname, "/admin/setup", "a fresh install opens the wizard");
  await chooseLanguage(w);
  await w.check("setup-owner");
  await submitForm(w, "/admin/setup/owner", { email: OWNER.email, password: OWNER.password });
  doc((await w.check("setup-wizard")).desktop, "console-setup");

  // The client area: its credentials checked and stored; fulfillment by hand; costs; markup.
  await submitForm(w, "/admin/setup/upstream", { area: "eu", user: s.sb.credentials.user, password: s.sb.credentials.password });
  w.soft(await accepted(w), "the sandbox's credentials are accepted");
  await w.check("setup-upstream");
  await submitForm(w, "/admin/setup/fulfillment", { mode: "manual" });
  w.soft(c.setup.modeNow() === "manual", "the wizard switched fulfillment to manual");
  await submitForm(w, "/admin/setup/import");
  await w.check("setup-imported");
  await submitForm(w, "/admin/setup/markup", { markupPercent: typedMoney(locale, "35.5") });
  w.soft(await accepted(w), `a markup of ${typedMoney(locale, "35.5")} % is accepted`);
  doc((await w.check("setup-done")).desktop, "console-setup-done");

  // Prices: the catalog, a module, a price typed as the reader writes it.
  await navTo(w, "/admin/catalog");
  await w.check("catalog");
  await w.nav(() => page.locator('main a[href="/admin/catalog/23221"]').first().click());
  await w.check("catalog-module");
  await submitForm(w, "/admin/catalog/23221/price", { period: "1", amount: typedMoney(locale, "88.88"), currency: "EUR" });
  await w.check("catalog-price-set");
  const exported = await page.request.get(`${s.base}/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml`);
  const priced = (await exported.text()).includes("88.88");
  w.soft(priced, `the price typed as ${typedMoney(locale, "88.88")} is in pricelist.export`);
  // The rest of the walk needs the price: set it behind the console's back when the form refused it.
  if (!priced) await c.catalog.setPrice("23221", { period: 1, amount: "88.88", currency: "EUR" }, { source: "cli" });

  // An order: paid by a customer, waiting in the manual queue; staff place it by hand.
  const placed = await paidOrder(c, `anna.${locale}@customer.example`, "100001");
  await w.open("/admin/manual");
  await w.check("manual-queue");
  await submitForm(w, `/admin/orders/${placed.orderId}/place`, { upstreamId: "7001" });
  w.soft((await c.orders.get(placed.orderId)).state === "active", "the order placed by hand is active");
  await w.check("manual-queue-done");
  await navTo(w, "/admin/orders");
  await w.check("orders");
  await submitForm(w, "/admin/orders", { q: `anna.${locale}@customer.example` });
  await w.check("orders-search");
  const found = page.locator(`main a[href="/admin/orders/${placed.orderId}"]`);
  w.soft((await found.count()) > 0, "searching the orders for the customer's e-mail finds the order");
  if ((await found.count()) > 0) await w.nav(() => found.first().click());
  else await w.open(`/admin/orders/${placed.orderId}`);
  doc((await w.check("order")).desktop, "console-order");

  // Refund it, through the confirmation that states the effect.
  const before = (await c.customers.show(placed.customerId)).balances.find((b) => b.currency === "EUR")?.minor ?? 0;
  await submitConfirmed(w, `/admin/orders/${placed.orderId}/refund`, { reason: "customer asked within 14 days" }, "refund");
  const afterRefund = (await c.customers.show(placed.customerId)).balances.find((b) => b.currency === "EUR")?.minor ?? 0;
  w.soft(afterRefund > before, `the refund credited the customer's balance (${before} → ${afterRefund})`);
  await w.check("order-refunded");
  w.soft((await page.locator(`main form[action*="/admin/orders/${placed.orderId}/refund"]`).count()) === 0, "a refunded order offers no refund");

  // A bank transfer: the customer chose it; staff confirm its receipt in the console.
  for (const [key, value] of [["seller.legal_name", "Example Hosting GmbH"], ["seller.country", "DE"], ["seller.iban", "DE89370400440532013000"], ["seller.bic", "COBADEFFXXX"], ["seller.bank_name", "Commerzbank"]] as const) {
    await c.settings.set(key, value);
  }
  const customer = await c.customers.add({ email: `boris.${locale}@customer.example`, name: "Boris" });
  const { order: pending } = await c.orders.intake({ module_id: "23221", license: "100002", ip: "203.0.113.12" }, null);
  const invoiced = await c.payments.payOrder("bank_transfer", { orderId: pending.id, customerId: customer.id, returnUrl: `${s.base}/`, cancelUrl: `${s.base}/`, actor: "test" });
  assert.equal(invoiced.kind, "invoice");
  const reference = (await c.payments.transfersOf(customer.id))[0]!.reference;
  const action = await findTransferConfirmation(w, pending.id, reference);
  w.soft(action !== null, `the console offers to confirm the bank transfer ${reference} (on the order's page or a page its navigation links)`);
  if (action !== null) {
    await submitConfirmed(w, action, { ref: reference, reference, amount: typedMoney(locale, "88.88") }, "transfer");
    await w.check("transfer-confirmed");
    w.soft((await c.orders.get(pending.id)).state !== "pending_payment", "the confirmed transfer paid the order");
  }

  // The rest of the console's pages.
  await navTo(w, "/admin/customers");
  await w.check("customers");
  await w.nav(() => page.locator(`main a[href="/admin/customers/${placed.customerId}"]`).first().click());
  await w.check("customer");
  const order = await c.orders.get(placed.orderId);
  if (order.invoice_id) {
    await w.open(`/admin/invoices/${order.invoice_id}`);
    await w.check("invoice");
  }
  // Every other section the console's navigation links (the owner sees them all), and the
  // signed-in person's own page (two-factor, password).
  const seen = new Set(w.audit.visited.map((v) => v.url.split("?")[0]));
  await w.open("/admin");
  const sections = await page.locator('nav a[href^="/admin"]').evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
  for (const path of [...new Set([...sections, "/admin/ledger", "/admin/jobs", "/admin/audit", "/admin/approvals", "/admin/staff", "/admin/tokens", "/admin/webhooks", "/admin/totp"])]) {
    if (seen.has(path) || path === "/admin" || path === "/admin/settings" || path === "/admin/setup") continue;
    seen.add(path);
    await w.open(path);
    await w.check(path.slice("/admin/".length).replaceAll("/", "-"));
  }

  // Settings: shown and saved as they are.
  await navTo(w, "/admin/settings");
  await w.check("settings");
  await submitForm(w, "/admin/settings");
  w.soft(await accepted(w), "the settings save unchanged");
  await w.check("settings-saved");

  // The dashboard; sign out; the sign-in page; a console 404.
  await navTo(w, "/admin");
  doc((await w.check("dashboard")).desktop, "console-dashboard");
  const signOut = page.locator('nav form[action="/admin/logout"] [type=submit]');
  w.soft((await signOut.count()) > 0, "the navigation has a sign-out button");
  if ((await signOut.count()) > 0) await w.nav(() => signOut.first().click());
  else {
    await w.open("/admin/logout");
    await submitForm(w, "/admin/logout");
  }
  await w.open("/admin/login");
  await w.check("login");
  await w.open("/admin/orders/ord_zzzzzz9");
  await w.check("error-login-redirect");
}

/** The operator acceptance suite in `locale`: one app (with the sandbox) and one browser. */
export function operatorAcceptance(locale: Locale): void {
  acceptanceSuite<Console>({
    name: `operator-${locale}`,
    title: `operator path in a browser (${locale})`,
    locale,
    start: startConsole,
    walk: walkOperator,
    stop: stopConsole,
  });
}
