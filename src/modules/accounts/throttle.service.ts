// Login throttling shared by every node: failures are counted per key in the database
// (login_throttle), and a key that reaches its policy's limit is locked for a while. Keys name an
// account by its e-mail whether or not the account exists, so a lockout says nothing about that.
import type { Db } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import { afterFailure, lockRemainingMs, type ThrottlePolicy, type ThrottleState } from "./accounts.logic.ts";
import type { AccountsRepo } from "./accounts.repo.ts";

export function createLoginThrottle(deps: { db: Db; accounts: AccountsRepo; clock: Clock }) {
  const { db, accounts, clock } = deps;

  /** The longest lock among `keys`, in milliseconds (0: none is locked). */
  async function lockRemaining(keys: string[]): Promise<number> {
    const now = clock.now();
    let ms = 0;
    for (const key of keys) {
      const row = await accounts.findThrottle(db, key);
      if (row) ms = Math.max(ms, lockRemainingMs(stateOf(row), now));
    }
    return ms;
  }

  /** Counts one failure against each key; returns the longest lock that results. */
  async function fail(entries: Array<{ key: string; policy: ThrottlePolicy }>): Promise<number> {
    const now = clock.now();
    let ms = 0;
    for (const { key, policy } of entries) {
      const next = await db.transaction().execute(async (tx) => {
        const row = await accounts.lockThrottle(tx, key, now.toISOString());
        const state = afterFailure(row.failures === 0 ? undefined : stateOf(row), now, policy);
        await accounts.saveThrottle(tx, { key, failures: state.failures, window_started_at: state.windowStartedAt, locked_until: state.lockedUntil, updated_at: now.toISOString() });
        return state;
      });
      ms = Math.max(ms, lockRemainingMs(next, now));
    }
    return ms;
  }

  async function clear(key: string): Promise<void> {
    await accounts.clearThrottle(db, key);
  }

  return { lockRemaining, fail, clear };
}

function stateOf(row: { failures: number; window_started_at: string; locked_until: string | null }): ThrottleState {
  return { failures: row.failures, windowStartedAt: row.window_started_at, lockedUntil: row.locked_until };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

export const throttleKeys = {
  account: (realm: "customer" | "staff", email: string) => `${realm}:${email.trim().toLowerCase()}`,
  address: (realm: "customer" | "staff", ip: string) => `ip:${realm}:${ip}`,
  totp: (staffId: string) => `totp:${staffId}`,
};
