// `partnerbill backup` and `partnerbill restore` as an operator runs them. Backups are
// dialect-specific by nature, so the suites are too: SQLite goes through partnerbill's own
// commands (with a server running while the backup is taken), PostgreSQL through the pg_dump and
// pg_restore commands that partnerbill prints — which the test runs, to prove they work.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { sql } from "kysely";
import { compareMigrations, inspectSqliteFile } from "../src/db/backup.ts";
import { createDatabase } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { migrations } from "../src/db/migrations/index.ts";
import { createTestContainer } from "./helpers/app.ts";
import { runCli } from "./helpers/cli.ts";
import { allRows, type Rows } from "./helpers/db-contents.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/db.ts";
import { startServe } from "./helpers/serve-process.ts";

const OURS = Object.keys(migrations);
const FIXTURE = new URL("./fixtures/release-0.1.0.db", import.meta.url).pathname;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "pb-backup-"));
  dirs.push(d);
  return d;
}

/** A customer with a balance, a price, and a paid order waiting for its placing job. */
async function seed(t: TestDatabase) {
  const { container: c } = createTestContainer(t);
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  const ann = await c.customers.add({ email: "ann@example.com", name: "Ann" });
  await c.customers.credit(ann.id, { amount: "50", currency: "EUR", reason: "bank transfer", actor: "test" });
  const { order } = await c.orders.intake({ module: "DDoSGUARD", license: "100001", ip: "192.0.2.10", module_id: "23221" }, null);
  await c.orders.payFromBalance(order.id, ann.id, "test");
  return c;
}

/** A migrated SQLite database in its own directory (closed again: the CLI and the server open it). */
async function sqliteDatabase(): Promise<{ dir: string; file: string; url: string; rows: () => Promise<Rows> }> {
  const dir = tempDir();
  const file = join(dir, "partnerbill.db");
  const url = `sqlite:${file}`;
  const rowsOf = async (f: string) => {
    const d = createDatabase(`sqlite:${f}`);
    try {
      return await allRows(d);
    } finally {
      await d.close();
    }
  };
  const database = createDatabase(url);
  await migrateToLatest(database.db);
  await database.close();
  return { dir, file, url, rows: () => rowsOf(file) };
}

async function rowsOfFile(file: string): Promise<Rows> {
  // Opening sets WAL mode on the file; a copy keeps the original as it was.
  const copy = join(tempDir(), "copy.db");
  copyFileSync(file, copy);
  const d = createDatabase(`sqlite:${copy}`);
  try {
    return await allRows(d);
  } finally {
    await d.close();
  }
}

function monthlyPrice(rows: Rows): unknown {
  return rows["module_prices"]?.find((p) => p["module_id"] === "eu-23221" && p["period_months"] === 1)?.["amount_minor"];
}

describe("partnerbill backup and restore [sqlite]", () => {
  it("backs up while the server runs, refuses to restore under it, and restores once it is stopped", async () => {
    const db = await sqliteDatabase();
    {
      const open = createDatabase(db.url);
      await seed({ dialect: "sqlite", url: db.url, database: open, dispose: () => open.close() });
      await open.close();
    }
    const seeded = await db.rows();
    const env = { DATABASE_URL: db.url, DATA_DIR: db.dir, DEMO_DATA: "false" };
    const server = await startServe(env, { roles: "web" });
    let stopped = false;
    try {
      const backupFile = join(db.dir, "nightly.db");
      const b = await runCli(["backup", backupFile], env);
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stdout, new RegExp(`Backed up .*partnerbill\\.db to .*nightly\\.db \\(.* MB, ${OURS.length} migrations up to ${OURS.at(-1)}, integrity ok\\)`));
      assert.match(b.stdout, /secret\.key\) is not in the backup/);
      assert.equal(statSync(backupFile).mode & 0o777, 0o600, "a backup is readable by its owner only");
      assert.deepEqual(readdirSync(db.dir).filter((f) => f.startsWith("nightly.db") || f.startsWith(".nightly")), ["nightly.db"], "one self-contained file, no -wal, no leftovers");
      assert.deepEqual(await rowsOfFile(backupFile), seeded);

      const again = await runCli(["backup", backupFile], env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /nightly\.db exists; choose another name or pass --force/);

      const changed = await runCli(["prices", "set", "23221", "--period", "1", "--amount", "12.50", "--currency", "EUR"], env);
      assert.equal(changed.code, 0, changed.stderr);

      const underServer = await runCli(["restore", backupFile, "--force"], env);
      assert.equal(underServer.code, 1);
      assert.match(underServer.stderr, /is open in another process — a running partnerbill\? Stop it first/);
      assert.equal(monthlyPrice(await db.rows()), 1250, "nothing was restored");

      assert.deepEqual(await server.stop(), { code: 0, signal: null });
      stopped = true;

      const noForce = await runCli(["restore", backupFile], env);
      assert.equal(noForce.code, 1);
      assert.match(noForce.stderr, /already holds a database; pass --force to replace it/);

      const r = await runCli(["restore", backupFile, "--force"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Restored .*nightly\.db into .*partnerbill\.db \(\d+ migrations, integrity ok\)\.\nThe database it replaced is kept as (.*partnerbill\.db\.before-restore-\d{8}T\d{6}Z)\.\nIts schema is current\./);
      const keptAs = /kept as (.*)\.\n/.exec(r.stdout)![1]!;
      assert.deepEqual(await db.rows(), seeded, "the database is the backup again");
      assert.equal(monthlyPrice(await rowsOfFile(keptAs)), 1250, "the replaced database is kept, with the later change");
      assert.equal(statSync(db.file).mode & 0o777, 0o600);
    } finally {
      if (!stopped) await server.stop();
    }
  });

  it("restores an older release's backup and says which migrations the next start applies", async () => {
    const dir = tempDir();
    const env = { DATABASE_URL: `sqlite:${join(dir, "partnerbill.db")}`, DATA_DIR: dir };
    const copy = join(tempDir(), "release.db");
    copyFileSync(FIXTURE, copy);
    const release = inspectSqliteFile(copy).migrations!;
    const r = await runCli(["restore", copy], env);
    assert.equal(r.code, 0, r.stderr);
    const pending = OURS.slice(release.length);
    assert.match(r.stdout, new RegExp(`\\(${release.length} migrations, integrity ok\\)`));
    // Right after a release its fixture is current; later releases add the migrations to apply.
    assert.ok(r.stdout.includes(pending.length ? `applies ${pending.length} migration(s): ${pending.join(", ")}.` : "Its schema is current."), r.stdout);
    assert.doesNotMatch(r.stdout, /kept as/, "there was nothing to keep");
    const m = await runCli(["migrate"], env);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(m.stdout, pending.length ? `Applied:\n${pending.map((x) => `  ${x}`).join("\n")}\n` : "Already up to date.\n");
  });

  it("refuses a backup made by a newer release, and leaves the database alone", async () => {
    const db = await sqliteDatabase();
    const before = await db.rows();
    const future = join(db.dir, "future.db");
    copyFileSync(FIXTURE, future);
    const f = createDatabase(`sqlite:${future}`);
    await migrateToLatest(f.db);
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01T00:00:00.000Z')`.execute(f.db);
    await f.close();

    const r = await runCli(["restore", future, "--force"], { DATABASE_URL: db.url, DATA_DIR: db.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /future\.db was made by a newer partnerbill release \(migrations 9999_from_the_future are unknown to this one\)\. Migrations only go forward/);
    assert.deepEqual(await db.rows(), before);
    assert.deepEqual(readdirSync(db.dir).filter((n) => n.includes("before-restore") || n.includes(".restore-")), []);
  });

  it("refuses files that are not partnerbill databases", async () => {
    const dir = tempDir();
    const env = { DATABASE_URL: `sqlite:${join(dir, "partnerbill.db")}`, DATA_DIR: dir };
    const text = join(dir, "notes.txt");
    writeFileSync(text, "these are not the pages you are looking for\n".repeat(200));
    const other = join(dir, "other.db");
    const o = createDatabase(`sqlite:${other}`);
    await sql`create table t (x integer)`.execute(o.db);
    await o.close();

    const r1 = await runCli(["restore", text], env);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /notes\.txt is not an SQLite database/);
    const r2 = await runCli(["restore", other], env);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /other\.db is not a partnerbill database \(it has no kysely_migration table\)/);
    const r3 = await runCli(["restore", join(dir, "missing.db")], env);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /No database file at .*missing\.db/);
    assert.equal(existsSync(join(dir, "partnerbill.db")), false);
  });
});

describe("PostgreSQL backups [postgres]", () => {
  it("prints pg_dump and pg_restore commands that back up and restore the database", async () => {
    const t = await createTestDatabase("postgres");
    try {
      const c = await seed(t);
      const seeded = await allRows(t.database);
      const file = join(tempDir(), "pb.dump");
      const env = { DATABASE_URL: t.url, DATA_DIR: tempDir() };

      const b = await runCli(["backup", file], env);
      assert.equal(b.code, 2);
      const dump = /back up: +(pg_dump .*)$/m.exec(b.stderr)?.[1];
      const restore = /restore: +(pg_restore .*)$/m.exec(b.stderr)?.[1];
      assert.ok(dump && restore, b.stderr);
      assert.match(dump, /^pg_dump --format=custom --schema=t_\w+ --file=\S+pb\.dump postgres:\/\/postgres@127\.0\.0\.1:5432\/test$/);
      const r = await runCli(["restore", file], env);
      assert.equal(r.code, 2);
      assert.ok(r.stderr.includes(restore), "restore prints the same command");

      execFileSync("sh", ["-c", dump], { stdio: "pipe" });
      await c.catalog.setPrice("23221", { period: 1, amount: "12.50", currency: "EUR" }, { source: "cli" });
      await c.customers.add({ email: "late@example.com" });
      assert.notDeepEqual(await allRows(t.database), seeded);

      execFileSync("sh", ["-c", restore], { stdio: "pipe" });
      assert.deepEqual(await allRows(t.database), seeded);
    } finally {
      await t.dispose();
    }
  });

  it("never shows the password in the commands", async () => {
    const r = await runCli(["backup", "x.dump"], { DATABASE_URL: "postgres://billing:s3cret-pw@db.internal:6432/billing", DATA_DIR: tempDir() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pg_dump --format=custom --file=x\.dump postgres:\/\/billing@db\.internal:6432\/billing/);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cret/);
  });
});

describe("where a backup's migrations stand against ours", () => {
  const ours = ["0001_a", "0002_b", "0003_c"];
  it("tells current, older (with what is pending), newer and diverged apart", () => {
    assert.deepEqual(compareMigrations(ours, ours), { status: "current" });
    assert.deepEqual(compareMigrations(["0001_a"], ours), { status: "older", pending: ["0002_b", "0003_c"] });
    assert.deepEqual(compareMigrations([], ours), { status: "older", pending: ours });
    assert.deepEqual(compareMigrations([...ours, "0004_d"], ours), { status: "newer", unknown: ["0004_d"] });
    assert.deepEqual(compareMigrations(["0001_a", "0003_c"], ours), { status: "diverged", missing: ["0002_b"] });
  });
});
