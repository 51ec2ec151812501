// The admin console's use cases that no other service owns: the dashboard's figures and alerts
// (from the ledger, the orders, the alerts and the job queue — nothing estimated), the customer
// and ledger listings, and the staff actions on money and jobs. Every staff action writes its
// audit entry in the transaction of the change (docs/adr/0022-admin-console.md).
import type { Db, Tx } from "../../db/database.ts";
import type { AlertRow, CustomerModuleRow, CustomerRow, JobRow, LedgerTransactionRow, OrderRow } from "../../db/schema.ts";
import type { JobsAdmin } from "../../ports/queue.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, invalidInput, notFound } from "../../lib/errors.ts";
import { format, type Money } from "../../lib/money.ts";
import type { AlertsService } from "../alerts/alerts.service.ts";
import { decodeCursor, encodeCursor, type AuditContext } from "../audit/audit.logic.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { CustomersRepo } from "../customers/customers.repo.ts";
import { accountId } from "../ledger/ledger.logic.ts";
import type { LedgerService, StatementRow } from "../ledger/ledger.service.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import { ORDER_STATES } from "../orders/orders.logic.ts";
import { DRIFT_KINDS, RECONCILE_FAILED_ALERT, alertKindOf } from "../reconciliation/reconciliation.logic.ts";
import type { ConsoleRepo, CustomerListRow, LedgerEntryView } from "./console.repo.ts";
import {
  DASHBOARD_DAYS,
  PAID_NOT_ACTIVE_MINUTES,
  WAITING_STATES,
  dayRange,
  moneySeries,
  parseAdjustment,
  parseCustomerSearch,
  stateSeries,
  type AdjustmentInput,
  type MoneySeries,
} from "./console.logic.ts";

/** A staff member acting: the audit context plus how ledgers and timelines name them. */
export interface StaffAct {
  ctx: AuditContext;
  /** "staff:<e-mail>", as ledger transactions and order timelines record who acted. */
  actor: string;
}

export interface Dashboard {
  days: string[];
  money: MoneySeries[];
  orders: Array<{ state: string; counts: number[]; total: number }>;
  alerts: {
    paidNotActive: OrderRow[];
    awaitingFunds: OrderRow[];
    negativeMargin: AlertRow[];
    drift: AlertRow[];
    deadJobs: { count: number; latest: JobRow[] };
    /** Open alerts of every other kind. */
    other: AlertRow[];
  };
}

export const PAGE_SIZE = 50;
const NEGATIVE_MARGIN = "negative_margin";
const DRIFT_ALERTS: ReadonlySet<string> = new Set([...DRIFT_KINDS.map(alertKindOf), RECONCILE_FAILED_ALERT]);

export function createConsoleService(deps: {
  db: Db;
  repo: ConsoleRepo;
  ledger: Pick<LedgerService, "post" | "balance" | "customerBalances" | "statement">;
  customers: Pick<CustomersRepo, "findById" | "lock">;
  ordersRepo: Pick<OrdersRepo, "listCustomerModules">;
  alerts: Pick<AlertsService, "list">;
  queue: JobsAdmin;
  audit: Pick<AuditService, "record">;
  clock: Clock;
}) {
  const { db, repo, ledger, customers, alerts, queue, audit, clock } = deps;

  async function dashboard(): Promise<Dashboard> {
    const now = clock.now();
    const range = dayRange(now, DASHBOARD_DAYS);
    const [sums, created, open, waiting, awaitingFunds, jobCounts, dead] = await Promise.all([
      repo.dailyLedgerSums(db, ["revenue", "upstream_cost"], range.from, range.to),
      repo.dailyOrdersByState(db, range.from, range.to),
      alerts.list({ limit: 200 }),
      repo.paidNotActive(db, new Date(now.getTime() - PAID_NOT_ACTIVE_MINUTES * 60_000).toISOString(), WAITING_STATES, 50),
      repo.ordersInState(db, "awaiting_funds", 50),
      queue.countByState(),
      queue.list({ state: "dead", limit: 5 }),
    ]);
    return {
      days: range.days,
      money: moneySeries(range.days, sums),
      orders: stateSeries(range.days, created, ORDER_STATES),
      alerts: {
        paidNotActive: waiting,
        awaitingFunds,
        negativeMargin: open.filter((a) => a.kind === NEGATIVE_MARGIN),
        drift: open.filter((a) => DRIFT_ALERTS.has(a.kind)),
        deadJobs: { count: jobCounts["dead"] ?? 0, latest: dead },
        other: open.filter((a) => a.kind !== NEGATIVE_MARGIN && !DRIFT_ALERTS.has(a.kind)),
      },
    };
  }

  function limitOf(limit: number | undefined): number {
    const n = limit ?? PAGE_SIZE;
    if (!Number.isSafeInteger(n) || n < 1 || n > 200) throw invalidInput("limit must be 1 to 200");
    return n;
  }

  /** Customers newest first; `q` is a customer id or the start of an e-mail address. */
  async function customersPage(f: { q?: string; country?: string; cursor?: string; limit?: number } = {}): Promise<{ items: CustomerListRow[]; next: string | null }> {
    const search = parseCustomerSearch(f.q);
    if (f.country !== undefined && !/^[A-Z]{2}$/.test(f.country)) throw invalidInput("country must be a two-letter ISO code");
    const limit = limitOf(f.limit);
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    if (search?.by === "id") {
      const c = await customers.findById(db, search.id);
      return { items: c ? [{ id: c.id, email: c.email, name: c.name, company: c.company ?? null, country: c.country ?? null, created_at: c.created_at }] : [], next: null };
    }
    const rows = await repo.customersPage(db, { ...(search ? { emailPrefix: search.prefix } : {}), ...(f.country ? { country: f.country } : {}), ...(after ? { after } : {}), limit: limit + 1 });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, next: rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null };
  }

  async function customer(id: string): Promise<{
    customer: CustomerRow;
    balances: Money[];
    modules: CustomerModuleRow[];
    statements: Array<{ currency: string; rows: StatementRow[] }>;
  }> {
    const c = await customers.findById(db, id);
    if (!c) throw notFound(`No customer ${id}`);
    const balances = await ledger.customerBalances(db, c.id);
    const modules = await deps.ordersRepo.listCustomerModules(db, { customerId: c.id, limit: 200 });
    const statements = await Promise.all(balances.map(async (b) => ({ currency: b.currency, rows: (await ledger.statement(db, c.id, b.currency, 50)).reverse() })));
    return { customer: c, balances, modules, statements };
  }

  /**
   * Staff move a customer's balance up (funding → customer) or down (customer → funding) with a
   * reason. The form's key makes a second submission a no-op; a debit never takes the balance
   * below zero. The ledger transaction and the audit entry commit together.
   */
  async function adjustBalance(customerId: string, input: AdjustmentInput, by: StaffAct, opts: { inTx?: (tx: Tx) => Promise<void> } = {}): Promise<{ amount: Money; balance: Money; created: boolean }> {
    const { amount, reason, key } = parseAdjustment(input);
    return db.transaction().execute(async (tx) => {
      const c = await customers.findById(tx, customerId);
      if (!c) throw notFound(`No customer ${customerId}`);
      await customers.lock(tx, c.id);
      const account = { kind: "customer" as const, owner: c.id };
      const before = await ledger.balance(tx, account, amount.currency);
      if (before.minor + amount.minor < 0) {
        throw new AppError("insufficient_funds", `The balance is ${format(before)}; taking ${format({ minor: -amount.minor, currency: amount.currency })} would make it negative`);
      }
      const other = { kind: "funding" as const };
      const posted = await ledger.post(tx, {
        kind: "adjustment",
        memo: reason,
        actor: by.actor,
        key: `staff-adjustment:${key}`,
        postings: [
          { account, amount },
          { account: other, amount: { minor: -amount.minor, currency: amount.currency } },
        ],
      });
      const after = await ledger.balance(tx, account, amount.currency);
      // An approval claims itself here, so the money and the decision commit together (approvals.service.ts).
      await opts.inTx?.(tx);
      if (posted.created) {
        await audit.record(tx, {
          ...by.ctx,
          action: "customer.balance_adjust",
          subject: { type: "customer", id: c.id },
          before: { balance: before },
          after: { balance: after, amount, reason, transaction: posted.transactionId },
        });
      }
      return { amount, balance: after, created: posted.created };
    });
  }

  /** Ledger transactions newest first with their entries; `account` narrows to one account. */
  async function ledgerPage(f: { account?: string; cursor?: string; limit?: number } = {}): Promise<{
    transactions: Array<LedgerTransactionRow & { entries: LedgerEntryView[] }>;
    next: string | null;
    accounts: Array<{ id: string; kind: string; owner: string; currency: string }>;
  }> {
    const limit = limitOf(f.limit);
    const account = f.account?.trim() || undefined;
    if (account !== undefined && (account.length > 200 || !/^acc:[a-z_]+:[0-9a-z_]*:[A-Z]{3}$/.test(account))) {
      throw invalidInput("The account must be a ledger account id like acc:revenue::EUR");
    }
    const after = f.cursor ? decodeCursor(f.cursor) : undefined;
    const rows = await repo.transactionsPage(db, { ...(account ? { accountId: account } : {}), ...(after ? { after } : {}), limit: limit + 1 });
    const page = rows.slice(0, limit);
    const entries = await repo.entriesOf(db, page.map((t) => t.id));
    const last = page[page.length - 1];
    return {
      transactions: page.map((t) => ({ ...t, entries: entries.filter((e) => e.transaction_id === t.id) })),
      next: rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
      accounts: await repo.partnerAccounts(db),
    };
  }

  async function jobs(): Promise<{ counts: Record<string, number>; dead: JobRow[] }> {
    const [counts, dead] = await Promise.all([queue.countByState(), queue.list({ state: "dead", limit: 100 })]);
    return { counts, dead };
  }

  async function retryJob(id: string, by: StaffAct): Promise<JobRow> {
    return db.transaction().execute(async (tx) => {
      const job = await queue.retry(id, tx);
      await audit.record(tx, { ...by.ctx, action: "job.retry", subject: { type: "job", id: job.id }, before: { state: "dead", kind: job.kind }, after: { state: job.state, kind: job.kind } });
      return job;
    });
  }

  async function retryAllDead(by: StaffAct): Promise<number> {
    return db.transaction().execute(async (tx) => {
      const n = await queue.retryAllDead(tx);
      if (n > 0) await audit.record(tx, { ...by.ctx, action: "job.retry_all_dead", subject: { type: "job", id: "*" }, before: { dead: n }, after: { requeued: n } });
      return n;
    });
  }

  return { dashboard, customersPage, customer, adjustBalance, ledgerPage, jobs, retryJob, retryAllDead, customerAccount: (customerId: string, currency: string) => accountId({ kind: "customer", owner: customerId }, currency) };
}

export type ConsoleService = ReturnType<typeof createConsoleService>;
