// Deletes what accounts leave behind: expired sessions, e-mailed tokens past their expiry (kept a
// day longer, so "this link has expired" is still what a late click sees — an unknown token gets
// the same answer anyway), and throttle rows nobody has touched for a day.
import type { Db } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import type { AccountsRepo } from "./accounts.repo.ts";
import type { SessionsRepo } from "./sessions.repo.ts";

const DAY = 86_400_000;

export function createAccountsCleanup(deps: { db: Db; accounts: AccountsRepo; sessions: SessionsRepo; clock: Clock }) {
  const { db, accounts, sessions, clock } = deps;
  return async function cleanup(): Promise<{ sessions: number; tokens: number; throttle: number }> {
    const now = clock.now();
    const dayAgo = new Date(now.getTime() - DAY).toISOString();
    return {
      sessions: await sessions.deleteExpired(db, now.toISOString()),
      tokens: await accounts.deleteTokensBefore(db, dayAgo),
      throttle: await accounts.deleteThrottleBefore(db, dayAgo),
    };
  };
}
