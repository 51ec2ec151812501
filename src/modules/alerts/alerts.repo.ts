// The only code that reads and writes the alerts table.
import type { Executor } from "../../db/database.ts";
import type { AlertRow } from "../../db/schema.ts";

export function createAlertsRepo() {
  return {
    findOpen(ex: Executor, kind: string, subject: string | null): Promise<AlertRow | undefined> {
      let q = ex.selectFrom("alerts").selectAll().where("kind", "=", kind).where("resolved_at", "is", null);
      q = subject === null ? q.where("subject", "is", null) : q.where("subject", "=", subject);
      return q.orderBy("created_at").executeTakeFirst();
    },

    async insert(ex: Executor, row: AlertRow): Promise<void> {
      await ex.insertInto("alerts").values(row).execute();
    },

    async touch(ex: Executor, id: string, message: string, now: string): Promise<void> {
      await ex.updateTable("alerts").set({ message, last_seen_at: now }).where("id", "=", id).execute();
    },

    /** Resolves the open alerts of these kinds about `subject`; returns how many it resolved. */
    async resolveOpen(ex: Executor, kinds: readonly string[], subject: string | null, now: string): Promise<number> {
      if (kinds.length === 0) return 0;
      let q = ex.updateTable("alerts").set({ resolved_at: now }).where("kind", "in", kinds).where("resolved_at", "is", null);
      q = subject === null ? q.where("subject", "is", null) : q.where("subject", "=", subject);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async resolveById(ex: Executor, id: string, now: string): Promise<boolean> {
      const r = await ex.updateTable("alerts").set({ resolved_at: now }).where("id", "=", id).where("resolved_at", "is", null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    list(ex: Executor, opts: { openOnly: boolean; kind?: string; limit: number }): Promise<AlertRow[]> {
      let q = ex.selectFrom("alerts").selectAll();
      if (opts.openOnly) q = q.where("resolved_at", "is", null);
      if (opts.kind !== undefined) q = q.where("kind", "=", opts.kind);
      return q.orderBy("last_seen_at", "desc").orderBy("id", "desc").limit(opts.limit).execute();
    },
  };
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>;
