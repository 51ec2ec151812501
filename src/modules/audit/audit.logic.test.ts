import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeCursor, encodeCursor, isSecretKey, redact, snapshot } from "./audit.logic.ts";

describe("audit redaction", () => {
  it("replaces the values of secret keys at any depth and keeps the rest", () => {
    const v = redact({
      name: "ci",
      password: "hunter2",
      nested: { apiKey: "k", API_KEY: "k", "api-key": "k", token: "pb_x", hash: "ab", tokenId: "tok_1", list: [{ secret: "s", ok: 1 }] },
      upstreamPassword: "p",
      totpSecret: "t",
    });
    assert.deepEqual(v, {
      name: "ci",
      password: "[redacted]",
      nested: { apiKey: "[redacted]", API_KEY: "[redacted]", "api-key": "[redacted]", token: "[redacted]", hash: "[redacted]", tokenId: "tok_1", list: [{ secret: "[redacted]", ok: 1 }] },
      upstreamPassword: "[redacted]",
      totpSecret: "[redacted]",
    });
  });

  it("keeps ordinary keys that merely resemble secrets out of the net", () => {
    for (const k of ["tokenId", "prefix", "reason", "amount", "monkey", "keyword"]) assert.equal(isSecretKey(k), false, k);
    for (const k of ["token", "Password", "client_secret", "authinfo", "Cookie", "key"]) assert.equal(isSecretKey(k), true, k);
  });

  it("stores nothing for an absent snapshot and JSON for any other", () => {
    assert.equal(snapshot(undefined), null);
    assert.equal(snapshot(null), null);
    assert.equal(snapshot({ a: 1n, d: new Date("2026-01-01T00:00:00Z"), n: Number.NaN }), '{"a":1,"d":"2026-01-01T00:00:00.000Z","n":null}');
  });
});

describe("audit cursor", () => {
  it("round-trips and refuses anything it did not give out", () => {
    const c = { at: "2026-12-01T10:00:00.000Z", id: "aud_000001" };
    assert.deepEqual(decodeCursor(encodeCursor(c)), c);
    for (const bad of ["", "!!!", "eyJ4IjoxfQ", Buffer.from('["x","aud_1"]').toString("base64url"), Buffer.from('["2026-01-01","<b>"]').toString("base64url"), "a".repeat(500)]) {
      assert.throws(() => decodeCursor(bad), { code: "invalid_input" }, bad);
    }
  });
});
