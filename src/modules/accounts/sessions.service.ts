// Server-side sessions of both realms (customer, staff). The browser holds a random id; the
// database holds its SHA-256, the realm, the subject, a CSRF secret and the expiry times. A new
// id is issued at every login and at every change of privilege, and the one the browser had
// before is deleted: an id planted before login (session fixation) opens nothing afterwards.
import type { Db, Executor } from "../../db/database.ts";
import type { SessionRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import {
  SECOND_FACTOR_WINDOW_MS,
  hashToken,
  isSessionLive,
  isWellFormedToken,
  newSecretToken,
  newSessionTimes,
  touchedIdleExpiry,
  type SessionLifetime,
} from "./accounts.logic.ts";
import type { SessionsRepo } from "./sessions.repo.ts";

export type Realm = SessionRow["realm"];

export interface StartedSession {
  /** The id for the cookie; never stored. */
  token: string;
  row: SessionRow;
}

export function createSessionService(deps: { db: Db; sessions: SessionsRepo; clock: Clock; lifetimes: Record<Realm, SessionLifetime> }) {
  const { db, sessions, clock, lifetimes } = deps;

  /**
   * A new session for `subjectId`. `replacing` is the id the browser presented (if any): it is
   * deleted in the same transaction, whatever it was.
   */
  async function start(
    realm: Realm,
    subjectId: string,
    opts: { replacing?: string | undefined; ip?: string | null; userAgent?: string | null; pendingSecondFactor?: boolean } = {},
  ): Promise<StartedSession> {
    const now = clock.now();
    const token = newSecretToken();
    const life = opts.pendingSecondFactor ? { idleMs: SECOND_FACTOR_WINDOW_MS, absoluteMs: SECOND_FACTOR_WINDOW_MS } : lifetimes[realm];
    const row: SessionRow = {
      id_hash: hashToken(token),
      realm,
      subject_id: subjectId,
      csrf_secret: newSecretToken(),
      pending_second_factor: opts.pendingSecondFactor ? 1 : 0,
      ...newSessionTimes(now, life),
      ip: opts.ip?.slice(0, 64) ?? null,
      user_agent: opts.userAgent?.slice(0, 300) ?? null,
    };
    await db.transaction().execute(async (tx) => {
      if (opts.replacing && isWellFormedToken(opts.replacing)) await sessions.delete(tx, hashToken(opts.replacing));
      await sessions.insert(tx, row);
    });
    return { token, row };
  }

  /** The live session of `realm` the token names, marked as seen; null for anything else. */
  async function resolve(realm: Realm, token: string | undefined): Promise<SessionRow | null> {
    if (!isWellFormedToken(token)) return null;
    const idHash = hashToken(token);
    const row = await sessions.find(db, idHash, realm);
    if (!row) return null;
    const now = clock.now();
    if (!isSessionLive(row, now)) {
      await sessions.delete(db, idHash);
      return null;
    }
    if (!row.pending_second_factor) {
      const idle = touchedIdleExpiry(row, now, lifetimes[realm]);
      if (idle) {
        await sessions.touch(db, idHash, now.toISOString(), idle);
        return { ...row, last_seen_at: now.toISOString(), idle_expires_at: idle };
      }
    }
    return row;
  }

  async function end(token: string | undefined): Promise<void> {
    if (isWellFormedToken(token)) await sessions.delete(db, hashToken(token));
  }

  /** Signs the subject out everywhere (password changed, account disabled). */
  function endAllFor(ex: Executor, realm: Realm, subjectId: string): Promise<number> {
    return sessions.deleteForSubject(ex, realm, subjectId);
  }

  function deleteExpired(): Promise<number> {
    return sessions.deleteExpired(db, clock.now().toISOString());
  }

  return { start, resolve, end, endAllFor, deleteExpired, list: (realm: Realm, subjectId: string) => sessions.listForSubject(db, realm, subjectId) };
}

export type SessionService = ReturnType<typeof createSessionService>;
