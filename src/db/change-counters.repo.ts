// Change counters: a version number per kind of shared state. A node that caches something derived
// from the database (the price list) compares the counter with the version it built from; bumping
// it in the same transaction as the change makes every node — and other processes such as the
// CLI — notice within one poll.
import { sql } from "kysely";
import type { Executor } from "./database.ts";

export type CounterName = "catalog";

export function createChangeCountersRepo() {
  return {
    async bump(ex: Executor, name: CounterName): Promise<void> {
      await ex
        .updateTable("change_counters")
        .set({ version: sql`version + 1` })
        .where("name", "=", name)
        .execute();
    },
    async read(ex: Executor, name: CounterName): Promise<number> {
      const row = await ex.selectFrom("change_counters").select("version").where("name", "=", name).executeTakeFirst();
      return Number(row?.version ?? 0);
    },
  };
}

export type ChangeCountersRepo = ReturnType<typeof createChangeCountersRepo>;
