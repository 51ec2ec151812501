import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDate, formatMoney, formatPercentBp } from "./format.ts";
import { parseMoneyInput } from "./money-input.ts";

// Intl puts no-break spaces where a human types spaces; compare with them made visible.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("formatting for people", () => {
  it("formats money the way each language writes it", () => {
    assert.equal(plain(formatMoney({ minor: 1_500_000, currency: "RUB" }, "ru")), "15 000,00 ₽");
    assert.equal(formatMoney({ minor: 123_450, currency: "EUR" }, "en"), "€1,234.50");
    assert.equal(plain(formatMoney({ minor: 123_450, currency: "EUR" }, "ru")), "1 234,50 €");
    assert.equal(formatMoney({ minor: 1190, currency: "EUR" }, "en"), "€11.90");
    assert.equal(formatMoney({ minor: -1190, currency: "EUR" }, "en"), "-€11.90");
    assert.equal(formatMoney({ minor: 1500, currency: "JPY" }, "en"), "¥1,500");
  });

  it("formats amounts beyond a float's precision exactly", () => {
    assert.equal(formatMoney({ minor: 9_007_199_254_740_991, currency: "EUR" }, "en"), "€90,071,992,547,409.91");
  });

  it("reads back what it wrote", () => {
    for (const m of [{ minor: 1_500_000, currency: "RUB" }, { minor: 123_450, currency: "EUR" }, { minor: 5, currency: "USD" }]) {
      for (const locale of ["en", "ru"] as const) {
        const number = formatMoney(m, locale).replace(/[^\d.,\u00a0\u202f ]/g, "").trim();
        assert.deepEqual(parseMoneyInput(number, m.currency, locale), m, `${locale} ${number}`);
      }
    }
  });

  it("formats dates and rates per language", () => {
    assert.equal(formatDate("2026-12-07", "ru"), "7 декабря 2026 г.");
    assert.equal(formatDate("2026-12-07T23:59:00.000Z", "en"), "December 7, 2026");
    assert.equal(formatDate("not a date", "ru"), "not a date");
    assert.equal(formatPercentBp(1900, "en"), "19%");
    assert.equal(plain(formatPercentBp(1250, "ru")), "12,5 %");
  });
});
