// The only code that reads and writes rate_limit_counters.
import { sql } from "kysely";
import type { Executor } from "../../db/database.ts";

export function createRateLimitRepo() {
  return {
    /**
     * Counts one hit of `key` in the window starting at `windowStart` and returns the window's
     * count including it. One statement — an upsert that increments in place — so concurrent hits
     * on any number of nodes each get their own count, on SQLite and PostgreSQL alike.
     */
    async hit(ex: Executor, key: string, windowStart: number): Promise<number> {
      const row = await ex
        .insertInto("rate_limit_counters")
        .values({ key, window_start: windowStart, hits: 1 })
        .onConflict((oc) => oc.columns(["key", "window_start"]).doUpdateSet({ hits: sql<number>`rate_limit_counters.hits + 1` }))
        .returning("hits")
        .executeTakeFirstOrThrow();
      return Number(row.hits);
    },
    /** Deletes the counters of windows that started before `windowStart`. */
    async deleteBefore(ex: Executor, windowStart: number): Promise<void> {
      await ex.deleteFrom("rate_limit_counters").where("window_start", "<", windowStart).execute();
    },
  };
}

export type RateLimitRepo = ReturnType<typeof createRateLimitRepo>;
