// The customer's checkout in a real browser (chromium through playwright-core): `partnerbill serve`
// runs as a child process with its in-process sandbox of the client area, and each journey starts
// with the panel's Buy redirect and ends with the module active upstream:
//   (a) sign up inline → e-mailed link → pay from the balance → active;
//   (b) pay by card on Stripe's (fake) hosted payment page → webhook and return URL → active;
//   (c) bank transfer: invoice and reference → staff confirm receipt with the CLI → active.
// SQLite only, as in test/demo.browser.test.ts: every database behaviour on the way runs on both
// dialects in test/checkout.pages.test.ts. Screenshots of every step go to test-output/screenshots/.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { launchBrowser, type TestBrowser } from "./helpers/browser.ts";
import { runCli } from "./helpers/cli.ts";
import { freePort } from "./helpers/nginx.ts";
import { startServe, type ServeProcess } from "./helpers/serve-process.ts";
import { startStripeFake, type StripeFake } from "./fakes/stripe-server.ts";

const PASSWORD = "correct horse battery";
const BUY = "/billmgr?module=DDoSGUARD&license=100001&ip=203.0.113.11&module_id=23221";

interface Shop {
  server: ServeProcess;
  browser: TestBrowser;
  env: Record<string, string>;
  cli(args: string[]): Promise<string>;
}

async function withShop(name: string, extraEnv: Record<string, string>, journey: (shop: Shop) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `pb-checkout-${name}-`));
  // PUBLIC_URL must name the real port: Stripe's return URL and e-mailed links are built from it.
  const env = { DATA_DIR: dataDir, LOG_LEVEL: "warn", PORT: String(await freePort()), ...extraEnv };
  let server: ServeProcess | undefined;
  let browser: TestBrowser | undefined;
  try {
    server = await startServe(env);
    browser = await launchBrowser();
    const cli = async (args: string[]) => {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, `partnerbill ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    await journey({ server, browser, env, cli });
  } finally {
    await browser?.close();
    const stopped = server ? await server.stop() : null;
    rmSync(dataDir, { recursive: true, force: true });
    if (server && stopped) assert.equal(stopped.code, 0, `serve did not stop cleanly\n${server.stderr()}`);
  }
}

/** From the Buy redirect to a signed-in checkout page: sign up inline and open the e-mailed link. */
async function buyAndSignUp(shop: Shop, email: string, shot: string): Promise<string> {
  const { page } = shop.browser;
  await page.goto(`${shop.server.url}${BUY}`);
  await page.waitForURL(/\/checkout\/ord_[a-z0-9]+$/);
  const path = new URL(page.url()).pathname;
  assert.match(await page.locator("#order").innerText(), /DDoS-GUARD[\s\S]*Total\s+€11\.90[\s\S]*Status\s+Awaiting payment/);
  await shop.browser.screenshot(`${shot}-01-checkout-anonymous`);

  await page.locator("#signup-email").fill(email);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();

  // Staff's view of the outbox (no SMTP here): the verification link, as the customer would get it.
  const outbox = JSON.parse(await shop.cli(["mail", "outbox", "--json"])) as Array<{ id: string; to_address: string; template: string }>;
  const mail = outbox.find((m) => m.to_address === email && m.template === "verify_email");
  assert.ok(mail, JSON.stringify(outbox));
  const shown = JSON.parse(await shop.cli(["mail", "show", mail.id, "--json"])) as { text: string };
  const link = /http:\/\/127\.0\.0\.1:\d+\/account\/verify#[A-Za-z0-9_-]{43}/.exec(shown.text)?.[0];
  assert.ok(link, shown.text);
  assert.ok(link.startsWith(shop.server.url), `${link} names this server`);
  // The page takes the token from the link's fragment by itself and asks for the password.
  await page.goto(link);
  await page.locator("#password").fill(PASSWORD);
  assert.equal(new URL(page.url()).hash, "", "the token left the address bar");
  await page.getByRole("button", { name: "Confirm and sign in" }).click();
  await page.waitForURL(`${shop.server.url}${path}`);
  assert.match(await page.locator("#pay").innerText(), new RegExp(`Signed in as ${email.replace(/[.]/g, "\\.")}`));
  await shop.browser.screenshot(`${shot}-02-checkout-signed-in`);
  return path;
}

/** The status page follows the order (src/http/static/status.js reloads it when its state changes) until it is active. */
async function waitUntilActive(shop: Shop, shot: string): Promise<void> {
  const { page } = shop.browser;
  await page.locator('#status[data-state="active"]').waitFor({ timeout: 60_000 });
  const text = await page.locator("#status").innerText();
  assert.match(text, /Your module is active/);
  assert.match(text, /License management → Update license information/);
  await shop.browser.screenshot(`${shot}-active`);
}

describe("checkout in a browser", () => {
  it("(a) Buy redirect → sign up → e-mailed link → pay from the balance → active", { timeout: 180_000 }, async () => {
    await withShop("balance", {}, async (shop) => {
      const { page } = shop.browser;
      const path = await buyAndSignUp(shop, "balance@customer.example", "checkout-a");
      // Demo mode (the sandbox, demo data): the new account got demo money.
      assert.match(await page.locator("#pay-balance").innerText(), /Balance: €200\.00\s+includes demo money/);
      await page.getByRole("button", { name: "Pay €11.90 from balance" }).click();
      await page.waitForURL(`${shop.server.url}${path}/status`);
      await shop.browser.screenshot("checkout-a-03-status");
      await waitUntilActive(shop, "checkout-a-04");
      // The paid order's checkout page now leads to its status.
      await page.goto(`${shop.server.url}${path}`);
      await page.waitForURL(`${shop.server.url}${path}/status`);
    });
  });

  it("(b) pays by card on Stripe's hosted page (the fake) and the order becomes active", { timeout: 180_000 }, async () => {
    const stripe: StripeFake = await startStripeFake();
    try {
      await withShop("card", { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url }, async (shop) => {
        stripe.setWebhookUrl(`${shop.server.url}/payments/stripe/webhook`);
        const { page } = shop.browser;
        const path = await buyAndSignUp(shop, "card@customer.example", "checkout-b");
        await page.getByRole("button", { name: "Pay €11.90 by card" }).click();
        await page.waitForURL(new RegExp(`^${stripe.url.replace(/[.]/g, "\\.")}/pay/cs_test_`));
        assert.match(await page.locator("h1").innerText(), /Pay 11\.90 EUR/);
        await shop.browser.screenshot("checkout-b-03-stripe-page");
        await page.locator("#pay").click();
        await page.waitForURL(`${shop.server.url}${path}/status`);
        await shop.browser.screenshot("checkout-b-04-status");
        await waitUntilActive(shop, "checkout-b-05");
        // The webhook arrived and was accepted; the return URL and the webhook credited once.
        assert.ok(stripe.requests.length > 0);
        const statement = await shop.cli(["customers", "show", "card@customer.example"]);
        assert.match(statement, /Balance: 200\.00 EUR\n/, `the card paid the order; the demo money is untouched\n${statement}`);
      });
    } finally {
      await stripe.close();
    }
  });

  it("(c) bank transfer: invoice with a reference, staff confirm receipt, the order becomes active", { timeout: 180_000 }, async () => {
    await withShop("transfer", {}, async (shop) => {
      const { page } = shop.browser;
      await shop.cli(["settings", "set", "seller.legal_name", "Example Hosting GmbH"]);
      await shop.cli(["settings", "set", "seller.iban", "DE89370400440532013000"]);
      const path = await buyAndSignUp(shop, "transfer@customer.example", "checkout-c");
      await page.getByRole("button", { name: "Get an invoice for bank transfer" }).click();
      await page.waitForURL(`${shop.server.url}${path}/status`);
      const status = await page.locator("#status").innerText();
      assert.match(status, /Awaiting your bank transfer/);
      assert.match(status, /IBAN\s+DE89370400440532013000/);
      const reference = /Payment reference\s+(PB-[A-Z0-9]{4}-[A-Z0-9]{4})/.exec(status)?.[1];
      assert.ok(reference, status);
      assert.equal(await page.getByRole("link", { name: "Open the invoice" }).count(), 1);
      await shop.browser.screenshot("checkout-c-03-transfer-instructions");

      // Staff see the money arrive and confirm it; the order is paid and placed.
      const confirmed = await shop.cli(["payments", "confirm", reference, "--amount", "11.90"]);
      assert.match(confirmed, /is paid/);
      await page.reload();
      await waitUntilActive(shop, "checkout-c-04");
    });
  });
});
