import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { open, seal } from "./secret-box.ts";

const KEY = "k".repeat(40);

describe("secret box", () => {
  it("opens what it sealed, and the sealed text does not contain the secret", () => {
    const sealed = seal(KEY, "JBSWY3DPEHPK3PXP", "staff_users.totp_secret:stf_1");
    assert.doesNotMatch(sealed, /JBSWY3DPEHPK3PXP/);
    assert.equal(open(KEY, sealed, "staff_users.totp_secret:stf_1"), "JBSWY3DPEHPK3PXP");
  });

  it("seals the same secret differently each time", () => {
    assert.notEqual(seal(KEY, "x", "c"), seal(KEY, "x", "c"));
  });

  it("refuses another key, another context, altered text and garbage", () => {
    const sealed = seal(KEY, "secret", "a");
    assert.throws(() => open("j".repeat(40), sealed, "a"));
    assert.throws(() => open(KEY, sealed, "b"));
    const parts = sealed.split(".");
    const body = Buffer.from(parts[2]!, "base64url");
    body[0] = body[0]! ^ 1;
    assert.throws(() => open(KEY, `${parts[0]}.${parts[1]}.${body.toString("base64url")}`, "a"));
    assert.throws(() => open(KEY, "plain text", "a"));
    assert.throws(() => open(KEY, "v1..", "a"));
  });
});
