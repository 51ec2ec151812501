// `partnerbill conformance` as an operator runs it (a child process over real HTTP): a running
// partnerbill passes every check; a billing with one deliberate defect (test/fakes/broken-billing.ts)
// is reported with FAIL on exactly the check that covers it, and exit code 1.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { CheckResult } from "../src/conformance/types.ts";
import { createHttpProbe } from "../src/conformance/http.ts";
import { FAKE_LICENSE, parseTarget, runConformance, type ConformanceReport } from "../src/conformance/run.ts";
import { createTestApp } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { runCli } from "./helpers/cli.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { DEFECTS, startBrokenBilling, type BrokenBilling, type Defect } from "./fakes/broken-billing.ts";

const failed = (r: ConformanceReport) => r.checks.filter((c) => c.status === "fail").map((c) => c.id);
const check = (r: ConformanceReport, id: string): CheckResult => r.checks.find((c) => c.id === id)!;

describeEachDialect("partnerbill conformance against a running partnerbill", (ctx) => {
  it("passes every check, follows the Buy redirect to the checkout of a new pending order, and exits 0", async () => {
    const t = await createTestApp(ctx());
    await seedKnownCatalog(t.c);
    const address = await t.app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const r = await runCli(["conformance", address], {});
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = r.stdout.trimEnd().split("\n");
      assert.deepEqual(lines.filter((l) => /^(FAIL|WARN|SKIP)/.test(l)), [], r.stdout);
      assert.ok(lines.filter((l) => l.startsWith("PASS  ")).length >= 40, r.stdout);
      assert.equal(lines.at(-1), "conformant: no check failed");

      const order = /^PASS {2}buy\.valid .*HTTP 303 → \/checkout\/(ord_[a-z0-9]+) → HTTP 200\)$/m.exec(r.stdout);
      assert.ok(order, r.stdout);
      const pending = await t.c.orders.find(order[1]!);
      assert.equal(pending?.state, "pending_payment");
      assert.equal(Number(pending?.license_id), 999999999);
      assert.equal(pending?.ip, "192.0.2.1");
    } finally {
      await t.app.close();
    }
  });

  it("skips the Buy redirect with --no-buy and reports to machines with --json", async () => {
    const t = await createTestApp(ctx());
    await seedKnownCatalog(t.c);
    const address = await t.app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const r = await runCli(["conformance", `${address}/manager/billmgr`, "--json", "--no-buy", "--timeout", "5000"], {});
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout) as ConformanceReport;
      assert.equal(report.ok, true);
      assert.equal(report.target, `${address}/billmgr`);
      for (const id of ["buy.valid", "buy.invalid-license", "buy.hostile-ip"]) assert.deepEqual(check(report, id), { ...check(report, id), status: "skip", detail: "--no-buy" });
      assert.deepEqual(report.checks.filter((c) => c.status !== "pass" && !c.id.startsWith("buy.")), []);
      assert.equal(report.summary.pass + report.summary.skip, report.checks.length);
    } finally {
      await t.app.close();
    }
  });
});

describe("partnerbill conformance against another billing", () => {
  const running: BrokenBilling[] = [];
  const start = async (defects: Defect[] = []) => {
    const b = await startBrokenBilling(defects);
    running.push(b);
    return b;
  };
  after(async () => {
    for (const b of running) await b.close();
  });

  it("passes a billing that is not partnerbill, noting only what it does not offer (ETag, gzip)", async () => {
    const b = await start();
    const r = await runCli(["conformance", b.url, "--json"], {});
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as ConformanceReport;
    assert.deepEqual(report.checks.filter((c) => c.status !== "pass").map((c) => `${c.id}:${c.status}`), ["cache.etag:info", "cache.gzip:info"]);
    assert.deepEqual(b.orders, [{ moduleId: 23221, license: 999999999, ip: "192.0.2.1" }]);
  });

  // The checks each defect must fail — and no others, so a report points at the one problem.
  const expected: Record<Defect, string[]> = {
    "cost-format": ["rows.cost-format"],
    "no-monthly": ["rows.monthly"],
    "500-on-bad-input": [
      "hostile.markup",
      "hostile.markup-json",
      "hostile.percent-encoding",
      "hostile.control-chars",
      "hostile.long-value",
      "hostile.huge-body",
      "hostile.array-keys",
      "buy.hostile-ip",
    ],
    "unknown-func-html": ["errors.unknown-func", "errors.unknown-func-json"],
    "json-mismatch": ["json.same-as-xml"],
  };

  before(() => assert.deepEqual(Object.keys(expected).sort(), [...DEFECTS].sort()));

  for (const defect of DEFECTS) {
    it(`reports a billing with the defect "${defect}" as FAIL on ${expected[defect].join(", ")} and exits 1`, async () => {
      const b = await start([defect]);
      const r = await runCli(["conformance", b.url, "--json"], {});
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout) as ConformanceReport;
      assert.equal(report.ok, false);
      assert.deepEqual(failed(report), expected[defect]);
    });
  }

  it("names the failing check and what it saw on one line, and lists the failures in the summary", async () => {
    const b = await start(["cost-format", "no-monthly"]);
    const r = await runCli(["conformance", b.url, "--no-buy"], {});
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAIL {2}rows\.cost-format +every cost is a decimal with exactly four decimals \(950\.0000\) {2}\(23221 \(month\/1 cost "950\.0"\), .*\)$/m);
    assert.match(r.stdout, /^FAIL {2}rows\.monthly +every module has a period type="month" length="1" {2}\(55377 \(periods: month\/12\)\)$/m);
    assert.match(r.stdout, /\nNOT conformant: rows\.monthly, rows\.cost-format\n$/);
    assert.deepEqual(b.orders, [], "--no-buy creates no order");
  });

  it("fails only reachability, and skips the rest, when nothing listens at the URL", async () => {
    const b = await start();
    const url = b.url;
    await b.close();
    running.splice(running.indexOf(b), 1);
    const target = parseTarget(url);
    assert.ok(typeof target !== "string");
    const http = createHttpProbe({ origin: target.origin, timeoutMs: 5_000, userAgent: "test" });
    const report = await runConformance(http.probe, target, { buy: true, license: FAKE_LICENSE }).finally(() => http.close());
    assert.equal(report.ok, false);
    assert.deepEqual(failed(report), ["reachable"]);
    assert.match(check(report, "reachable").detail!, /connection refused/);
    assert.equal(report.summary.skip, report.checks.length - 1);
  });

  it("refuses a URL it cannot use with exit code 2", async () => {
    const r = await runCli(["conformance", "ftp://billing.example"], {});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /must be http or https/);
    assert.equal(r.stdout, "");
  });
});
