import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addMonths, assertTransition, parseBuyRedirect, TRANSITIONS, ORDER_STATES } from "./orders.logic.ts";

describe("order state machine", () => {
  it("allows the transitions of the design and refuses the rest with a stable code", () => {
    assertTransition("pending_payment", "paid");
    assertTransition("placing", "active");
    assertTransition("rejected", "refunded");
    assertTransition("paid", "rejected");
    assert.throws(() => assertTransition("paid", "active"), { code: "illegal_transition" });
    assert.throws(() => assertTransition("active", "paid"), { code: "illegal_transition" });
    assert.throws(() => assertTransition("refunded", "active"), { code: "illegal_transition" });
    assert.throws(() => assertTransition("pending_payment", "active"), { code: "illegal_transition" });
    assert.throws(() => assertTransition("nonsense", "active"), { code: "illegal_transition" });
  });

  it("has no transition into an unknown state", () => {
    for (const targets of Object.values(TRANSITIONS)) for (const t of targets) assert.ok(ORDER_STATES.includes(t));
  });
});

describe("Buy redirect", () => {
  it("accepts the panel's parameters", () => {
    assert.deepEqual(parseBuyRedirect({ module: "DDoSGUARD", license: "123456", ip: "192.0.2.10", module_id: "23221" }), {
      moduleId: 23221, license: 123456, ip: "192.0.2.10", moduleName: "DDoSGUARD",
    });
    assert.equal(parseBuyRedirect({ license: "1", module_id: "23221", ip: "2001:db8::1" }).ip, "2001:db8::1");
    assert.equal(parseBuyRedirect({ license: "1", module_id: "23221" }).ip, null);
  });

  it("names every problem of a bad redirect", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /module_id is missing; license is missing/],
      [{ module_id: "abc", license: "1" }, /module_id must be a positive whole number/],
      [{ module_id: "23221", license: "-5" }, /license must be a positive whole number/],
      [{ module_id: "23221", license: "0" }, /license must be a positive whole number/],
      [{ module_id: "23221", license: "99999999999999999999" }, /license must be a positive whole number/],
      [{ module_id: "23221", license: "1", ip: "300.1.1.1" }, /ip is not a valid/],
      [{ module_id: "23221", license: "1", ip: "<script>" }, /ip is not a valid/],
    ];
    for (const [params, re] of cases) assert.throws(() => parseBuyRedirect(params), re, JSON.stringify(params));
  });
});

describe("addMonths", () => {
  it("adds months and clamps to the end of shorter months", () => {
    assert.equal(addMonths("2026-01-15", 1), "2026-02-15");
    assert.equal(addMonths("2026-01-31", 1), "2026-02-28");
    assert.equal(addMonths("2026-12-01", 12), "2027-12-01");
    assert.equal(addMonths("2028-02-29", 12), "2029-02-28");
  });
});
