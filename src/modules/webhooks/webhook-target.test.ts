// Which addresses a webhook may target: public unicast only (pure checks of webhook-target.ts).
import assert from "node:assert/strict";
import { it } from "node:test";
import { createWebhookTargetPolicy, isPublicAddress, literalAddress } from "./webhook-target.ts";

it("refuses loopback, private, link-local, CGNAT, unique-local, mapped, unspecified and reserved addresses", () => {
  for (const a of ["127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "255.255.255.255", "224.0.0.1", "192.0.2.1", "198.18.0.1", "240.0.0.1",
    "::1", "::", "fd00::1", "fc00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:7f00:1::1", "ff02::1", "not-an-ip"]) {
    assert.equal(isPublicAddress(a), false, a);
  }
  for (const a of ["93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) {
    assert.equal(isPublicAddress(a), true, a);
  }
});

it("sees IP literals in every spelling the URL parser accepts", async () => {
  const policy = createWebhookTargetPolicy({ allowPrivate: false, resolve: async () => ["93.184.216.34"] });
  for (const url of ["http://2130706433/", "http://0x7f000001/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://127.1/", "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://0/", "http://[0:0:0:0:0:ffff:a00:1]/"]) {
    assert.ok(literalAddress(new URL(url).hostname), url);
    await assert.rejects(policy.check(url), { code: "invalid_input" }, url);
    assert.throws(() => policy.checkLiteral(url), /not a public address/, url);
  }
  await policy.check("https://hooks.example.com/in");
  const rebinding = createWebhookTargetPolicy({ allowPrivate: false, resolve: async () => ["93.184.216.34", "10.0.0.7"] });
  await assert.rejects(rebinding.check("https://hooks.example.com/in"), { code: "invalid_input" }, "every address must be public");
  const onPrem = createWebhookTargetPolicy({ allowPrivate: true });
  await onPrem.check("http://127.0.0.1:9000/");
  onPrem.checkLiteral("http://10.0.0.1/");
  assert.equal(onPrem.lookup, undefined);
});
