// Pure rules of the partner's upstream funds (docs/adr/0030-upstream-truth-and-funds.md).
import type { OrderRow } from "../../db/schema.ts";

/**
 * How long an order refused for lack of upstream funds waits before it is tried again by itself,
 * after its n-th refusal (1-based): at the next funds check (≤ 1 minute), then 1, 2, 5, 10, 20 and
 * every 30 minutes. A refusal is a proven non-placement, so trying again is always safe; the wait
 * only spares the client area from being asked every minute while nobody tops up. A top-up seen
 * by the balance check resumes every waiting order at once, whatever its wait.
 */
const DELAYS_MS = [0, 60_000, 120_000, 300_000, 600_000, 1_200_000, 1_800_000];

export function fundsRetryDelayMs(refusals: number): number {
  const i = Math.max(0, Math.min(refusals - 1, DELAYS_MS.length - 1));
  return DELAYS_MS[i]!;
}

/**
 * The patch of an order that upstream refused for lack of funds: the attempt it had just recorded
 * is given back (a refusal is not a placement and must never push the order toward
 * needs_attention), the refusal is counted, and the next try is scheduled.
 */
export function fundsRefusalPatch(o: Pick<OrderRow, "upstream_attempts" | "funds_refusals">, reason: string, now: Date) {
  const refusals = (o.funds_refusals ?? 0) + 1;
  return {
    reason,
    upstream_attempts: Math.max(0, o.upstream_attempts - 1),
    funds_refusals: refusals,
    funds_retry_at: new Date(now.getTime() + fundsRetryDelayMs(refusals)).toISOString(),
  };
}

/** Is the balance below the threshold (same currency; a threshold of 0 or another currency never alerts)? */
export function isLow(balanceMinor: number, currency: string, threshold: { minor: number; currency: string } | null): boolean {
  if (!threshold || threshold.minor <= 0) return false;
  return currency === threshold.currency && balanceMinor < threshold.minor;
}
