import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { doc, el } from "../protocol/document.ts";
import { errorDocument } from "../protocol/errors.ts";
import {
  AnswerError,
  dateOf,
  errorOf,
  readLicenseList,
  readModuleList,
  readOrderAnswer,
  readPriceList,
  readProlongAnswer,
  readBalance,
  statusOf,
} from "./answers.ts";

const tariff = (id: string, currency: string, periods: [string, string, string][]) =>
  el("pricelist", [
    el("id", id),
    el("name", "Dr.Web"),
    el("intname", "DrWeb"),
    el("additionintname", "DrWeb"),
    el("price", periods.map(([cost, type, length]) => el("period", "", { cost, type, length })), { currency }),
  ]);

describe("upstream answers", () => {
  it("converts costs to money once, rounding fractions of a minor unit up", () => {
    const { tariffs } = readPriceList(doc([tariff("55377", "RUB", [["950.0000", "month", "1"], ["290.0001", "month", "12"], ["10.0000", "year", "1"]])]));
    assert.equal(tariffs.length, 1);
    assert.deepEqual(tariffs[0]!.periods, [
      { months: 1, costText: "950.0000", cost: { minor: 95000, currency: "RUB" } },
      { months: 12, costText: "290.0001", cost: { minor: 29001, currency: "RUB" } },
      { months: 12, costText: "10.0000", cost: { minor: 1000, currency: "RUB" } },
    ]);
  });

  it("leaves out periods that are not months or years, and tariffs in unknown currencies", () => {
    const { tariffs, skipped } = readPriceList(doc([
      tariff("1", "EUR", [["1.00", "day", "7"], ["5.00", "month", "1"]]),
      tariff("2", "XTS", [["5.00", "month", "1"]]),
    ]));
    assert.deepEqual(tariffs.map((t) => [t.id, t.periods.map((p) => p.months)]), [[1, [1]]]);
    assert.deepEqual(skipped, [{ id: 2, currency: "XTS" }]);
  });

  it("refuses a price list whose cost is not a decimal", () => {
    assert.throws(() => readPriceList(doc([tariff("1", "EUR", [["abc", "month", "1"]])])), AnswerError);
  });

  it("reads statuses by code or name and dates in BILLmanager's forms", () => {
    assert.deepEqual(statusOf("2"), { status: "active", statusCode: 2 });
    assert.deepEqual(statusOf("5"), { status: "processing", statusCode: 5 });
    assert.deepEqual(statusOf("9"), { status: "unknown", statusCode: 9 });
    assert.deepEqual(statusOf("Stopped"), { status: "stopped", statusCode: 3 });
    assert.deepEqual(statusOf(undefined), { status: "unknown", statusCode: 0 });
    assert.equal(dateOf("2027-01-31"), "2027-01-31");
    assert.equal(dateOf("2027-01-31 10:00:00"), "2027-01-31");
    assert.equal(dateOf("0000-00-00"), null);
    assert.equal(dateOf(""), null);
  });

  it("never drops a list row it cannot read: the whole list is unreadable instead", () => {
    const ok = el("elem", [el("id", "1"), el("item", "100001"), el("pricelist", "23221"), el("status", "2"), el("expiredate", "2027-01-01")]);
    assert.equal(readModuleList(doc([ok])).length, 1);
    assert.throws(() => readModuleList(doc([ok, el("elem", [el("id", "2"), el("pricelist", "23221")])])), AnswerError);
    assert.throws(() => readLicenseList(doc([el("elem", [el("licname", "x")])])), AnswerError);
  });

  it("needs a service id in an order answer and a date or <ok/> in a prolong answer", () => {
    assert.deepEqual(readOrderAnswer(doc([el("id", "6001")])), { serviceId: 6001 });
    assert.throws(() => readOrderAnswer(doc([el("ok")])), AnswerError);
    assert.throws(() => readOrderAnswer(doc([el("id", "x")])), AnswerError);
    assert.deepEqual(readProlongAnswer(doc([doc([el("newexpiredate", "2027-06-30")])])), { expiresOn: "2027-06-30" });
    assert.deepEqual(readProlongAnswer(doc([el("ok")])), { expiresOn: null });
    assert.throws(() => readProlongAnswer(doc([])), AnswerError);
  });

  it("finds BILLmanager's type, object and message in an error document", () => {
    assert.deepEqual(errorOf(errorDocument({ type: "missed", object: "func", value: "x", message: "Unknown function x" })), {
      type: "missed", object: "func", msg: "Unknown function x",
    });
    assert.equal(errorOf(doc([el("ok")])), undefined);
  });

  it("reads the partner's balance with its currency from a field, a code or a sign, never guessing", () => {
    const row = (balance: string, currency?: string) => doc([el("elem", [el("id", "1"), el("balance", balance), ...(currency ? [el("currency", currency)] : [])])]);
    assert.deepEqual(readBalance(row("100000.00", "EUR")), { balance: { minor: 10_000_000, currency: "EUR" } });
    assert.deepEqual(readBalance(row("1 234,50 RUB")), { balance: { minor: 123_450, currency: "RUB" } });
    assert.deepEqual(readBalance(row("-3.50 €")), { balance: { minor: -350, currency: "EUR" } });
    assert.throws(() => readBalance(row("12.00")), AnswerError);
    assert.throws(() => readBalance(row("lots", "EUR")), AnswerError);
    assert.throws(() => readBalance(doc([])), AnswerError);
  });
});
