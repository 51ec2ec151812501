// Pure rules of accounts and sessions: password policy, tokens, safe redirects, throttling and
// session lifetimes. Everything security-critical that needs no I/O lives here, with unit tests.
import { createHash, randomBytes } from "node:crypto";

// ---- passwords -------------------------------------------------------------------------------

export const PASSWORD_MIN = 10;
/** argon2 hashes any length, but a megabyte-long "password" is a cheap way to burn our CPU. */
export const PASSWORD_MAX = 256;

/** Why `password` cannot be a new password, or null when it can. */
export function passwordProblem(password: string, email: string): string | null {
  return passwordProblemOf(password, email)?.message ?? null;
}

/** The problem with a new password: English for the API and logs, and its catalog message for pages. */
export function passwordProblemOf(password: string, email: string): { message: string; messageKey: `form.password.${string}`; values?: Record<string, number> } | null {
  if (password.length < PASSWORD_MIN) return { message: `The password must have at least ${PASSWORD_MIN} characters.`, messageKey: "form.password.too_short", values: { min: PASSWORD_MIN } };
  if (password.length > PASSWORD_MAX) return { message: `The password must have at most ${PASSWORD_MAX} characters.`, messageKey: "form.password.too_long", values: { max: PASSWORD_MAX } };
  if (password.trim().length === 0) return { message: "The password must not be only spaces.", messageKey: "form.password.blank" };
  if (password.toLowerCase() === email.toLowerCase() || password.toLowerCase() === email.split("@", 1)[0]?.toLowerCase()) {
    return { message: "The password must not be your e-mail address.", messageKey: "form.password.is_email" };
  }
  if (/^(.)\1+$/.test(password)) return { message: "The password must not be one character repeated.", messageKey: "form.password.repeated" };
  return null;
}

// ---- tokens and session ids ------------------------------------------------------------------

/** 256 random bits, URL-safe: session ids, e-mailed tokens, CSRF secrets. */
/**
 * What a sign-in form sent, bounded and typed: the e-mail as typed, lower-cased (the throttle's
 * key, also for addresses that are not well-formed) and the password ('' when absent).
 */
export function signInFields(input: { email: unknown; password: unknown }): { typed: string; password: string } {
  return {
    typed: typeof input.email === "string" ? input.email.trim().toLowerCase().slice(0, 320) : "",
    password: typeof input.password === "string" ? input.password.slice(0, 1024) : "",
  };
}

export function newSecretToken(): string {
  return randomBytes(32).toString("base64url");
}

/** How tokens and session ids are stored: SHA-256, so a copy of the database opens nothing. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Tokens in cookies and links are 43 base64url characters; anything else is not looked up. */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === "string" && /^[A-Za-z0-9_-]{43}$/.test(token);
}

export const TOKEN_TTL_MS = {
  verify_email: 24 * 3_600_000,
  password_reset: 3_600_000,
} as const;

/** At most this many account e-mails per address per hour (sign-up, reset): no mail bombing. */
export const MAILS_PER_ADDRESS_PER_HOUR = 3;

// ---- redirects -------------------------------------------------------------------------------

/** Where relative `next` values are resolved when the caller does not name its origin. */
const PLACEHOLDER_ORIGIN = "http://partnerbill.invalid";

/**
 * THE redirect validator: every `next` (after sign-in, sign-up, reset, and the login redirects)
 * goes through it. The input is resolved against this site's origin (PUBLIC_URL) with the WHATWG
 * URL parser — the one browsers use, which also folds dot segments, percent-encoded dots,
 * backslashes, tabs and newlines — and only a result on this origin is kept, as a path that
 * cannot be read as another host ("//…"). So "/.//evil.example", "/a/..//evil.example" and
 * "/%2e//evil.example", which a prefix check lets through and which normalise to
 * "//evil.example", are refused. Anything else gives `fallback`.
 */
export function safeNext(input: unknown, fallback: string, origin: string = PLACEHOLDER_ORIGIN): string {
  if (typeof input !== "string" || input.length === 0 || input.length > 512) return fallback;
  // No link this site makes has control characters or backslashes in it.
  if (/[\\\u0000-\u001f\u007f]/.test(input)) return fallback;
  if (!input.startsWith("/") && !/^https?:\/\//i.test(input)) return fallback;
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(input, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base.origin) return fallback;
  const path = `${url.pathname}${url.search}`;
  if (!path.startsWith("/") || path.startsWith("//")) return fallback;
  // What the browser will make of the Location header: the same place on the same origin.
  const again = new URL(path, base);
  if (again.origin !== base.origin || `${again.pathname}${again.search}` !== path) return fallback;
  return path;
}

// ---- throttling ------------------------------------------------------------------------------

export interface ThrottlePolicy {
  /** Failures within the window that lock the key. */
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

const MINUTE = 60_000;

/**
 * Per account (customer or staff e-mail, whether or not it exists) and per client address. An
 * address gets more room: several people behind one NAT, one of them mistyping.
 */
export const THROTTLE = {
  account: { maxFailures: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
  address: { maxFailures: 20, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
  totp: { maxFailures: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE },
} as const satisfies Record<string, ThrottlePolicy>;

/** "15 minutes", "1 minute": how long to wait, rounded up, for messages. */
export function waitText(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / MINUTE));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

// ---- sessions --------------------------------------------------------------------------------

export interface SessionLifetime {
  idleMs: number;
  absoluteMs: number;
}

/** A staff login waiting for its TOTP code lives this long. */
export const SECOND_FACTOR_WINDOW_MS = 5 * MINUTE;

export interface SessionTimes {
  last_seen_at: string;
  idle_expires_at: string;
  expires_at: string;
}

export function newSessionTimes(now: Date, life: SessionLifetime): SessionTimes & { created_at: string } {
  const t = now.getTime();
  return {
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    idle_expires_at: new Date(Math.min(t + life.idleMs, t + life.absoluteMs)).toISOString(),
    expires_at: new Date(t + life.absoluteMs).toISOString(),
  };
}

export function isSessionLive(s: SessionTimes, now: Date): boolean {
  const iso = now.toISOString();
  return s.idle_expires_at > iso && s.expires_at > iso;
}

/**
 * The new idle expiry when the session should be marked as seen, or null when the stored one is
 * recent enough: a write per request would be wasteful, a write per minute is plenty.
 */
export function touchedIdleExpiry(s: SessionTimes, now: Date, life: SessionLifetime): string | null {
  const t = now.getTime();
  if (t - new Date(s.last_seen_at).getTime() < Math.min(MINUTE, life.idleMs / 10)) return null;
  return new Date(Math.min(t + life.idleMs, new Date(s.expires_at).getTime())).toISOString();
}
