// Posting money movements. `post` runs inside the caller's transaction — the order state machine
// writes its transition and its ledger entries in one commit.
import type { Executor, Tx } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import type { Money } from "../../lib/money.ts";
import type { LedgerRepo } from "./ledger.repo.ts";
import { accountId, assertBalanced, type AccountRef, type Posting } from "./ledger.logic.ts";

export interface StatementRow {
  at: string;
  transactionId: string;
  kind: string;
  memo: string;
  orderId: string | null;
  amount: Money;
  balance: Money;
}

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

  /**
   * A customer's statement in one currency: every movement of their balance, oldest first, with
   * the balance after it. `limit` keeps the latest rows (the running balance stays exact).
   */
  async function statement(ex: Executor, customerId: string, currency: string, limit?: number): Promise<StatementRow[]> {
    let running = 0;
    const rows = (await ledger.entriesOfAccount(ex, accountId({ kind: "customer", owner: customerId }, currency))).map((e) => {
      running += Number(e.amount_minor);
      return {
        at: e.created_at,
        transactionId: e.transaction_id,
        kind: e.kind,
        memo: e.memo,
        orderId: e.order_id,
        amount: { minor: Number(e.amount_minor), currency },
        balance: { minor: running, currency },
      };
    });
    return limit === undefined ? rows : rows.slice(-limit);
  }

  /**
   * Revenue (net of tax), tax collected, upstream cost and margin per currency for entries in
   * [from, to). Refunds after activation reduce revenue and tax in the period they happen. The
   * margin is revenue minus upstream cost in the same currency; where the partner sells in one
   * currency and pays upstream in another, the two appear in different rows and the margin of
   * each row says only what it can.
   */
  async function figures(ex: Executor, range: { from: string; to: string }): Promise<Array<{ currency: string; revenue: Money; tax: Money; upstreamCost: Money; margin: Money }>> {
    const sums = await ledger.sumsByKind(ex, ["revenue", "tax_payable", "upstream_cost"], range.from, range.to);
    const currencies = [...new Set(sums.map((s) => s.currency))].sort();
    return currencies.map((currency) => {
      const of = (kind: string) => sums.find((s) => s.kind === kind && s.currency === currency)?.total ?? 0;
      const revenue = of("revenue");
      const cost = of("upstream_cost");
      return {
        currency,
        revenue: { minor: revenue, currency },
        tax: { minor: of("tax_payable"), currency },
        upstreamCost: { minor: cost, currency },
        margin: { minor: revenue - cost, currency },
      };
    });
  }

  return { post, balance, customerBalances, audit, statement, figures, allBalances: (ex: Executor) => ledger.allBalances(ex) };
}

export type LedgerService = ReturnType<typeof createLedgerService>;
