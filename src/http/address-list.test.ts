import assert from "node:assert/strict";
import { it } from "node:test";
import { addressMatcher } from "./address-list.ts";

it("matches addresses and CIDR ranges of both families, IPv4-mapped IPv6 as IPv4", () => {
  const m = addressMatcher(["127.0.0.1", "::1", "10.1.0.0/16", "2001:db8::/32"]);
  for (const yes of ["127.0.0.1", "::ffff:127.0.0.1", "::1", "10.1.200.3", "2001:db8:5::1"]) assert.equal(m(yes), true, yes);
  for (const no of ["127.0.0.2", "10.2.0.1", "2001:db9::1", "::2", "", "not-an-address"]) assert.equal(m(no), false, no);
  assert.equal(addressMatcher(["*"])("203.0.113.9"), true);
});
