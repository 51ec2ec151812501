// Pure rules of the admin console: the dashboard's day buckets and series, the customer search box,
// and a staff balance adjustment's input.
import { invalidInput } from "../../lib/errors.ts";
import { isCurrency, parseDecimal, type Money } from "../../lib/money.ts";
import { normalizeEmail } from "../customers/customers.logic.ts";

export const DASHBOARD_DAYS = 30;
/** A paid order without its module after this long is an alert (DESIGN: "paid but not active"). */
export const PAID_NOT_ACTIVE_MINUTES = 10;
/** States of a paid order that still waits for its module (money held, nothing supplied yet). */
export const WAITING_STATES = ["paid", "placing", "needs_attention", "awaiting_funds", "manual_queue"] as const;

const DAY_MS = 86_400_000;

/** The `n` UTC days ending with the day of `now`, oldest first, and the instants [from, to) they cover. */
export function dayRange(now: Date, n: number): { days: string[]; from: string; to: string } {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS;
  const start = end - n * DAY_MS;
  const days = Array.from({ length: n }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
  return { days, from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}

export interface MoneySeries {
  currency: string;
  /** Per day, minor units: revenue earned (net of tax; refunds after activation subtract). */
  revenue: number[];
  /** Per day: what upstream charged for the modules activated that day. */
  cost: number[];
  /** Per day: revenue − cost. */
  margin: number[];
  totals: { revenue: Money; cost: Money; margin: Money };
}

/** Revenue, cost and margin per day and currency from the ledger's sums on revenue and upstream_cost. */
export function moneySeries(days: readonly string[], sums: ReadonlyArray<{ day: string; kind: string; currency: string; total: number }>): MoneySeries[] {
  const index = new Map(days.map((d, i) => [d, i]));
  const currencies = [...new Set(sums.map((s) => s.currency))].sort();
  return currencies.map((currency) => {
    const revenue = days.map(() => 0);
    const cost = days.map(() => 0);
    for (const s of sums) {
      const i = index.get(s.day);
      if (s.currency !== currency || i === undefined) continue;
      if (s.kind === "revenue") revenue[i]! += s.total;
      else if (s.kind === "upstream_cost") cost[i]! += s.total;
    }
    const margin = revenue.map((r, i) => r - cost[i]!);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      currency,
      revenue,
      cost,
      margin,
      totals: { revenue: { minor: sum(revenue), currency }, cost: { minor: sum(cost), currency }, margin: { minor: sum(margin), currency } },
    };
  });
}

/** Orders created per day, split by the state each is in now (states in `order`, then any other). */
export function stateSeries(
  days: readonly string[],
  rows: ReadonlyArray<{ day: string; state: string; count: number }>,
  order: readonly string[],
): Array<{ state: string; counts: number[]; total: number }> {
  const index = new Map(days.map((d, i) => [d, i]));
  const present = new Set(rows.map((r) => r.state));
  const states = [...order.filter((s) => present.has(s)), ...[...present].filter((s) => !order.includes(s)).sort()];
  return states.map((state) => {
    const counts = days.map(() => 0);
    for (const r of rows) {
      const i = index.get(r.day);
      if (r.state === state && i !== undefined) counts[i]! += r.count;
    }
    return { state, counts, total: counts.reduce((a, b) => a + b, 0) };
  });
}

/** The customers search box: a whole customer id, or the start of an e-mail address. */
export type CustomerSearch = { by: "id"; id: string } | { by: "email"; prefix: string } | null;

export function parseCustomerSearch(raw: string | undefined): CustomerSearch {
  const q = (raw ?? "").trim();
  if (q === "") return null;
  if (q.length > 254) throw invalidInput("The search is too long");
  if (/^cus_[0-9a-z]{1,40}$/i.test(q)) return { by: "id", id: q.toLowerCase() };
  if (/\s/.test(q)) throw invalidInput("Search for a customer id (cus_…) or the start of an e-mail address");
  return { by: "email", prefix: q.includes("@") ? normalizeEmail(q) : q.toLowerCase() };
}

export interface AdjustmentInput {
  amount: string;
  currency: string;
  reason: string;
  /** The idempotency key the form was rendered with: submitting it twice moves the money once. */
  key: string;
}

/** A signed amount (positive: the balance goes up), a reason, and the form's key; throws invalid_input naming each problem. */
export function parseAdjustment(input: AdjustmentInput): { amount: Money; reason: string; key: string } {
  const problems: string[] = [];
  const currency = input.currency.trim().toUpperCase();
  if (!isCurrency(currency)) problems.push(`Unknown currency "${input.currency.slice(0, 10)}"`);
  let amount: Money | null = null;
  if (isCurrency(currency)) {
    try {
      amount = parseDecimal(input.amount.replace(/^\+/, ""), currency);
      if (amount.minor === 0) problems.push("The amount must not be zero");
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const reason = input.reason.trim();
  if (!reason) problems.push("A balance adjustment needs a reason");
  if (reason.length > 500) problems.push("The reason is longer than 500 characters");
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(input.key)) problems.push("The form is missing its key; reload the page and try again");
  if (problems.length > 0 || !amount) throw invalidInput(problems.join("; "), { problems });
  return { amount, reason, key: input.key };
}
