import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { add, convert, format, multiplyRatio, parseDecimal, parseRatio, percentOf, roundToWhole, toDecimal } from "./money.ts";

describe("money", () => {
  it("parses decimal strings into minor units without floating point", () => {
    assert.deepEqual(parseDecimal("950", "RUB"), { minor: 95000, currency: "RUB" });
    assert.deepEqual(parseDecimal("950.5", "RUB"), { minor: 95050, currency: "RUB" });
    assert.deepEqual(parseDecimal("0.10", "EUR"), { minor: 10, currency: "EUR" });
    assert.deepEqual(parseDecimal("950.0000", "RUB"), { minor: 95000, currency: "RUB" });
    assert.deepEqual(parseDecimal("1500", "JPY"), { minor: 1500, currency: "JPY" });
  });

  it("refuses extra precision unless a rounding mode is given", () => {
    assert.throws(() => parseDecimal("950.005", "RUB"), /more than 2 decimal places/);
    assert.equal(parseDecimal("950.005", "RUB", "half_up").minor, 95001);
    assert.equal(parseDecimal("950.005", "RUB", "down").minor, 95000);
    assert.equal(parseDecimal("950.0051", "RUB", "half_even").minor, 95001);
    assert.equal(parseDecimal("950.0050", "RUB", "half_even").minor, 95000);
    assert.equal(parseDecimal("950.0150", "RUB", "half_even").minor, 95002);
    assert.equal(parseDecimal("950.0001", "RUB", "up").minor, 95001);
  });

  it("refuses what is not a decimal amount or not a known currency", () => {
    for (const bad of ["", "abc", "1,5", "1e3", "0x10", " . ", "1.2.3", "Infinity", "NaN"]) {
      assert.throws(() => parseDecimal(bad, "RUB"), /not a decimal amount/, bad);
    }
    assert.throws(() => parseDecimal("1", "XXX"), /Unknown currency/);
    assert.throws(() => parseDecimal("99999999999999999999", "RUB"), /too large/);
  });

  it("formats with a fixed number of decimals (4 for the price list)", () => {
    assert.equal(toDecimal({ minor: 95000, currency: "RUB" }, 4), "950.0000");
    assert.equal(toDecimal({ minor: 5, currency: "EUR" }, 4), "0.0500");
    assert.equal(toDecimal({ minor: 1500, currency: "JPY" }, 4), "1500.0000");
    assert.equal(toDecimal({ minor: -1234, currency: "USD" }), "-12.34");
    assert.equal(format({ minor: 95000, currency: "RUB" }), "950.00 RUB");
  });

  it("multiplies by a ratio with the rounding mode it is told", () => {
    const m = { minor: 1001, currency: "EUR" };
    assert.equal(multiplyRatio(m, 1n, 2n, "half_up").minor, 501);
    assert.equal(multiplyRatio(m, 1n, 2n, "down").minor, 500);
    assert.equal(multiplyRatio(m, 1n, 2n, "half_even").minor, 500);
    assert.equal(multiplyRatio({ minor: 1003, currency: "EUR" }, 1n, 2n, "half_even").minor, 502);
    assert.equal(multiplyRatio(m, 120n, 100n, "half_up").minor, 1201);
  });

  it("refuses to add different currencies", () => {
    assert.throws(() => add({ minor: 1, currency: "EUR" }, { minor: 1, currency: "RUB" }), /Currency mismatch/);
  });
});

describe("money: ratios, percentages, conversion", () => {
  it("parses rates into exact ratios and refuses anything that is not a positive decimal", () => {
    assert.deepEqual(parseRatio("98.50"), { numerator: 9850n, denominator: 100n });
    assert.deepEqual(parseRatio("1"), { numerator: 1n, denominator: 1n });
    assert.deepEqual(parseRatio("0.010245"), { numerator: 10245n, denominator: 1000000n });
    for (const bad of ["", "0", "0.000", "-1", "1e3", "1,5", ".5", "abc", "1.1234567890123"]) {
      assert.throws(() => parseRatio(bad), { code: "invalid_input" }, bad);
    }
  });

  it("takes a percentage given in basis points, rounding as told", () => {
    const m = { minor: 999, currency: "EUR" };
    assert.equal(percentOf(m, 12_000, "up").minor, 1199); // 11.988 → 11.99
    assert.equal(percentOf(m, 12_000, "down").minor, 1198);
    assert.equal(percentOf(m, 10_000, "up").minor, 999);
    assert.equal(percentOf(m, 2_000, "half_up").minor, 200); // 1.998
    assert.equal(percentOf(m, 9_000, "up").minor, 900); // 8.991 → 9.00
  });

  it("converts between currencies exactly, across different exponents", () => {
    const eurPerRub = { numerator: 100n, denominator: 9850n }; // 1 / 98.50
    assert.deepEqual(convert({ minor: 95000, currency: "RUB" }, "EUR", eurPerRub, "up"), { minor: 965, currency: "EUR" }); // 9.6447…
    assert.deepEqual(convert({ minor: 95000, currency: "RUB" }, "EUR", eurPerRub, "down"), { minor: 964, currency: "EUR" });
    assert.deepEqual(convert({ minor: 1000, currency: "EUR" }, "RUB", parseRatio("98.50"), "up"), { minor: 98500, currency: "RUB" });
    assert.deepEqual(convert({ minor: 1000, currency: "EUR" }, "JPY", parseRatio("162.35"), "up"), { minor: 1624, currency: "JPY" }); // 1623.5
    assert.deepEqual(convert({ minor: 1624, currency: "JPY" }, "EUR", { numerator: 100n, denominator: 16235n }, "half_up"), { minor: 1000, currency: "EUR" });
  });

  it("rounds to whole units of the currency", () => {
    assert.equal(roundToWhole({ minor: 1201, currency: "EUR" }, "up").minor, 1300);
    assert.equal(roundToWhole({ minor: 1200, currency: "EUR" }, "up").minor, 1200);
    assert.equal(roundToWhole({ minor: 1299, currency: "EUR" }, "down").minor, 1200);
    assert.equal(roundToWhole({ minor: 1250, currency: "EUR" }, "half_even").minor, 1200);
    assert.equal(roundToWhole({ minor: 1501, currency: "JPY" }, "up").minor, 1501);
  });
});
