// Issue 4's chaos test: faults upstream and the worker process killed with SIGKILL at random
// moments and restarted; exactly one upstream module per active order at the end (the harness and
// its checks are in helpers/chaos.ts). Prints its figures.
import assert from "node:assert/strict";
import { it } from "node:test";
import { describeEachDialect } from "./helpers/db.ts";
import { ORDERS, runChaos } from "./helpers/chaos.ts";

describeEachDialect("chaos: faults upstream and a worker killed at random", (ctx) => {
  it(`leaves exactly one upstream module per active order for ${ORDERS} paid orders`, { timeout: 400_000 }, async () => {
    const r = await runChaos(ctx(), { workers: 1, kill: true });
    assert.ok(r.kills > 0, "the worker was killed at least once");
  });
});
