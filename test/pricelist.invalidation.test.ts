// Several nodes (or the server and the CLI) share one database; each caches the price list in
// memory. A change made on one node must reach the others through the catalog change counter,
// which `refresh()` — what every node's poll timer calls — compares with its cache. A change that
// changes nothing must not bump the counter, or every node would rebuild for nothing.
import assert from "node:assert/strict";
import { it } from "node:test";
import { createDatabase } from "../src/db/database.ts";
import type { PriceListQuery } from "../src/modules/catalog/pricelist.logic.ts";
import { createTestContainer } from "./helpers/app.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";

const Q: PriceListQuery = { itemtype: "addition", onlyAvailable: true, pricelist: null, out: "xml" };

describeEachDialect("price list cache across nodes", (ctx) => {
  /** Node A on the test database's connection, node B on its own connection to the same database. */
  function twoNodes() {
    const t = ctx();
    const own = createDatabase(t.url, { poolSize: 2 });
    const b: TestDatabase = { ...t, database: own, dispose: () => own.close() };
    return { a: createTestContainer(t).container, b: createTestContainer(b).container, closeB: () => own.close() };
  }
  const body = async (c: ReturnType<typeof createTestContainer>["container"]) => (await c.priceList.get(Q)).body.toString("utf8");
  const rebuilds = async (c: ReturnType<typeof createTestContainer>["container"]) =>
    (await c.metrics.pricelistCache.get()).values.find((v) => v.labels["result"] === "rebuild")?.value ?? 0;

  it("shows a price set on node A on node B after B's next poll", async () => {
    const { a, b, closeB } = twoNodes();
    try {
      await a.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "admin" });
      assert.match(await body(b), /cost="11\.9000"/);

      await a.catalog.setPrice("23221", { period: 1, amount: "12.50", currency: "EUR" }, { source: "admin" });
      // Node A dropped its own cache at once; node B serves its cache until it polls.
      assert.match(await body(a), /cost="12\.5000"/);
      assert.match(await body(b), /cost="11\.9000"/);
      assert.equal(await b.priceList.refresh(), true);
      assert.match(await body(b), /cost="12\.5000"/);
      assert.equal(await b.priceList.refresh(), false, "a second poll finds nothing new");
    } finally {
      await closeB();
    }
  });

  it("carries enabling, disabling and clearing to the other node too", async () => {
    const { a, b, closeB } = twoNodes();
    try {
      await a.catalog.setPrice("55361", { period: 1, amount: "4.90", currency: "EUR" }, { source: "admin" });
      assert.match(await body(b), /<id>55361<\/id>/);
      await a.catalog.setEnabled("55361", false);
      assert.equal(await b.priceList.refresh(), true);
      assert.doesNotMatch(await body(b), /<id>55361<\/id>/);
      await a.catalog.setEnabled("55361", true);
      await b.priceList.refresh();
      assert.match(await body(b), /<id>55361<\/id>/);
      await a.catalog.clearPrice("55361", 1, { source: "admin" });
      assert.equal(await b.priceList.refresh(), true);
      assert.doesNotMatch(await body(b), /<id>55361<\/id>/);
    } finally {
      await closeB();
    }
  });

  it("does not bump the version nor drop any cache when a sync sets the same price again", async () => {
    const { a, b, closeB } = twoNodes();
    try {
      await a.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "sync" });
      await a.catalog.setEnabled("23221", true);
      await body(a);
      await body(b);
      const version = await a.repos.counters.read(a.db, "catalog");
      const [rebuildsA, rebuildsB] = [await rebuilds(a), await rebuilds(b)];

      await a.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "sync" });
      await a.catalog.setPrice("23221", { period: "1", amount: "11.9", currency: "eur" }, { source: "sync" });
      await a.catalog.setEnabled("23221", true);
      await a.catalog.clearPrice("23221", 12, { source: "sync" });

      assert.equal(await a.repos.counters.read(a.db, "catalog"), version);
      assert.equal(await b.priceList.refresh(), false);
      await body(a);
      await body(b);
      assert.equal(await rebuilds(a), rebuildsA, "node A kept its cache");
      assert.equal(await rebuilds(b), rebuildsB, "node B kept its cache");
      assert.equal((await a.catalog.history("23221")).length, 1, "no history row for a change that changed nothing");
    } finally {
      await closeB();
    }
  });
});
