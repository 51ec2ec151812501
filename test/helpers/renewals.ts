// A small world for renewal, rebinding and reconciliation tests: a fresh partner account in the
// shared test sandbox (so each test sees only its own licenses and modules upstream), a container
// pointed at it over HTTP, one manual clock that moves partnerbill and the sandbox together, and a
// customer with a balance who can buy modules.
import { createContainer, type Container } from "../../src/app/container.ts";
import { createLogger } from "../../src/app/logger.ts";
import type { CustomerModuleRow, CustomerRow } from "../../src/db/schema.ts";
import { manualClock } from "../../src/lib/clock.ts";
import { sequentialIds } from "../../src/lib/ids.ts";
import { TEST_SECRET, testConfig } from "./app.ts";
import type { TestDatabase } from "./db.ts";
import type { SandboxModule, TestSandbox } from "./sandbox.ts";

export const START = "2026-12-01T10:00:00Z";

let accountSeq = 0;

export interface PartnerAccount {
  email: string;
  credentials: { user: string; password: string };
  licenses: Array<{ id: number; ip: string }>;
}

/** A new client-area account with `licenses` licenses of its own. */
export async function newPartnerAccount(sb: TestSandbox, licenses = 3): Promise<PartnerAccount> {
  const n = ++accountSeq;
  const email = `partner-${n}@partner.example`;
  const created = await sb.control("POST", "/accounts", { email, password: "pw", region: "eu", balance: "1000.00" });
  if (created.status !== 201) throw new Error(`sandbox account: ${JSON.stringify(created.json)}`);
  const out: PartnerAccount["licenses"] = [];
  for (let i = 0; i < licenses; i++) {
    const ip = `198.18.${n % 250}.${i + 1}`;
    const r = await sb.control("POST", "/licenses", { account: email, ip });
    if (r.status !== 201) throw new Error(`sandbox license: ${JSON.stringify(r.json)}`);
    out.push({ id: r.json.id as number, ip });
  }
  return { email, credentials: { user: email, password: "pw" }, licenses: out };
}

export interface World {
  c: Container;
  clock: ReturnType<typeof manualClock>;
  account: PartnerAccount;
  customer: CustomerRow;
  /** Moves partnerbill's clock and the sandbox's together. */
  advanceTo(iso: string): void;
  advance(ms: number): void;
  /** Buys a module on a license through intake, payment and automatic placing; returns the customer module. */
  buy(license: number, opts?: { period?: 1 | 12 }): Promise<CustomerModuleRow>;
  /** The module as the sandbox has it. */
  upstreamModule(id: number): SandboxModule & { remoteId: string | null };
  /** service.prolong charges the sandbox made for a module. */
  prolongCharges(id: number): Array<{ amountMinor: number }>;
}

export async function buildWorld(
  t: TestDatabase,
  sb: TestSandbox,
  opts: { env?: Record<string, string>; licenses?: number; balance?: string } = {},
): Promise<World> {
  sb.clock.set(START);
  const clock = manualClock(START);
  const account = await newPartnerAccount(sb, opts.licenses ?? 3);
  const c = createContainer({
    config: testConfig({ UPSTREAM_TIMEOUT_MS: "400", ...opts.env }),
    database: t.database,
    secretKey: TEST_SECRET,
    clock,
    ids: sequentialIds(),
    logger: createLogger("silent"),
    upstreamUrl: sb.billmgrUrl,
    upstreamCredentials: account.credentials,
  });
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  await c.catalog.setPrice("23221", { period: 12, amount: "119.00", currency: "EUR" }, { source: "cli" });
  const customer = await c.customers.add({ email: "ann@example.com" });
  await c.customers.credit(customer.id, { amount: opts.balance ?? "100.00", currency: "EUR", reason: "test", actor: "test" });

  const world: World = {
    c,
    clock,
    account,
    customer,
    advanceTo(iso) {
      clock.set(iso);
      sb.clock.set(iso);
    },
    advance(ms) {
      clock.advance(ms);
      sb.clock.advance(ms);
    },
    async buy(license, o = {}) {
      const { order } = await c.orders.intake({ license: String(license), module_id: "23221" }, null);
      if (o.period === 12) await c.orders.choosePeriod(order.id, 12);
      await c.orders.payFromBalance(order.id, customer.id, "test");
      const r = await c.fulfillment.place(order.id);
      if (r.status !== "done" || r.state !== "active") throw new Error(`buying failed: ${JSON.stringify(r)}`);
      const placed = await c.orders.get(order.id);
      return (await c.repos.orders.findCustomerModule(c.db, placed.customer_module_id!))!;
    },
    upstreamModule(id) {
      const m = (sb.sandbox.state().modules as Array<SandboxModule & { remoteId: string | null }>).find((x) => x.id === id);
      if (!m) throw new Error(`no sandbox module ${id}`);
      return m;
    },
    prolongCharges(id) {
      return (sb.sandbox.state().charges as Array<{ service: number; func: string; amountMinor: number }>).filter((ch) => ch.service === id && ch.func === "service.prolong");
    },
  };
  return world;
}
