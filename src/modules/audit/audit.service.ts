// The audit log: who did what, to what, when, from where. `record` writes one entry with the
// executor it is given — a use case that owns its transaction passes `tx`, so the change and its
// entry commit together (ADR 0017 says when an entry is written right after instead).
import type { Db, Executor } from "../../db/database.ts";
import type { AuditLogRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { invalidInput } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { ACTOR_KINDS, checkEntry, decodeCursor, encodeCursor, snapshot, type ActorKind, type AuditEntryInput } from "./audit.logic.ts";
import type { AuditRepo } from "./audit.repo.ts";

export interface AuditFilter {
  actorKind?: string;
  actorId?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

/** An entry as pages and the API show it: snapshots parsed back into values. */
export interface AuditEntry {
  id: string;
  at: string;
  actor: { kind: ActorKind; id: string | null; label: string | null };
  action: string;
  subject: { type: string; id: string };
  before: unknown;
  after: unknown;
  ip: string | null;
  requestId: string | null;
}

export const AUDIT_PAGE_MAX = 200;

export function toAuditEntry(r: AuditLogRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: { kind: r.actor_kind, id: r.actor_id, label: r.actor_label },
    action: r.action,
    subject: { type: r.subject_type, id: r.subject_id },
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
    ip: r.ip,
    requestId: r.request_id,
  };
}

const FILTER_TEXT = /^[\w.:@+-]{1,200}$/;

function isoOrFail(v: string, name: string): string {
  const ms = Date.parse(v);
  const d = new Date(ms);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms) || d.getUTCFullYear() > 9999) {
    throw invalidInput(`${name} must be a date or time like 2026-12-01 or 2026-12-01T10:00:00Z`);
  }
  return d.toISOString();
}

export function createAuditService(deps: { db: Db; audit: AuditRepo; clock: Clock; ids: IdGenerator }) {
  const { db, audit, clock, ids } = deps;

  /** Appends one entry with `ex` (pass the use case's transaction). Secrets are redacted by key. */
  async function record(ex: Executor, e: AuditEntryInput): Promise<AuditLogRow> {
    checkEntry(e);
    const row: AuditLogRow = {
      id: ids.next("aud"),
      at: clock.now().toISOString(),
      actor_kind: e.actor.kind,
      actor_id: e.actor.id,
      actor_label: e.actor.label ?? null,
      action: e.action,
      subject_type: e.subject.type,
      subject_id: e.subject.id,
      before: snapshot(e.before),
      after: snapshot(e.after),
      ip: e.ip ?? null,
      request_id: e.requestId ?? null,
    };
    await audit.insert(ex, row);
    return row;
  }

  /** Newest first; `nextCursor` continues after the last entry, null on the last page. */
  async function list(f: AuditFilter = {}): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
    for (const [name, v] of Object.entries({ actorId: f.actorId, action: f.action, subjectType: f.subjectType, subjectId: f.subjectId })) {
      if (v !== undefined && !FILTER_TEXT.test(v)) throw invalidInput(`${name} has characters no audit entry uses`);
    }
    if (f.actorKind !== undefined && !(ACTOR_KINDS as readonly string[]).includes(f.actorKind)) {
      throw invalidInput(`actorKind must be one of ${ACTOR_KINDS.join(", ")}`);
    }
    const limit = f.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX) throw invalidInput(`limit must be 1 to ${AUDIT_PAGE_MAX}`);
    const rows = await audit.list(db, {
      ...(f.actorKind ? { actorKind: f.actorKind as ActorKind } : {}),
      ...(f.actorId ? { actorId: f.actorId } : {}),
      ...(f.action ? { action: f.action } : {}),
      ...(f.subjectType ? { subjectType: f.subjectType } : {}),
      ...(f.subjectId ? { subjectId: f.subjectId } : {}),
      ...(f.from ? { from: isoOrFail(f.from, "from") } : {}),
      ...(f.to ? { to: isoOrFail(f.to, "to") } : {}),
      ...(f.cursor ? { after: decodeCursor(f.cursor) } : {}),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { entries: page.map(toAuditEntry), nextCursor: rows.length > limit && last ? encodeCursor({ at: last.at, id: last.id }) : null };
  }

  async function get(id: string): Promise<AuditEntry | undefined> {
    const r = await audit.findById(db, id);
    return r ? toAuditEntry(r) : undefined;
  }

  return { record, list, get };
}

export type AuditService = ReturnType<typeof createAuditService>;
