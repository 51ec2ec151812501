// The only code that touches audit_log. It inserts and reads; there is deliberately no update and
// no delete here (and triggers refuse them in the database, migration 0010).
import { sql } from "kysely";
import type { Executor } from "../../db/database.ts";
import type { AuditLogRow } from "../../db/schema.ts";
import type { ActorKind, AuditCursor } from "./audit.logic.ts";

export interface AuditQuery {
  actorKind?: ActorKind;
  actorId?: string;
  /** An exact action (price.set), or a prefix ending in `.` (price.) for a subject's every action. */
  action?: string;
  subjectType?: string;
  subjectId?: string;
  /** Inclusive lower and exclusive upper bound on `at`, ISO text. */
  from?: string;
  to?: string;
  /** Entries strictly older than this position. */
  after?: AuditCursor;
  limit: number;
}

export function createAuditRepo() {
  return {
    async insert(ex: Executor, row: AuditLogRow): Promise<void> {
      await ex.insertInto("audit_log").values(row).execute();
    },

    /** Newest first, keyset-paginated on (at, id). */
    list(ex: Executor, q: AuditQuery): Promise<AuditLogRow[]> {
      let s = ex.selectFrom("audit_log").selectAll();
      if (q.actorKind) s = s.where("actor_kind", "=", q.actorKind);
      if (q.actorId) s = s.where("actor_id", "=", q.actorId);
      // A prefix compares the action's first characters (LIKE would take `_` for a wildcard).
      const action = q.action;
      if (action) s = action.endsWith(".") ? s.where(sql<string>`substr(action, 1, ${action.length})`, "=", action) : s.where("action", "=", action);
      if (q.subjectType) s = s.where("subject_type", "=", q.subjectType);
      if (q.subjectId) s = s.where("subject_id", "=", q.subjectId);
      if (q.from) s = s.where("at", ">=", q.from);
      if (q.to) s = s.where("at", "<", q.to);
      const after = q.after;
      if (after) s = s.where((eb) => eb.or([eb("at", "<", after.at), eb.and([eb("at", "=", after.at), eb("id", "<", after.id)])]));
      return s.orderBy("at", "desc").orderBy("id", "desc").limit(q.limit).execute();
    },

    findById(ex: Executor, id: string): Promise<AuditLogRow | undefined> {
      return ex.selectFrom("audit_log").selectAll().where("id", "=", id).executeTakeFirst();
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
