// The only code that reads and writes the alerts table (and the staff who asked for alert e-mail).
import type { Executor } from "../../db/database.ts";
import type { AlertRow } from "../../db/schema.ts";

export function createAlertsRepo() {
  return {
    findOpen(ex: Executor, kind: string, subject: string | null): Promise<AlertRow | undefined> {
      let q = ex.selectFrom("alerts").selectAll().where("kind", "=", kind).where("resolved_at", "is", null);
      q = subject === null ? q.where("subject", "is", null) : q.where("subject", "=", subject);
      return q.orderBy("created_at").executeTakeFirst();
    },

    async countOpenOfKind(ex: Executor, kind: string): Promise<number> {
      const r = await ex.selectFrom("alerts").select((eb) => eb.fn.countAll<number | string>().as("n")).where("kind", "=", kind).where("resolved_at", "is", null).executeTakeFirst();
      return Number(r?.n ?? 0);
    },

    async insert(ex: Executor, row: AlertRow): Promise<void> {
      await ex.insertInto("alerts").values(row).execute();
    },

    async touch(ex: Executor, id: string, message: string, now: string): Promise<void> {
      await ex.updateTable("alerts").set({ message, last_seen_at: now }).where("id", "=", id).execute();
    },

    /** Resolves the open alerts of these kinds about `subject` (any subject when undefined); returns them as resolved. */
    async resolveOpen(ex: Executor, kinds: readonly string[], subject: string | null | undefined, now: string, by: string): Promise<AlertRow[]> {
      if (kinds.length === 0) return [];
      let q = ex.selectFrom("alerts").selectAll().where("kind", "in", kinds).where("resolved_at", "is", null);
      if (subject !== undefined) q = subject === null ? q.where("subject", "is", null) : q.where("subject", "=", subject);
      const open = await q.execute();
      const done: AlertRow[] = [];
      for (const a of open) {
        // Guarded by resolved_at: a concurrent resolver closes it once, and only one emits its event.
        const r = await ex.updateTable("alerts").set({ resolved_at: now, resolved_by: by }).where("id", "=", a.id).where("resolved_at", "is", null).executeTakeFirst();
        if (Number(r.numUpdatedRows) > 0) done.push({ ...a, resolved_at: now, resolved_by: by });
      }
      return done;
    },

    async resolveById(ex: Executor, id: string, now: string, by: string): Promise<AlertRow | undefined> {
      const r = await ex.updateTable("alerts").set({ resolved_at: now, resolved_by: by }).where("id", "=", id).where("resolved_at", "is", null).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return undefined;
      return ex.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
    },

    list(ex: Executor, opts: { openOnly: boolean; kind?: string; limit: number }): Promise<AlertRow[]> {
      let q = ex.selectFrom("alerts").selectAll();
      if (opts.openOnly) q = q.where("resolved_at", "is", null);
      if (opts.kind !== undefined) q = q.where("kind", "=", opts.kind);
      return q.orderBy("last_seen_at", "desc").orderBy("id", "desc").limit(opts.limit).execute();
    },

    /** Open alerts per kind (for /metrics). */
    async openByKind(ex: Executor): Promise<Array<{ kind: string; count: number }>> {
      const rows = await ex.selectFrom("alerts").select((eb) => ["kind", eb.fn.countAll<number | string>().as("n")]).where("resolved_at", "is", null).groupBy("kind").execute();
      return rows.map((r) => ({ kind: r.kind, count: Number(r.n) }));
    },

    /** Active staff who opted in to alert e-mail. */
    alertRecipients(ex: Executor): Promise<Array<{ id: string; email: string }>> {
      return ex.selectFrom("staff_users").select(["id", "email"]).where("alert_emails", "=", 1).where("disabled", "=", 0).orderBy("id").execute();
    },

    /** By staff id or e-mail address. */
    async setAlertEmails(ex: Executor, staff: string, on: boolean, now: string): Promise<boolean> {
      const r = await ex
        .updateTable("staff_users")
        .set({ alert_emails: on ? 1 : 0, updated_at: now })
        .where((eb) => eb.or([eb("id", "=", staff), eb("email", "=", staff.trim().toLowerCase())]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>;
