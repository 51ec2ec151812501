// Applies pending migrations. Safe when several nodes start at once: on PostgreSQL Kysely's
// migrator holds an advisory lock for the whole run, so one node migrates and the others wait,
// then find nothing to do; on SQLite a single process owns the file.

import { Migrator, type MigrationResultSet } from "kysely";
import type { Db } from "./database.ts";
import { migrations } from "./migrations/index.ts";

function migrator(db: Db): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const result: MigrationResultSet = await migrator(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName;
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`Migration ${failed ?? "(unknown)"} failed: ${cause}`);
  }
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Names of migrations that have not run yet (for `migrate --dry-run` and readiness checks). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
