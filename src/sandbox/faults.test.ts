import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFaults, seededRandom } from "./faults.ts";

describe("sandbox faults", () => {
  it("hits only the next N matching calls when given a count", () => {
    const f = createFaults({ seed: 1 });
    f.add({ kind: "http_5xx", func: "addition", count: 2 });
    assert.equal(f.roll("http_5xx", "soft"), null, "another function is out of scope");
    assert.ok(f.roll("http_5xx", "addition"));
    assert.ok(f.roll("http_5xx", "addition"));
    assert.equal(f.roll("http_5xx", "addition"), null);
    assert.deepEqual(f.list().rules.map((r) => [r.remaining, r.hits]), [[0, 2]]);
  });

  it("scopes after-order faults and insufficient funds to money-spending functions by default", () => {
    const f = createFaults({ seed: 1, rules: [{ kind: "reset_after_order" }, { kind: "insufficient_funds" }, { kind: "auth_failure" }] });
    assert.ok(f.roll("reset_after_order", "addition.order.param"));
    assert.ok(f.roll("reset_after_order", "service.prolong"));
    assert.equal(f.roll("reset_after_order", "addition.edit"), null);
    assert.equal(f.roll("insufficient_funds", "addition.delete"), null);
    assert.ok(f.roll("auth_failure", "soft"), "other kinds apply to every call");
  });

  it("injects the same faults for the same seed", () => {
    const run = (seed: number) => {
      const f = createFaults({ seed, rules: [{ kind: "error_rate", probability: 0.3 }] });
      return Array.from({ length: 200 }, () => f.roll("error_rate", "soft") !== null);
    };
    assert.deepEqual(run(42), run(42));
    assert.notDeepEqual(run(42), run(43));
    const hits = run(42).filter(Boolean).length;
    assert.ok(hits > 20 && hits < 120, `about 30% of 200 calls, got ${hits}`);
  });

  it("replays the rolls after a reseed", () => {
    const f = createFaults({ seed: 7, rules: [{ kind: "http_5xx", probability: 0.5 }] });
    const first = Array.from({ length: 50 }, () => f.roll("http_5xx", "soft") !== null);
    f.reseed(7);
    assert.deepEqual(Array.from({ length: 50 }, () => f.roll("http_5xx", "soft") !== null), first);
  });

  it("never hits with probability 0 and always with probability 1", () => {
    const f = createFaults({ seed: 3, rules: [{ kind: "error_rate", probability: 0 }] });
    for (let i = 0; i < 100; i++) assert.equal(f.roll("error_rate", "soft"), null);
    f.clear();
    f.add({ kind: "error_rate", probability: 1 });
    for (let i = 0; i < 100; i++) assert.ok(f.roll("error_rate", "soft"));
  });

  it("adds the delays of every latency rule, jitter included", () => {
    const f = createFaults({ seed: 5, rules: [{ kind: "latency", ms: 100 }, { kind: "latency", ms: 10, jitter: 5, func: "soft" }] });
    assert.equal(f.latencyMs("addition"), 100);
    for (let i = 0; i < 20; i++) {
      const d = f.latencyMs("soft");
      assert.ok(d >= 110 && d <= 115, `110..115 ms, got ${d}`);
    }
  });

  it("answers a configured 5xx status, or one of 500, 502 and 503", () => {
    const f = createFaults({ seed: 9 });
    const fixed = f.add({ kind: "http_5xx", status: 504 });
    assert.equal(f.statusOf(fixed), 504);
    const any = f.add({ kind: "http_5xx" });
    const seen = new Set(Array.from({ length: 60 }, () => f.statusOf(any)));
    assert.deepEqual([...seen].sort(), [500, 502, 503]);
  });

  it("removes one rule by id and refuses rules that make no sense", () => {
    const f = createFaults({ seed: 1 });
    const a = f.add({ kind: "auth_failure" });
    f.add({ kind: "error_rate", probability: 0.1 });
    assert.equal(f.remove(a.id), true);
    assert.equal(f.remove(a.id), false);
    assert.deepEqual(f.list().rules.map((r) => r.kind), ["error_rate"]);
    assert.throws(() => f.add({ kind: "latency" }), /latency needs ms/);
    assert.throws(() => f.add({ kind: "error_rate", probability: 1.5 }));
    assert.throws(() => f.add({ kind: "nonsense" } as never));
    assert.throws(() => f.add({ kind: "http_5xx", status: 404 }));
  });

  it("draws numbers in [0, 1)", () => {
    const r = seededRandom(123);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      assert.ok(x >= 0 && x < 1);
    }
  });
});
