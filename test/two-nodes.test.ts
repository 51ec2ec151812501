// Two worker processes on one PostgreSQL database share the queue: ≥ 200 orders, upstream faults
// on, and zero duplicate upstream orders (the checks are in helpers/chaos.ts). Several nodes are a
// PostgreSQL feature; SQLite is one node by design.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTestDatabase } from "./helpers/db.ts";
import { ORDERS, runChaos } from "./helpers/chaos.ts";

describe("two nodes on PostgreSQL", () => {
  it(`place ${ORDERS} orders with zero duplicate upstream orders`, { timeout: 400_000 }, async () => {
    const t = await createTestDatabase("postgres");
    try {
      const r = await runChaos(t, { workers: 2, kill: false, label: "two nodes" });
      assert.equal(r.upstream, r.byState["active"]);
    } finally {
      await t.dispose();
    }
  });
});
