// The upstream client's license functions (PROTOCOL.md §4b) over real HTTP against the sandbox:
// the soft price list with trials, ordering with our remoteid, reading the key once it appears,
// changing IP and name, a new key, checking an IP, renewing and deleting — and how failures are
// classified (a refused IP is a certain refusal; a reset after the order is an unknown outcome).
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { createUpstreamClient, type UpstreamHttpClient } from "../src/upstream/client.ts";
import { isUpstreamError, type UpstreamError } from "../src/upstream/errors.ts";
import { TRIAL_PERIOD, type UpstreamCallEvent } from "../src/upstream/types.ts";
import { SOFT_TARIFF_IDS } from "../src/sandbox/seed.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

const EU = SOFT_TARIFF_IDS.eu;

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isUpstreamError(e), `expected an UpstreamError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the call to fail");
}

describe("upstream client: licenses against the sandbox", () => {
  let sb: TestSandbox;
  let client: UpstreamHttpClient;
  const events: UpstreamCallEvent[] = [];
  before(async () => {
    sb = await startSandbox({ keyDelayMs: 250 });
    client = createUpstreamClient({ baseUrl: sb.billmgrUrl, ...sb.credentials, timeoutMs: 2_000, onCall: (e) => events.push(e) });
  });
  afterEach(() => {
    sb.sandbox.faults.clear();
  });
  after(async () => {
    await client.close();
    await sb.stop();
  });

  it("reads license tariffs with their costs; a trial's period is TRIAL_PERIOD", async () => {
    const tariffs = await client.softPriceList();
    assert.deepEqual(tariffs.map((t) => t.id), [EU.lite, EU.pro, EU.host, EU.business, EU.liteTrial, EU.businessTrial]);
    const pro = tariffs.find((t) => t.id === EU.pro)!;
    assert.deepEqual(pro.periods.map((p) => [p.months, p.cost.minor, p.cost.currency]), [[1, 1200, "EUR"], [12, 12000, "EUR"]]);
    assert.deepEqual(tariffs.find((t) => t.id === EU.liteTrial)!.periods.map((p) => [p.months, p.cost.minor]), [[TRIAL_PERIOD, 0]]);
    // The module price list is unchanged by it.
    assert.ok((await client.priceList()).every((t) => t.periods.every((p) => p.months > 0)));
  });

  it("orders a license with our remoteid, then reads its key once upstream has generated it", async () => {
    const { licenseId } = await client.orderLicense({ pricelist: EU.host, period: 1, ip: "192.0.2.10", name: "srv", remoteId: "ord_x" });
    const ev = events.at(-1)!;
    assert.equal(ev.func, "soft.order.param");
    assert.equal(ev.spendsMoney, true);
    assert.equal(ev.params["remoteid"], "ord_x");
    const first = await client.readLicense(licenseId);
    assert.equal(first.key, null);
    assert.equal(first.ip, "192.0.2.10");
    assert.equal(first.expiresOn, "2027-01-01");
    await new Promise((r) => setTimeout(r, 300));
    const later = await client.readLicense(licenseId);
    assert.match(later.key ?? "", /^[0-9A-F]{24}$/);
    assert.ok((await client.listLicenses()).some((l) => l.id === licenseId && l.ip === "192.0.2.10" && l.pricelist === EU.host));
  });

  it("changes IP and name, issues a new key, renews to upstream's date and deletes", async () => {
    const { licenseId } = await client.orderLicense({ pricelist: EU.lite, period: 1, ip: "192.0.2.20" });
    await client.changeLicense(licenseId, { ip: "192.0.2.21", name: "renamed" });
    const read = await client.readLicense(licenseId);
    assert.equal(read.ip, "192.0.2.21");
    assert.equal(read.name, "renamed");
    const { key } = await client.newLicenseKey(licenseId);
    assert.equal((await client.readLicense(licenseId)).key, key);
    assert.deepEqual(await client.prolong(licenseId, 12), { expiresOn: "2028-01-01" });
    await client.deleteLicense(licenseId);
    assert.equal((await client.readLicense(licenseId).catch((e) => e)).kind, "rejected");
  });

  it("a refused IP or trial is a certain refusal; checkLicenseIp tells before any order", async () => {
    await client.checkLicenseIp({ pricelist: EU.pro, period: 12, ip: "192.0.2.30" });
    const taken = await failure(client.checkLicenseIp({ pricelist: EU.pro, period: 12, ip: "203.0.113.11" }));
    assert.equal(taken.kind, "rejected");
    assert.equal(taken.outcome, "not_done");
    assert.equal(taken.billmgr?.object, "ip");
    await client.orderLicense({ pricelist: EU.liteTrial, period: TRIAL_PERIOD, ip: "192.0.2.31" });
    const again = await failure(client.orderLicense({ pricelist: EU.businessTrial, period: TRIAL_PERIOD, ip: "192.0.2.31" }));
    assert.equal(again.billmgr?.object, "ip");
    await assert.rejects(client.orderLicense({ pricelist: EU.pro, period: 1, ip: "not-an-ip" }), /IPv4 or IPv6/);
  });

  it("a reset after the order is an unknown outcome, and the license is there", async () => {
    sb.sandbox.faults.add({ kind: "reset_after_order", func: "soft.order.param", count: 1 });
    const e = await failure(client.orderLicense({ pricelist: EU.pro, period: 1, ip: "192.0.2.40", remoteId: "ord_reset" }));
    assert.equal(e.outcome, "unknown");
    assert.ok((await client.listLicenses()).some((l) => l.ip === "192.0.2.40" && l.pricelist === EU.pro));
    sb.sandbox.faults.add({ kind: "insufficient_funds", func: "soft.order.param", count: 1 });
    const broke = await failure(client.orderLicense({ pricelist: EU.pro, period: 1, ip: "192.0.2.41" }));
    assert.equal(broke.kind, "insufficient_funds");
    assert.equal(broke.outcome, "not_done");
  });
});
