import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizeAmount, parseMoneyInput } from "./money-input.ts";

const NBSP = "\u00a0";
const NNBSP = "\u202f";

describe("money input", () => {
  it("reads a decimal comma and a decimal point alike", () => {
    assert.deepEqual(parseMoneyInput("13,50", "EUR"), { minor: 1350, currency: "EUR" });
    assert.deepEqual(parseMoneyInput("13.50", "EUR"), { minor: 1350, currency: "EUR" });
    assert.deepEqual(parseMoneyInput(" 13,5 ", "RUB"), { minor: 1350, currency: "RUB" });
    assert.deepEqual(parseMoneyInput("950", "RUB"), { minor: 95000, currency: "RUB" });
    assert.deepEqual(parseMoneyInput("0,99", "USD"), { minor: 99, currency: "USD" });
  });

  it("reads thousands separators of both languages", () => {
    for (const text of ["1 234,50", `1${NBSP}234,50`, `1${NNBSP}234,50`, "1,234.50", "1.234,50", "1234,50", "1234.50"]) {
      assert.deepEqual(parseMoneyInput(text, "RUB"), { minor: 123450, currency: "RUB" }, text);
    }
    assert.deepEqual(parseMoneyInput("1,234,567", "RUB"), { minor: 123456700, currency: "RUB" });
    assert.deepEqual(parseMoneyInput("1.234.567,89", "EUR"), { minor: 123456789, currency: "EUR" });
    assert.deepEqual(parseMoneyInput(`15${NBSP}000`, "RUB"), { minor: 1500000, currency: "RUB" });
    // A space-grouped number leaves no doubt about what follows the comma.
    assert.deepEqual(parseMoneyInput("1 234,5", "RUB"), { minor: 123450, currency: "RUB" });
  });

  it("reads what Intl printed back in again", () => {
    const ru = new Intl.NumberFormat("ru", { minimumFractionDigits: 2 }).format(15000);
    const en = new Intl.NumberFormat("en", { minimumFractionDigits: 2 }).format(1234.5);
    assert.deepEqual(parseMoneyInput(ru, "RUB"), { minor: 1500000, currency: "RUB" });
    assert.deepEqual(parseMoneyInput(en, "EUR"), { minor: 123450, currency: "EUR" });
  });

  it("refuses a lone separator followed by exactly three digits as ambiguous", () => {
    for (const text of ["1,234", "1.500", "12,000"]) {
      assert.throws(() => parseMoneyInput(text, "EUR"), (e: { code: string; message: string; details: { messageKey: string } }) => {
        assert.equal(e.code, "invalid_input");
        assert.equal(e.details.messageKey, "money_input.ambiguous");
        assert.match(e.message, /could mean two amounts/);
        return true;
      }, text);
    }
    assert.throws(() => parseMoneyInput("1,234", "EUR", "ru"), /можно понять двояко/);
  });

  it("refuses garbage, signs, misplaced groups and extra decimals with a clear message", () => {
    const cases: Array<[string, string]> = [
      ["", "money_input.empty"],
      ["   ", "money_input.empty"],
      ["abc", "money_input.not_a_number"],
      ["13,50 €", "money_input.not_a_number"],
      ["€13.50", "money_input.not_a_number"],
      ["1e3", "money_input.not_a_number"],
      ["0x10", "money_input.not_a_number"],
      ["13,", "money_input.not_a_number"],
      [",50", "money_input.not_a_number"],
      ["1.2.3,4.5", "money_input.not_a_number"],
      ["1,2,3", "money_input.bad_grouping"],
      ["12 34,50", "money_input.bad_grouping"],
      ["1 2345", "money_input.bad_grouping"],
      ["12,34.5", "money_input.bad_grouping"],
      ["1.234.56", "money_input.bad_grouping"],
      ["-5", "money_input.negative"],
      ["\u22125", "money_input.negative"],
      ["13,505", "money_input.ambiguous"],
      ["13,5051", "money_input.too_many_decimals"],
      ["13.001", "money_input.ambiguous"],
      ["1 234,567", "money_input.too_many_decimals"],
      ["99999999999999999999", "money_input.too_large"],
    ];
    for (const [text, key] of cases) {
      assert.throws(() => parseMoneyInput(text, "EUR"), (e: { code: string; details: { messageKey: string } }) => e.code === "invalid_input" && e.details.messageKey === key, `${JSON.stringify(text)} → ${key}`);
    }
  });

  it("says in Russian how many decimals the currency has", () => {
    assert.throws(() => parseMoneyInput("13,5051", "RUB", "ru"), { message: "В «13,5051» слишком много знаков после запятой: для RUB допускается 2 знака." });
    assert.throws(() => parseMoneyInput("13,5", "JPY", "ru"), { message: "В «13,5» слишком много знаков после запятой: для JPY дробная часть не допускается." });
    assert.throws(() => parseMoneyInput("13,5", "JPY"), { message: "“13,5” has more than no decimals for JPY." });
  });

  it("accepts trailing zeros beyond the currency's decimals", () => {
    assert.deepEqual(parseMoneyInput("950,0000", "RUB"), { minor: 95000, currency: "RUB" });
    assert.equal(normalizeAmount("1 234,50"), "1234.50");
  });
});
