// Issue 8's multi-node test: nginx with the shipped site config balancing two `partnerbill serve`
// nodes (all roles) on one PostgreSQL database, against the sandbox over HTTP. Price lists and
// checkouts work through nginx; one node is killed with SIGKILL mid-way and the other carries on:
// no order lost, none placed twice upstream.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createContainer } from "../src/app/container.ts";
import { createLogger } from "../src/app/logger.ts";
import { randomIds } from "../src/lib/ids.ts";
import { createTestDatabase } from "./helpers/db.ts";
import { TEST_SECRET, testConfig } from "./helpers/app.ts";
import { waitFor } from "./helpers/fleet.ts";
import { fetchRaw, SITE_NAME, startNginx } from "./helpers/nginx.ts";
import { startSandbox } from "./helpers/sandbox.ts";
import { startServe, type ServeProcess } from "./helpers/serve-process.ts";

const EXPORT = "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";
const ORDERS = 40;

describe("two nodes behind nginx on PostgreSQL", () => {
  it("serve price lists and checkouts through nginx, and one node's death loses and doubles nothing", { timeout: 300_000 }, async () => {
    const t = await createTestDatabase("postgres");
    const sb = await startSandbox();
    const dirs = [mkdtempSync(join(tmpdir(), "pb-node-a-")), mkdtempSync(join(tmpdir(), "pb-node-b-"))];
    const c = createContainer({
      config: testConfig({ UPSTREAM_TIMEOUT_MS: "2000" }),
      database: t.database,
      secretKey: TEST_SECRET,
      ids: randomIds,
      logger: createLogger("silent"),
      upstreamUrl: sb.billmgrUrl,
      upstreamCredentials: sb.credentials,
    });
    const nodes: ServeProcess[] = [];
    let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
    try {
      await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
      const customer = await c.customers.add({ email: "multi@example.com" });
      await c.customers.credit(customer.id, { amount: "1000", currency: "EUR", reason: "test", actor: "test" });
      for (let i = 0; i < ORDERS; i++) {
        const r = await fetch(`${sb.url}/sandbox-control/licenses`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ account: sb.credentials.user, id: 800000 + i, ip: `10.8.0.${i + 1}` }),
        });
        assert.equal(r.status, 201);
      }

      const env = {
        DATABASE_URL: t.url,
        UPSTREAM_URL: sb.billmgrUrl,
        UPSTREAM_USER: sb.credentials.user,
        UPSTREAM_PASSWORD: sb.credentials.password,
        UPSTREAM_TIMEOUT_MS: "2000",
        JOB_LEASE_MS: "3000",
        TRUST_PROXY: "127.0.0.1",
        PUBLIC_URL: `https://${SITE_NAME}`,
        LOG_LEVEL: "warn",
      };
      for (const dir of dirs) nodes.push(await startServe({ ...env, DATA_DIR: dir }));
      nginx = await startNginx({ upstreams: nodes.map((n) => `127.0.0.1:${n.port}`) });
      const via = (path: string) => fetchRaw(nginx!.httpsUrl + path, { ca: nginx!.ca });

      // Price lists through nginx: the same bytes whichever node answers.
      const direct = await Promise.all(nodes.map((n) => fetchRaw(n.url + EXPORT)));
      assert.deepEqual(direct[0]!.body, direct[1]!.body);
      for (let i = 0; i < 6; i++) {
        const r = await via(EXPORT);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, direct[0]!.body);
      }

      // Checkouts through nginx; half the orders are paid, then node A dies.
      const orderIds: string[] = [];
      const buyAndPay = async (i: number) => {
        const r = await via(`/billmgr?module=DDoSGUARD&license=${800000 + i}&ip=10.8.0.${i + 1}&module_id=23221`);
        assert.equal(r.status, 303, `Buy redirect ${i}: ${r.body.toString().slice(0, 200)}`);
        const id = String(r.headers.location).replace("/checkout/", "");
        const page = await via(`/checkout/${id}`);
        assert.equal(page.status, 200);
        assert.match(page.body.toString(), /DDoS-GUARD/);
        await c.orders.payFromBalance(id, customer.id, "test");
        orderIds.push(id);
      };
      for (let i = 0; i < ORDERS / 2; i++) await buyAndPay(i);
      await nodes[0]!.kill();
      for (let i = ORDERS / 2; i < ORDERS; i++) await buyAndPay(i);
      const afterDeath = await via(EXPORT);
      assert.equal(afterDeath.status, 200, "the surviving node answers panels");

      await waitFor("every order to be active", async () => {
        const states = await Promise.all(orderIds.map((id) => c.orders.get(id).then((o) => o.state)));
        return states.every((s) => s === "active");
      }, 120_000, 250);

      const upstream = sb.sandbox.state().modules.filter((m) => m.account === sb.credentials.user && m.status !== 4);
      assert.equal(orderIds.length, ORDERS, "no order lost");
      assert.equal(upstream.length, ORDERS, "no order placed twice upstream");
      for (const id of orderIds) {
        const o = await c.orders.get(id);
        assert.deepEqual(upstream.filter((m) => m.license === Number(o.license_id)).map((m) => m.id), [Number(o.upstream_service_id)]);
      }
      assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });
      process.stdout.write(`\ntwo nodes behind nginx: ${ORDERS} orders through nginx, node A killed after ${ORDERS / 2}; ${upstream.length} upstream modules\n`);
    } finally {
      await nginx?.stop();
      await Promise.all(nodes.map((n) => n.stop()));
      await c.close();
      await sb.stop();
      await t.dispose();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
