import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fundsRefusalPatch, fundsRetryDelayMs, isLow } from "./funds.logic.ts";

describe("upstream funds rules", () => {
  it("retries the first refusal at the next check, then waits longer, capped at 30 minutes", () => {
    assert.equal(fundsRetryDelayMs(1), 0);
    assert.equal(fundsRetryDelayMs(2), 60_000);
    assert.ok(fundsRetryDelayMs(4) > fundsRetryDelayMs(3));
    assert.equal(fundsRetryDelayMs(50), 1_800_000);
  });

  it("gives back the attempt a refusal recorded, so refusals never lead to needs_attention", () => {
    const now = new Date("2026-12-01T10:00:00Z");
    let o = { upstream_attempts: 0, funds_refusals: 0 };
    for (let i = 0; i < 20; i++) o = { ...o, ...fundsRefusalPatch({ ...o, upstream_attempts: o.upstream_attempts + 1 }, "no funds", now) };
    assert.equal(o.upstream_attempts, 0);
    assert.equal(o.funds_refusals, 20);
  });

  it("calls a balance low only below a positive threshold in the same currency", () => {
    assert.equal(isLow(900, "EUR", { minor: 1000, currency: "EUR" }), true);
    assert.equal(isLow(1000, "EUR", { minor: 1000, currency: "EUR" }), false);
    assert.equal(isLow(900, "RUB", { minor: 1000, currency: "EUR" }), false);
    assert.equal(isLow(-5, "EUR", null), false);
  });
});
