// The CLI as an operator runs it: `node bin/partnerbill.js …` in a child process, over a test
// database of each dialect (DATABASE_URL) and a temporary DATA_DIR.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pendingMigrations } from "../src/db/migrate.ts";
import { migrations } from "../src/db/migrations/index.ts";
import { createTestApp, createTestContainer } from "./helpers/app.ts";
import { runCli } from "./helpers/cli.ts";
import { createTestDatabase, describeEachDialect } from "./helpers/db.ts";

const EXPORT = "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";

const dataDirs: string[] = [];
after(() => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "pb-cli-"));
  dataDirs.push(d);
  return d;
}

describeEachDialect("partnerbill CLI", (ctx) => {
  const env = () => ({ DATABASE_URL: ctx().url, DATA_DIR: dataDir() });
  const cli = (...args: string[]) => runCli(args, env());

  it("lists the modules of the catalog as a table and as JSON", async () => {
    const { container: c } = createTestContainer(ctx());
    await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });

    const table = await cli("modules", "list");
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^tariff\s+name\s+intname\s+enabled\s+monthly\s+yearly\s+listed$/);
    assert.match(table.stdout, /^23221\s+DDoS-GUARD\s+DDoSGUARD\s+yes\s+11\.90 EUR\s+—\s+yes$/m);
    assert.match(table.stdout, /^55361\s+Dr\.Web Lite\s+DrWebLite\s+yes\s+—\s+—\s+no$/m);
    assert.equal(lines.length, 2 + 5);

    const json = await cli("modules", "list", "--json");
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as Array<{ tariffId: number; enabled: boolean; listed: boolean; prices: Record<string, { minor: number; currency: string }> }>;
    assert.deepEqual(rows.map((r) => r.tariffId), [23221, 55361, 55362, 55363, 55371]);
    const ddos = rows.find((r) => r.tariffId === 23221)!;
    assert.deepEqual({ enabled: ddos.enabled, listed: ddos.listed, monthly: ddos.prices["1"] }, { enabled: true, listed: true, monthly: { minor: 1190, currency: "EUR" } });
    assert.equal(rows.find((r) => r.tariffId === 55361)!.listed, false);
  });

  it("sets a price that the price list then shows, and records who set it", async () => {
    const r = await cli("prices", "set", "23221", "--period", "1", "--amount", "950.00", "--currency", "RUB");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /DDoS-GUARD \(23221\), 1 month\(s\): no price → 950\.00 RUB/);

    const { app, c } = await createTestApp(ctx());
    const res = await app.inject({ method: "GET", url: EXPORT });
    assert.match(res.body, /<id>23221<\/id>.*<price currency="RUB"><period cost="950\.0000" type="month" length="1">monthly<\/period>/);
    const [h] = await c.catalog.history("23221");
    assert.equal(h!.source, "cli");
    assert.equal(h!.actor, `cli:${userInfo().username}`);
  });

  it("disables a module so that the price list no longer lists it", async () => {
    const { container: c } = createTestContainer(ctx());
    await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
    const before = await (await createTestApp(ctx())).app.inject({ method: "GET", url: EXPORT });
    assert.match(before.body, /<id>23221<\/id>/);

    const r = await cli("modules", "disable", "23221");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /DDoS-GUARD \(23221\) is disabled/);
    const afterDisable = await (await createTestApp(ctx())).app.inject({ method: "GET", url: EXPORT });
    assert.doesNotMatch(afterDisable.body, /<id>23221<\/id>/);

    assert.equal((await cli("modules", "enable", "23221")).code, 0);
    const again = await (await createTestApp(ctx())).app.inject({ method: "GET", url: EXPORT });
    assert.match(again.body, /<id>23221<\/id>/);
  });

  it("refuses a bad amount, an unknown module, an unknown currency and a bad period, and changes nothing", async () => {
    const { container: c } = createTestContainer(ctx());
    const version = await c.repos.counters.read(c.db, "catalog");
    const cases: Array<[args: string[], message: RegExp]> = [
      [["prices", "set", "23221", "--period", "1", "--amount", "9,50", "--currency", "RUB"], /"9,50" is not a decimal amount/],
      [["prices", "set", "23221", "--period", "1", "--amount", "-5", "--currency", "RUB"], /not a decimal amount|greater than zero/],
      [["prices", "set", "99999", "--period", "1", "--amount", "950", "--currency", "RUB"], /No module with id 99999/],
      [["prices", "set", "23221", "--period", "1", "--amount", "950", "--currency", "XYZ"], /Unknown currency "XYZ"/],
      [["prices", "set", "23221", "--period", "3", "--amount", "950", "--currency", "RUB"], /Period must be 1 or 12/],
      [["modules", "disable", "abc"], /"abc" is not a module id/],
      [["prices", "set", "23221", "--period", "1", "--amount", "950"], /required option '--currency <code>' not specified/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args, env())));
    results.forEach((r, i) => {
      const [args, message] = cases[i]!;
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, message, args.join(" "));
      assert.doesNotMatch(r.stderr, /\n\s+at .+\(.+:\d+:\d+\)/, "no stack trace for an operator mistake");
      assert.equal(r.stdout, "", args.join(" "));
    });
    assert.equal(await c.repos.counters.read(c.db, "catalog"), version);
    assert.equal((await c.catalog.history("23221")).length, 0);
    assert.equal((await c.catalog.getModule("23221")).module.enabled, 1);
  });

  it("lists pending migrations with migrate --dry-run and applies nothing", async () => {
    const migrated = await cli("migrate", "--dry-run");
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.equal(migrated.stdout, "Nothing to migrate.\n");

    const fresh = await createTestDatabase(ctx().dialect, { migrate: false });
    try {
      const r = await runCli(["migrate", "--dry-run"], { DATABASE_URL: fresh.url, DATA_DIR: dataDir() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `Would run:\n${Object.keys(migrations).map((m) => `  ${m}\n`).join("")}`);
      assert.deepEqual(await pendingMigrations(fresh.database.db), Object.keys(migrations));

      const applied = await runCli(["migrate"], { DATABASE_URL: fresh.url, DATA_DIR: dataDir() });
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /^Applied:\n {2}0001_catalog\n/);
      assert.deepEqual(await pendingMigrations(fresh.database.db), []);
    } finally {
      await fresh.dispose();
    }
  });
});

describe("partnerbill CLI with a wrong configuration", () => {
  it("exits 1 with one message that lists every problem and echoes no value", async () => {
    const r = await runCli(["modules", "list"], {
      DATA_DIR: dataDir(),
      PORT: "abc",
      LOG_LEVEL: "chatty",
      SECRET_KEY: "hunter2-too-short",
      DATABASE_URL: "mysql://root:hunter3@db/partnerbill",
    });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^Invalid configuration:\n/);
    for (const key of ["PORT", "LOG_LEVEL", "SECRET_KEY", "DATABASE_URL"]) assert.match(r.stderr, new RegExp(`^ {2}- ${key}: `, "m"), key);
    assert.equal(r.stderr.trimEnd().split("\n").length, 5);
    assert.doesNotMatch(r.stderr, /hunter|chatty|abc/);
  });
});

describe("database migrations", () => {
  it("migrates a PostgreSQL schema even when another schema of the database has its own migration tables", async () => {
    // The shared test database always has other schemas; make sure of one that is migrated.
    const other = await createTestDatabase("postgres");
    const fresh = await createTestDatabase("postgres", { migrate: false });
    try {
      const r = await runCli(["migrate"], { DATABASE_URL: fresh.url, DATA_DIR: dataDir() });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await pendingMigrations(fresh.database.db), []);
    } finally {
      await fresh.dispose();
      await other.dispose();
    }
  });
});
