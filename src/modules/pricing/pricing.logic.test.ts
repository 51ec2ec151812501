import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDecimal, parseRatio, type Money } from "../../lib/money.ts";
import type { UpstreamTariff } from "../../upstream/types.ts";
import {
  applyRounding,
  changesPriceList,
  checkMargin,
  computeSellPrice,
  describeRule,
  findRate,
  parsePercent,
  parseRule,
  planSync,
  type PricingRule,
  type RateEntry,
  type SyncInput,
} from "./pricing.logic.ts";

const eur = (text: string): Money => parseDecimal(text, "EUR");
const rub = (text: string): Money => parseDecimal(text, "RUB");
const rate = (base: string, quote: string, text: string, source: "manual" | "ecb" = "manual"): RateEntry => ({
  base, quote, rate: parseRatio(text), source,
});
const rule = (r: Partial<PricingRule> & { currency: string }): PricingRule => ({
  markupBp: 0, markupFixed: { minor: 0, currency: r.currency }, rounding: "none", ...r,
});

describe("pricing: parsing rules", () => {
  it("reads percentages as basis points", () => {
    assert.equal(parsePercent("20"), 2000);
    assert.equal(parsePercent("12.5"), 1250);
    assert.equal(parsePercent("0.01"), 1);
    assert.equal(parsePercent("-5"), -500);
    for (const bad of ["20%", "1.234", "abc", "", "1e2"]) assert.throws(() => parsePercent(bad), { code: "invalid_input" }, bad);
  });

  it("builds a rule with zero markups and no rounding by default", () => {
    assert.deepEqual(parseRule({ currency: "eur" }), rule({ currency: "EUR" }));
    const r = parseRule({ markupPercent: "20", markupFixed: "1.00", rounding: "99", currency: "EUR" });
    assert.deepEqual(r, { markupBp: 2000, markupFixed: eur("1.00"), rounding: "99", currency: "EUR" });
    assert.equal(describeRule(r), "+20 % +1.00 EUR, rounding 99, sold in EUR");
    assert.equal(describeRule(parseRule({ markupPercent: "-2.5", currency: "RUB" })), "-2.5 % +0.00 RUB, rounding none, sold in RUB");
  });

  it("refuses rules that cannot make sense", () => {
    assert.throws(() => parseRule({ markupPercent: "-100", currency: "EUR" }), /above -100/);
    assert.throws(() => parseRule({ rounding: "99", currency: "JPY" }), /JPY has none/);
    assert.throws(() => parseRule({ rounding: "half", currency: "EUR" }), /whole, 99 or none/);
    assert.throws(() => parseRule({ markupFixed: "1.001", currency: "EUR" }), { code: "invalid_input" });
    assert.throws(() => parseRule({ currency: "XYZ" }), /Unknown currency/);
  });
});

describe("pricing: rounding", () => {
  it("whole rounds up to whole units and leaves whole amounts alone", () => {
    assert.deepEqual(applyRounding(eur("12.01"), "whole"), eur("13.00"));
    assert.deepEqual(applyRounding(eur("12.00"), "whole"), eur("12.00"));
    assert.deepEqual(applyRounding(eur("0.01"), "whole"), eur("1.00"));
  });

  it("99 rounds up to the next amount ending in .99", () => {
    assert.deepEqual(applyRounding(eur("12.00"), "99"), eur("12.99"));
    assert.deepEqual(applyRounding(eur("12.50"), "99"), eur("12.99"));
    assert.deepEqual(applyRounding(eur("11.99"), "99"), eur("11.99"));
    assert.deepEqual(applyRounding(eur("13.00"), "99"), eur("13.99"));
    assert.deepEqual(applyRounding(eur("0.01"), "99"), eur("0.99"));
  });

  it("none keeps the amount", () => {
    assert.deepEqual(applyRounding(eur("12.34"), "none"), eur("12.34"));
  });
});

describe("pricing: exchange rates", () => {
  const rates = [rate("EUR", "RUB", "98.50"), rate("EUR", "USD", "1.0856", "ecb"), rate("EUR", "JPY", "162.35", "ecb")];

  it("finds a pair in either direction and crosses other pairs through EUR", () => {
    assert.deepEqual(findRate(rates, "EUR", "RUB"), parseRatio("98.50"));
    assert.deepEqual(findRate(rates, "RUB", "EUR"), { numerator: 100n, denominator: 9850n });
    const usdRub = findRate(rates, "USD", "RUB");
    assert.ok(usdRub);
    // 98.50 / 1.0856 = 90.7332…
    assert.equal((usdRub.numerator * 10_000n) / usdRub.denominator, 907_332n);
    assert.equal(findRate(rates, "GBP", "RUB"), null);
    assert.deepEqual(findRate(rates, "RUB", "RUB"), { numerator: 1n, denominator: 1n });
  });

  it("prefers a manual rate to the feed's for the same pair, in either direction", () => {
    const both = [rate("EUR", "USD", "1.0856", "ecb"), rate("USD", "EUR", "0.90")];
    assert.deepEqual(findRate(both, "EUR", "USD"), { numerator: 100n, denominator: 90n });
  });
});

describe("pricing: sell price from cost", () => {
  it("adds a percentage, a fixed amount, or both", () => {
    assert.deepEqual(computeSellPrice(rub("950.00"), rule({ currency: "RUB", markupBp: 2000 }), []), { ok: true, price: rub("1140.00"), cost: rub("950.00") });
    assert.deepEqual(computeSellPrice(rub("950.00"), rule({ currency: "RUB", markupFixed: rub("50.00") }), []), { ok: true, price: rub("1000.00"), cost: rub("950.00") });
    const both = computeSellPrice(eur("9.99"), rule({ currency: "EUR", markupBp: 2000, markupFixed: eur("1.00") }), []);
    assert.deepEqual(both, { ok: true, price: eur("12.99"), cost: eur("9.99") }); // 11.988 → 11.99, + 1.00
  });

  it("rounds every step up so the price is never below what the rule says", () => {
    // 0.01 × 1.15 = 0.0115 → 0.02
    const r = computeSellPrice(eur("0.01"), rule({ currency: "EUR", markupBp: 1500 }), []);
    assert.deepEqual(r, { ok: true, price: eur("0.02"), cost: eur("0.01") });
  });

  it("converts the cost into the sell currency first, rounding the cost up", () => {
    const rates = [rate("EUR", "RUB", "98.50")];
    // 950 RUB / 98.50 = 9.6447… → 9.65 EUR; × 1.20 = 11.58; rounding 99 → 11.99
    const r = computeSellPrice(rub("950.00"), rule({ currency: "EUR", markupBp: 2000, rounding: "99" }), rates);
    assert.deepEqual(r, { ok: true, price: eur("11.99"), cost: eur("9.65") });
    assert.deepEqual(computeSellPrice(rub("950.00"), rule({ currency: "USD" }), rates), { ok: false, missingRate: { from: "RUB", to: "USD" } });
  });

  it("guards the margin: a price below cost, or one that cannot be checked, is not safe", () => {
    const rates = [rate("EUR", "RUB", "98.50")];
    assert.equal(checkMargin(eur("9.65"), rub("950.00"), rates).status, "safe");
    assert.equal(checkMargin(eur("9.64"), rub("950.00"), rates).status, "below_cost");
    assert.equal(checkMargin(eur("20.00"), rub("950.00"), []).status, "no_rate");
    assert.equal(checkMargin(rub("0.00"), rub("0.00"), []).status, "below_cost");
  });
});

describe("pricing: sync plan", () => {
  const tariff = (id: number, costs: Partial<Record<1 | 12, string>>, currency = "EUR"): UpstreamTariff => ({
    id, name: `T${id}`, intname: `T${id}`, additionIntname: `T${id}`, currency,
    periods: Object.entries(costs).map(([months, text]) => ({ months: Number(months), costText: text!, cost: parseDecimal(text!, currency, "up") })),
  });
  const base = (over: Partial<SyncInput> = {}): SyncInput => ({
    modules: [
      { id: "eu-1", tariffId: 1, name: "One", mode: "rules", upstreamAvailable: true },
      { id: "eu-2", tariffId: 2, name: "Two", mode: "manual", upstreamAvailable: true },
    ],
    costs: [],
    prices: [],
    globalRule: rule({ currency: "EUR", markupBp: 2000 }),
    moduleRules: new Map(),
    rates: [],
    tariffs: [tariff(1, { 1: "10.0000", 12: "100.0000" }), tariff(2, { 1: "5.0000" })],
    ...over,
  });

  it("prices rule modules from their cost and leaves hand-set prices alone", () => {
    const plan = planSync(base({ prices: [{ moduleId: "eu-2", period: 1, price: eur("7.00") }] }));
    const byKey = new Map(plan.rows.map((r) => [`${r.moduleId}/${r.period}`, r]));
    assert.deepEqual(byKey.get("eu-1/1")?.newPrice, eur("12.00"));
    assert.equal(byKey.get("eu-1/1")?.action, "updated");
    assert.deepEqual(byKey.get("eu-1/12")?.newPrice, eur("120.00"));
    assert.deepEqual(byKey.get("eu-2/1")?.newPrice, eur("7.00"));
    assert.equal(byKey.get("eu-2/1")?.action, "unchanged");
    assert.equal(byKey.has("eu-2/12"), false);
    assert.equal(plan.alerts.length, 0);
    assert.equal(changesPriceList(plan), true);
  });

  it("lets a module rule replace the global rule", () => {
    const plan = planSync(base({ moduleRules: new Map([["eu-1", rule({ currency: "EUR", markupFixed: eur("0.50"), rounding: "whole" })]]) }));
    assert.deepEqual(plan.rows.find((r) => r.moduleId === "eu-1" && r.period === 1)?.newPrice, eur("11.00"));
  });

  it("keeps the last safe price when a rule would sell below cost, and withholds when there is none", () => {
    const discount = rule({ currency: "EUR", markupBp: -1000 });
    const plan = planSync(base({
      globalRule: discount,
      prices: [{ moduleId: "eu-1", period: 1, price: eur("11.00") }, { moduleId: "eu-1", period: 12, price: eur("90.00") }],
    }));
    const monthly = plan.rows.find((r) => r.moduleId === "eu-1" && r.period === 1)!;
    const yearly = plan.rows.find((r) => r.moduleId === "eu-1" && r.period === 12)!;
    assert.equal(monthly.action, "kept-last-safe");
    assert.deepEqual(monthly.newPrice, eur("11.00"));
    assert.equal(yearly.action, "withheld");
    assert.equal(yearly.newPrice, null);
    assert.equal(plan.alerts.length, 1);
    assert.equal(plan.alerts[0]!.kind, "negative_margin");
    assert.match(plan.alerts[0]!.message, /One \(1\) — monthly: rule gives 9\.00 EUR, below cost 10\.00 EUR; kept 11\.00 EUR \| yearly: .*withheld/);
  });

  it("withholds a hand-set price that upstream's cost has overtaken", () => {
    const plan = planSync(base({ prices: [{ moduleId: "eu-2", period: 1, price: eur("4.99") }] }));
    const row = plan.rows.find((r) => r.moduleId === "eu-2")!;
    assert.equal(row.action, "withheld");
    assert.deepEqual(plan.alerts.map((a) => [a.kind, a.moduleId]), [["negative_margin", "eu-2"]]);
  });

  it("withholds what it cannot check for want of an exchange rate", () => {
    const plan = planSync(base({
      tariffs: [tariff(1, { 1: "950.0000" }, "RUB"), tariff(2, { 1: "500.0000" }, "RUB")],
      prices: [{ moduleId: "eu-2", period: 1, price: eur("7.00") }],
    }));
    assert.deepEqual(plan.rows.map((r) => [r.moduleId, r.action, r.newPrice]), [["eu-1", "withheld", null], ["eu-2", "withheld", null]]);
    assert.deepEqual(plan.alerts.map((a) => a.kind), ["missing_rate", "missing_rate"]);
  });

  it("marks modules upstream stopped listing, keeps their last cost, and drops costs of periods upstream dropped", () => {
    const plan = planSync(base({
      costs: [{ moduleId: "eu-2", period: 1, cost: eur("5.00"), costText: "5.0000" }, { moduleId: "eu-1", period: 12, cost: eur("100.00"), costText: "100.0000" }],
      prices: [{ moduleId: "eu-2", period: 1, price: eur("7.00") }, { moduleId: "eu-1", period: 12, price: eur("120.00") }],
      tariffs: [tariff(1, { 1: "10.0000" }), tariff(3, { 1: "1.0000" })],
    }));
    assert.deepEqual(plan.availability, [{ moduleId: "eu-2", tariffId: 2, name: "Two", available: false }]);
    assert.deepEqual(plan.unknownTariffs, [3]);
    const two = plan.rows.find((r) => r.moduleId === "eu-2")!;
    assert.equal(two.costWrite, "keep");
    assert.deepEqual(two.newCost, eur("5.00"));
    const yearly = plan.rows.find((r) => r.moduleId === "eu-1" && r.period === 12)!;
    assert.equal(yearly.costWrite, "delete");
    assert.equal(yearly.action, "withheld");
  });

  it("changes nothing when costs, rules and prices already agree", () => {
    const plan = planSync(base({
      costs: [
        { moduleId: "eu-1", period: 1, cost: eur("10.00"), costText: "10.0000" },
        { moduleId: "eu-1", period: 12, cost: eur("100.00"), costText: "100.0000" },
        { moduleId: "eu-2", period: 1, cost: eur("5.00"), costText: "5.0000" },
      ],
      prices: [{ moduleId: "eu-1", period: 1, price: eur("12.00") }, { moduleId: "eu-1", period: 12, price: eur("120.00") }],
    }));
    assert.ok(plan.rows.every((r) => r.action === "unchanged"));
    assert.equal(changesPriceList(plan), false);
  });
});
