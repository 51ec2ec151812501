// The only code that reads and writes api_tokens.
import type { Executor } from "../../db/database.ts";
import type { ApiTokenRow } from "../../db/schema.ts";

export function createApiTokensRepo() {
  return {
    async insert(ex: Executor, row: ApiTokenRow): Promise<void> {
      await ex.insertInto("api_tokens").values(row).execute();
    },
    findById(ex: Executor, id: string): Promise<ApiTokenRow | undefined> {
      return ex.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst();
    },
    list(ex: Executor): Promise<ApiTokenRow[]> {
      return ex.selectFrom("api_tokens").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").execute();
    },
    /** Revokes a live token; false when there was none (unknown or revoked already). */
    async revoke(ex: Executor, id: string, at: string): Promise<boolean> {
      const r = await ex.updateTable("api_tokens").set({ revoked_at: at }).where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Sets last_used_at unless it is already later than `staleBefore` (one write a minute, not per call). */
    async touch(ex: Executor, id: string, at: string, staleBefore: string): Promise<void> {
      await ex
        .updateTable("api_tokens")
        .set({ last_used_at: at })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", staleBefore)]))
        .execute();
    },
  };
}

export type ApiTokensRepo = ReturnType<typeof createApiTokensRepo>;
