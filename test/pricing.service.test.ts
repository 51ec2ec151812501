// Price sync against a fake upstream, on both dialects: markups, rounding, currency conversion
// (manual rates and the ECB feed served locally), the margin guard, upstream failures, dry runs,
// and the promise that a sync that changes nothing leaves every price-list cache alone.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { parseDecimal, type Money } from "../src/lib/money.ts";
import { parsePriceListQuery, type PriceListQuery } from "../src/modules/catalog/pricelist.logic.ts";
import { createPricingService } from "../src/modules/pricing/pricing.service.ts";
import { createPriceListUpstream, type FakeTariff } from "./fakes/price-list-upstream.ts";
import { createTestContainer } from "./helpers/app.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";

const FEED = readFileSync(new URL("./fixtures/eurofxref-daily.xml", import.meta.url));

const EU_TARIFFS: FakeTariff[] = [
  { id: 23221, name: "DDoS-GUARD", currency: "EUR", costs: { 1: "10.0000", 12: "100.0000" } },
  { id: 55361, currency: "EUR", costs: { 1: "4.0000", 12: "40.0000" } },
  { id: 55362, currency: "EUR", costs: { 1: "7.5000" } },
  { id: 55363, currency: "EUR", costs: { 1: "12.3400" } },
  { id: 55371, currency: "EUR", costs: { 1: "8.0000", 12: "80.0000" } },
];

const RU_TARIFFS: FakeTariff[] = [
  { id: 23221, currency: "RUB", costs: { 1: "950.0000", 12: "9500.0000" } },
  { id: 55377, currency: "RUB", costs: { 1: "390.0000" } },
  { id: 55378, currency: "RUB", costs: { 1: "690.0000" } },
  { id: 55379, currency: "RUB", costs: { 1: "1190.0000" } },
  { id: 55390, currency: "RUB", costs: { 1: "790.0000" } },
];

const eur = (t: string) => parseDecimal(t, "EUR");

function setup(t: TestDatabase, opts: { region?: "eu" | "ru"; tariffs?: FakeTariff[]; ecbUrl?: string } = {}) {
  const region = opts.region ?? "eu";
  const { container: c, clock } = createTestContainer(t, { UPSTREAM_REGION: region });
  const upstream = createPriceListUpstream(opts.tariffs ?? (region === "eu" ? EU_TARIFFS : RU_TARIFFS));
  const pricing = createPricingService({
    db: c.db,
    pricing: c.repos.pricing,
    catalog: c.repos.catalog,
    counters: c.repos.counters,
    alerts: c.alerts,
    upstream: upstream.client,
    clock,
    ids: c.ids,
    region,
    ecbUrl: opts.ecbUrl ?? "http://127.0.0.1:9/unused",
    onChange: () => c.priceList.invalidate(),
  });
  return { c, clock, upstream, pricing };
}

async function priceOf(c: Container, tariff: number, period: 1 | 12, region = "eu"): Promise<Money | null> {
  const row = (await c.repos.catalog.pricesOf(c.db, `${region}-${tariff}`)).find((p) => p.period_months === period);
  return row ? { minor: Number(row.amount_minor), currency: row.currency } : null;
}

const catalogVersion = (c: Container) => c.repos.counters.read(c.db, "catalog");

async function priceListXml(c: Container, onlyAvailable = true): Promise<string> {
  const q = parsePriceListQuery({ itemtype: "addition", out: "xml", ...(onlyAvailable ? { onlyavailable: "on" } : {}) }) as PriceListQuery;
  return (await c.priceList.get(q)).body.toString("utf8");
}

async function serveFeed(status = 200, body: Buffer = FEED) {
  const server = createServer((_req, res) => {
    res.writeHead(status, { "content-type": "text/xml; charset=UTF-8" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/stats/eurofxref/eurofxref-daily.xml`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeEachDialect("price sync", (ctx) => {
  it("stores upstream costs and prices rule modules with a percent markup, recording history", async () => {
    const { c, pricing } = setup(ctx());
    await pricing.setRule({ markupPercent: "20", currency: "EUR" });
    await pricing.setMode(["23221"], "rules");
    const before = await catalogVersion(c);

    const report = await pricing.sync();

    assert.deepEqual(await priceOf(c, 23221, 1), eur("12.00"));
    assert.deepEqual(await priceOf(c, 23221, 12), eur("120.00"));
    assert.equal(await priceOf(c, 55361, 1), null, "manual modules are not priced by the rules");
    const costs = await c.repos.pricing.listCosts(c.db, "eu");
    assert.equal(costs.length, 8);
    const ddos = costs.find((r) => r.module_id === "eu-23221" && r.period_months === 1)!;
    assert.deepEqual([Number(ddos.cost_minor), ddos.currency, ddos.cost_text, ddos.synced_at], [1000, "EUR", "10.0000", "2026-12-01T10:00:00.000Z"]);
    const history = await c.catalog.history("23221");
    assert.deepEqual(history.map((h) => [h.source, h.period_months, h.old_amount_minor, Number(h.new_amount_minor)]).sort(), [["sync", 1, null, 1200], ["sync", 12, null, 12000]]);
    assert.equal(report.priceListChanged, true);
    assert.equal(await catalogVersion(c), before + 1);
    assert.match(await priceListXml(c), /<id>23221<\/id>[\s\S]*cost="12\.0000"/);
  });

  it("adds a fixed markup, or a percentage and a fixed amount together", async () => {
    const { c, pricing } = setup(ctx());
    await pricing.setRule({ module: "55361", markupFixed: "1.50", currency: "EUR" });
    await pricing.setRule({ module: "55362", markupPercent: "10", markupFixed: "0.25", currency: "EUR" });
    await pricing.sync();
    assert.deepEqual(await priceOf(c, 55361, 1), eur("5.50"));
    assert.deepEqual(await priceOf(c, 55361, 12), eur("41.50"));
    assert.deepEqual(await priceOf(c, 55362, 1), eur("8.50")); // 7.50 × 1.10 = 8.25, + 0.25
  });

  it("lets a module rule override the global rule", async () => {
    const { c, pricing } = setup(ctx());
    await pricing.setRule({ markupPercent: "20", currency: "EUR" });
    await pricing.setMode("all", "rules");
    await pricing.setRule({ module: "23221", markupPercent: "50", currency: "EUR" });
    await pricing.sync();
    assert.deepEqual(await priceOf(c, 23221, 1), eur("15.00"));
    assert.deepEqual(await priceOf(c, 55361, 1), eur("4.80"));
    const listing = await pricing.listRules();
    assert.deepEqual(listing.modules.slice(0, 2).map((m) => [m.tariffId, m.pricedBy]), [[23221, "module rule"], [55361, "global rule"]]);
  });

  it("rounds to whole units, up to x.99, or not at all", async () => {
    const { c, pricing } = setup(ctx());
    // Cost 12.34 EUR + 10 % = 13.574 → 13.58 before rounding.
    await pricing.setRule({ module: "55363", markupPercent: "10", rounding: "whole", currency: "EUR" });
    await pricing.sync();
    assert.deepEqual(await priceOf(c, 55363, 1), eur("14.00"));
    await pricing.setRule({ module: "55363", markupPercent: "10", rounding: "99", currency: "EUR" });
    await pricing.sync();
    assert.deepEqual(await priceOf(c, 55363, 1), eur("13.99"));
    await pricing.setRule({ module: "55363", markupPercent: "10", rounding: "none", currency: "EUR" });
    await pricing.sync();
    assert.deepEqual(await priceOf(c, 55363, 1), eur("13.58"));
    assert.equal((await c.catalog.history("55363")).length, 3);
  });

  it("converts upstream's currency into the sell currency with a manual rate", async () => {
    const { c, pricing } = setup(ctx(), { region: "ru" });
    await pricing.setRate("EUR", "RUB", "98.50");
    await pricing.setRule({ module: "23221", markupPercent: "20", rounding: "99", currency: "EUR" });
    const report = await pricing.sync();
    // 950 RUB / 98.50 = 9.6447… → 9.65 EUR; × 1.20 = 11.58 → 11.99
    assert.deepEqual(await priceOf(c, 23221, 1, "ru"), eur("11.99"));
    // 9500 RUB / 98.50 = 96.446… → 96.45 EUR; × 1.20 = 115.74 → 115.99
    assert.deepEqual(await priceOf(c, 23221, 12, "ru"), eur("115.99"));
    const row = report.rows.find((r) => r.tariffId === 23221 && r.period === 1)!;
    assert.deepEqual(row.newCost, { minor: 95000, currency: "RUB" });
    // The inverse pair is the same rate: setting RUB/EUR replaces EUR/RUB instead of contradicting it.
    await pricing.setRate("RUB", "EUR", "0.01");
    assert.deepEqual((await pricing.listRates()).map((r) => `${r.base}/${r.quote}=${r.rate}`), ["RUB/EUR=0.01"]);
  });

  it("converts with ECB rates fetched from the feed, crossing through EUR, and keeps manual rates", async () => {
    const feed = await serveFeed();
    try {
      const { c, pricing } = setup(ctx(), { region: "ru", ecbUrl: feed.url });
      await pricing.setRate("EUR", "RUB", "98.50");
      await pricing.setRate("GBP", "EUR", "1.25");
      const fetched = await pricing.fetchEcbRates();
      assert.equal(fetched.asOf, "2025-11-28");
      assert.deepEqual(fetched.keptManual, ["EUR/GBP"]);
      assert.deepEqual(fetched.skipped, ["IDR", "MYR", "NZD", "PHP", "THB"]);
      assert.equal(fetched.stored.length, 24);
      const usd = (await pricing.listRates()).find((r) => r.quote === "USD")!;
      assert.deepEqual([usd.base, usd.rate, usd.source, usd.as_of], ["EUR", "1.1590", "ecb", "2025-11-28"]);

      await pricing.setRule({ module: "23221", currency: "USD" });
      await pricing.setRule({ module: "55377", currency: "GBP" });
      await pricing.sync();
      // RUB → EUR (manual 98.50) → USD (ECB 1.1590): 950 × 1.1590 / 98.50 = 11.178… → 11.18
      assert.deepEqual(await priceOf(c, 23221, 1, "ru"), parseDecimal("11.18", "USD"));
      // RUB → EUR → GBP with the manual GBP/EUR 1.25: 390 / 98.50 / 1.25 = 3.1675… → 3.17
      assert.deepEqual(await priceOf(c, 55377, 1, "ru"), parseDecimal("3.17", "GBP"));
    } finally {
      await feed.close();
    }
  });

  it("records an alert and changes no rate when the ECB feed cannot be fetched", async () => {
    const feed = await serveFeed(503, Buffer.from("Service Unavailable"));
    try {
      const { c, pricing } = setup(ctx(), { ecbUrl: feed.url });
      await assert.rejects(pricing.fetchEcbRates(), { code: "upstream_unavailable", message: /HTTP 503/ });
      assert.deepEqual(await pricing.listRates(), []);
      assert.deepEqual((await c.alerts.list()).map((a) => a.kind), ["rates_fetch_failed"]);
    } finally {
      await feed.close();
    }
  });

  it("keeps the last safe price when a rule change would sell below cost, then withholds it once cost overtakes it", async () => {
    const { c, pricing, upstream } = setup(ctx());
    await pricing.setRule({ module: "23221", markupPercent: "20", currency: "EUR" });
    await pricing.sync();
    await pricing.setRule({ module: "23221", markupPercent: "-10", currency: "EUR" });

    const report = await pricing.sync();

    const monthly = report.rows.find((r) => r.tariffId === 23221 && r.period === 1)!;
    assert.equal(monthly.action, "kept-last-safe");
    assert.deepEqual(await priceOf(c, 23221, 1), eur("12.00"));
    assert.equal(report.priceListChanged, false);
    const alerts = await c.alerts.list();
    assert.deepEqual(alerts.map((a) => [a.kind, a.subject]), [["negative_margin", "eu-23221"]]);
    assert.match(alerts[0]!.message, /monthly: rule gives 9\.00 EUR, below cost 10\.00 EUR; kept 12\.00 EUR/);

    upstream.setTariffs([{ ...EU_TARIFFS[0]!, costs: { 1: "12.5000", 12: "100.0000" } }, ...EU_TARIFFS.slice(1)]);
    const again = await pricing.sync();

    assert.equal(again.rows.find((r) => r.tariffId === 23221 && r.period === 1)!.action, "withheld");
    assert.equal(await priceOf(c, 23221, 1), null);
    assert.doesNotMatch(await priceListXml(c), /<id>23221<\/id>/);
    const last = (await c.catalog.history("23221"))[0]!;
    assert.deepEqual([last.source, last.period_months, Number(last.old_amount_minor), last.new_amount_minor], ["sync", 1, 1200, null]);
    assert.equal((await c.alerts.list()).length, 1, "one open alert per module, refreshed rather than repeated");
  });

  it("withholds a module that has no safe price at all", async () => {
    const { c, pricing } = setup(ctx());
    await pricing.setRule({ module: "55361", markupFixed: "-1.00", currency: "EUR" });
    const report = await pricing.sync();
    assert.deepEqual(report.rows.filter((r) => r.tariffId === 55361).map((r) => [r.period, r.action, r.newPrice]), [[1, "withheld", null], [12, "withheld", null]]);
    assert.equal(await priceOf(c, 55361, 1), null);
    assert.equal((await c.catalog.history("55361")).length, 0);
    assert.deepEqual((await c.alerts.list()).map((a) => [a.kind, a.subject]), [["negative_margin", "eu-55361"]]);
  });

  it("withholds a hand-set price that a rate change puts below cost, and resolves the alert once staff fix it", async () => {
    const { c, pricing } = setup(ctx(), { region: "ru" });
    await c.catalog.setPrice("23221", { period: 1, amount: "10.00", currency: "EUR" }, { source: "cli" });
    await pricing.setRate("EUR", "RUB", "98.50");
    const first = await pricing.sync();
    assert.equal(first.rows.find((r) => r.tariffId === 23221 && r.period === 1)!.action, "unchanged"); // cost 9.65 EUR
    assert.deepEqual(await c.alerts.list(), []);

    await pricing.setRate("EUR", "RUB", "90.00"); // cost becomes 950 / 90 = 10.56 EUR
    const second = await pricing.sync();

    const row = second.rows.find((r) => r.tariffId === 23221 && r.period === 1)!;
    assert.equal(row.action, "withheld");
    assert.match(row.note, /10\.00 EUR is below cost 10\.56 EUR/);
    assert.equal(await priceOf(c, 23221, 1, "ru"), null);
    assert.deepEqual((await c.alerts.list()).map((a) => a.kind), ["negative_margin"]);

    await c.catalog.setPrice("23221", { period: 1, amount: "11.00", currency: "EUR" }, { source: "cli" });
    await pricing.sync();
    assert.deepEqual(await priceOf(c, 23221, 1, "ru"), eur("11.00"));
    assert.deepEqual(await c.alerts.list(), []);
    assert.equal((await c.alerts.list({ all: true }))[0]!.kind, "negative_margin");
  });

  it("changes nothing when upstream fails, records an alert and reports the error", async () => {
    const { c, pricing, upstream } = setup(ctx());
    await pricing.setRule({ markupPercent: "20", currency: "EUR" });
    await pricing.setMode("all", "rules");
    await pricing.sync();
    const version = await catalogVersion(c);
    const costs = await c.repos.pricing.listCosts(c.db, "eu");
    const prices = await c.repos.catalog.listPrices(c.db, "eu");

    upstream.failWith("timeout", "no answer within 15000 ms");
    await pricing.setRule({ markupPercent: "30", currency: "EUR" });
    await assert.rejects(pricing.sync(), (e: Error & { code?: string }) => {
      assert.equal(e.code, "upstream_unavailable");
      assert.match(e.message, /^Price sync failed, nothing was changed: pricelist\.export: no answer within 15000 ms/);
      return true;
    });

    assert.equal(await catalogVersion(c), version);
    assert.deepEqual(await c.repos.pricing.listCosts(c.db, "eu"), costs);
    assert.deepEqual(await c.repos.catalog.listPrices(c.db, "eu"), prices);
    const alerts = await c.alerts.list();
    assert.deepEqual(alerts.map((a) => [a.kind, a.subject]), [["price_sync_failed", null]]);

    upstream.failWith("auth", "authentication failed");
    await assert.rejects(pricing.sync(), { code: "upstream_rejected" });
    assert.equal((await c.alerts.list()).length, 1);

    upstream.failWith(null);
    await pricing.sync();
    assert.deepEqual(await c.alerts.list(), [], "a successful sync resolves the failure alert");
  });

  it("treats an empty upstream price list as a failure rather than withdrawing every module", async () => {
    const { c, pricing, upstream } = setup(ctx());
    upstream.setTariffs([]);
    await assert.rejects(pricing.sync(), { code: "upstream_unavailable", message: /listed no modules/ });
    const modules = await c.catalog.listModules();
    assert.ok(modules.every((e) => e.module.upstream_available === 1));
  });

  it("marks a module upstream stopped listing as unavailable, and available again when it returns", async () => {
    const { c, pricing, upstream } = setup(ctx());
    await c.catalog.setPrice("55371", { period: 1, amount: "9.90", currency: "EUR" }, { source: "cli" });
    await pricing.sync();
    assert.match(await priceListXml(c), /<id>55371<\/id>/);

    upstream.setTariffs(EU_TARIFFS.filter((t) => t.id !== 55371));
    const gone = await pricing.sync();
    assert.deepEqual(gone.availability, [{ moduleId: "eu-55371", tariffId: 55371, name: "BitNinja", available: false }]);
    assert.equal(gone.priceListChanged, true);
    assert.doesNotMatch(await priceListXml(c), /<id>55371<\/id>/);
    assert.match(await priceListXml(c, false), /<id>55371<\/id>/, "still listed without onlyavailable");
    const kept = (await c.repos.pricing.listCosts(c.db, "eu")).filter((r) => r.module_id === "eu-55371");
    assert.equal(kept.length, 2, "the last known costs are kept for the margin guard");

    upstream.setTariffs(EU_TARIFFS);
    const back = await pricing.sync();
    assert.deepEqual(back.availability.map((a) => a.available), [true]);
    assert.match(await priceListXml(c), /<id>55371<\/id>/);
  });

  it("leaves the catalog version and every price-list cache alone when nothing changed", async () => {
    const { c, pricing, upstream } = setup(ctx());
    await pricing.setRule({ markupPercent: "20", rounding: "99", currency: "EUR" });
    await pricing.setMode(["23221", "55361"], "rules");
    await c.catalog.setPrice("55362", { period: 1, amount: "9.90", currency: "EUR" }, { source: "cli" });
    await pricing.sync();
    await priceListXml(c);
    assert.equal(await c.priceList.refresh(), false, "cache warm");
    const version = await catalogVersion(c);
    const history = (await c.catalog.history("23221")).length;

    const report = await pricing.sync();

    assert.equal(report.priceListChanged, false);
    assert.ok(report.rows.every((r) => r.action === "unchanged"));
    assert.equal(await catalogVersion(c), version);
    assert.equal(await c.priceList.refresh(), false, "no node has to rebuild its price list");
    assert.equal((await c.catalog.history("23221")).length, history);
    assert.equal(upstream.calls(), 2);
  });

  it("changes nothing at all on a dry run, and reports what a real sync would do", async () => {
    const { c, pricing, upstream } = setup(ctx());
    await pricing.setRule({ markupPercent: "20", currency: "EUR" });
    await pricing.setMode("all", "rules");
    const version = await catalogVersion(c);

    const report = await pricing.sync({ dryRun: true });

    assert.equal(report.dryRun, true);
    assert.equal(report.priceListChanged, true);
    assert.deepEqual(report.rows.find((r) => r.tariffId === 23221 && r.period === 1)?.newPrice, eur("12.00"));
    assert.equal(await catalogVersion(c), version);
    assert.deepEqual(await c.repos.pricing.listCosts(c.db, "eu"), []);
    assert.deepEqual(await c.repos.catalog.listPrices(c.db, "eu"), []);
    assert.deepEqual(await c.catalog.history("23221"), []);

    upstream.failWith("connection", "connection refused");
    await assert.rejects(pricing.sync({ dryRun: true }), { code: "upstream_unavailable" });
    assert.deepEqual(await c.alerts.list({ all: true }), [], "not even an alert");

    upstream.failWith(null);
    const real = await pricing.sync();
    assert.deepEqual(real.rows, report.rows);
  });

  it("refreshes ECB rates in the daily sync once the feed is in use", async () => {
    const feed = await serveFeed();
    try {
      const { c, clock, pricing } = setup(ctx(), { ecbUrl: feed.url });
      const plain = await pricing.syncPrices();
      assert.equal(plain.rates, null, "no ECB rate stored: the feed is not fetched");

      await pricing.fetchEcbRates();
      await c.db.updateTable("currency_rates").set({ rate: "1.0000" }).where("quote", "=", "USD").execute();
      clock.advance(24 * 3600 * 1000);
      await pricing.setRule({ module: "23221", currency: "USD" });
      const daily = await pricing.syncPrices();
      assert.equal(daily.rates?.asOf, "2025-11-28");
      assert.deepEqual(await priceOf(c, 23221, 1), parseDecimal("11.59", "USD"));
    } finally {
      await feed.close();
    }
  });

  it("refuses rules, rates and module references that make no sense", async () => {
    const { c, pricing } = setup(ctx());
    await assert.rejects(pricing.setRule({ markupPercent: "abc", currency: "EUR" }), { code: "invalid_input" });
    await assert.rejects(pricing.setRule({ rounding: "99", currency: "JPY" }), { code: "invalid_input" });
    await assert.rejects(pricing.setRule({ module: "99999", currency: "EUR" }), { code: "not_found" });
    await assert.rejects(pricing.setRate("EUR", "EUR", "1"), { code: "invalid_input" });
    await assert.rejects(pricing.setRate("EUR", "RUB", "-98.5"), { code: "invalid_input" });
    await assert.rejects(pricing.setRate("EUR", "RUB", "98,5"), { code: "invalid_input" });
    await assert.rejects(pricing.removeRule(), { code: "not_found" });
    assert.deepEqual(await c.repos.pricing.listRules(c.db), []);
    assert.deepEqual(await pricing.listRates(), []);
  });
});
