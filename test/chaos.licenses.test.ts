// Issue 15's chaos test: ≥ 200 paid orders, every other one an ispmanager license
// (soft.order.param) and the rest modules, placed by worker processes against the sandbox while it
// injects 5xx answers, timeouts and resets after the order was made — with the worker killed by
// SIGKILL at random (each dialect), and on PostgreSQL by two worker processes too. Exactly one
// upstream license per active license order, none for the others, every key delivered and mailed,
// the ledger balanced (checks in helpers/chaos.ts). Prints its figures.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestDatabase, describeEachDialect } from "./helpers/db.ts";
import { ORDERS, runChaos } from "./helpers/chaos.ts";

describeEachDialect("chaos with licenses: faults upstream and a worker killed at random", (ctx) => {
  it(`leaves exactly one upstream license or module per active order for ${ORDERS} mixed paid orders`, { timeout: 400_000 }, async () => {
    const r = await runChaos(ctx(), { workers: 1, kill: true, licenses: true, label: "chaos+licenses" });
    assert.ok(r.kills > 0, "the worker was killed at least once");
    assert.ok(r.licenses > 0);
  });
});

describe("two nodes on PostgreSQL, licenses and modules mixed", () => {
  it(`place ${ORDERS} mixed orders with zero duplicate upstream orders`, { timeout: 400_000 }, async () => {
    const t = await createTestDatabase("postgres");
    try {
      const r = await runChaos(t, { workers: 2, kill: false, licenses: true, label: "two nodes+licenses" });
      assert.equal(r.upstream, r.byState["active"]);
    } finally {
      await t.dispose();
    }
  });
});
