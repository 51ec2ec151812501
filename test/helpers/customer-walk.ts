// The customer's whole path in a real browser, in one language (docs/adr/0041-acceptance-harness.md):
// `partnerbill serve` in demo mode (its in-process sandbox, the demo mailbox) with Stripe's fake.
// Home → language switch → demo panel → Buy → checkout → sign up → demo mailbox → confirm → pay
// from the balance → active → the panel's "Update license information"; the portal: modules (renew,
// move), orders, an order, invoices, an invoice and its PDF, balance, a top-up by bank transfer,
// details; sign out, forgotten password → mailed link → new password; a second Buy paid by card on
// Stripe's (fake) page; a third by bank transfer, confirmed by staff (the CLI: the console's
// confirmation is the operator walk's); error pages. Every page goes through the audit.
//
// Elements are found by ids, names, hrefs and roles, never by English words: the same walk runs in
// Russian. Only what the customer typed (e-mail, name) and data (references, order ids) are read.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Locale } from "../../src/i18n/locales.ts";
import { startStripeFake, type StripeFake } from "../fakes/stripe-server.ts";
import { accepted, acceptanceSuite, chooseLanguage, navTo, submitForm, typedMoney, type Walker } from "./acceptance.ts";
import { runCli } from "./cli.ts";
import { freePort } from "./nginx.ts";
import { saveDocShot } from "./page-audit.ts";
import { startServe, type ServeProcess } from "./serve-process.ts";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "another horse battery";

interface Shop {
  base: string;
  server: ServeProcess;
  stripe: StripeFake;
  env: Record<string, string>;
  dataDir: string;
  cli(args: string[]): Promise<string>;
}

async function startShop(name: string): Promise<Shop> {
  const dataDir = mkdtempSync(join(tmpdir(), `pb-${name}-`));
  const stripe = await startStripeFake();
  // PUBLIC_URL must name the real port: Stripe's return URL and e-mailed links are built from it.
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    PORT: String(await freePort()),
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
    STRIPE_API_URL: stripe.url,
  };
  const cli = async (args: string[]) => {
    const r = await runCli(args, env);
    assert.equal(r.code, 0, `partnerbill ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  try {
    // The seller's details and bank account: bank transfer is offered only with them.
    for (const [key, value] of [
      ["seller.legal_name", "Example Hosting GmbH"],
      ["seller.address", "Friedrichstr. 1\n10117 Berlin"],
      ["seller.country", "DE"],
      ["seller.email", "billing@hosting.example"],
      ["seller.iban", "DE89370400440532013000"],
      ["seller.bic", "COBADEFFXXX"],
      ["seller.bank_name", "Commerzbank"],
    ] as const) await cli(["settings", "set", key, value]);
    const server = await startServe(env);
    stripe.setWebhookUrl(`${server.url}/payments/stripe/webhook`);
    return { base: server.url, server, stripe, env, dataDir, cli };
  } catch (e) {
    // Nothing may stay open: a hook that failed gets no `after` to stop what it started.
    await stripe.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
}

async function stopShop(s: Shop): Promise<void> {
  try {
    const stopped = await s.server.stop();
    assert.equal(stopped.code, 0, `serve did not stop cleanly\n${s.server.stderr()}`);
  } finally {
    await s.stripe.close();
    rmSync(s.dataDir, { recursive: true, force: true });
  }
}

/** From the demo panel of `license`, Buy `module`: the checkout page of a new order; returns its path. */
async function buy(w: Walker, license: string, module: string, label: string): Promise<string> {
  const { page } = w;
  await w.open("/demo/panel");
  await w.nav(() => page.locator("main form[action='/demo/panel'] select[name=license]").selectOption(license).then(() => page.locator("main form[action='/demo/panel'] [type=submit]").first().click()));
  assert.match(page.url(), new RegExp(`/demo/panel\\?license=${license}$`));
  if (label) await w.check(`${label}-panel`);
  const link = page.locator(`#modules tr[data-module="${module}"] a[href^="/billmgr?"]`);
  assert.equal(await link.count(), 1, `the panel offers ${module} to buy`);
  await w.nav(() => link.click());
  const path = new URL(page.url()).pathname;
  assert.match(path, /^\/checkout\/ord_[a-z0-9]+$/, "Buy leads to the order's checkout page");
  return path;
}

/**
 * Opens the message to `email` in the demo mailbox that links `linkPath` and was not opened
 * before, and follows that link.
 */
async function followMail(w: Walker, email: string, opened: Set<string>, linkPath: string, label: string): Promise<void> {
  const { page } = w;
  await w.open("/demo/mailbox");
  await w.check(`${label}-mailbox`);
  const links = await page.locator("#mails tr").filter({ hasText: email }).locator('a[href^="/demo/mailbox/mail_"]').evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
  for (const href of links.filter((h) => !opened.has(h))) {
    opened.add(href);
    await w.open(href);
    const link = page.locator(`#mail-text a[href*="${linkPath}"]`);
    if ((await link.count()) === 0) continue;
    await w.check(`${label}-mail`);
    await w.nav(() => link.first().click());
    return;
  }
  assert.fail(`no new message to ${email} in the demo mailbox links ${linkPath} (${links.length} messages to the address)`);
}

/** Signs out with the navigation's form, or the sign-out page's when the navigation has none. */
async function signOut(w: Walker): Promise<void> {
  const inNav = w.page.locator('nav form[action="/account/logout"] [type=submit]');
  if ((await inNav.count()) > 0) return w.nav(() => inNav.first().click());
  w.soft(false, "the navigation has a sign-out button");
  await w.open("/account/logout");
  await submitForm(w, "/account/logout");
}

/** The password form a mailed link opens (the page reads the token from the link's fragment). */
async function choosePassword(w: Walker, password: string, label: string): Promise<void> {
  const { page } = w;
  await page.locator("#password").waitFor();
  assert.equal(new URL(page.url()).hash, "", "the token left the address bar");
  await w.check(label);
  await page.locator("#password").fill(password);
  await w.nav(() => page.locator("main form:has(#password) [type=submit]").click());
}

async function waitUntilActive(w: Walker, label: string): Promise<{ desktop: string; phone: string }> {
  const { page } = w;
  await page.locator('#status[data-state="active"]').waitFor({ timeout: 60_000 });
  return w.check(label);
}

async function walkCustomer(w: Walker, shop: Shop): Promise<void> {
  const { page, locale } = w;
  const email = `anna.${locale}@customer.example`;
  const opened = new Set<string>();
  const doc = (path: string, name: string) => saveDocShot(path, `${name}.${locale}`);

  // The home page, in the walk's language (the footer's switch), leads to the demo panel.
  await w.open("/");
  await chooseLanguage(w);
  await w.check("home");
  const panelLink = page.locator('main a[href="/demo/panel"]');
  assert.ok((await panelLink.count()) > 0, "the home page links the demo panel");
  await w.nav(() => panelLink.first().click());
  await w.check("demo-panel");

  // Buy → checkout, anonymous → sign up inline → check your e-mail.
  const checkout = await buy(w, "100001", "DDoSGUARD", "buy");
  doc((await w.check("checkout-anonymous")).desktop, "checkout-anonymous");
  await page.locator("#signup-email").fill(email);
  await w.nav(() => page.locator('main form[action="/account/signup"] [type=submit]').click());
  await w.check("signup-check-mail");

  // The demo mailbox holds the confirmation; its link asks for a password and signs in.
  await followMail(w, email, opened, "/account/verify", "verify");
  await choosePassword(w, PASSWORD, "verify-password");
  assert.equal(new URL(page.url()).pathname, checkout, "back on the order's checkout after confirming");
  const signedIn = await w.check("checkout-signed-in");
  doc(signedIn.desktop, "checkout");
  doc(signedIn.phone, "checkout-phone");

  // Pay from the balance (demo money) → status → active.
  await w.nav(() => page.locator('main button[name="method"][value="balance"]').click());
  assert.equal(new URL(page.url()).pathname, `${checkout}/status`);
  doc((await waitUntilActive(w, "active")).desktop, "active");

  // The panel learns of the module when asked to update the license information.
  await w.open("/demo/panel?license=100001");
  await submitForm(w, "/demo/panel/refresh");
  w.soft((await page.locator('#modules tr[data-module="DDoSGUARD"] a[href^="/billmgr?"]').count()) === 0, "after the update the panel shows DDoS-GUARD installed, not for sale");
  doc((await w.check("panel-installed")).desktop, "installed");

  // The portal: modules, renew and move pages.
  await w.open("/account");
  doc((await w.check("portal-modules")).desktop, "portal");
  for (const [suffix, label] of [["/renew", "portal-renew"], ["/move", "portal-move"]] as const) {
    const a = page.locator(`main a[href^="/account/modules/"][href$="${suffix}"]`);
    w.soft((await a.count()) > 0, `the module list links its ${suffix.slice(1)} page`);
    if ((await a.count()) > 0) {
      await w.nav(() => a.first().click());
      await w.check(label);
      await w.open("/account");
    }
  }

  // Orders and one order.
  await navTo(w, "/account/orders");
  await w.check("portal-orders");
  const orderLink = page.locator('main a[href^="/account/orders/ord_"]');
  assert.ok((await orderLink.count()) > 0, "the order list links the orders");
  await w.nav(() => orderLink.first().click());
  await w.check("portal-order");

  // Invoices, an invoice, its PDF.
  await navTo(w, "/account/invoices");
  await w.check("portal-invoices");
  const invoiceLink = page.locator('main a[href^="/account/invoices/inv_"]:not([href$=".pdf"])');
  assert.ok((await invoiceLink.count()) > 0, "the invoice list links the invoices");
  const invoicePath = (await invoiceLink.first().getAttribute("href"))!;
  await w.nav(() => invoiceLink.first().click());
  doc((await w.check("portal-invoice")).desktop, "invoice");
  const pdfLinks = await page.locator('a[href$=".pdf"], a[href*="/pdf"]').count();
  w.soft(pdfLinks > 0, "the invoice page links its PDF");
  w.soft((await page.locator("nav").count()) > 0, "the invoice page has the navigation");
  const pdf = await page.request.get(`${shop.base}${invoicePath}.pdf`);
  assert.equal(pdf.status(), 200, "the invoice's PDF");
  assert.match(pdf.headers()["content-type"] ?? "", /^application\/pdf/);
  assert.equal((await pdf.body()).subarray(0, 5).toString("latin1"), "%PDF-");

  // Balance and a top-up by bank transfer, typed as the reader writes money.
  await navTo(w, "/account/balance");
  await w.check("portal-balance");
  await submitForm(w, "/account/balance/top-up", { amount: typedMoney(locale, "25.50"), method: "bank_transfer" });
  w.soft(/^\/account\/balance\/transfers\/btr_/.test(new URL(page.url()).pathname), `a top-up of ${typedMoney(locale, "25.50")} leads to the transfer's instructions`);
  await w.check("portal-top-up");

  // Details: name and country.
  await navTo(w, "/account/details");
  await w.check("portal-details");
  await submitForm(w, "/account/details", { name: "Anna Petrova", country: "DE" });
  w.soft(await accepted(w), "the details are saved");
  await w.check("portal-details-saved");

  // Forgotten password: sign out, ask for a link, choose a new password, sign in with it.
  await signOut(w);
  await w.open("/account/login");
  await w.check("login");
  await w.nav(() => page.locator('main a[href^="/account/forgot"]').first().click());
  await w.check("forgot");
  await submitForm(w, "/account/forgot", { email });
  await w.check("forgot-check-mail");
  await followMail(w, email, opened, "/account/reset", "reset");
  await choosePassword(w, NEW_PASSWORD, "reset-password");
  await w.check("after-reset");
  if (new URL(page.url()).pathname.startsWith("/account/login")) {
    await submitForm(w, "/account/login", { email, password: NEW_PASSWORD });
  }
  await w.open("/account");
  assert.equal(new URL(page.url()).pathname, "/account", "signed in with the new password");

  // A second Buy, paid by card on Stripe's hosted page (the fake: not ours, so not audited).
  const card = await buy(w, "100002", "DDoSGUARD", "");
  await w.check("checkout-card");
  await w.nav(() => page.locator('main button[name="method"][value="stripe"]').click());
  assert.ok(page.url().startsWith(`${shop.stripe.url}/pay/cs_test_`), `on Stripe's page: ${page.url()}`);
  await w.browser.screenshot(`${w.audit.name}-stripe-page`);
  await w.nav(() => page.locator("#pay").click());
  assert.equal(new URL(page.url()).pathname, `${card}/status`);
  await waitUntilActive(w, "card-active");

  // A third, by bank transfer: instructions with a reference, the invoice, staff confirm receipt.
  const transfer = await buy(w, "100003", "DDoSGUARD", "");
  await w.nav(() => page.locator('main button[name="method"][value="bank_transfer"]').click());
  assert.equal(new URL(page.url()).pathname, `${transfer}/status`);
  doc((await w.check("transfer-instructions")).desktop, "bank-transfer");
  const reference = /PB-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(await page.locator("#status").innerText())?.[0];
  assert.ok(reference, "the status page shows the transfer's payment reference");
  const transferInvoice = page.locator('#status a[href^="/account/invoices/inv_"]');
  w.soft((await transferInvoice.count()) > 0, "the transfer instructions link the invoice");
  if ((await transferInvoice.count()) > 0) {
    await w.nav(() => transferInvoice.first().click());
    await w.check("transfer-invoice");
    await w.open(`${transfer}/status`);
  }
  assert.match(await shop.cli(["payments", "confirm", reference, "--amount", "11.90"]), /is paid/);
  await page.reload();
  await waitUntilActive(w, "transfer-active");

  // Pages that say something went wrong, each with a way home.
  for (const [path, label] of [["/account/orders/ord_zzzzzz9", "error-portal-404"], ["/no/such/page", "error-404"], ["/checkout/ord_zzzzzz9", "error-checkout-404"], ["/account/orders?after=not-a-cursor", "error-portal-400"]] as const) {
    await w.open(path);
    await w.check(label);
    w.soft((await page.locator('main a[href="/"], main a[href="/account"], nav a[href="/"], nav a[href="/account"]').count()) > 0, "an error page links home");
  }
}

/** The customer acceptance suite in `locale`: one server (with Stripe's fake) and one browser. */
export function customerAcceptance(locale: Locale): void {
  acceptanceSuite<Shop>({
    name: `customer-${locale}`,
    title: `customer path in a browser (${locale})`,
    locale,
    start: () => startShop(`customer-${locale}`),
    walk: walkCustomer,
    stop: stopShop,
  });
}
