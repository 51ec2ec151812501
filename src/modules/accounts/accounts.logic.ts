// Pure rules of accounts and sessions: password policy, tokens, safe redirects, throttling and
// session lifetimes. Everything security-critical that needs no I/O lives here, with unit tests.
import { createHash, randomBytes } from "node:crypto";

// ---- passwords -------------------------------------------------------------------------------

export const PASSWORD_MIN = 10;
/** argon2 hashes any length, but a megabyte-long "password" is a cheap way to burn our CPU. */
export const PASSWORD_MAX = 256;

/** Why `password` cannot be a new password, or null when it can. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN) return `The password must have at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `The password must have at most ${PASSWORD_MAX} characters.`;
  if (password.trim().length === 0) return "The password must not be only spaces.";
  if (password.toLowerCase() === email.toLowerCase() || password.toLowerCase() === email.split("@", 1)[0]?.toLowerCase()) {
    return "The password must not be your e-mail address.";
  }
  if (/^(.)\1+$/.test(password)) return "The password must not be one character repeated.";
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

/**
 * A `next` parameter made safe to redirect to: a path on this site ("/checkout/ord_1?x=1"), never
 * another origin ("//evil.example", "/\\evil.example", "https://…", "javascript:…").
 */
export function safeNext(input: unknown, fallback: string): string {
  if (typeof input !== "string" || input.length === 0 || input.length > 512) return fallback;
  if (!input.startsWith("/") || input.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(input)) return fallback;
  let url: URL;
  try {
    url = new URL(input, "http://partnerbill.invalid");
  } catch {
    return fallback;
  }
  if (url.origin !== "http://partnerbill.invalid") return fallback;
  return `${url.pathname}${url.search}`;
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

export interface ThrottleState {
  failures: number;
  windowStartedAt: string;
  lockedUntil: string | null;
}

/** Milliseconds the key stays locked, 0 when it is not. */
export function lockRemainingMs(state: ThrottleState | undefined, now: Date): number {
  if (!state?.lockedUntil) return 0;
  return Math.max(0, new Date(state.lockedUntil).getTime() - now.getTime());
}

/** The state after one more failure: a new window when the old one passed; locked at the limit. */
export function afterFailure(state: ThrottleState | undefined, now: Date, policy: ThrottlePolicy): ThrottleState {
  const t = now.getTime();
  const fresh = !state || t - new Date(state.windowStartedAt).getTime() >= policy.windowMs || (state.lockedUntil !== null && lockRemainingMs(state, now) === 0);
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartedAt = fresh ? now.toISOString() : state.windowStartedAt;
  const lockedUntil = failures >= policy.maxFailures ? new Date(t + policy.lockMs).toISOString() : null;
  return { failures, windowStartedAt, lockedUntil };
}

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
