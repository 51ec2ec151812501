// Pure rules of a customer module's life after its purchase: when a renewal is due, which reminder
// applies, when a module has expired, how upstream expiries compare, and what a move request must
// look like. Dates are calendar dates YYYY-MM-DD (UTC), compared as text.
import { isIP } from "node:net";
import { invalidInput } from "../../lib/errors.ts";

export type RenewalMode = "charge" | "upstream";

/** Order states in which a renewal is under way: it blocks a second invoice and keeps the module alive. */
export const RENEWAL_OPEN_STATES = ["pending_payment", "paid", "placing", "awaiting_funds", "needs_attention", "manual_queue"] as const;

/** Open states after payment: the customer has paid, the module must not expire under them. */
export const RENEWAL_IN_FLIGHT_STATES = ["paid", "placing", "awaiting_funds", "needs_attention", "manual_queue"] as const;

export type ReminderStage = "due" | "final";

/** A reminder is "final" when the module expires within this many days (today or tomorrow). */
export const FINAL_REMINDER_DAYS = 1;

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The calendar date `days` after `date` (negative: before). */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(t)) throw new Error(`not a YYYY-MM-DD date: ${date}`);
  return new Date(t + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from `today` to `date` (0 on the day itself, negative once past). */
export function daysUntil(date: string, today: string): number {
  return Math.round((Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

/** A renewal invoice is raised from `noticeDays` before the expiry date. */
export function isRenewalDue(expiresOn: string | null, today: string, noticeDays: number): boolean {
  return expiresOn !== null && daysUntil(expiresOn, today) <= noticeDays;
}

/**
 * A module runs through its expiry date and stops the day after (as the client area shows it:
 * a module whose end date has passed reads as stopped).
 */
export function hasExpired(expiresOn: string | null, today: string): boolean {
  return expiresOn !== null && expiresOn < today;
}

export function reminderStage(expiresOn: string, today: string): ReminderStage {
  return daysUntil(expiresOn, today) <= FINAL_REMINDER_DAYS ? "final" : "due";
}

/**
 * Did a service.prolong take effect? Only if upstream's expiry is now later than the one read
 * before the call. An unchanged (or missing) date proves nothing happened — once the call is
 * certainly over (the settle window).
 */
export function expiryMoved(before: string | null, after: string | null): boolean {
  return after !== null && (before === null || after > before);
}

/** The `autoprolong` a purchase is ordered with: its own period in upstream mode, none otherwise. */
export function autoprolongFor(mode: RenewalMode, period: number): number | null {
  return mode === "upstream" ? period : null;
}

export interface MoveRequest {
  license: number;
  ip: string | null;
}

const POSITIVE_INT = /^[1-9]\d{0,14}$/;

/** Validates a move to another license like the Buy redirect is validated. Names every problem. */
export function parseMoveRequest(input: { license: unknown; ip?: unknown }): MoveRequest {
  const problems: string[] = [];
  const rawLicense = typeof input.license === "number" ? String(input.license) : typeof input.license === "string" ? input.license.trim() : "";
  const rawIp = typeof input.ip === "string" ? input.ip.trim() : "";
  if (!rawLicense) problems.push("license is missing");
  else if (!POSITIVE_INT.test(rawLicense) || !Number.isSafeInteger(Number(rawLicense))) problems.push("license must be a positive whole number");
  if (rawIp && isIP(rawIp) === 0) problems.push("ip is not a valid IPv4 or IPv6 address");
  if (problems.length > 0) throw invalidInput(problems.join("; "), { problems });
  return { license: Number(rawLicense), ip: rawIp ? rawIp : null };
}

/** Two spellings of one address compare equal (IPv6 case and zero compression). */
export function sameIp(a: string, b: string): boolean {
  const norm = (ip: string) => {
    const t = ip.trim().toLowerCase();
    if (isIP(t) !== 6) return t;
    try {
      return new URL(`http://[${t}]/`).hostname;
    } catch {
      return t;
    }
  };
  return norm(a) === norm(b);
}
