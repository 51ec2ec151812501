// Migrations are forward-only: a database made by an earlier release must upgrade to exactly the
// schema of a fresh install, keeping every row. test/fixtures/release-0.1.0.db is such a database,
// made once by scripts/make-release-fixture.ts (docs/DEPLOY.md, "Releasing"). On SQLite the file
// itself is upgraded — so editing a released migration shows up here as a schema difference; on
// PostgreSQL the same rows are loaded into a schema migrated to the release's level first.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { sql } from "kysely";
import { createDatabase, type Database, type Db, type Dialect } from "../src/db/database.ts";
import { migrateThrough, migrateToLatest, pendingMigrations } from "../src/db/migrate.ts";
import { migrations } from "../src/db/migrations/index.ts";
import { createTestApp } from "./helpers/app.ts";
import { runCli } from "./helpers/cli.ts";
import { allRows, project, schemaOf, tableNames } from "./helpers/db-contents.ts";
import { createTestDatabase, describeEachDialect, type TestDatabase } from "./helpers/db.ts";

const FIXTURE = new URL("./fixtures/release-0.1.0.db", import.meta.url).pathname;
const OURS = Object.keys(migrations);
const EXPORT = "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "pb-migrations-"));
  dirs.push(d);
  return d;
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const r = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return r.rows.map((x) => x.name);
}

/** The release's database in this dialect, not upgraded yet, with the migrations it has. */
async function releaseDatabase(dialect: Dialect): Promise<{ t: TestDatabase; release: string[] }> {
  const dir = tempDir();
  const file = join(dir, "release.db");
  copyFileSync(FIXTURE, file);
  const copy = createDatabase(`sqlite:${file}`);
  const release = await appliedMigrations(copy.db);
  if (dialect === "sqlite") {
    return { t: { dialect, url: `sqlite:${file}`, database: copy, dispose: () => copy.close() }, release };
  }
  const rows = await allRows(copy);
  await copy.close();
  const t = await createTestDatabase("postgres", { migrate: false });
  await migrateThrough(t.database.db, release.at(-1)!);
  const db = t.database.db;
  // The migrations seed a few rows (the known modules); the release's rows replace them.
  for (const table of (await tableNames(t.database)).reverse()) await sql`delete from ${sql.table(table)}`.execute(db);
  for (const table of await tableNames(t.database)) {
    for (const row of rows[table] ?? []) await db.insertInto(table as never).values(row as never).execute();
  }
  return { t, release };
}

describeEachDialect("upgrading a release 0.1.0 database", (ctx) => {
  it("keeps every row and ends with exactly the schema of a fresh install", async () => {
    const { t: old, release } = await releaseDatabase(ctx().dialect);
    try {
      assert.deepEqual(OURS.slice(0, release.length), release, "the fixture's migrations are the first of ours");
      const before = await allRows(old.database);
      assert.equal(before["orders"]?.length, 4, "the fixture has its orders");

      const ran = await migrateToLatest(old.database.db);

      assert.deepEqual(ran, OURS.slice(release.length));
      assert.deepEqual(await appliedMigrations(old.database.db), OURS);
      assert.deepEqual(project(await allRows(old.database), before), before, "every row of the release, with the values it had");
      assert.deepEqual(await schemaOf(old.database), await schemaOf(ctx().database));
    } finally {
      await old.dispose();
    }
  });

  it("serves the release's prices and knows its customers after the upgrade", async () => {
    const { t: old } = await releaseDatabase(ctx().dialect);
    try {
      await migrateToLatest(old.database.db);
      const { app, c } = await createTestApp(old);
      const res = await app.inject({ method: "GET", url: EXPORT });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<id>23221<\/id>.*<period cost="11\.9000" type="month" length="1">monthly<\/period><period cost="119\.0000" type="month" length="12">annually<\/period>/);
      assert.doesNotMatch(res.body, /<id>55371<\/id>/, "a module the release had disabled stays disabled");
      const ann = await c.customers.show("ann@example.com");
      assert.deepEqual(ann.balances, [{ minor: 5000 - 1190 - 1190, currency: "EUR" }]);
      await app.close();
    } finally {
      await old.dispose();
    }
  });

  it("lists what `migrate --dry-run` would run on it, and changes nothing", async () => {
    const { t: old, release } = await releaseDatabase(ctx().dialect);
    try {
      const expected = OURS.slice(release.length);
      const r = await runCli(["migrate", "--dry-run"], { DATABASE_URL: old.url, DATA_DIR: tempDir() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, expected.length ? `Would run:\n${expected.map((m) => `  ${m}`).join("\n")}\n` : "Nothing to migrate.\n");
      assert.deepEqual(await appliedMigrations(old.database.db), release);
      assert.deepEqual(await pendingMigrations(old.database.db), expected);
    } finally {
      await old.dispose();
    }
  });

  it("lists the pending migrations of a database two releases behind", async () => {
    const t: Database = ctx().database;
    // ctx() is migrated to the latest; a second, older database shows a longer list.
    const older = await createTestDatabase(ctx().dialect, { migrate: false });
    try {
      await migrateThrough(older.database.db, OURS[1]!);
      const r = await runCli(["migrate", "--dry-run"], { DATABASE_URL: older.url, DATA_DIR: tempDir() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `Would run:\n${OURS.slice(2).map((m) => `  ${m}`).join("\n")}\n`);
      assert.deepEqual(await appliedMigrations(older.database.db), OURS.slice(0, 2));
      assert.deepEqual(await pendingMigrations(t.db), []);
    } finally {
      await older.dispose();
    }
  });
});
