import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay } from "./backoff.ts";

describe("job backoff", () => {
  const b = { baseMs: 1000, maxMs: 10_000 };

  it("doubles the ceiling per failed attempt and never waits less than half of it", () => {
    assert.equal(backoffDelay(1, b, () => 0), 500);
    assert.equal(backoffDelay(1, b, () => 1), 1000);
    assert.equal(backoffDelay(2, b, () => 0), 1000);
    assert.equal(backoffDelay(2, b, () => 1), 2000);
    assert.equal(backoffDelay(3, b, () => 1), 4000);
  });

  it("caps the delay at maxMs however many attempts failed", () => {
    assert.equal(backoffDelay(10, b, () => 1), 10_000);
    assert.equal(backoffDelay(1000, b, () => 0), 5000);
  });

  it("spreads retries of jobs that failed together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, b)));
    assert.ok(delays.size > 10, `only ${delays.size} distinct delays`);
    for (const d of delays) assert.ok(d >= 2000 && d <= 4000, `delay ${d} outside [2000, 4000]`);
  });
});
