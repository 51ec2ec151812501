import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addMonths, expiryAfter, isoDate } from "./dates.ts";

describe("sandbox dates", () => {
  it("adds calendar months and rolls over the year", () => {
    assert.equal(addMonths("2026-12-01", 1), "2027-01-01");
    assert.equal(addMonths("2026-03-15", 12), "2027-03-15");
    assert.equal(addMonths("2026-11-30", 14), "2028-01-30");
  });

  it("ends on the last day of a shorter month", () => {
    assert.equal(addMonths("2026-01-31", 1), "2026-02-28");
    assert.equal(addMonths("2027-01-31", 13), "2028-02-29");
    assert.equal(addMonths("2028-02-29", 12), "2029-02-28");
  });

  it("writes UTC dates and refuses what is not a date", () => {
    assert.equal(isoDate(new Date("2026-12-31T23:59:59Z")), "2026-12-31");
    assert.throws(() => addMonths("31.12.2026", 1), /YYYY-MM-DD/);
  });

  it("follows the expiry rule set through the control endpoint", () => {
    assert.equal(expiryAfter({ rule: "calendar" }, "2027-01-31", 1), "2027-02-28");
    assert.equal(expiryAfter({ rule: "days", days: 30 }, "2027-01-31", 1), "2027-03-02");
    assert.equal(expiryAfter({ rule: "days", days: 30 }, "2028-01-31", 1), "2028-03-01");
    assert.equal(expiryAfter({ rule: "fixed", date: "2028-02-29" }, "2027-01-31", 12), "2028-02-29");
  });
});
