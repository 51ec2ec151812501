// `partnerbill prices sync|rule|mode`, `rates …` and `alerts …` as an operator runs them: child
// processes over a test database of each dialect, talking to the sandbox client area over HTTP
// through the real upstream client.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, beforeEach, it } from "node:test";
import { runCli } from "./helpers/cli.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

const dataDirs: string[] = [];
after(() => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

describeEachDialect("partnerbill prices sync (CLI)", (ctx) => {
  let upstream: TestSandbox;
  beforeEach(async () => {
    upstream = await startSandbox();
  });
  afterEach(async () => {
    await upstream.stop();
  });

  const env = (over: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), "pb-pricing-cli-"));
    dataDirs.push(dir);
    return {
      DATABASE_URL: ctx().url,
      DATA_DIR: dir,
      UPSTREAM_URL: upstream.billmgrUrl,
      UPSTREAM_USER: upstream.credentials.user,
      UPSTREAM_PASSWORD: upstream.credentials.password,
      UPSTREAM_REGION: "eu",
      ...over,
    };
  };

  it("prints the diff of a dry run without writing, then syncs rule prices from upstream's costs", async () => {
    const e = env();
    const cli = (...args: string[]) => runCli(args, e);
    assert.equal((await cli("prices", "rule", "set", "--markup-percent", "20", "--rounding", "99", "--currency", "EUR")).code, 0);
    assert.equal((await cli("prices", "mode", "rules", "23221")).code, 0);

    const dry = await cli("prices", "sync", "--dry-run");
    assert.equal(dry.code, 0, dry.stderr);
    // The sandbox's DDoS-GUARD costs 9.50 EUR: × 1.20 = 11.40 → 11.99.
    assert.match(dry.stdout, /DDoS-GUARD \(23221\)\s+1m\s+— → 9\.50 EUR\s+— → 11\.99 EUR\s+updated/);
    assert.match(dry.stdout, /Dry run, nothing was written/);

    const real = await cli("prices", "sync");
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /The price list changed\./);
    // The dry run wrote nothing: the first history row is the real sync's.
    const history = await cli("prices", "history", "23221");
    assert.match(history.stdout, /1m\s+—\s+11\.99 EUR\s+sync/);
    assert.equal(history.stdout.trimEnd().split("\n").length, 4, "header, rule, two periods");
  });

  it("exits 1 with a clear message when upstream refuses the login, changes nothing and records an alert", async () => {
    const e = env({ UPSTREAM_PASSWORD: "wrong-password" });
    const r = await runCli(["prices", "sync"], e);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Price sync failed, nothing was changed: pricelist\.export: authentication failed/);
    assert.doesNotMatch(r.stderr + r.stdout, /wrong-password/);
    const alerts = await runCli(["alerts", "list"], e);
    assert.match(alerts.stdout, /price_sync_failed/);
  });

  it("sets, lists and fetches exchange rates", async () => {
    const feed = readFileSync(new URL("./fixtures/eurofxref-daily.xml", import.meta.url));
    const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/xml" }).end(feed));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const e = env({ ECB_RATES_URL: `http://127.0.0.1:${port}/eurofxref-daily.xml` });
      const cli = (...args: string[]) => runCli(args, e);
      assert.match((await cli("rates", "set", "EUR", "RUB", "98.50")).stdout, /1 EUR = 98\.50 RUB \(manual/);
      const fetched = await cli("rates", "fetch-ecb");
      assert.equal(fetched.code, 0, fetched.stderr);
      assert.match(fetched.stdout, /ECB rates of 2025-11-28: 25 stored\./);
      const list = await cli("rates", "list");
      assert.match(list.stdout, /EUR\/RUB\s+98\.50\s+manual/);
      assert.match(list.stdout, /EUR\/USD\s+1\.1590\s+ecb\s+2025-11-28/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
