// The only code that reads and writes the `settings` table (key → text).
import type { Executor } from "../../db/database.ts";

export function createSettingsRepo() {
  return {
    async all(ex: Executor): Promise<Record<string, string>> {
      const rows = await ex.selectFrom("settings").select(["key", "value"]).execute();
      return Object.fromEntries(rows.map((r) => [r.key, r.value]));
    },

    async put(ex: Executor, key: string, value: string, at: string): Promise<void> {
      await ex
        .insertInto("settings")
        .values({ key, value, updated_at: at })
        .onConflict((oc) => oc.column("key").doUpdateSet({ value, updated_at: at }))
        .execute();
    },

    /** Inserts `key` only when it does not exist yet; true when this call inserted it. */
    async insertIfAbsent(ex: Executor, key: string, value: string, at: string): Promise<boolean> {
      const r = await ex
        .insertInto("settings")
        .values({ key, value, updated_at: at })
        .onConflict((oc) => oc.column("key").doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async remove(ex: Executor, key: string): Promise<void> {
      await ex.deleteFrom("settings").where("key", "=", key).execute();
    },
  };
}

export type SettingsRepo = ReturnType<typeof createSettingsRepo>;
