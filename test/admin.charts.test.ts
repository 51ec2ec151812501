// The dashboard's chart axes (src/http/admin/charts.ts): round steps, whole numbers for counts (an
// axis never reads "0, 1, 1"), zero always a tick, and labels in the page's language.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { axisTicks, niceStep, shortDay, stackedColumns } from "../src/http/admin/charts.ts";

describe("dashboard chart axes", () => {
  it("count axes step by whole numbers, each tick distinct", () => {
    assert.deepEqual(axisTicks(0, 1, true), [0, 1]);
    assert.deepEqual(axisTicks(0, 2, true), [0, 1, 2]);
    assert.deepEqual(axisTicks(0, 3, true), [0, 1, 2, 3]);
    assert.deepEqual(axisTicks(0, 7, true), [0, 2, 4, 6, 8]);
    assert.deepEqual(axisTicks(0, 0, true), [0, 1]);
    for (let max = 0; max <= 500; max++) {
      const ticks = axisTicks(0, max, true);
      assert.ok(ticks.every((v) => Number.isInteger(v)), `${max}: ${ticks.join(", ")}`);
      assert.equal(new Set(ticks).size, ticks.length, `${max}: ${ticks.join(", ")}`);
      assert.ok(ticks.at(-1)! >= max && ticks.length <= 6, `${max}: ${ticks.join(", ")}`);
    }
  });

  it("money axes take round steps and keep zero between losses and gains", () => {
    assert.deepEqual(axisTicks(0, 1190, false), [0, 500, 1000, 1500]);
    assert.deepEqual(axisTicks(-300, 900, false), [-500, 0, 500, 1000]);
    assert.equal(niceStep(0.3, false), 0.5);
    assert.equal(niceStep(0.3, true), 1);
  });

  it("writes days and counts in the page's language", () => {
    assert.equal(shortDay("2026-12-07", "en"), "Dec 7");
    assert.match(shortDay("2026-12-07", "ru"), /^7 дек/);
    const svg = stackedColumns({ title: "T", days: ["2026-12-06", "2026-12-07"], locale: "ru", count: (n) => `${n} заказ`, empty: "нет", series: [{ name: "Оплачен", values: [0, 1200], color: "#000" }] }).toString();
    assert.match(svg, />1\s000</, "axis thousands grouped the Russian way");
    assert.match(svg, /Оплачен 1\s200</);
    assert.doesNotMatch(svg, /1,000|1,200/);
  });
});
