import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { checkEndpointUrl, moduleEventFor, newSigningSecret, orderEventFor, parseEvents, signatureHeader, verifySignature } from "./webhooks.logic.ts";

describe("webhook signatures", () => {
  const secret = "whsec_" + "ab".repeat(32);
  const body = '{"id":"evt_1","type":"order.paid"}';

  it("are HMAC-SHA256 over `${t}.${body}` as t=<unix>,v1=<hex>", () => {
    const expected = createHmac("sha256", secret).update(`1780000000.${body}`).digest("hex");
    assert.equal(signatureHeader(secret, 1780000000, body), `t=1780000000,v1=${expected}`);
  });

  it("verify only with the same secret, the same body and a recent timestamp", () => {
    const h = signatureHeader(secret, 1780000000, body);
    assert.ok(verifySignature(secret, h, body, 1780000100));
    assert.ok(!verifySignature(secret, h, body, 1780000301), "older than five minutes");
    assert.ok(!verifySignature(secret.replace(/b$/, "c"), h, body, 1780000000));
    assert.ok(!verifySignature(secret, h, body.replace("paid", "PAID"), 1780000000));
    for (const bad of ["", "t=1780000000", "v1=00", `t=x,v1=${"0".repeat(64)}`, h.replace("t=1780000000", "t=1780000001")]) {
      assert.ok(!verifySignature(secret, bad, body, 1780000000), bad);
    }
  });

  it("use a fresh 32-byte secret each time", () => {
    const a = newSigningSecret();
    assert.match(a, /^whsec_[0-9a-f]{64}$/);
    assert.notEqual(a, newSigningSecret());
  });
});

describe("webhook events and endpoints", () => {
  it("map order states and module events to the five event types", () => {
    assert.deepEqual(["paid", "active", "rejected", "refunded", "placing", "cancelled"].map(orderEventFor), ["order.paid", "order.active", "order.failed", null, null, null]);
    assert.deepEqual(["renewed", "expired", "moved"].map(moduleEventFor), ["module.renewed", "module.expired", null]);
  });

  it("accept known events, each once, in the documented order", () => {
    assert.deepEqual(parseEvents(["module.expired,order.paid", "order.paid"]), ["order.paid", "module.expired"]);
    assert.throws(() => parseEvents(["__proto__"]), { code: "invalid_input" });
  });

  it("accept only absolute http(s) URLs without credentials", () => {
    assert.equal(checkEndpointUrl(" https://hooks.example.com/pb?x=1#frag "), "https://hooks.example.com/pb?x=1");
    assert.equal(checkEndpointUrl("http://10.0.0.5:8080/hook"), "http://10.0.0.5:8080/hook");
    for (const bad of ["", "hooks.example.com", "ftp://example.com/", "javascript:alert(1)", "data:text/plain,x", "https://u:p@example.com/", "http://", "https://" + "a".repeat(2000) + ".com"]) {
      assert.throws(() => checkEndpointUrl(bad), { code: "invalid_input" }, bad);
    }
  });
});
