import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  THROTTLE,
  hashToken,
  isSessionLive,
  isWellFormedToken,
  newSecretToken,
  newSessionTimes,
  passwordProblem,
  safeNext,
  touchedIdleExpiry,
  waitText,
} from "./accounts.logic.ts";

describe("password policy", () => {
  it("asks for 10 to 256 characters that are not the e-mail address", () => {
    assert.equal(passwordProblem("correct horse battery", "ann@example.com"), null);
    assert.match(passwordProblem("short", "ann@example.com")!, /at least 10/);
    assert.match(passwordProblem("x".repeat(257), "ann@example.com")!, /at most 256/);
    assert.match(passwordProblem("ANN@example.com", "ann@example.com")!, /e-mail/);
    assert.match(passwordProblem("annannann1", "annannann1@example.com")!, /e-mail/);
    assert.match(passwordProblem("          ", "ann@example.com")!, /spaces/);
    assert.match(passwordProblem("aaaaaaaaaaaa", "ann@example.com")!, /repeated/);
  });
});

describe("tokens", () => {
  it("are 256-bit, URL-safe, different each time, and stored as SHA-256", () => {
    const a = newSecretToken();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newSecretToken(), a);
    assert.ok(isWellFormedToken(a));
    assert.equal(hashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (const bad of [undefined, "", "short", `${a}x`, `${a.slice(0, 42)}/`, 42]) assert.equal(isWellFormedToken(bad), false);
  });
});

describe("safeNext", () => {
  it("keeps paths on this site and refuses everything else", () => {
    assert.equal(safeNext("/checkout/ord_1?x=1", "/account"), "/checkout/ord_1?x=1");
    assert.equal(safeNext("/admin/orders?state=paid#top", "/admin"), "/admin/orders?state=paid");
    assert.equal(safeNext("/a/../b", "/account"), "/b");
    for (const bad of [undefined, "", "//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "evil.example", "/\t/evil.example", "/x\r\nSet-Cookie: a=b", 42, `/${"a".repeat(600)}`]) {
      assert.equal(safeNext(bad, "/account"), "/account", String(bad));
    }
    // Percent-encoded line breaks stay encoded: harmless in a Location header.
    assert.equal(safeNext("/%0d%0aSet-Cookie:x", "/account"), "/%0d%0aSet-Cookie:x");
    assert.equal(safeNext("//evil.example/x", "/account"), "/account");
    assert.equal(safeNext("/\\evil.example", "/account"), "/account");
    assert.equal(safeNext("https://evil.example/", "/account"), "/account");
    // Paths that only become another origin once resolved (finding 3 of issue 13).
    for (const bad of ["/.//evil.example", "/a/..//evil.example", "/%2e//evil.example", "/%2E%2E//evil.example", "/./\\evil.example", "/\\/evil.example", "/x/../..//evil.example", "\t//evil.example", "/\n/evil.example"]) {
      assert.equal(safeNext(bad, "/account"), "/account", bad);
    }
    assert.equal(safeNext("/.%2f/evil.example", "/account"), "/.%2f/evil.example", "an encoded slash is a path segment, not a host");
    // Against the real origin: an absolute URL of this site is kept as its path, any other refused.
    assert.equal(safeNext("https://billing.example.com/account/orders", "/account", "https://billing.example.com"), "/account/orders");
    assert.equal(safeNext("https://billing.example.com.evil.example/", "/account", "https://billing.example.com"), "/account");
  });
});

describe("throttling", () => {
  const policy = THROTTLE.account;
  const t0 = new Date("2026-12-01T10:00:00Z");
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it("says how long to wait in whole minutes", () => {
    assert.equal(waitText(15 * 60_000), "15 minutes");
    assert.equal(waitText(61_000), "2 minutes");
    assert.equal(waitText(1000), "1 minute");
  });
});

describe("session lifetimes", () => {
  const life = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
  const t0 = new Date("2026-12-01T10:00:00Z");
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it("ends a session after the idle time, or at the absolute limit however active", () => {
    const s = newSessionTimes(t0, life);
    assert.ok(isSessionLive(s, at(29 * 60_000)));
    assert.ok(!isSessionLive(s, at(30 * 60_000)), "idle");
    let live = { ...s };
    for (let m = 10; m < 12 * 60; m += 10) {
      const idle = touchedIdleExpiry(live, at(m * 60_000), life);
      assert.ok(idle);
      live = { ...live, last_seen_at: at(m * 60_000).toISOString(), idle_expires_at: idle };
      assert.ok(isSessionLive(live, at(m * 60_000 + 1)));
    }
    assert.ok(!isSessionLive(live, at(12 * 3_600_000)), "absolute");
    assert.ok(live.idle_expires_at <= live.expires_at, "idle expiry never passes the absolute one");
  });

  it("marks a session as seen at most once a minute", () => {
    const s = newSessionTimes(t0, life);
    assert.equal(touchedIdleExpiry(s, at(59_000), life), null);
    assert.equal(touchedIdleExpiry(s, at(60_000), life), at(60_000 + life.idleMs).toISOString());
  });
});
