// Alerts: conditions staff must look at (a price below cost, a failed sync, an order waiting for
// upstream funds). One open alert per (kind, subject): raising it again refreshes its message and
// last_seen_at instead of piling up a row a day. Every kind has an owner condition
// (alerts.catalog.ts): the feature that raised it resolves it when the condition clears, and order
// alerts close on the order's own transitions (onEvent below). Opening and resolving emit domain
// events in the same transaction — outgoing webhooks `alert.opened` / `alert.resolved`, and one
// e-mail per newly opened kind to staff who opted in (alerts.notify.ts). docs/adr/0031.
import type { Db, Executor } from "../../db/database.ts";
import type { AlertRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { noDomainEvents, type DomainEvent, type DomainEvents } from "../events/domain-events.ts";
import type { AlertsRepo } from "./alerts.repo.ts";

/** Alert kinds, declared once. Other features add theirs here (and to ALERT_CATALOG). */
export const ALERT_KINDS = {
  /** A module's sell price would be (or is) below its upstream cost; subject: module id. */
  negativeMargin: "negative_margin",
  /** A price cannot be checked against its cost: no exchange rate for the pair; subject: module id. */
  missingRate: "missing_rate",
  /** Price sync could not read upstream's price list; nothing was changed. */
  priceSyncFailed: "price_sync_failed",
  /** The ECB reference-rate feed could not be fetched or read. */
  ratesFetchFailed: "rates_fetch_failed",
  /** Upstream refused an order or renewal for lack of funds; subject: order id. */
  insufficientFunds: "upstream_insufficient_funds",
  /** The partner's upstream balance is below the threshold or a waiting order's cost. */
  lowBalance: "upstream_low_balance",
  /** A payment was taken while the last balance read could not pay for it; subject: order id. */
  fundsShort: "upstream_funds_short",
  /** A paid order needs a person; subject: order id. */
  needsAttention: "order_needs_attention",
  /** More than one unclaimed module of the tariff on the license; subject: order id. */
  duplicateModule: "upstream_duplicate_module",
} as const;

/** Who resolves an alert whose condition cleared. */
export const CONDITION = "condition";

/** Order alerts and the states in which their condition no longer holds. */
const ORDER_ALERT_CLEARS: Record<string, ReadonlySet<string>> = {
  [ALERT_KINDS.insufficientFunds]: new Set(["active", "rejected", "refunded", "cancelled", "needs_attention", "manual_queue"]),
  [ALERT_KINDS.needsAttention]: new Set(["active", "rejected", "refunded", "cancelled", "awaiting_funds", "manual_queue"]),
  [ALERT_KINDS.fundsShort]: new Set(["active", "rejected", "refunded", "cancelled"]),
};

export interface AlertInput {
  kind: string;
  subject: string | null;
  message: string;
}

export function createAlertsService(deps: { db: Db; alerts: AlertsRepo; clock: Clock; ids: IdGenerator; events?: DomainEvents }) {
  const { db, alerts, clock, ids } = deps;
  const events = deps.events ?? noDomainEvents;

  /** Records an alert, or refreshes the open one of the same kind and subject. Returns whether it opened. */
  async function raise(ex: Executor, input: AlertInput): Promise<boolean> {
    const now = clock.now().toISOString();
    const open = await alerts.findOpen(ex, input.kind, input.subject);
    if (open) {
      await alerts.touch(ex, open.id, input.message, now);
      return false;
    }
    const firstOfKind = (await alerts.countOpenOfKind(ex, input.kind)) === 0;
    const row: AlertRow = {
      id: ids.next("al"),
      kind: input.kind,
      subject: input.subject,
      message: input.message,
      created_at: now,
      last_seen_at: now,
      resolved_at: null,
      resolved_by: null,
    };
    await alerts.insert(ex, row);
    await events.emit(ex, { type: "alert.opened", alert: row, firstOfKind });
    return true;
  }

  /** Resolves the open alerts of these kinds about `subject` (the condition cleared); returns how many. */
  async function resolve(ex: Executor, kinds: readonly string[], subject: string | null | undefined, by = CONDITION): Promise<number> {
    const done = await alerts.resolveOpen(ex, kinds, subject, clock.now().toISOString(), by);
    for (const a of done) await events.emit(ex, { type: "alert.resolved", alert: a });
    return done.length;
  }

  function list(opts: { all?: boolean; kind?: string; limit?: number } = {}): Promise<AlertRow[]> {
    return alerts.list(db, {
      openOnly: !opts.all,
      limit: opts.limit ?? 100,
      ...(opts.kind !== undefined ? { kind: opts.kind } : {}),
    });
  }

  /** Staff acknowledge an alert. */
  async function resolveById(id: string, by = "staff"): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const done = await alerts.resolveById(tx, id, clock.now().toISOString(), by);
      if (!done) throw notFound(`No open alert with id ${id}`, { alert: id });
      await events.emit(tx, { type: "alert.resolved", alert: done });
    });
  }

  /** Staff opt in to (or out of) an e-mail per newly opened alert kind. */
  async function setAlertEmails(staff: string, on: boolean): Promise<void> {
    if (!(await alerts.setAlertEmails(db, staff, on, clock.now().toISOString()))) throw notFound(`No staff user ${staff.slice(0, 100)}`);
  }

  /** Domain-event listener: order alerts close on the order's own transitions (their owner condition). */
  async function onEvent(ex: Executor, event: DomainEvent): Promise<void> {
    if (event.type !== "order.transition") return;
    const kinds = Object.entries(ORDER_ALERT_CLEARS).filter(([, states]) => states.has(event.to)).map(([k]) => k);
    if (kinds.length > 0) await resolve(ex, kinds, event.order.id);
  }

  return { raise, resolve, list, resolveById, setAlertEmails, onEvent, openByKind: () => alerts.openByKind(db) };
}

export type AlertsService = ReturnType<typeof createAlertsService>;
