// The demo ispmanager panel's routes over real HTTP: the app listens on a free port (the panel
// fetches the price list from its own server, as a panel does) and talks to a sandbox of the
// client area, also over HTTP. The browser journey is test/demo.browser.test.ts.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";
import { createTestApp, listenOnSandbox, type ListeningApp } from "./helpers/app.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";
import { assertRussianPage } from "./helpers/page-language.ts";

type Running = ListeningApp;

const startDemo = (t: TestDatabase, sandbox: TestSandbox): Promise<Running> => listenOnSandbox(t, sandbox);

async function stopDemo(r: Running) {
  await r.app.close();
  await r.c.close();
}

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { redirect: "manual", headers });
  return { status: res.status, body: await res.text(), location: res.headers.get("location") };
};

/** The action cell of a module's row: "Buy" link, "Installed", or a pending status. */
function actionOf(body: string, intname: string): string {
  const row = new RegExp(`<tr data-module="${intname}">(.*?)</tr>`, "s").exec(body)?.[1];
  assert.ok(row, `no row for ${intname}`);
  if (/class="buy"/.test(row)) return "Buy";
  return />([^<>]+)<\/span><\/td>$/.exec(row)?.[1] ?? row;
}

describeEachDialect("demo ispmanager panel", (ctx) => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.stop();
  });

  it("lists the price list's modules with Buy links that carry the license, its IP and the module id", async () => {
    const r = await startDemo(ctx(), sandbox);
    try {
      const page = await get(`${r.base}/demo/panel?license=100002`);
      assert.equal(page.status, 200);
      assert.match(page.body, /<option value="100002" selected>100002 — ispmanager 6 Pro \(203\.0\.113\.12\)<\/option>/);
      assert.match(page.body, /DDoS-GUARD<\/td><td data-label="Price">€11\.90 \/ month/);
      assert.ok(page.body.includes(`href="/billmgr?module=DDoSGUARD&amp;license=100002&amp;ip=203.0.113.12&amp;module_id=23221"`));
      assert.ok(page.body.includes(`${r.base}/billmgr?func=pricelist.export&amp;itemtype=addition&amp;onlyavailable=on&amp;out=xml`));

      // The Buy link is the panel's redirect: it starts a checkout for that license.
      const buy = await get(`${r.base}/billmgr?module=DDoSGUARD&license=100002&ip=203.0.113.12&module_id=23221`);
      assert.equal(buy.status, 303);
      assert.match(buy.location ?? "", /^\/checkout\/ord_/);

      const home = await get(`${r.base}/`);
      assert.match(home.body, /<a href="\/demo\/panel">Demo ispmanager panel<span>/);
      // Without a license the panel opens the account's first one.
      assert.match((await get(`${r.base}/demo/panel`)).body, /<option value="100001" selected>/);
    } finally {
      await stopDemo(r);
    }
  });

  it("speaks Russian to a Russian reader: panel words as ispmanager's Russian panel has them, prices and dates in Russian", async () => {
    const r = await startDemo(ctx(), sandbox);
    try {
      await sandbox.call({ func: "addition.order.param", item: "100005", pricelist: "55361", period: "1", skipbasket: "on", sok: "ok" });
      const page = await get(`${r.base}/demo/panel?license=100005`, { "accept-language": "ru-RU,ru;q=0.9" });
      assert.equal(page.status, 200);
      const names = ["DDoS-GUARD", "Dr.Web Lite", "Dr.Web Pro", "Dr.Web Host", "BitNinja", "ispmanager 6 Lite", "ispmanager 6 Pro", "ispmanager 6 Host", "billmgr", "func=pricelist.export", "itemtype=addition", "onlyavailable=on", "out=xml"];
      assertRussianPage(page.body, "demo panel", names);
      assert.match(page.body, /Главное меню → Интеграция → Модули/);
      assert.match(page.body, /<td data-label="Цена">11,90\u00a0€ в месяц<\/td>/);
      assert.match(page.body, /<button class="update" type="submit">Обновить информацию о лицензии<\/button>/);
      assert.match(page.body, /<dd>обновлена \d{1,2} [а-я]+ \d{4} г\.[ ,в]+\d{2}:\d{2} UTC<\/dd>/);
      assert.match(page.body, /<td data-label="Состояние">Активен<\/td><td data-label="Действует до">\d{1,2} [а-я]+ \d{4} г\.<\/td>/);
      const bad = await get(`${r.base}/demo/panel?license=abc`, { "accept-language": "ru" });
      assert.equal(bad.status, 400);
      assertRussianPage(bad.body, "bad license");
      assert.match(bad.body, /Лицензия указывается номером лицензии ispmanager, например 100001\./);
    } finally {
      await stopDemo(r);
    }
  });

  it("offers only what the price list offers: a module without a monthly price has no row", async () => {
    const r = await startDemo(ctx(), sandbox);
    try {
      await r.c.catalog.setEnabled("55371", false);
      const body = (await get(`${r.base}/demo/panel?license=100001`)).body;
      assert.doesNotMatch(body, /BitNinja/);
      assert.match(body, /data-module="DDoSGUARD"/);
    } finally {
      await stopDemo(r);
    }
  });

  it("learns about a new module only when its license information is updated", async () => {
    const r = await startDemo(ctx(), sandbox);
    try {
      const order = (pricelist: string) =>
        sandbox.call({ func: "addition.order.param", item: "100003", pricelist, period: "1", skipbasket: "on", sok: "ok" });
      assert.match((await order("55361")).body, /<id>\d+<\/id>/);

      // First view: the panel fetches its license information, so what is there already shows.
      const first = (await get(`${r.base}/demo/panel?license=100003`)).body;
      assert.equal(actionOf(first, "DrWebLite"), "Installed");
      assert.equal(actionOf(first, "DDoSGUARD"), "Buy");
      assert.match(first, /<table class="data" id="installed">.*Dr\.Web Lite<\/td><td data-label="Status">Active<\/td><td data-label="Expires">[A-Z][a-z]+ \d{1,2}, \d{4}<\/td>/s);

      // A module bought meanwhile is not known until "Update license information".
      await order("23221");
      assert.equal(actionOf((await get(`${r.base}/demo/panel?license=100003`)).body, "DDoSGUARD"), "Buy");
      const refresh = await fetch(`${r.base}/demo/panel/refresh`, { method: "POST", body: new URLSearchParams({ license: "100003" }), redirect: "manual" });
      assert.equal(refresh.status, 303);
      assert.equal(refresh.headers.get("location"), "/demo/panel?license=100003");
      const after = (await get(`${r.base}/demo/panel?license=100003`)).body;
      assert.equal(actionOf(after, "DDoSGUARD"), "Installed");
      assert.equal(actionOf(after, "DrWebLite"), "Installed");

      // Other licenses are untouched.
      assert.equal(actionOf((await get(`${r.base}/demo/panel?license=100004`)).body, "DDoSGUARD"), "Buy");
    } finally {
      await stopDemo(r);
    }
  });

  it("answers a readable page for a malformed or unknown license", async () => {
    const r = await startDemo(ctx(), sandbox);
    try {
      const bad = await get(`${r.base}/demo/panel?license=abc`);
      assert.equal(bad.status, 400);
      assert.match(bad.body, /The license must be the number of an ispmanager license/);
      const unknown = await get(`${r.base}/demo/panel?license=999999`);
      assert.equal(unknown.status, 404);
      assert.match(unknown.body, /License 999999 is not in the sandbox’s demo account; pick one of 100001, 100002, 100003, 100004, 100005/);
      const refresh = await fetch(`${r.base}/demo/panel/refresh`, { method: "POST", body: new URLSearchParams({ license: "100021" }), redirect: "manual" });
      assert.equal(refresh.status, 404, "another account's license is not this panel's");
      const missing = await fetch(`${r.base}/demo/panel/refresh`, { method: "POST", body: new URLSearchParams({}), redirect: "manual" });
      assert.equal(missing.status, 400);
    } finally {
      await stopDemo(r);
    }
  });

  it("is not served when the upstream is a real client area", async () => {
    const { app } = await createTestApp(ctx(), { UPSTREAM_URL: "eu", FULFILLMENT_MODE: "manual" });
    try {
      assert.equal((await app.inject({ method: "GET", url: "/demo/panel" })).statusCode, 404);
      assert.equal((await app.inject({ method: "POST", url: "/demo/panel/refresh", payload: { license: "100001" } })).statusCode, 404);
      assert.doesNotMatch((await app.inject({ method: "GET", url: "/" })).body, /demo\/panel/);
    } finally {
      await app.close();
    }
  });
});
