// The only code that reads and writes sessions.
import type { Executor } from "../../db/database.ts";
import type { SessionRow } from "../../db/schema.ts";

export function createSessionsRepo() {
  return {
    async insert(ex: Executor, row: SessionRow): Promise<void> {
      await ex.insertInto("sessions").values(row).execute();
    },
    find(ex: Executor, idHash: string, realm: SessionRow["realm"]): Promise<SessionRow | undefined> {
      return ex.selectFrom("sessions").selectAll().where("id_hash", "=", idHash).where("realm", "=", realm).executeTakeFirst();
    },
    async touch(ex: Executor, idHash: string, lastSeenAt: string, idleExpiresAt: string): Promise<void> {
      await ex.updateTable("sessions").set({ last_seen_at: lastSeenAt, idle_expires_at: idleExpiresAt }).where("id_hash", "=", idHash).execute();
    },
    async delete(ex: Executor, idHash: string): Promise<void> {
      await ex.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
    },
    async deleteForSubject(ex: Executor, realm: SessionRow["realm"], subjectId: string): Promise<number> {
      const r = await ex.deleteFrom("sessions").where("realm", "=", realm).where("subject_id", "=", subjectId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async deleteExpired(ex: Executor, now: string): Promise<number> {
      const r = await ex
        .deleteFrom("sessions")
        .where((eb) => eb.or([eb("expires_at", "<=", now), eb("idle_expires_at", "<=", now)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    listForSubject(ex: Executor, realm: SessionRow["realm"], subjectId: string): Promise<SessionRow[]> {
      return ex.selectFrom("sessions").selectAll().where("realm", "=", realm).where("subject_id", "=", subjectId).orderBy("created_at").execute();
    },
  };
}

export type SessionsRepo = ReturnType<typeof createSessionsRepo>;
