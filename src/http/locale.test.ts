import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Fastify from "fastify";
import cookie from "@fastify/cookie";
import { LOCALE_COOKIE, rememberLocale, requestLocale } from "./locale.ts";

describe("the request's locale", () => {
  it("reads the cookie, Accept-Language and the partner's default, and remembers a choice", async () => {
    const app = Fastify();
    await app.register(cookie);
    app.get("/", async (req) => requestLocale(req, { partnerDefault: (req.query as { d?: string }).d ?? null }));
    app.get("/me", async (req) => requestLocale(req, { stored: "ru" }));
    app.post("/switch", async (_req, reply) => {
      rememberLocale(reply, "ru", true);
      return "ok";
    });
    assert.equal((await app.inject({ url: "/" })).body, "en");
    assert.equal((await app.inject({ url: "/?d=ru" })).body, "ru");
    assert.equal((await app.inject({ url: "/", headers: { "accept-language": "ru-RU,ru;q=0.9,en;q=0.5" } })).body, "ru");
    assert.equal((await app.inject({ url: "/", headers: { "accept-language": "ru", cookie: `${LOCALE_COOKIE}=en` } })).body, "en");
    assert.equal((await app.inject({ url: "/", cookies: { [LOCALE_COOKIE]: "<script>" }, headers: { "accept-language": "ru" } })).body, "ru");
    assert.equal((await app.inject({ url: "/me", cookies: { [LOCALE_COOKIE]: "en" } })).body, "ru");
    const set = (await app.inject({ method: "POST", url: "/switch" })).headers["set-cookie"];
    assert.match(String(set), /^locale=ru; Max-Age=31536000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    await app.close();
  });
});
