// Posting money movements. `post` runs inside the caller's transaction — the order state machine
// writes its transition and its ledger entries in one commit.
import type { Executor, Tx } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import type { Money } from "../../lib/money.ts";
import type { LedgerRepo } from "./ledger.repo.ts";
import { accountId, assertBalanced, type AccountRef, type Posting } from "./ledger.logic.ts";

export interface PostInput {
  kind: string;
  memo: string;
  postings: Posting[];
  orderId?: string | null;
  actor?: string | null;
  /** A business fact moves money once: a second post with the same key returns the first. */
  key?: string;
}

export function createLedgerService(deps: { ledger: LedgerRepo; clock: Clock; ids: IdGenerator }) {
  const { ledger, clock, ids } = deps;

  async function post(tx: Tx, input: PostInput): Promise<{ transactionId: string; created: boolean }> {
    assertBalanced(input.postings);
    if (input.key) {
      const existing = await ledger.findTransactionByKey(tx, input.key);
      if (existing) return { transactionId: existing.id, created: false };
    }
    const now = clock.now().toISOString();
    const transactionId = ids.next("ltx");
    for (const p of input.postings) {
      await ledger.ensureAccount(tx, {
        id: accountId(p.account, p.amount.currency),
        kind: p.account.kind,
        owner: p.account.owner ?? "",
        currency: p.amount.currency,
        created_at: now,
      });
    }
    await ledger.insertTransaction(
      tx,
      {
        id: transactionId,
        kind: input.kind,
        memo: input.memo,
        order_id: input.orderId ?? null,
        actor: input.actor ?? null,
        idempotency_key: input.key ?? null,
        created_at: now,
      },
      input.postings.map((p) => ({
        id: ids.next("len"),
        transaction_id: transactionId,
        account_id: accountId(p.account, p.amount.currency),
        amount_minor: p.amount.minor,
        currency: p.amount.currency,
        created_at: now,
      })),
    );
    return { transactionId, created: true };
  }

  async function balance(ex: Executor, ref: AccountRef, currency: string): Promise<Money> {
    return { minor: await ledger.balance(ex, accountId(ref, currency)), currency };
  }

  async function customerBalances(ex: Executor, customerId: string): Promise<Money[]> {
    return (await ledger.balancesOfOwner(ex, "customer", customerId)).map((b) => ({ minor: b.total, currency: b.currency }));
  }

  /** The ledger's invariants, checked from the data: empty lists mean all is well. */
  async function audit(ex: Executor) {
    return {
      unbalanced: await ledger.unbalancedTransactions(ex),
      nonZeroTotals: (await ledger.totals(ex)).filter((t) => t.total !== 0),
    };
  }

  return { post, balance, customerBalances, audit };
}

export type LedgerService = ReturnType<typeof createLedgerService>;
