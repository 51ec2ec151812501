// The newcomer's journey in a real browser (chromium through playwright-core): `partnerbill serve`
// runs as a child process against its in-process sandbox; the demo ispmanager panel offers the
// price list, Buy leads to the checkout page, the newcomer signs up there, confirms the address
// from the demo mailbox, pays with the demo money, watches the order become active upstream, and
// the panel shows the module as installed once "Update license information" is pressed.
//
// One dialect (SQLite) only: the database is incidental here — this test is about the pages and
// the HTTP round trips between browser, partnerbill and the sandbox; every database behaviour on
// the way is covered on both dialects by the checkout, orders and fulfillment tests.
//
// Screenshots of every step land in test-output/screenshots/; with SAVE_DOC_SCREENSHOTS=1 the
// README's pictures in docs/screenshots/ are refreshed from this run.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { launchBrowser, saveForDocs, type TestBrowser } from "./helpers/browser.ts";
import { freePort } from "./helpers/nginx.ts";
import { startServe, type ServeProcess } from "./helpers/serve-process.ts";

const LICENSE = "100001";
const CUSTOMER = "newcomer@customer.example";

describe("demo ispmanager panel in a browser", () => {
  it("walks from the Buy button through sign-up, the demo mailbox and paying with demo money to the module installed on the license", { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-demo-browser-"));
    // UPSTREAM_URL is left at its default, sandbox; the database is SQLite under DATA_DIR.
    // A fixed port, so that PUBLIC_URL (the sender name and links in the demo mailbox) is the real address.
    const env = { DATA_DIR: dataDir, LOG_LEVEL: "warn", PORT: String(await freePort()) };
    let server: ServeProcess | undefined;
    let browser: TestBrowser | undefined;
    const docShots: Array<[path: string, name: string]> = [];
    try {
      server = await startServe(env);
      assert.match(server.stdout(), new RegExp(`demo panel: +${server.url.replace(/[.]/g, "\\.")}/demo/panel`));
      browser = await launchBrowser();
      const { page } = browser;

      // The home page links to the demo panel.
      await page.goto(`${server.url}/`);
      await page.getByRole("link", { name: "Demo ispmanager panel" }).click();
      await page.waitForURL(/\/demo\/panel$/);
      await browser.screenshot("01-demo-panel-first-license");

      // Pick the panel of license 100001; its price list comes from partnerbill's pricelist.export.
      await page.locator("select[name=license]").selectOption(LICENSE);
      await page.getByRole("button", { name: "Open" }).click();
      await page.waitForURL(new RegExp(`/demo/panel\\?license=${LICENSE}$`));
      const ddos = page.locator("#modules tr[data-module=DDoSGUARD]");
      assert.match(await ddos.innerText(), /DDoS-GUARD\s+€11\.90 \/ month/);
      assert.equal(await page.locator("#modules .buy").count(), 5, "every module of the demo catalog has a Buy button");
      assert.match(await page.locator("#license-info").innerText(), /No modules on this license/);
      docShots.push([await browser.screenshot("02-demo-panel"), "demo-panel"]);

      // Buy: the panel's redirect becomes a pending order and its checkout page.
      await ddos.getByRole("link", { name: "Buy" }).click();
      await page.waitForURL(/\/checkout\/ord_[a-z0-9]+$/);
      const orderId = /\/checkout\/(ord_[a-z0-9]+)$/.exec(page.url())![1]!;
      const checkout = await page.locator("#order").innerText();
      assert.match(checkout, /DDoS-GUARD/);
      assert.match(checkout, new RegExp(`Order\\s+${orderId}`));
      assert.match(checkout, /ispmanager license\s+100001 \(203\.0\.113\.11\)/);
      assert.match(checkout, /Period\s+1 month/);
      assert.match(checkout, /Price\s+€11\.90/);
      assert.match(checkout, /Total\s+€11\.90/);
      assert.match(checkout, /Status\s+Awaiting payment/);
      await browser.screenshot("03-checkout-anonymous");

      // Sign up inline; with no SMTP server the demo mailbox holds the confirmation e-mail.
      await page.locator("#signup-email").fill(CUSTOMER);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { name: "Check your e-mail" }).waitFor();
      await browser.screenshot("04-check-your-email");
      await page.getByRole("link", { name: "demo mailbox" }).click();
      await page.waitForURL(/\/demo\/mailbox$/);
      assert.match(await page.locator("main").innerText(), /Demo mode only/);
      await page.locator("#mails").getByRole("link", { name: /Confirm your e-mail address/ }).click();
      await page.waitForURL(/\/demo\/mailbox\/mail_[a-z0-9]+$/);
      docShots.push([await browser.screenshot("05-demo-mailbox"), "demo-mailbox"]);
      await page.locator("#mail-text a[href^='/account/verify']").click();
      // The link's page takes the token from the fragment and asks for the password.
      await page.locator("#password").fill("correct horse battery");
      await page.getByRole("button", { name: "Confirm and sign in" }).click();

      // Back on the checkout, signed in, with demo money on the balance.
      await page.waitForURL(new RegExp(`/checkout/${orderId}$`));
      const pay = await page.locator("#pay").innerText();
      assert.match(pay, new RegExp(`Signed in as ${CUSTOMER.replace(/[.]/g, "\\.")}`));
      assert.match(pay, /Balance: €200\.00\s+includes demo money/);
      docShots.push([await browser.screenshot("06-checkout"), "checkout"]);

      // Pay with the demo balance; the server's worker places the order in the sandbox and the
      // status page, refreshing itself, follows it to Active.
      await page.getByRole("button", { name: "Pay €11.90 from balance" }).click();
      await page.waitForURL(new RegExp(`/checkout/${orderId}/status$`));
      await page.locator('#status[data-state="active"]').waitFor({ timeout: 60_000 });
      const status = await page.locator("#status").innerText();
      assert.match(status, /Your module is active/);
      assert.match(status, /License management → Update license information/);
      docShots.push([await browser.screenshot("07-active"), "active"]);

      // Back in the panel nothing has changed yet: it knows only the license information it fetched before.
      await page.goto(`${server.url}/demo/panel?license=${LICENSE}`);
      assert.equal(await ddos.locator(".buy").count(), 1, "before the update the panel still offers Buy");
      await browser.screenshot("08-panel-before-update");

      // "Update license information" asks the sandbox: DDoS-GUARD is installed on license 100001.
      await page.getByRole("button", { name: "Update license information" }).click();
      await page.waitForURL(new RegExp(`/demo/panel\\?license=${LICENSE}$`));
      assert.equal(await ddos.locator(".installed").innerText(), "Installed");
      assert.equal(await ddos.locator(".buy").count(), 0);
      const installed = await page.locator("#installed").innerText();
      assert.match(installed, /DDoS-GUARD\s+Active\s+[A-Z][a-z]+ \d{1,2}, \d{4}/);
      assert.match(await page.locator("#license-info").innerText(), /License information\s+updated [A-Z][a-z]+ \d{1,2}, \d{4},? (at )?\d{1,2}:\d{2}\s[AP]M UTC/);
      docShots.push([await browser.screenshot("09-installed"), "installed"]);

      // The module is on license 100001 only: the panel of 100002 still offers it.
      await page.locator("select[name=license]").selectOption("100002");
      await page.getByRole("button", { name: "Open" }).click();
      await page.waitForURL(/\/demo\/panel\?license=100002$/);
      assert.equal(await ddos.locator(".buy").count(), 1);
      assert.match(await page.locator("#license-info").innerText(), /No modules on this license/);

      if (process.env["SAVE_DOC_SCREENSHOTS"] === "1") for (const [path, name] of docShots) saveForDocs(path, name);
    } finally {
      await browser?.close();
      const stopped = server ? await server.stop() : null;
      rmSync(dataDir, { recursive: true, force: true });
      if (server && stopped) assert.equal(stopped.code, 0, `serve did not stop cleanly\n${server.stderr()}`);
    }
  });
});
