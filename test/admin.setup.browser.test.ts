// The set-up wizard in a real browser (chromium through playwright-core): a fresh partnerbill over
// real HTTP with the sandbox as its client area. The browser is led from /admin to the wizard,
// creates the owner, enters the client-area credentials, chooses manual fulfillment, imports costs,
// applies a markup, copies the billing URL, changes a price in the catalog, and sees it in
// pricelist.export. One dialect (SQLite): test/admin.setup.test.ts covers both databases.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestApp } from "./helpers/app.ts";
import { launchBrowser, type TestBrowser } from "./helpers/browser.ts";
import { createTestDatabase } from "./helpers/db.ts";
import { startSandbox } from "./helpers/sandbox.ts";

describe("set-up wizard in a browser", () => {
  it("walks the wizard, changes a price and sees it in pricelist.export", { timeout: 120_000 }, async () => {
    const sb = await startSandbox();
    const db = await createTestDatabase("sqlite");
    const { app, c } = await createTestApp(db, { UPSTREAM_URL: sb.billmgrUrl });
    let browser: TestBrowser | undefined;
    try {
      await app.listen({ port: 0, host: "127.0.0.1" });
      const addr = app.server.address();
      const base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
      browser = await launchBrowser();
      const { page } = browser;

      await page.goto(`${base}/admin`);
      await page.waitForURL(/\/admin\/setup$/);
      await browser.screenshot("admin-setup-01-create-owner");
      await page.getByLabel("E-mail").fill("owner@example.com");
      await page.getByLabel(/^Password/).fill("correct horse battery");
      await page.getByRole("button", { name: "Create the owner" }).click();
      await page.waitForURL(/\/admin\/setup\?ok=owner$/);

      // Wrong password first: refused, readable, nothing stored.
      await page.locator("input[name=area][value=eu]").check();
      await page.getByLabel("Client-area login (e-mail)").fill(sb.credentials.user);
      await page.getByLabel("Client-area password").fill("not-the-password");
      await page.getByRole("button", { name: "Check and save" }).click();
      assert.match(await page.locator(".notice.error").first().innerText(), /nothing was stored: wrong user or password/);
      await browser.screenshot("admin-setup-02-wrong-credentials");
      await page.getByLabel("Client-area login (e-mail)").fill(sb.credentials.user);
      await page.getByLabel("Client-area password").fill(sb.credentials.password);
      await page.getByRole("button", { name: "Check and save" }).click();
      assert.match(await page.locator(".notice.ok").first().innerText(), /credentials work and are stored encrypted/);

      await page.getByLabel("manual").check();
      await page.locator("#fulfillment").getByRole("button", { name: "Save" }).click();
      assert.match(await page.locator(".notice.ok").first().innerText(), /Fulfillment mode saved/);

      await page.getByRole("button", { name: "Import module costs now" }).click();
      assert.match(await page.locator(".notice.ok").first().innerText(), /Module costs imported/);
      await page.getByLabel("Markup, percent").fill("35");
      await page.getByRole("button", { name: "Apply markup to every module" }).click();
      assert.match(await page.locator(".notice.ok").first().innerText(), /Markup applied/);
      assert.equal(await page.locator("#billing-url").inputValue(), `${c.config.PUBLIC_URL}/billmgr`);
      await page.getByRole("button", { name: "Copy" }).click();
      await browser.screenshot("admin-setup-03-wizard-done");

      await page.getByRole("link", { name: "Catalog & prices" }).first().click();
      await page.waitForURL(/\/admin\/catalog$/);
      await page.locator("tr[data-module='23221'] a").click();
      await page.waitForURL(/\/admin\/catalog\/23221$/);
      await page.getByLabel("Period").selectOption("1");
      await page.getByLabel("Amount").fill("88.88");
      await page.getByLabel("Currency").fill("EUR");
      await page.getByRole("button", { name: "Set price" }).click();
      assert.match(await page.locator(".notice.ok").first().innerText(), /Price saved/);
      await browser.screenshot("admin-setup-04-price-changed");

      const exported = await page.goto(`${base}/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml`);
      assert.match(await exported!.text(), /88\.88/);
      assert.equal(c.setup.modeNow(), "manual");
    } finally {
      await browser?.close();
      await app.close();
      await db.dispose();
      await sb.stop();
    }
  });
});
