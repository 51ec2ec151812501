import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashSecret, newTokenSecret, parseScopes, parseToken, secretMatches } from "./api-tokens.logic.ts";

describe("API token text", () => {
  it("is pb_<id>_<64 hex>, parses back, and only its hash is kept", () => {
    const t = newTokenSecret("tok_000001");
    assert.match(t.token, /^pb_tok_000001_[0-9a-f]{64}$/);
    const p = parseToken(t.token)!;
    assert.equal(p.id, "tok_000001");
    assert.equal(t.hash, hashSecret(p.secret));
    assert.ok(!t.hash.includes(p.secret) && !t.prefix.includes(p.secret));
    assert.equal(t.prefix, `pb_tok_000001_${p.secret.slice(0, 4)}`);
    assert.ok(secretMatches(p.secret, t.hash));
    assert.ok(!secretMatches(p.secret.replace(/.$/, (c) => (c === "0" ? "1" : "0")), t.hash));
    assert.ok(!secretMatches(p.secret, "not-hex"));
  });

  it("refuses anything that is not exactly a token", () => {
    const good = newTokenSecret("tok_01abc").token;
    for (const bad of ["", "pb_", good + "0", good.slice(0, -1), good.toUpperCase(), ` ${good}`, "pb_tok_1_" + "g".repeat(64), "pb_ord_1_" + "0".repeat(64), "Bearer " + good]) {
      assert.equal(parseToken(bad), null, bad);
    }
  });
});

describe("scopes", () => {
  it("accepts repeated and comma-separated names, each once, in the documented order", () => {
    assert.deepEqual(parseScopes(["prices:write,catalog:read", "catalog:read orders:read"]), ["catalog:read", "prices:write", "orders:read"]);
  });
  it("refuses none and unknown names", () => {
    assert.throws(() => parseScopes([]), { code: "invalid_input" });
    assert.throws(() => parseScopes([" , "]), { code: "invalid_input" });
    assert.throws(() => parseScopes(["catalog:read", "admin"]), /Unknown scope "admin"/);
    assert.throws(() => parseScopes(["__proto__"]), /Unknown scope/);
  });
});
