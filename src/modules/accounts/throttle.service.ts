// Login throttling shared by every node (docs/adr/0024-auth-hardening.md). An attempt is RESERVED
// in the database before the password is checked: one upsert per key hands each concurrent request
// its own number in the window, and only numbers up to the policy's limit may check a password.
// So a burst of parallel guesses — on one node or many — gets exactly `maxFailures` checks, never
// more. A reservation that ends in success is given back; one that ends in failure stays as the
// failure. Keys name an account by its e-mail whether or not the account exists, so a lockout says
// nothing about that.
import type { Db } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import type { ThrottlePolicy } from "./accounts.logic.ts";
import type { AccountsRepo } from "./accounts.repo.ts";

export interface ThrottleEntry {
  key: string;
  policy: ThrottlePolicy;
}

export type Reservation =
  | { ok: true; entries: ThrottleEntry[] }
  | { ok: false; retryAfterMs: number };

export function createLoginThrottle(deps: { db: Db; accounts: AccountsRepo; clock: Clock }) {
  const { db, accounts, clock } = deps;

  /**
   * Reserves one attempt against every key, in order. When a key is over its limit nothing may be
   * checked: the reservations already taken are given back and the answer says how long to wait.
   */
  async function reserve(entries: ThrottleEntry[]): Promise<Reservation> {
    const now = clock.now();
    const taken: ThrottleEntry[] = [];
    for (const entry of entries) {
      const r = await accounts.reserveThrottle(db, entry.key, now, entry.policy);
      if (r.failures > entry.policy.maxFailures) {
        for (const t of taken) await accounts.releaseThrottle(db, t.key, t.policy, now.toISOString());
        const until = r.lockedUntil ? new Date(r.lockedUntil).getTime() - now.getTime() : entry.policy.lockMs;
        return { ok: false, retryAfterMs: Math.max(1000, until) };
      }
      taken.push(entry);
    }
    return { ok: true, entries: taken };
  }

  /** Gives the reservation back: the attempt succeeded, so it is not a failure. */
  async function release(reservation: { entries: ThrottleEntry[] }): Promise<void> {
    const now = clock.now().toISOString();
    for (const t of reservation.entries) await accounts.releaseThrottle(db, t.key, t.policy, now);
  }

  /** Forgets a key (a password was reset or set by the owner: the lock has done its job). */
  async function clear(key: string): Promise<void> {
    await accounts.clearThrottle(db, key);
  }

  return { reserve, release, clear };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

export const throttleKeys = {
  account: (realm: "customer" | "staff", email: string) => `${realm}:${email.trim().toLowerCase()}`,
  address: (realm: "customer" | "staff", ip: string) => `ip:${realm}:${ip}`,
  totp: (staffId: string) => `totp:${staffId}`,
};
