import assert from "node:assert/strict";
import { it } from "node:test";
import { clientKeyOf, windowOf } from "./ratelimit.logic.ts";

it("counts IPv4 addresses as they are and IPv6 addresses by their /64", () => {
  assert.equal(clientKeyOf("203.0.113.7"), "203.0.113.7");
  assert.equal(clientKeyOf("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(clientKeyOf("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  assert.equal(clientKeyOf("2001:db8:1:2::9"), "2001:db8:1:2::/64");
  assert.equal(clientKeyOf("2001:DB8:0001:0002:ffff::1"), "2001:db8:1:2::/64");
  assert.equal(clientKeyOf("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(clientKeyOf("::1"), "0:0:0:0::/64");
});

it("places a moment in its fixed window", () => {
  assert.deepEqual(windowOf(Date.UTC(2026, 11, 1, 10, 0, 5), 600), { start: Date.UTC(2026, 11, 1, 10, 0, 0) / 1000, secondsLeft: 595 });
  assert.deepEqual(windowOf(Date.UTC(2026, 11, 1, 10, 9, 59, 900), 600).secondsLeft, 1);
});
