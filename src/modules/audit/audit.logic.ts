// Pure audit rules: who an actor is, what an entry holds, which keys are secrets, and the keyset
// cursor of the newest-first listing.
import { invalidInput } from "../../lib/errors.ts";

export const ACTOR_KINDS = ["staff", "api_token", "system", "cli"] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Who did it: a staff member, an API token, partnerbill itself, or an operator's shell. */
export interface AuditActor {
  kind: ActorKind;
  /** Staff id, token id, OS user name; null for the system. */
  id: string | null;
  /** Readable at the time of the action (e-mail, token name); ids outlive names. */
  label?: string | null;
}

/** Who and from where, as the surface that received the request knows it. */
export interface AuditContext {
  actor: AuditActor;
  ip?: string | null;
  requestId?: string | null;
}

/** What happened: `action` is `<subject>.<verb>` (price.set, order.cancel, api_token.revoke). */
export interface AuditEntryInput extends AuditContext {
  action: string;
  subject: { type: string; id: string };
  before?: unknown;
  after?: unknown;
}

export const REDACTED = "[redacted]";

/**
 * Keys whose values never enter the log, at any depth: passwords, secrets, tokens and their
 * hashes, credentials. Matched on the key name with case, `_` and `-` ignored, so `apiKey`,
 * `api_key` and `API-KEY` are one name. Ids of tokens (`tokenId`) are not secrets and stay.
 */
const SECRET_KEY_PARTS = ["password", "passwd", "secret", "authinfo", "apikey", "authorization", "cookie", "privatekey", "totp"];
const SECRET_KEYS = new Set(["token", "hash", "pass", "pwd", "credentials", "key"]);

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, "");
  return SECRET_KEYS.has(k) || SECRET_KEY_PARTS.some((p) => k.includes(p));
}

/** A JSON-safe copy of `value` with every secret key's value replaced by "[redacted]". */
export function redact(value: unknown, depth = 0): unknown {
  if (value === undefined) return null;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (depth > 20) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return String(value);
}

/** Stored form of before/after: redacted JSON text, or null when there is nothing to keep. */
export function snapshot(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(redact(value));
}

export const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

export function checkEntry(e: AuditEntryInput): void {
  if (!ACTION_PATTERN.test(e.action)) throw new Error(`audit action "${e.action}" is not <subject>.<verb>`);
  if (!ACTOR_KINDS.includes(e.actor.kind)) throw new Error(`audit actor kind "${String(e.actor.kind)}" is unknown`);
  if (!e.subject.type || !e.subject.id) throw new Error("an audit entry needs a subject type and id");
}

/** Position in the newest-first listing: the (at, id) of the last entry of a page. */
export interface AuditCursor {
  at: string;
  id: string;
}

export function encodeCursor(c: AuditCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id]), "utf8").toString("base64url");
}

export function decodeCursor(text: string): AuditCursor {
  const bad = () => invalidInput("The cursor is not one this listing gave out");
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "string" || typeof v[1] !== "string") throw bad();
  if (Number.isNaN(Date.parse(v[0])) || !/^[a-z]+_[0-9a-z]+$/.test(v[1])) throw bad();
  return { at: v[0], id: v[1] };
}
