// The only code that reads and writes ledger tables. Inserts only: entries are append-only.
import { sql } from "kysely";
import type { Executor } from "../../db/database.ts";
import type { LedgerEntryRow, LedgerTransactionRow } from "../../db/schema.ts";

export function createLedgerRepo() {
  return {
    async ensureAccount(ex: Executor, a: { id: string; kind: string; owner: string; currency: string; created_at: string }): Promise<void> {
      await ex.insertInto("ledger_accounts").values(a).onConflict((oc) => oc.column("id").doNothing()).execute();
    },

    findTransactionByKey(ex: Executor, key: string): Promise<LedgerTransactionRow | undefined> {
      return ex.selectFrom("ledger_transactions").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
    },

    async insertTransaction(ex: Executor, t: LedgerTransactionRow, entries: LedgerEntryRow[]): Promise<void> {
      await ex.insertInto("ledger_transactions").values(t).execute();
      await ex.insertInto("ledger_entries").values(entries).execute();
    },

    async balance(ex: Executor, accountId: string): Promise<number> {
      const row = await ex
        .selectFrom("ledger_entries")
        .select(sql<number>`coalesce(sum(amount_minor), 0)`.as("total"))
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return Number(row?.total ?? 0);
    },

    /** Balances of every account of an owner (a customer), by currency. */
    async balancesOfOwner(ex: Executor, kind: string, owner: string): Promise<Array<{ currency: string; total: number }>> {
      const rows = await ex
        .selectFrom("ledger_accounts")
        .leftJoin("ledger_entries", "ledger_entries.account_id", "ledger_accounts.id")
        .select(["ledger_accounts.currency as currency", sql<number>`coalesce(sum(ledger_entries.amount_minor), 0)`.as("total")])
        .where("ledger_accounts.kind", "=", kind)
        .where("ledger_accounts.owner", "=", owner)
        .groupBy("ledger_accounts.currency")
        .orderBy("ledger_accounts.currency")
        .execute();
      return rows.map((r) => ({ currency: r.currency, total: Number(r.total) }));
    },

    entriesOfTransaction(ex: Executor, transactionId: string): Promise<LedgerEntryRow[]> {
      return ex.selectFrom("ledger_entries").selectAll().where("transaction_id", "=", transactionId).orderBy("id").execute();
    },

    transactionsOfOrder(ex: Executor, orderId: string): Promise<LedgerTransactionRow[]> {
      return ex.selectFrom("ledger_transactions").selectAll().where("order_id", "=", orderId).orderBy("created_at").orderBy("id").execute();
    },

    /** An account's entries with their transactions, oldest first (a customer's statement). */
    entriesOfAccount(ex: Executor, accountId: string) {
      return ex
        .selectFrom("ledger_entries")
        .innerJoin("ledger_transactions", "ledger_transactions.id", "ledger_entries.transaction_id")
        .select([
          "ledger_entries.id as id",
          "ledger_entries.amount_minor as amount_minor",
          "ledger_entries.currency as currency",
          "ledger_entries.created_at as created_at",
          "ledger_transactions.id as transaction_id",
          "ledger_transactions.kind as kind",
          "ledger_transactions.memo as memo",
          "ledger_transactions.order_id as order_id",
        ])
        .where("ledger_entries.account_id", "=", accountId)
        .orderBy("ledger_entries.created_at")
        .orderBy("ledger_entries.id")
        .execute();
    },

    /** Sums of entries per account kind and currency in [from, to), for the given kinds. */
    async sumsByKind(ex: Executor, kinds: readonly string[], from: string, to: string): Promise<Array<{ kind: string; currency: string; total: number }>> {
      const rows = await ex
        .selectFrom("ledger_entries")
        .innerJoin("ledger_accounts", "ledger_accounts.id", "ledger_entries.account_id")
        .select(["ledger_accounts.kind as kind", "ledger_entries.currency as currency", sql<number>`sum(ledger_entries.amount_minor)`.as("total")])
        .where("ledger_accounts.kind", "in", kinds)
        .where("ledger_entries.created_at", ">=", from)
        .where("ledger_entries.created_at", "<", to)
        .groupBy(["ledger_accounts.kind", "ledger_entries.currency"])
        .execute();
      return rows.map((r) => ({ kind: r.kind, currency: r.currency, total: Number(r.total) }));
    },

    /** Every account with its balance (the property test compares them with their entries). */
    async allBalances(ex: Executor): Promise<Array<{ id: string; kind: string; owner: string; currency: string; total: number }>> {
      const rows = await ex
        .selectFrom("ledger_accounts")
        .leftJoin("ledger_entries", "ledger_entries.account_id", "ledger_accounts.id")
        .select(["ledger_accounts.id as id", "ledger_accounts.kind as kind", "ledger_accounts.owner as owner", "ledger_accounts.currency as currency", sql<number>`coalesce(sum(ledger_entries.amount_minor), 0)`.as("total")])
        .groupBy(["ledger_accounts.id", "ledger_accounts.kind", "ledger_accounts.owner", "ledger_accounts.currency"])
        .execute();
      return rows.map((r) => ({ ...r, total: Number(r.total) }));
    },

    /** Transactions whose entries do not sum to zero per currency (must always be empty). */
    async unbalancedTransactions(ex: Executor): Promise<Array<{ transaction_id: string; currency: string; total: number }>> {
      const rows = await ex
        .selectFrom("ledger_entries")
        .select(["transaction_id", "currency", sql<number>`sum(amount_minor)`.as("total")])
        .groupBy(["transaction_id", "currency"])
        .having(sql`sum(amount_minor)`, "!=", 0)
        .execute();
      return rows.map((r) => ({ transaction_id: r.transaction_id, currency: r.currency, total: Number(r.total) }));
    },

    /** Sum of all entries per currency (must always be zero). */
    async totals(ex: Executor): Promise<Array<{ currency: string; total: number }>> {
      const rows = await ex
        .selectFrom("ledger_entries")
        .select(["currency", sql<number>`sum(amount_minor)`.as("total")])
        .groupBy("currency")
        .execute();
      return rows.map((r) => ({ currency: r.currency, total: Number(r.total) }));
    },
  };
}

export type LedgerRepo = ReturnType<typeof createLedgerRepo>;
