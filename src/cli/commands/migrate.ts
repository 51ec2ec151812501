// `partnerbill migrate`: apply pending migrations (serve also does this at start-up).
import type { Command } from "commander";
import { configOrExit } from "../runtime.ts";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("Apply pending database migrations")
    .option("--dry-run", "list the migrations that would run, change nothing")
    .action(async (opts: { dryRun?: boolean }) => {
      const config = await configOrExit();
      const [{ createDatabase }, { migrateToLatest, pendingMigrations }] = await Promise.all([import("../../db/database.ts"), import("../../db/migrate.ts")]);
      const database = createDatabase(config.DATABASE_URL);
      try {
        if (opts.dryRun) {
          const pending = await pendingMigrations(database.db);
          process.stdout.write(pending.length ? `Would run:\n${pending.map((m) => `  ${m}`).join("\n")}\n` : "Nothing to migrate.\n");
          return;
        }
        const ran = await migrateToLatest(database.db);
        process.stdout.write(ran.length ? `Applied:\n${ran.map((m) => `  ${m}`).join("\n")}\n` : "Already up to date.\n");
      } finally {
        await database.close();
      }
    });
}
