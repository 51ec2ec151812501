// The partner's money upstream (docs/adr/0030-upstream-truth-and-funds.md): the client-area
// balance read with `subaccount` [assumed], stored and shown; a low-balance alert; a pre-payment
// check that warns (or holds) when the last balance read cannot pay for the module; and the resume
// of orders that upstream refused for lack of funds — by a short, growing backoff per order, at once
// when a balance check sees a top-up (or enough funds for the order), and at once on "Resume now".
//
// Resuming is always safe: a refusal for lack of funds is a proven non-placement, and fulfillment
// still looks upstream before it orders (src/modules/fulfillment/README.md). Refusals are never
// counted toward the placement limit (funds.logic.ts).
import type { Db } from "../../db/database.ts";
import type { OrderRow, UpstreamBalanceRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, isAppError } from "../../lib/errors.ts";
import { format, type Money } from "../../lib/money.ts";
import { isUpstreamError } from "../../upstream/errors.ts";
import type { UpstreamClient } from "../../upstream/types.ts";
import type { AlertsService } from "../alerts/alerts.service.ts";
import { ALERT_KINDS } from "../alerts/alerts.service.ts";
import type { AuditContext } from "../audit/audit.logic.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { Enqueuer } from "../../ports/queue.ts";
import type { OrderService } from "../orders/orders.service.ts";
import type { FundsRepo } from "./funds.repo.ts";
import { isLow } from "./funds.logic.ts";

/** With nothing waiting, the balance is read at most this often (dashboard, low-balance alert). */
const IDLE_READ_MS = 10 * 60_000;
/** The pre-payment check trusts a balance read this recent. */
const PRECHECK_FRESH_MS = 60 * 60_000;

export interface FundsView {
  balance: Money | null;
  readAt: string | null;
  checkedAt: string | null;
  error: string | null;
  toppedUpAt: string | null;
  low: boolean;
  threshold: Money | null;
}

export interface FundsCheckResult {
  read: boolean;
  balance: Money | null;
  toppedUp: boolean;
  resumed: string[];
}

export function createFundsService(deps: {
  db: Db;
  repo: FundsRepo;
  upstream: Pick<UpstreamClient, "readBalance">;
  orders: Pick<OrderService, "list" | "get" | "addEvent" | "fulfillmentJobOf">;
  queue: Enqueuer;
  alerts: Pick<AlertsService, "raise" | "resolve">;
  audit: Pick<AuditService, "record">;
  clock: Clock;
  /** The partner's upstream cost of a module and period (price sync), or null when unknown. */
  costOf: (moduleId: string, periodMonths: number) => Promise<Money | null>;
  /** UPSTREAM_LOW_BALANCE in the upstream currency; null/0 = only waiting orders' costs count. */
  lowBalance: Money | null;
  /** UPSTREAM_FUNDS_SHORT: take the payment with an alert, or hold it until funds are there. */
  whenShort: "proceed" | "hold";
  readonly fulfillment: "automatic" | "manual";
}) {
  const { db, repo, clock } = deps;
  const now = () => clock.now();

  function viewOf(row: UpstreamBalanceRow | undefined): FundsView {
    const balance = row && row.balance_minor !== null && row.currency ? { minor: Number(row.balance_minor), currency: row.currency } : null;
    return {
      balance,
      readAt: row?.read_at ?? null,
      checkedAt: row?.checked_at ?? null,
      error: row?.error ?? null,
      toppedUpAt: row?.topped_up_at ?? null,
      low: balance ? isLow(balance.minor, balance.currency, deps.lowBalance) : false,
      threshold: deps.lowBalance && deps.lowBalance.minor > 0 ? deps.lowBalance : null,
    };
  }

  /** The balance as last read (console, dashboard, API). */
  async function view(): Promise<FundsView> {
    return viewOf(await repo.find(db));
  }

  /** Reads the balance upstream and stores it; a rise over the last read is a top-up. */
  async function readAndStore(): Promise<{ balance: Money | null; toppedUp: boolean; error: string | null }> {
    const before = await repo.find(db);
    const at = now().toISOString();
    try {
      const { balance } = await deps.upstream.readBalance();
      const toppedUp = before?.balance_minor != null && before.currency === balance.currency && balance.minor > Number(before.balance_minor);
      await repo.save(db, { balance_minor: balance.minor, currency: balance.currency, checked_at: at, read_at: at, error: null, topped_up_at: toppedUp ? at : (before?.topped_up_at ?? null) });
      return { balance, toppedUp, error: null };
    } catch (e) {
      let error: string;
      if (isUpstreamError(e)) error = `${e.kind}: ${e.message}`;
      else if (isAppError(e) && e.code === "upstream_unavailable") error = e.message;
      else throw e;
      await repo.save(db, {
        balance_minor: before?.balance_minor ?? null,
        currency: before?.currency ?? null,
        checked_at: at,
        read_at: before?.read_at ?? null,
        error: error.slice(0, 300),
        topped_up_at: before?.topped_up_at ?? null,
      });
      return { balance: null, toppedUp: false, error };
    }
  }

  async function enqueueResume(o: OrderRow, key: string): Promise<void> {
    const job = deps.orders.fulfillmentJobOf(o);
    await deps.queue.enqueue(db, { kind: job.kind, payload: { orderId: o.id }, key: `${job.key}:funds:${o.funds_refusals ?? 0}:${key}` });
  }

  /**
   * The periodic funds check (every minute, `orders.resume_awaiting_funds`): reads the balance
   * when orders wait (else at most every 10 minutes), keeps the low-balance alert true, and sends
   * waiting orders for another attempt — those whose backoff is over, and every one at once when a
   * top-up was seen or the balance now covers it. `runKey` makes the enqueued jobs unique per run.
   */
  async function check(runKey: string, opts: { force?: boolean } = {}): Promise<FundsCheckResult> {
    const waiting = await deps.orders.list({ state: "awaiting_funds", limit: 1000 });
    if (deps.fulfillment === "manual" && waiting.length === 0) return { read: false, balance: null, toppedUp: false, resumed: [] };
    const last = await repo.find(db);
    const due = opts.force || waiting.length > 0 || !last || now().getTime() - Date.parse(last.checked_at) >= IDLE_READ_MS;
    let balance: Money | null = null;
    let toppedUp = false;
    let read = false;
    if (due) {
      const r = await readAndStore();
      balance = r.balance;
      toppedUp = r.toppedUp;
      read = r.balance !== null;
    }

    const costs = new Map<string, Money | null>();
    for (const o of waiting) costs.set(o.id, await deps.costOf(o.module_id, o.period_months));

    if (balance) {
      // Low: below the threshold, or below what a waiting order costs (it cannot be placed).
      const short = waiting.filter((o) => {
        const c = costs.get(o.id);
        return c && c.currency === balance!.currency && balance!.minor < c.minor;
      });
      const low = isLow(balance.minor, balance.currency, deps.lowBalance) || short.length > 0;
      if (low) {
        const why = short.length > 0 ? `${short.length} waiting order(s) cost more than the balance` : `below ${deps.lowBalance ? format(deps.lowBalance) : "the threshold"}`;
        await deps.alerts.raise(db, { kind: ALERT_KINDS.lowBalance, subject: null, message: `The client-area balance is ${format(balance)}: ${why}. Top it up in ispmanager's client area.` });
      } else {
        await deps.alerts.resolve(db, [ALERT_KINDS.lowBalance], null);
      }
    }

    const resumed: string[] = [];
    const at = now().getTime();
    for (const o of waiting) {
      const c = costs.get(o.id);
      const covered = balance !== null && c != null && c.currency === balance.currency && balance.minor >= c.minor;
      const backoffOver = !o.funds_retry_at || Date.parse(o.funds_retry_at) <= at;
      if (toppedUp || covered || backoffOver) {
        await enqueueResume(o, runKey);
        resumed.push(o.id);
      }
    }
    return { read, balance, toppedUp, resumed };
  }

  /** "Resume now": another attempt for an order awaiting funds, at once; audited. */
  async function resumeNow(orderId: string, ctx: AuditContext): Promise<OrderRow> {
    const o = await deps.orders.get(orderId);
    if (o.state !== "awaiting_funds") {
      throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}; only orders awaiting upstream funds can be resumed`);
    }
    await db.transaction().execute(async (tx) => {
      const job = deps.orders.fulfillmentJobOf(o);
      await deps.queue.enqueue(tx, { kind: job.kind, payload: { orderId: o.id }, key: `${job.key}:resume-now:${o.funds_refusals ?? 0}:${now().toISOString()}` });
      await deps.orders.addEvent(tx, o.id, { kind: "note", actor: ctx.actor.label ?? ctx.actor.id ?? "staff", detail: { resumeNow: true } });
      await deps.audit.record(tx, { ...ctx, action: "order.resume", subject: { type: "order", id: o.id }, before: { state: o.state, fundsRefusals: o.funds_refusals ?? 0 }, after: { state: o.state, resumed: true } });
    });
    return o;
  }

  /**
   * Before a payment (automatic mode): can the last balance read pay for this module? Short →
   * "hold" refuses the payment for now; "proceed" takes it and raises `upstream_funds_short` (the
   * order will wait in awaiting funds until a top-up). Unknown balance or cost → nothing to say.
   */
  async function precheck(o: Pick<OrderRow, "id" | "module_id" | "period_months">): Promise<{ ok: true } | { ok: false; problem: string }> {
    const row = await repo.find(db);
    const v = viewOf(row);
    if (!v.balance || !v.readAt || now().getTime() - Date.parse(v.readAt) > PRECHECK_FRESH_MS) return { ok: true };
    const cost = await deps.costOf(o.module_id, o.period_months);
    if (!cost || cost.currency !== v.balance.currency || v.balance.minor >= cost.minor) return { ok: true };
    if (deps.whenShort === "hold") {
      return { ok: false, problem: "The module cannot be ordered right now (the reseller's supplier account needs a top-up). No payment was taken; please try again later." };
    }
    await deps.alerts.raise(db, {
      kind: ALERT_KINDS.fundsShort,
      subject: o.id,
      message: `Payment for order ${o.id} is being taken although the client-area balance (${format(v.balance)}) is below the module's cost (${format(cost)}); it will wait for a top-up.`,
    });
    return { ok: true };
  }

  return { view, check, resumeNow, precheck, readAndStore };
}

export type FundsService = ReturnType<typeof createFundsService>;
