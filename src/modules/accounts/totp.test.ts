import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { base32Decode, base32Encode, hotp, newTotpSecret, otpauthUri, totpCode, totpStep, verifyTotp } from "./totp.ts";

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const RFC_SECRET = base32Encode(Buffer.from("12345678901234567890", "ascii"));

describe("TOTP (RFC 6238)", () => {
  it("matches the RFC 6238 test vectors (last six of the eight digits)", () => {
    const vectors: Array<[number, string]> = [
      [59, "94287082"],
      [1111111109, "07081804"],
      [1111111111, "14050471"],
      [1234567890, "89005924"],
      [2000000000, "69279037"],
      [20000000000, "65353130"],
    ];
    for (const [t, eight] of vectors) {
      assert.equal(hotp(base32Decode(RFC_SECRET), Math.floor(t / 30), 8), eight, `T=${t}`);
      assert.equal(totpCode(RFC_SECRET, new Date(t * 1000)), eight.slice(2), `T=${t}`);
    }
  });

  it("matches the RFC 4226 HOTP test vectors", () => {
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    expected.forEach((code, counter) => assert.equal(hotp(Buffer.from("12345678901234567890"), counter), code));
  });

  it("round-trips base32 and makes 160-bit secrets", () => {
    for (const s of ["", "f", "fo", "foo", "foob", "fooba", "foobar"]) assert.equal(base32Decode(base32Encode(Buffer.from(s))).toString(), s);
    assert.equal(base32Encode(Buffer.from("foobar")), "MZXW6YTBOI");
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(secret).length, 20);
    assert.notEqual(newTotpSecret(), secret);
  });

  it("accepts the current code and one step either side, nothing further", () => {
    const now = new Date("2026-12-01T10:00:15Z");
    const step = totpStep(now);
    const at = (s: number) => new Date(s * 30_000 + 1000);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now), now, null), step);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(step - 1)), now, null), step - 1);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(step + 1)), now, null), step + 1);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(step - 2)), now, null), null);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, at(step + 2)), now, null), null);
  });

  it("refuses a code whose step was already used, and any earlier one", () => {
    const now = new Date("2026-12-01T10:00:15Z");
    const step = totpStep(now);
    const code = totpCode(RFC_SECRET, now);
    assert.equal(verifyTotp(RFC_SECRET, code, now, step), null);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, new Date(now.getTime() - 30_000)), now, step - 1), null);
    assert.equal(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, new Date(now.getTime() + 30_000)), now, step), step + 1);
  });

  it("refuses malformed codes", () => {
    const now = new Date();
    for (const bad of ["", "12345", "1234567", "abcdef", "12 34 5a"]) assert.equal(verifyTotp(RFC_SECRET, bad, now, null), null);
    const code = totpCode(RFC_SECRET, now);
    assert.equal(verifyTotp(RFC_SECRET, `${code.slice(0, 3)} ${code.slice(3)}`, now, null), totpStep(now), "a space in the middle is fine");
  });

  it("writes an otpauth URI with issuer and account", () => {
    const uri = otpauthUri("JBSWY3DPEHPK3PXP", "ann@example.com", "partnerbill");
    assert.equal(uri, "otpauth://totp/partnerbill:ann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=partnerbill&algorithm=SHA1&digits=6&period=30");
  });
});
