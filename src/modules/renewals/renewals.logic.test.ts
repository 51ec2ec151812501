import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addDays, autoprolongFor, daysUntil, expiryMoved, hasExpired, isRenewalDue, parseMoveRequest, reminderStage, sameIp } from "./renewals.logic.ts";

describe("renewal dates", () => {
  it("counts calendar days across month and year ends", () => {
    assert.equal(addDays("2026-12-25", 7), "2027-01-01");
    assert.equal(addDays("2028-02-28", 1), "2028-02-29");
    assert.equal(addDays("2027-01-01", -1), "2026-12-31");
    assert.equal(daysUntil("2027-01-01", "2026-12-25"), 7);
    assert.equal(daysUntil("2027-01-01", "2027-01-02"), -1);
  });

  it("is due from the notice day, runs through its expiry date and expires the day after", () => {
    assert.equal(isRenewalDue("2027-01-01", "2026-12-24", 7), false);
    assert.equal(isRenewalDue("2027-01-01", "2026-12-25", 7), true);
    assert.equal(isRenewalDue("2027-01-01", "2027-01-01", 0), true);
    assert.equal(isRenewalDue(null, "2026-12-25", 7), false);
    assert.equal(hasExpired("2027-01-01", "2027-01-01"), false);
    assert.equal(hasExpired("2027-01-01", "2027-01-02"), true);
    assert.equal(hasExpired(null, "2099-01-01"), false);
  });

  it("sends the final reminder on the last day and the one before", () => {
    assert.equal(reminderStage("2027-01-01", "2026-12-25"), "due");
    assert.equal(reminderStage("2027-01-01", "2026-12-30"), "due");
    assert.equal(reminderStage("2027-01-01", "2026-12-31"), "final");
    assert.equal(reminderStage("2027-01-01", "2027-01-01"), "final");
  });
});

describe("exactly-once evidence for service.prolong", () => {
  it("counts only an expiry later than the one recorded before the call", () => {
    assert.equal(expiryMoved("2027-01-01", "2027-02-01"), true);
    assert.equal(expiryMoved("2027-01-01", "2027-01-01"), false);
    assert.equal(expiryMoved("2027-01-01", "2026-12-31"), false);
    assert.equal(expiryMoved("2027-01-01", null), false);
    assert.equal(expiryMoved(null, "2027-01-01"), true);
  });
});

describe("renewal modes", () => {
  it("orders with autoprolong equal to the period only in upstream mode", () => {
    assert.equal(autoprolongFor("upstream", 12), 12);
    assert.equal(autoprolongFor("charge", 1), null);
  });
});

describe("move request", () => {
  it("accepts a license number and an optional IP, and names every problem", () => {
    assert.deepEqual(parseMoveRequest({ license: " 100002 " }), { license: 100002, ip: null });
    assert.deepEqual(parseMoveRequest({ license: 100002, ip: "2001:db8::1" }), { license: 100002, ip: "2001:db8::1" });
    assert.throws(() => parseMoveRequest({ license: "x", ip: "1.2.3" }), /license must be a positive whole number; ip is not a valid/);
    assert.throws(() => parseMoveRequest({ license: undefined }), /license is missing/);
    assert.throws(() => parseMoveRequest({ license: -3 }), /positive whole number/);
    assert.throws(() => parseMoveRequest({ license: "99999999999999999999" }), /positive whole number/);
  });

  it("compares addresses, not spellings", () => {
    assert.equal(sameIp("2001:DB8:0:0::1", "2001:db8::1"), true);
    assert.equal(sameIp("192.0.2.1", " 192.0.2.1"), true);
    assert.equal(sameIp("192.0.2.1", "192.0.2.10"), false);
  });
});
