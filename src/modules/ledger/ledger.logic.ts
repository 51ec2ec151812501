// Pure double-entry rules: accounts are named by (kind, owner, currency); a transaction is a list
// of postings that must balance per currency.
import { invalidInput } from "../../lib/errors.ts";
import type { Money } from "../../lib/money.ts";

// customer: what a customer may spend (owner = customer id); funding: money staff credited from
// outside; clearing: money received through a payment provider (owner = provider id: stripe,
// bank_transfer); held: paid for orders not yet active; revenue: earned (net of tax);
// tax_payable: tax collected for the authorities; upstream_cost: what modules cost the partner at
// ispmanager; upstream: the partner's account at ispmanager that pays for them.
export const ACCOUNT_KINDS = ["customer", "funding", "clearing", "held", "revenue", "tax_payable", "upstream_cost", "upstream"] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export interface AccountRef {
  kind: AccountKind;
  /** Customer id for `customer` accounts; '' for the partner's own. */
  owner?: string;
}

export interface Posting {
  account: AccountRef;
  amount: Money;
}

/** Deterministic account id, so that "ensure the account exists" is one idempotent insert. */
export function accountId(ref: AccountRef, currency: string): string {
  return `acc:${ref.kind}:${ref.owner ?? ""}:${currency}`;
}

export function assertBalanced(postings: readonly Posting[]): void {
  if (postings.length < 2) throw invalidInput("A ledger transaction needs at least two entries");
  const sums = new Map<string, number>();
  for (const p of postings) {
    if (!Number.isSafeInteger(p.amount.minor) || p.amount.minor === 0) {
      throw invalidInput("Ledger entries must be non-zero whole minor units");
    }
    sums.set(p.amount.currency, (sums.get(p.amount.currency) ?? 0) + p.amount.minor);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0) throw invalidInput(`Ledger transaction does not balance in ${currency} (off by ${sum})`);
  }
}

/** The two postings that move `amount` from one account to another. */
export function transfer(from: AccountRef, to: AccountRef, amount: Money): Posting[] {
  return [
    { account: from, amount: { minor: -amount.minor, currency: amount.currency } },
    { account: to, amount },
  ];
}
