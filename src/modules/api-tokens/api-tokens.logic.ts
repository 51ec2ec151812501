// Pure rules of API tokens: the scopes, the token's text form, and checking a secret against its
// stored hash in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { invalidInput } from "../../lib/errors.ts";

/**
 * What a token may do. A read scope never implies a write scope, nor the other way round: an
 * integration that only changes prices gets `prices:write` and cannot even read orders.
 */
export const SCOPES = {
  "catalog:read": "List modules and read one module with its prices",
  "catalog:write": "Put modules on sale and take them off sale",
  "prices:read": "List sell prices and read a module's price history",
  "prices:write": "Set and clear sell prices; start a price sync",
  "orders:read": "List orders and read one with its timeline",
  "orders:write": "Cancel orders; manual-queue actions (place by hand, reject and refund)",
  "customers:read": "List customers, read one with balances",
  "customers:write": "Create customers",
  "balance:write": "Credit a customer's balance (with a reason)",
  "audit:read": "Read the audit log",
  "webhooks:read": "List webhook endpoints and their deliveries",
  "webhooks:write": "Add and remove webhook endpoints; send test events",
} as const;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

export function isScope(s: string): s is Scope {
  return Object.hasOwn(SCOPES, s);
}

/** Scopes as typed (repeated or comma/space-separated): known names, each once, in list order. */
export function parseScopes(input: readonly string[]): Scope[] {
  const names = input.flatMap((s) => s.split(/[\s,]+/)).map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw invalidInput(`A token needs at least one scope: ${SCOPE_NAMES.join(", ")}`);
  const unknown = names.filter((n) => !isScope(n));
  if (unknown.length > 0) throw invalidInput(`Unknown scope ${JSON.stringify(unknown[0]!.slice(0, 40))}; scopes are ${SCOPE_NAMES.join(", ")}`);
  return SCOPE_NAMES.filter((s) => names.includes(s));
}

export function scopesFromText(text: string): Scope[] {
  return text.split(" ").filter(isScope);
}

/** 32 random bytes, hex: the part of the token that is never stored. */
const SECRET_HEX = 64;
const TOKEN_RE = /^pb_(tok_[0-9a-z]{1,40})_([0-9a-f]{64})$/;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** A new token for the row `id`: its full text (shown once), display prefix and stored hash. */
export function newTokenSecret(id: string, random: (n: number) => Buffer = randomBytes): { token: string; prefix: string; hash: string } {
  const secret = random(SECRET_HEX / 2).toString("hex");
  return { token: `pb_${id}_${secret}`, prefix: `pb_${id}_${secret.slice(0, 4)}`, hash: hashSecret(secret) };
}

/** Splits `pb_<id>_<secret>`; null for anything else (including a token of another shape). */
export function parseToken(text: string): { id: string; secret: string } | null {
  const m = TOKEN_RE.exec(text);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/** Compares the secret's hash with the stored one without leaking where they differ. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

const NAME_RE = /^[^\u0000-\u001f\u007f]{1,100}$/;

export function checkTokenName(name: string): string {
  const n = name.trim();
  if (!NAME_RE.test(n)) throw invalidInput("A token name is 1 to 100 printable characters");
  return n;
}
