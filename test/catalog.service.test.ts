import assert from "node:assert/strict";
import { it } from "node:test";
import { describeEachDialect } from "./helpers/db.ts";
import { createTestContainer } from "./helpers/app.ts";

describeEachDialect("catalog service", (ctx) => {
  it("is seeded with the known modules of the configured client area", async () => {
    const { container: c } = createTestContainer(ctx());
    const ids = (await c.catalog.listModules()).map((e) => e.module.tariff_id);
    assert.deepEqual(ids, [23221, 55361, 55362, 55363, 55371]);
    const { container: ru } = createTestContainer(ctx(), { UPSTREAM_REGION: "ru" });
    assert.deepEqual((await ru.catalog.listModules()).map((e) => e.module.tariff_id), [23221, 55377, 55378, 55379, 55390]);
  });

  it("sets a price, records its history and bumps the catalog version", async () => {
    const { container: c } = createTestContainer(ctx());
    const before = await c.repos.counters.read(c.db, "catalog");
    const r = await c.catalog.setPrice("23221", { period: 1, amount: "950.00", currency: "rub" }, { source: "cli", name: "alice" });
    assert.deepEqual(r.price, { minor: 95000, currency: "RUB" });
    assert.equal(r.previous, null);
    await c.catalog.setPrice("23221", { period: "1", amount: "990", currency: "RUB" }, { source: "cli" });
    const hist = await c.catalog.history("23221");
    assert.equal(hist.length, 2);
    assert.equal(Number(hist[0]!.old_amount_minor), 95000);
    assert.equal(Number(hist[0]!.new_amount_minor), 99000);
    assert.ok((await c.repos.counters.read(c.db, "catalog")) > before);
  });

  it("refuses invalid amounts, unknown ids and unknown currencies, and changes nothing", async () => {
    const { container: c } = createTestContainer(ctx());
    const before = await c.repos.counters.read(c.db, "catalog");
    await assert.rejects(c.catalog.setPrice("23221", { period: 1, amount: "abc", currency: "RUB" }, { source: "cli" }), { code: "invalid_input" });
    await assert.rejects(c.catalog.setPrice("23221", { period: 1, amount: "-5", currency: "RUB" }, { source: "cli" }), { code: "invalid_input" });
    await assert.rejects(c.catalog.setPrice("23221", { period: 1, amount: "0", currency: "RUB" }, { source: "cli" }), { code: "invalid_input" });
    await assert.rejects(c.catalog.setPrice("23221", { period: 1, amount: "1.234", currency: "RUB" }, { source: "cli" }), { code: "invalid_input" });
    await assert.rejects(c.catalog.setPrice("23221", { period: 3, amount: "10", currency: "RUB" }, { source: "cli" }), { code: "invalid_input" });
    await assert.rejects(c.catalog.setPrice("23221", { period: 1, amount: "10", currency: "ABC" }, { source: "cli" }), { code: "invalid_input" });
    await assert.rejects(c.catalog.setPrice("99999", { period: 1, amount: "10", currency: "RUB" }, { source: "cli" }), { code: "not_found" });
    await assert.rejects(c.catalog.setPrice("ru-55377", { period: 1, amount: "10", currency: "RUB" }, { source: "cli" }), { code: "not_found" });
    await assert.rejects(c.catalog.setEnabled("x1", false), { code: "invalid_input" });
    assert.equal(await c.repos.counters.read(c.db, "catalog"), before);
    assert.equal((await c.catalog.history("23221")).length, 0);
  });

  it("keeps one currency per module", async () => {
    const { container: c } = createTestContainer(ctx());
    await c.catalog.setPrice("23221", { period: 1, amount: "10", currency: "EUR" }, { source: "cli" });
    await assert.rejects(c.catalog.setPrice("23221", { period: 12, amount: "1000", currency: "RUB" }, { source: "cli" }), /one currency/);
    assert.equal(await c.catalog.clearPrice("23221", 1, { source: "cli" }), true);
    await c.catalog.setPrice("23221", { period: 12, amount: "1000", currency: "RUB" }, { source: "cli" });
  });
});
