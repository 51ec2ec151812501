// The chaos harness behind test/chaos.test.ts and test/two-nodes.test.ts: ≥ 200 paid orders
// placed by real worker processes against the sandbox while it injects 5xx answers, timeouts after
// the order was made and connection resets after the order was made — optionally killing workers
// with SIGKILL at random moments. Then it checks: every order is active, or needs_attention /
// refunded with a reason; upstream holds exactly one module per active order and none for the
// others; the ledger balances. CHAOS_ORDERS and CHAOS_SEED change the size and replay a run.
// With `licenses` (issue 15) every other order buys an ispmanager license (soft.order.param) for
// its own IP instead of a module, faults strike the license functions too, and the checks add:
// exactly one upstream license per active license order, none for the others, every key delivered.
import assert from "node:assert/strict";
import { createContainer } from "../../src/app/container.ts";
import { createLogger } from "../../src/app/logger.ts";
import { randomIds } from "../../src/lib/ids.ts";
import type { TestDatabase } from "./db.ts";
import { TEST_SECRET, testConfig } from "./app.ts";
import { prng, startWorker, waitFor, type WorkerProcess } from "./fleet.ts";
import { SOFT_TARIFF_IDS } from "../../src/sandbox/seed.ts";
import { startSandbox, type TestSandbox } from "./sandbox.ts";

export const ORDERS = Number(process.env["CHAOS_ORDERS"] ?? 200);
const SEED = Number(process.env["CHAOS_SEED"] ?? 20261201);
const TARIFFS = [23221, 55361];
const FINAL = new Set(["active", "needs_attention", "refunded"]);
const LICENSE_TARIFF = SOFT_TARIFF_IDS.eu.pro;
/** A documentation IPv6 address per license order: public as far as partnerbill checks, unique per order. */
const licenseIp = (i: number) => `2001:db8::${(i + 1).toString(16)}`;

async function prepare(t: TestDatabase, sb: TestSandbox, licenses: boolean) {
  const c = createContainer({
    config: testConfig({ UPSTREAM_TIMEOUT_MS: "1000" }),
    database: t.database,
    secretKey: TEST_SECRET,
    ids: randomIds,
    logger: createLogger("silent"),
    upstreamUrl: sb.billmgrUrl,
    upstreamCredentials: sb.credentials,
  });
  for (const tariff of TARIFFS) await c.catalog.setPrice(String(tariff), { period: 1, amount: "10.00", currency: "EUR" }, { source: "cli" });
  if (licenses) {
    // License tariffs come from upstream's soft price list.
    await c.pricing.sync();
    await c.catalog.setEnabled(String(LICENSE_TARIFF), true);
    await c.catalog.setPrice(String(LICENSE_TARIFF), { period: 1, amount: "10.00", currency: "EUR" }, { source: "cli" });
  }
  const customer = await c.customers.add({ email: "chaos@example.com" });
  await c.customers.credit(customer.id, { amount: String(10 * ORDERS), currency: "EUR", reason: "chaos", actor: "test" });
  // One license per order, created in the partner's sandbox account.
  const orders = [];
  for (let i = 0; i < ORDERS; i++) {
    if (licenses && i % 2 === 1) {
      orders.push(await c.orders.intakeLicense({ tariff: LICENSE_TARIFF, period: 1, ip: licenseIp(i), name: `chaos-${i}` }, null));
      continue;
    }
    const license = 700000 + i;
    const res = await fetch(`${sb.url}/sandbox-control/licenses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ account: sb.credentials.user, id: license, ip: `10.${Math.floor(i / 250)}.${i % 250}.1` }),
    });
    assert.equal(res.status, 201);
    const { order } = await c.orders.intake({ license: String(license), module_id: String(TARIFFS[i % TARIFFS.length]) }, null);
    orders.push(order);
  }
  return { c, customer, orders };
}

export async function runChaos(t: TestDatabase, opts: { workers: number; kill: boolean; label?: string; licenses?: boolean }) {
  const sb = await startSandbox({ seed: SEED });
  const random = prng(SEED);
  const withLicenses = opts.licenses ?? false;
  const { c, orders } = await prepare(t, sb, withLicenses);
  // Faults start once the set-up (licenses, pre-checks) is done: they aim at placing.
  sb.sandbox.faults.add({ kind: "http_5xx", func: "addition.order.param", probability: 0.1 });
  sb.sandbox.faults.add({ kind: "timeout_after_order", func: "addition.order.param", probability: 0.1, ms: 3000 });
  sb.sandbox.faults.add({ kind: "reset_after_order", func: "addition.order.param", probability: 0.1 });
  sb.sandbox.faults.add({ kind: "http_5xx", func: "addition", probability: 0.05 });
  if (withLicenses) {
    sb.sandbox.faults.add({ kind: "http_5xx", func: "soft.order.param", probability: 0.1 });
    sb.sandbox.faults.add({ kind: "timeout_after_order", func: "soft.order.param", probability: 0.1, ms: 3000 });
    sb.sandbox.faults.add({ kind: "reset_after_order", func: "soft.order.param", probability: 0.1 });
    sb.sandbox.faults.add({ kind: "http_5xx", func: ["soft", "soft.edit"], probability: 0.05 });
  }

  const env = {
    DATABASE_URL: t.url,
    UPSTREAM_URL: sb.billmgrUrl,
    UPSTREAM_USER: sb.credentials.user,
    UPSTREAM_PASSWORD: sb.credentials.password,
    UPSTREAM_TIMEOUT_MS: "1000",
    JOB_LEASE_MS: "3000",
    WORKER_CONCURRENCY: "8",
    // Every node shares the secret key (license keys are stored encrypted by the workers).
    SECRET_KEY: TEST_SECRET,
  };
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < opts.workers; i++) workers.push(startWorker(env));
  let kills = 0;
  let killing = opts.kill;
  const killer = (async () => {
    while (killing) {
      // Kill at a random moment of a worker's working life, not while it is still booting (on a
      // loaded machine start-up alone can outlast the interval, and nothing would progress).
      await Promise.all(workers.map((w) => w.ready));
      await new Promise((r) => setTimeout(r, 500 + random() * 2500));
      if (!killing) break;
      const i = Math.floor(random() * workers.length);
      workers[i]!.kill("SIGKILL");
      await workers[i]!.exited;
      kills++;
      workers[i] = startWorker(env);
    }
  })();

  const started = Date.now();
  try {
    // Payments go in while the workers run (and die).
    for (const o of orders) await c.orders.payFromBalance(o.id, "chaos@example.com", "test");
    await waitFor("every order to reach a final state", async () => {
      const states = await c.orders.countByState();
      const dead = await c.queue.list({ state: "dead", limit: 5 });
      if (dead.length > 0) {
        throw new Error(`placing jobs went dead (orders stuck): ${JSON.stringify(dead.map((j) => [j.payload, j.attempts, j.last_error]))}; states ${JSON.stringify(states)}`);
      }
      if (!Object.entries(states).every(([s, n]) => n === 0 || FINAL.has(s))) return false;
      // Every active license's key delivered too (polled by the license.deliver_key job).
      const pendingKeys = await c.db.selectFrom("customer_licenses").select("id").where("key_state", "!=", "ready").execute();
      return pendingKeys.length === 0;
    }, 300_000, 500).catch(async (e: Error) => {
      throw new Error(`${e.message}; states ${JSON.stringify(await c.orders.countByState())}; kills ${kills}`);
    });
    killing = false;
    await killer;

    const all = await c.orders.list({ limit: ORDERS + 10 });
    const byState: Record<string, number> = {};
    for (const o of all) byState[o.state] = (byState[o.state] ?? 0) + 1;
    const sandboxState = sb.sandbox.state();
    const upstream = sandboxState.modules.filter((m) => m.account === sb.credentials.user && m.status !== 4);
    // Licenses the orders bought (the seeded demo licenses have no period).
    const upstreamLicenses = sandboxState.licenses.filter((l) => l.account === sb.credentials.user && l.period !== null && l.status !== 4);
    const licensesByIp = new Map<string, number[]>();
    for (const l of upstreamLicenses) licensesByIp.set(l.ip, [...(licensesByIp.get(l.ip) ?? []), l.id]);
    const upstreamByKey = new Map<string, number[]>();
    for (const m of upstream) {
      const k = `${m.license}:${m.pricelist}`;
      upstreamByKey.set(k, [...(upstreamByKey.get(k) ?? []), m.id]);
    }
    const jobs = await c.queue.list({ kind: "order.place", limit: 10_000 });
    const attempts = jobs.reduce((n, j) => n + j.attempts, 0);
    const faults = sb.sandbox.faults.list().rules.map((r) => `${r.kind}${r.funcs ? `(${r.funcs.join(",")})` : ""}=${r.hits}`);
    process.stdout.write(
      `\n${opts.label ?? "chaos"} [${t.dialect}, ${opts.workers} worker process(es)]: ${ORDERS} orders in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `states ${JSON.stringify(byState)}; worker kills ${kills}; upstream modules ${upstream.length}; ` +
        `place-job attempts ${attempts}; upstream licenses ${upstreamLicenses.length}; faults hit: ${faults.join(" ")}\n`,
    );

    let activeLicenses = 0;
    for (const o of all) {
      if (o.product === "license") {
        const lics = licensesByIp.get(o.ip!) ?? [];
        if (o.state === "active") {
          activeLicenses++;
          assert.deepEqual(lics, [Number(o.upstream_service_id)], `license order ${o.id}: exactly its one license upstream`);
        } else {
          assert.ok(o.reason, `license order ${o.id} is ${o.state} with a reason`);
          assert.deepEqual(lics, [], `license order ${o.id} (${o.state}) has no license upstream`);
        }
        continue;
      }
      const mods = upstreamByKey.get(`${o.license_id}:${o.tariff_id}`) ?? [];
      if (o.state === "active") {
        assert.deepEqual(mods, [Number(o.upstream_service_id)], `order ${o.id}: exactly its one module upstream`);
      } else {
        assert.ok(o.reason, `order ${o.id} is ${o.state} with a reason`);
        assert.deepEqual(mods, [], `order ${o.id} (${o.state}) has no module upstream`);
      }
    }
    assert.equal(upstream.length + upstreamLicenses.length, byState["active"] ?? 0, "no module or license upstream that no order owns");
    assert.equal(upstreamLicenses.length, activeLicenses);
    if (withLicenses) {
      // Every key delivered: stored, equal to upstream's, and mailed once per license.
      const held = await c.db.selectFrom("customer_licenses").selectAll().execute();
      assert.equal(held.length, activeLicenses);
      for (const l of held) {
        assert.equal(l.key_state, "ready", `license ${l.upstream_license_id} has its key`);
        const { key } = await c.licenses.revealKey(l.id, {});
        assert.equal(key, upstreamLicenses.find((u) => u.id === Number(l.upstream_license_id))!.lickey);
      }
      const mails = await c.db.selectFrom("mail_outbox").select("id").where("template", "=", "license_key").execute();
      assert.equal(mails.length, activeLicenses, "one key mail per license");
      assert.ok(activeLicenses >= (ORDERS / 2) * 0.9, "most license orders end active");
    }
    assert.ok((byState["active"] ?? 0) >= ORDERS * 0.9, "most orders end active");
    assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });
    const held = await c.ledger.balance(c.db, { kind: "held" }, "EUR");
    assert.equal(held.minor, 1000 * (byState["needs_attention"] ?? 0), "money is held only for orders still needing attention");
    return { byState, kills, upstream: upstream.length + upstreamLicenses.length, licenses: upstreamLicenses.length };
  } finally {
    killing = false;
    await killer;
    for (const w of workers) w.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.exited));
    await c.close();
    await sb.stop();
  }
}

