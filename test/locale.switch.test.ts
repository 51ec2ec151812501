// The language switch on every page's footer (src/http/locale.routes.ts, docs/adr/0036-i18n.md):
// Accept-Language decides first; the switch's cookie overrides it; a signed-in customer's or staff
// user's choice is stored on them and follows them to another browser; a cross-site post (no CSRF
// token) changes the cookie only.
import assert from "node:assert/strict";
import { it } from "node:test";
import { buildHttpApp } from "../src/http/app.ts";
import { createTestContainer } from "./helpers/app.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { WebClient } from "./helpers/web-client.ts";

const PASSWORD = "correct horse battery";

function langOf(body: string): string | undefined {
  return /<html lang="([a-z]+)">/.exec(body)?.[1];
}

describeEachDialect("language switch", (ctx) => {
  it("follows Accept-Language, then the switch's cookie, then the signed-in person's stored choice", { timeout: 120_000 }, async () => {
    const { container: c } = createTestContainer(ctx());
    const app = await buildHttpApp(c);
    await app.ready();
    try {
      // Anonymous: the header decides, the switch overrides it with a cookie.
      const ru = await app.inject({ method: "GET", url: "/account/login", headers: { "accept-language": "ru-RU,ru;q=0.9,en;q=0.5" } });
      assert.equal(langOf(ru.body), "ru");
      assert.match(ru.body, /Перейти к содержанию/);
      const switched = await app.inject({ method: "POST", url: "/locale", payload: { locale: "en", next: "/account/login?next=%2Faccount" }, headers: { "accept-language": "ru" } });
      assert.equal(switched.statusCode, 303);
      assert.equal(switched.headers.location, "/account/login?next=%2Faccount");
      const cookie = [switched.headers["set-cookie"]].flat().find((v) => v?.startsWith("locale="));
      assert.ok(cookie?.startsWith("locale=en;"), String(cookie));
      const en = await app.inject({ method: "GET", url: "/account/login", headers: { "accept-language": "ru", cookie: "locale=en" } });
      assert.equal(langOf(en.body), "en");

      // A foreign `next` goes home; an unknown language changes nothing.
      const away = await app.inject({ method: "POST", url: "/locale", payload: { locale: "ru", next: "https://evil.example/" } });
      assert.equal(away.headers.location, "/");
      const unknown = await app.inject({ method: "POST", url: "/locale", payload: { locale: "de", next: "/" } });
      assert.equal(unknown.statusCode, 303);
      assert.equal(unknown.headers["set-cookie"], undefined);

      // Signed in: the choice is stored on the staff user and follows them to a new browser.
      const staffUser = await c.staffAuth.add({ email: "desk@partner.example", role: "staff", password: PASSWORD });
      const desk = new WebClient(app, "198.51.100.30");
      assert.equal((await desk.submit("/admin/login", "/admin/login", { email: "desk@partner.example", password: PASSWORD })).statusCode, 303);
      const r = await desk.submit("/admin", "/admin/locale", { locale: "ru", next: "/admin/orders" });
      assert.equal(r.statusCode, 303);
      assert.equal(r.headers.location, "/admin/orders");
      assert.equal((await c.staffAuth.find(staffUser.id))?.locale, "ru");
      const elsewhere = new WebClient(app, "198.51.100.31");
      assert.equal((await elsewhere.submit("/admin/login", "/admin/login", { email: "desk@partner.example", password: PASSWORD })).statusCode, 303);
      assert.equal(langOf((await elsewhere.get("/admin")).body), "ru");

      // A cross-site post to the console's switch (no token) sets only that browser's cookie.
      const forged = await desk.post("/admin/locale", { locale: "en" }, null);
      assert.equal(forged.statusCode, 303);
      assert.equal((await c.staffAuth.find(staffUser.id))?.locale, "ru");
    } finally {
      await app.close();
    }
  });
});
