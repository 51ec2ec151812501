// Retry delays: exponential with "equal jitter". The ceiling doubles per failed attempt up to
// maxMs; the delay is drawn uniformly from the upper half of it, so retries of many jobs that
// failed together (upstream was down) spread out instead of arriving in one burst, while no retry
// comes sooner than half the intended wait.
import type { Backoff } from "./job.ts";

/** The delay before the next attempt, after attempt number `failedAttempt` (1-based) failed. */
export function backoffDelay(failedAttempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failedAttempt - 1, 0), 30);
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
