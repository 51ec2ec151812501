import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { periodKey, periodOf } from "./scheduler.ts";

describe("scheduler periods", () => {
  const at = new Date("2026-12-01T10:42:17.123Z");

  it("aligns hourly and daily periods to UTC boundaries", () => {
    assert.deepEqual(periodOf(at, "hourly"), { start: new Date("2026-12-01T10:00:00Z"), end: new Date("2026-12-01T11:00:00Z") });
    assert.deepEqual(periodOf(at, "daily"), { start: new Date("2026-12-01T00:00:00Z"), end: new Date("2026-12-02T00:00:00Z") });
  });

  it("shifts boundaries by the offset, so a daily task at 03:00 belongs to the day before until then", () => {
    const h3 = 3 * 3_600_000;
    assert.equal(periodOf(new Date("2026-12-01T02:59:59Z"), "daily", h3).start.toISOString(), "2026-11-30T03:00:00.000Z");
    assert.equal(periodOf(new Date("2026-12-01T03:00:00Z"), "daily", h3).start.toISOString(), "2026-12-01T03:00:00.000Z");
  });

  it("supports any period of at least a second, aligned to its multiples", () => {
    assert.equal(periodOf(at, 15 * 60_000).start.toISOString(), "2026-12-01T10:30:00.000Z");
    assert.throws(() => periodOf(at, 10), /at most every second/);
  });

  it("keys a period by kind and start, the same on every node", () => {
    assert.equal(periodKey("prices.sync", periodOf(at, "hourly")), "prices.sync:2026-12-01T10:00:00.000Z");
  });
});
