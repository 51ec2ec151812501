// Read queries of the admin console (dashboard figures, customer and ledger listings). Nothing here
// writes: staff actions go through the services that own the data.
import { sql } from "kysely";
import type { Executor } from "../../db/database.ts";
import type { LedgerTransactionRow, OrderRow } from "../../db/schema.ts";
import type { AuditCursor } from "../audit/audit.logic.ts";

export interface CustomerListRow {
  id: string;
  email: string;
  name: string | null;
  company: string | null;
  country: string | null;
  created_at: string;
}

export interface LedgerEntryView {
  id: string;
  transaction_id: string;
  account_id: string;
  amount_minor: number;
  currency: string;
}

/** The first day (YYYY-MM-DD) of an ISO timestamp column, the same text on both dialects. */
const dayOf = (column: string) => sql<string>`substr(${sql.ref(column)}, 1, 10)`;

export function createConsoleRepo() {
  return {
    /** Per day and currency: sums of entries on accounts of `kinds` in [from, to). */
    async dailyLedgerSums(ex: Executor, kinds: readonly string[], from: string, to: string): Promise<Array<{ day: string; kind: string; currency: string; total: number }>> {
      const rows = await ex
        .selectFrom("ledger_entries")
        .innerJoin("ledger_accounts", "ledger_accounts.id", "ledger_entries.account_id")
        .select([dayOf("ledger_entries.created_at").as("day"), "ledger_accounts.kind as kind", "ledger_entries.currency as currency", sql<number>`sum(ledger_entries.amount_minor)`.as("total")])
        .where("ledger_accounts.kind", "in", kinds)
        .where("ledger_entries.created_at", ">=", from)
        .where("ledger_entries.created_at", "<", to)
        .groupBy([dayOf("ledger_entries.created_at"), "ledger_accounts.kind", "ledger_entries.currency"])
        .execute();
      return rows.map((r) => ({ day: r.day, kind: r.kind, currency: r.currency, total: Number(r.total) }));
    },

    /** Orders created per day in [from, to), by the state they are in now. */
    async dailyOrdersByState(ex: Executor, from: string, to: string): Promise<Array<{ day: string; state: string; count: number }>> {
      const rows = await ex
        .selectFrom("orders")
        .select([dayOf("created_at").as("day"), "state", sql<number>`count(*)`.as("n")])
        .where("created_at", ">=", from)
        .where("created_at", "<", to)
        .groupBy([dayOf("created_at"), "state"])
        .execute();
      return rows.map((r) => ({ day: r.day, state: r.state, count: Number(r.n) }));
    },

    /** Orders still waiting for their module that were paid before `before`, oldest first. */
    paidNotActive(ex: Executor, before: string, states: readonly string[], limit: number): Promise<OrderRow[]> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("state", "in", states)
        .where("paid_at", "is not", null)
        .where("paid_at", "<", before)
        .orderBy("paid_at")
        .orderBy("id")
        .limit(limit)
        .execute();
    },

    ordersInState(ex: Executor, state: string, limit: number): Promise<OrderRow[]> {
      return ex.selectFrom("orders").selectAll().where("state", "=", state).orderBy("updated_at").orderBy("id").limit(limit).execute();
    },

    /** Customers newest first in keyset pages; `emailPrefix` narrows to addresses starting with it. */
    customersPage(ex: Executor, q: { emailPrefix?: string; country?: string; after?: AuditCursor; limit: number }): Promise<CustomerListRow[]> {
      let s = ex.selectFrom("customers").select(["id", "email", "name", "company", "country", "created_at"]);
      if (q.country) s = s.where("country", "=", q.country);
      const prefix = q.emailPrefix;
      // substr, not LIKE: `_` and `%` in an address are ordinary characters.
      if (prefix) s = s.where(sql<string>`substr(email, 1, ${prefix.length})`, "=", prefix);
      const after = q.after;
      if (after) s = s.where((eb) => eb.or([eb("created_at", "<", after.at), eb.and([eb("created_at", "=", after.at), eb("id", "<", after.id)])]));
      return s.orderBy("created_at", "desc").orderBy("id", "desc").limit(q.limit).execute() as Promise<CustomerListRow[]>;
    },

    /** Ledger transactions newest first in keyset pages; with `accountId`, only those touching it. */
    transactionsPage(ex: Executor, q: { accountId?: string; after?: AuditCursor; limit: number }): Promise<LedgerTransactionRow[]> {
      let s = ex.selectFrom("ledger_transactions").selectAll();
      const account = q.accountId;
      if (account) {
        s = s.where("id", "in", ex.selectFrom("ledger_entries").select("transaction_id").where("account_id", "=", account));
      }
      const after = q.after;
      if (after) s = s.where((eb) => eb.or([eb("created_at", "<", after.at), eb.and([eb("created_at", "=", after.at), eb("id", "<", after.id)])]));
      return s.orderBy("created_at", "desc").orderBy("id", "desc").limit(q.limit).execute();
    },

    async entriesOf(ex: Executor, transactionIds: readonly string[]): Promise<LedgerEntryView[]> {
      if (transactionIds.length === 0) return [];
      const rows = await ex
        .selectFrom("ledger_entries")
        .select(["id", "transaction_id", "account_id", "amount_minor", "currency"])
        .where("transaction_id", "in", transactionIds)
        .orderBy("transaction_id")
        .orderBy("id")
        .execute();
      return rows.map((r) => ({ ...r, amount_minor: Number(r.amount_minor) }));
    },

    /** The partner's own accounts (not customers'): the choices of the account filter. */
    partnerAccounts(ex: Executor): Promise<Array<{ id: string; kind: string; owner: string; currency: string }>> {
      return ex.selectFrom("ledger_accounts").select(["id", "kind", "owner", "currency"]).where("owner", "=", "").orderBy("kind").orderBy("currency").execute();
    },

    findAccount(ex: Executor, id: string) {
      return ex.selectFrom("ledger_accounts").select(["id", "kind", "owner", "currency"]).where("id", "=", id).executeTakeFirst();
    },
  };
}

export type ConsoleRepo = ReturnType<typeof createConsoleRepo>;
