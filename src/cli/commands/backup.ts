// `partnerbill backup <file>` and `partnerbill restore <file>`: the SQLite database to a checked,
// self-contained file and back. On PostgreSQL both print the pg_dump / pg_restore command to run
// instead (docs/DEPLOY.md, docs/adr/0009-operations.md).
import type { Command } from "commander";
import { invalidInput } from "../../lib/errors.ts";
import { systemClock } from "../../lib/clock.ts";
import { configOrExit } from "../runtime.ts";

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}

async function refuseOnPostgres(url: string, file: string, what: "backup" | "restore"): Promise<never> {
  const { postgresCommands } = await import("../../db/backup.ts");
  const cmd = postgresCommands(url, file);
  throw invalidInput(
    [
      `DATABASE_URL is PostgreSQL: partnerbill ${what} handles the SQLite file only. Use PostgreSQL's own tools (the password comes from ~/.pgpass or PGPASSWORD):`,
      `  back up:  ${cmd.dump}`,
      `  restore:  ${cmd.restore}`,
    ].join("\n"),
  );
}

export function registerBackup(program: Command): void {
  program
    .command("backup <file>")
    .description("Copy the SQLite database into <file>, safely while the server runs, and check the copy (PostgreSQL: prints the pg_dump command)")
    .option("--force", "replace <file> when it exists")
    .action(async (file: string, opts: { force?: boolean }) => {
      const config = await configOrExit();
      if (!config.DATABASE_URL.startsWith("sqlite:")) await refuseOnPostgres(config.DATABASE_URL, file, "backup");
      const { backupSqlite, sqliteFileOf } = await import("../../db/backup.ts");
      const r = await backupSqlite(sqliteFileOf(config.DATABASE_URL), file, { force: Boolean(opts.force) });
      const last = r.migrations?.at(-1) ?? "none";
      process.stdout.write(
        [
          `Backed up ${sqliteFileOf(config.DATABASE_URL)} to ${r.file} (${megabytes(r.bytes)}, ${r.migrations?.length ?? 0} migrations up to ${last}, integrity ok).`,
          config.SECRET_KEY
            ? "SECRET_KEY is not in the backup: keep it safe on its own; without it stored credentials cannot be read."
            : `The secret key (${config.DATA_DIR}/secret.key) is not in the backup: keep a copy on its own; without it stored credentials cannot be read.`,
          "",
        ].join("\n"),
      );
    });

  program
    .command("restore <file>")
    .description("Replace the SQLite database with a backup made by `partnerbill backup` (stop the server first; PostgreSQL: prints the pg_restore command)")
    .option("--force", "replace an existing database (it is kept as <db>.before-restore-<time>)")
    .action(async (file: string, opts: { force?: boolean }) => {
      const config = await configOrExit();
      if (!config.DATABASE_URL.startsWith("sqlite:")) await refuseOnPostgres(config.DATABASE_URL, file, "restore");
      const [{ restoreSqlite, sqliteFileOf }, { migrations }] = await Promise.all([import("../../db/backup.ts"), import("../../db/migrations/index.ts")]);
      const target = sqliteFileOf(config.DATABASE_URL);
      const r = restoreSqlite(file, target, { migrations: Object.keys(migrations), force: Boolean(opts.force), now: systemClock.now() });
      process.stdout.write(
        [
          `Restored ${r.backup.file} into ${target} (${r.backup.migrations?.length ?? 0} migrations, integrity ok).`,
          ...(r.keptAs ? [`The database it replaced is kept as ${r.keptAs}.`] : []),
          r.pending.length > 0
            ? `The next \`partnerbill serve\` (or \`partnerbill migrate\`) applies ${r.pending.length} migration(s): ${r.pending.join(", ")}.`
            : "Its schema is current.",
          "",
        ].join("\n"),
      );
    });
}
