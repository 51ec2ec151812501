// The Buy redirect as a browser sends it (PROTOCOL.md §2.4) and the checkout page it leads to.
import assert from "node:assert/strict";
import { it } from "node:test";
import { describeEachDialect } from "./helpers/db.ts";
import { createTestApp } from "./helpers/app.ts";

const GOOD = "module=DDoSGUARD&license=100001&ip=203.0.113.11&module_id=23221";

async function setup(ctx: Parameters<typeof createTestApp>[0]) {
  const t = await createTestApp(ctx);
  await t.c.catalog.setPrice("23221", { period: 1, amount: "950.00", currency: "RUB" }, { source: "cli" });
  await t.c.catalog.setPrice("55361", { period: 1, amount: "390.00", currency: "RUB" }, { source: "cli" });
  await t.c.catalog.setEnabled("55361", false);
  return t;
}

describeEachDialect("Buy redirect and checkout page", (ctx) => {
  it("creates a pending order and redirects to its checkout page; the same browser reuses it", async () => {
    const { app, c } = await setup(ctx());
    for (const path of ["/billmgr", "/manager/billmgr"]) {
      const first = await app.inject({ method: "GET", url: `${path}?${GOOD}` });
      assert.equal(first.statusCode, 303);
      const location = String(first.headers.location);
      assert.match(location, /^\/checkout\/ord_/);
      const cookie = first.cookies.find((k) => k.name === "pb_browser");
      assert.ok(cookie?.httpOnly && cookie.sameSite === "Lax");
      const again = await app.inject({ method: "GET", url: `${path}?${GOOD}`, cookies: { pb_browser: cookie.value } });
      assert.equal(again.headers.location, location);
      const page = await app.inject({ method: "GET", url: location });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /DDoS-GUARD/);
      assert.match(page.body, /RUB\s950\.00/);
      assert.match(page.body, /100001/);
    }
    assert.equal((await c.orders.list()).length, 2, "one order per path's fresh browser");
  });

  it("answers every bad Buy redirect with a readable 400 page naming the problem, and stores nothing", async () => {
    const { app, c } = await setup(ctx());
    const bad: Array<[string, RegExp]> = [
      ["module=DDoSGUARD&ip=203.0.113.11", /The module is not named/],
      ["module_id=23221", /The ispmanager license is not named/],
      ["license=abc&module_id=23221", /The license number is not a whole number/],
      ["license=-7&module_id=23221", /The license number is not a whole number/],
      ["license=123456789012345678901234567890&module_id=23221", /The license number is not a whole number/],
      ["license=1&module_id=x23221", /The module number is not a whole number/],
      ["license=1&module_id=99999", /This module is not sold here/],
      ["license=1&module_id=55361", /is not on sale at the moment/],
      ["license=1&module_id=23221&ip=999.1.1.1", /The IP address is not valid/],
      ["license=1&module_id=23221&ip=%3Cscript%3Ealert(1)%3C%2Fscript%3E", /The IP address is not valid/],
      ["license=%3Cscript%3E&module_id=%3Cimg%20src%3Dx%3E&module=%3Cb%3E", /The module number is not a whole number[\s\S]*The license number is not a whole number/],
    ];
    for (const [query, problem] of bad) {
      const r = await app.inject({ method: "GET", url: `/billmgr?${query}` });
      assert.equal(r.statusCode, 400, query);
      assert.match(String(r.headers["content-type"]), /text\/html/, query);
      assert.match(r.body, problem, query);
      assert.doesNotMatch(r.body, /<script|<img|<b>/i, `${query}: nothing unescaped`);
      assert.match(r.body, /press Buy again/, `${query}: what to do`);
    }
    // The same page in Russian, every problem named in Russian.
    const ru = await app.inject({ method: "GET", url: "/billmgr?license=abc&module_id=x1&ip=1.2.3", headers: { "accept-language": "ru" } });
    assert.equal(ru.statusCode, 400);
    assert.match(ru.body, /<html lang="ru">/);
    for (const w of [/Покупку не удалось начать/, /Номер лицензии должен быть целым числом/, /Номер модуля должен быть целым числом/, /IP-адрес указан неверно/, /снова нажмите «Купить»/]) assert.match(ru.body, w);
    assert.doesNotMatch(ru.body, /whole number|is not valid|press Buy/);
    assert.equal((await c.orders.list()).length, 0);
  });

  it("shows a readable 404 for an unknown order", async () => {
    const { app } = await setup(ctx());
    for (const url of ["/checkout/ord_doesnotexist", "/checkout/%3Cscript%3E"]) {
      const r = await app.inject({ method: "GET", url });
      assert.equal(r.statusCode, 404);
      assert.match(String(r.headers["content-type"]), /text\/html/);
      assert.doesNotMatch(r.body, /<script>/);
    }
  });

  it("tells the customer when the license cannot be checked upstream", async () => {
    const { app } = await setup(ctx());
    const r = await app.inject({ method: "GET", url: `/billmgr?${GOOD}` });
    const page = await app.inject({ method: "GET", url: String(r.headers.location) });
    assert.match(page.body, /cannot check your license right now/);
  });

  it("a Buy with another IP is another order: a corrected Buy never leads back to the unpayable one", async () => {
    const { c } = await setup(ctx());
    const key = "browser-key-0123456789";
    const wrong = (await c.orders.intake({ license: "100001", module_id: "23221", ip: "198.51.100.99" }, key)).order;
    const right = await c.orders.intake({ license: "100001", module_id: "23221", ip: "203.0.113.11" }, key);
    assert.notEqual(right.order.id, wrong.id, "the corrected IP opens a new order");
    assert.equal(right.reused, false);
    assert.equal(right.order.ip, "203.0.113.11");
    // Repeated clicks of the same Buy still reuse their own order.
    assert.equal((await c.orders.intake({ license: "100001", module_id: "23221", ip: "203.0.113.11" }, key)).order.id, right.order.id);
    assert.equal((await c.orders.intake({ license: "100001", module_id: "23221", ip: "198.51.100.99" }, key)).order.id, wrong.id);
    const none = (await c.orders.intake({ license: "100001", module_id: "23221" }, key)).order;
    assert.ok(none.id !== wrong.id && none.id !== right.order.id, "no IP is another Buy too");
    assert.equal((await c.orders.intake({ license: "100001", module_id: "23221" }, key)).order.id, none.id);
  });
});
