// Every test that touches the database runs on SQLite and on PostgreSQL. `describeEachDialect`
// declares a suite twice; each test gets a fresh, migrated database: a temporary SQLite file, or
// its own schema in the PostgreSQL test database (TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test). PostgreSQL being down fails the Postgres half loudly.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe } from "node:test";
import pg from "pg";
import { createDatabase, type Database, type Dialect } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";

export const TEST_PG_URL = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
/**
 * The dialects database tests run on: both by default. TEST_DIALECTS=sqlite narrows a run (the
 * other-Node-versions pass in CI, scripts/test-node-versions.sh, checks the runtime, not the
 * databases again).
 */
export const DIALECTS: Dialect[] = dialectsFrom(process.env["TEST_DIALECTS"]);

function dialectsFrom(raw: string | undefined): Dialect[] {
  if (raw === undefined || raw.trim() === "") return ["sqlite", "postgres"];
  const list = raw.split(",").map((d) => d.trim());
  for (const d of list) if (d !== "sqlite" && d !== "postgres") throw new Error(`TEST_DIALECTS: unknown dialect "${d}" (sqlite, postgres)`);
  return list as Dialect[];
}

export interface TestDatabase {
  dialect: Dialect;
  /** A DATABASE_URL that reaches this very database (for child processes). */
  url: string;
  database: Database;
  dispose(): Promise<void>;
}

let schemaCounter = 0;

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

/** A fresh, migrated database of the given dialect. */
export async function createTestDatabase(dialect: Dialect, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "pb-test-"));
    const url = `sqlite:${join(dir, "test.db")}`;
    const database = createDatabase(url);
    if (opts.migrate !== false) await migrateToLatest(database.db);
    return {
      dialect,
      url,
      database,
      async dispose() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${++schemaCounter}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_PG_URL}: ${(e as Error).message}. Start it (see .ci/run) — the PostgreSQL half of the suite is never skipped.`);
  }
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = withSearchPath(TEST_PG_URL, schema);
  const database = createDatabase(url, { poolSize: 5 });
  if (opts.migrate !== false) await migrateToLatest(database.db);
  return {
    dialect,
    url,
    database,
    async dispose() {
      await database.close();
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/**
 * Declares `fn`'s tests once per dialect. `ctx()` returns the current test's fresh database.
 */
export function describeEachDialect(title: string, fn: (ctx: () => TestDatabase) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${title} [${dialect}]`, () => {
      let current: TestDatabase | undefined;
      beforeEach(async () => {
        current = await createTestDatabase(dialect);
      });
      afterEach(async () => {
        await current?.dispose();
        current = undefined;
      });
      fn(() => {
        if (!current) throw new Error("no test database (used outside a test?)");
        return current;
      });
    });
  }
}
