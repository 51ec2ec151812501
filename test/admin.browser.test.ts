// Staff at work in a real browser (chromium through playwright-core): sign in, look at the
// dashboard, process an order from the manual queue (FULFILLMENT_MODE=manual) by entering the
// upstream module id, refund another, active order, and find both actions in the audit log.
// The app is the test app (SQLite, manual clock) listening on a local port; what the browser
// adds over test/admin.pages.test.ts is real forms, real cookies and real redirects.
//
// Screenshots land in test-output/screenshots/admin-*.png.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AddressInfo } from "node:net";
import { createTestApp } from "./helpers/app.ts";
import { launchBrowser, type TestBrowser } from "./helpers/browser.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { createTestDatabase } from "./helpers/db.ts";

const STAFF = { email: "desk@partner.example", password: "correct horse battery" };

describe("admin console in a browser", () => {
  it("signs staff in, processes a manual order and refunds an active one", { timeout: 180_000 }, async () => {
    const db = await createTestDatabase("sqlite");
    const { app, c } = await createTestApp(db, { FULFILLMENT_MODE: "manual" });
    let browser: TestBrowser | undefined;
    try {
      await seedKnownCatalog(c);
      await c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: STAFF.password });
      await c.staffAuth.add({ email: STAFF.email, role: "staff", password: STAFF.password });
      const ann = await c.customers.add({ email: "ann@customer.example", name: "Ann" });
      await c.customers.credit(ann.id, { amount: "100.00", currency: "EUR", reason: "test money", actor: "test" });
      const buy = async (license: string) => {
        const { order } = await c.orders.intake({ module_id: "23221", license, ip: "192.0.2.10" }, null);
        return (await c.orders.payFromBalance(order.id, ann.id, "test")).id;
      };
      const queued = await buy("100001");
      const active = await buy("100002");
      await c.orders.placeManually(active, { upstreamId: 5001 }, "test");

      await app.listen({ port: 0, host: "127.0.0.1" });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
      const { page } = browser;

      // Sign in; the console opens on the dashboard.
      await page.goto(`${base}/admin/manual`);
      await page.waitForURL(/\/admin\/login\?next=%2Fadmin%2Fmanual$/);
      await page.locator("#email").fill(STAFF.email);
      await page.locator("#password").fill(STAFF.password);
      await browser.screenshot("admin-01-sign-in");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(/\/admin\/manual$/);

      // The manual queue: order the module upstream by hand, then record its id here.
      const row = page.locator(`tr[data-order="${queued}"]`);
      assert.match(await row.innerText(), /Manual queue/);
      await browser.screenshot("admin-02-manual-queue");
      await row.getByLabel("Upstream module id").fill("7001");
      await row.getByRole("button", { name: "Place by hand" }).click();
      await page.waitForURL(/\/admin\/manual\?done=place/);
      assert.match(await page.locator("main").innerText(), /placed by hand/);
      assert.match(await page.locator("main").innerText(), /The queue is empty/);
      await browser.screenshot("admin-03-manual-queue-done");
      assert.equal((await c.orders.get(queued)).state, "active");

      // Refund the other order from its page.
      await page.getByRole("link", { name: "Orders", exact: true }).click();
      await page.waitForURL(/\/admin\/orders$/);
      await page.locator(`tr[data-order-row="${active}"] a[href="/admin/orders/${active}"]`).click();
      await page.waitForURL(new RegExp(`/admin/orders/${active}$`));
      await page.getByLabel("Reason").fill("customer asked within 14 days");
      await browser.screenshot("admin-04-order-before-refund");
      await page.getByRole("button", { name: "Refund…" }).click();
      // The confirmation states the effect in words; nothing has moved yet.
      assert.match(await page.locator("main").innerText(), /Refund €11\.90 to the balance of/);
      assert.equal((await c.customers.show(ann.id)).balances[0]!.minor, 10000 - 2 * 1190);
      await page.getByRole("button", { name: "Refund €11.90" }).click();
      await page.waitForURL(new RegExp(`/admin/orders/${active}\\?done=refund$`));
      assert.match(await page.locator("main").innerText(), /refunded to the customer’s balance/);
      await browser.screenshot("admin-05-order-refunded");
      const balance = (await c.customers.show(ann.id)).balances[0]!;
      assert.deepEqual(balance, { minor: 10000 - 1190, currency: "EUR" }, "one order paid, the other refunded");

      // Both actions are in the audit log, by this staff member.
      await page.getByRole("link", { name: "Audit log" }).click();
      const log = await page.locator("main table.data").innerText();
      assert.match(log, /order\.refund/);
      assert.match(log, /order\.place_manually/);
      assert.match(log, /desk@partner\.example/);
      await browser.screenshot("admin-06-audit-log");

      await page.getByRole("link", { name: "Dashboard" }).click();
      await page.locator("svg.chart").first().waitFor();
      await browser.screenshot("admin-07-dashboard");
    } finally {
      await browser?.close();
      await app.close();
      await db.dispose();
    }
  });
});
