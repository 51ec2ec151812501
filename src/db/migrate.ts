// Applies pending migrations. Safe when several nodes start at once: on PostgreSQL Kysely's
// migrator holds an advisory lock for the whole run, so one node migrates and the others wait,
// then find nothing to do; on SQLite a single process owns the file.

import { Migrator, PostgresAdapter, sql, type Migration, type MigrationResultSet } from "kysely";
import type { Db } from "./database.ts";
import { migrations } from "./migrations/index.ts";

// Unless told a schema, Kysely takes its bookkeeping tables as present when a table of that name
// exists in *any* schema. On a PostgreSQL database where another schema has them (another
// partnerbill, another Kysely app, the parallel test schemas) it would skip creating ours and then
// fail on them, so they are pinned to the schema the connection works in.
async function migrator(db: Db, set: Record<string, Migration> = migrations): Promise<Migrator> {
  let migrationTableSchema: string | undefined;
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    const r = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    migrationTableSchema = r.rows[0]?.schema ?? undefined;
  }
  return new Migrator({
    db,
    provider: { getMigrations: async () => set },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}

// Kysely also looks for those tables by introspecting every schema of the database, and on
// PostgreSQL that read fails ("schema … does not exist", "relation … does not exist", "column … of
// relation … does not exist") when another session drops a schema or table meanwhile — another app's, or the test suite's parallel schemas.
// It fails before any migration has run, so it is simply read again.
const INTROSPECTION_ATTEMPTS = 8;

/** A short, growing pause before reading again, so a drop under way can finish. */
const pause = (attempt: number) => new Promise((r) => setTimeout(r, 25 * attempt));

function isConcurrentDrop(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "3F000" || code === "42P01" || code === "42703";
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  return migrateSet(db, migrations);
}

/**
 * Applies our migrations up to and including `last`, as the release that shipped it would have
 * (tests of upgrades from an older release).
 */
export async function migrateThrough(db: Db, last: string): Promise<string[]> {
  const names = Object.keys(migrations);
  if (!names.includes(last)) throw new Error(`No migration ${last}`);
  return migrateSet(db, Object.fromEntries(names.slice(0, names.indexOf(last) + 1).map((n) => [n, migrations[n]!])));
}

async function migrateSet(db: Db, set: Record<string, Migration>): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const result: MigrationResultSet = await (await migrator(db, set)).migrateToLatest();
    if (result.error) {
      const failed = result.results?.find((r) => r.status === "Error")?.migrationName;
      if (!failed && isConcurrentDrop(result.error) && attempt < INTROSPECTION_ATTEMPTS) {
        await pause(attempt);
        continue;
      }
      const cause = result.error instanceof Error ? result.error.message : String(result.error);
      throw new Error(`Migration ${failed ?? "(unknown)"} failed: ${cause}`);
    }
    return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
  }
}

/** Names of migrations that have not run yet (for `migrate --dry-run` and readiness checks). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const all = await (await migrator(db)).getMigrations();
      return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
    } catch (e) {
      if (!isConcurrentDrop(e) || attempt >= INTROSPECTION_ATTEMPTS) throw e;
      await pause(attempt);
    }
  }
}
