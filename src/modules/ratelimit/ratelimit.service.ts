// Per-client-address rate limits on anonymous writes (sign-up, forgot-password, Buy intake and
// the rest), shared by every node through the database: a fixed-window counter per (limit,
// address) incremented atomically (docs/adr/0026-rate-limiting.md). Sign-in has its own throttle
// (accounts/login-throttle); this one is for everything else.
import type { Db } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import { clientKeyOf, windowOf } from "./ratelimit.logic.ts";
import type { RateLimitRepo } from "./ratelimit.repo.ts";

export const RATE_LIMIT_SCOPES = ["signup", "forgot", "buy", "anonymous"] as const;
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number];

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: number };

export function createRateLimiter(deps: {
  db: Db;
  repo: RateLimitRepo;
  clock: Clock;
  windowSeconds: number;
  limits: Record<RateLimitScope, number>;
}) {
  const { db, repo, clock, windowSeconds, limits } = deps;
  let sweptWindow = 0;

  /** Counts one attempt of `scope` from `address`; refuses it when the window's limit is spent. */
  async function take(scope: RateLimitScope, address: string): Promise<RateLimitVerdict> {
    const w = windowOf(clock.now().getTime(), windowSeconds);
    // Windows before the previous one can no longer count: delete them, once per window per node.
    if (sweptWindow !== w.start) {
      sweptWindow = w.start;
      await repo.deleteBefore(db, w.start - windowSeconds);
    }
    const hits = await repo.hit(db, `${scope}:${clientKeyOf(address)}`, w.start);
    const limit = limits[scope];
    return hits <= limit ? { allowed: true } : { allowed: false, retryAfterSeconds: w.secondsLeft, limit };
  }

  return { take };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
