// Renewals in charge mode (RENEWAL_MODE=charge, README.md beside this file): a renewal invoice
// (an order of kind "renewal") is raised RENEWAL_NOTICE_DAYS before a module expires and paid
// from the customer's balance when it can be; otherwise the customer is reminded, once per stage.
// A paid renewal is handed to fulfillment (order.prolong → service.prolong upstream, exactly once,
// src/modules/fulfillment/prolong.service.ts). A module whose renewal is still unpaid when its
// expiry date has passed expires, and its invoice is cancelled; upstream is not renewed.
//
// `scan()` looks at the state of the world, not at when it last ran: running it twice, late, or
// from two nodes at once raises each invoice once (unique per module and term), takes each
// payment once (the ledger key and the order's version) and sends each reminder once.
import { noDomainEvents, type DomainEvents } from "../events/domain-events.ts";
import type { Db, Executor, Tx } from "../../db/database.ts";
import type { CustomerModuleRow, OrderRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, conflict, invalidInput, isAppError, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { format, type Money } from "../../lib/money.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import { joinPrices } from "../catalog/catalog.logic.ts";
import { transfer } from "../ledger/ledger.logic.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import type { CustomersRepo } from "../customers/customers.repo.ts";
import { newOrder } from "../orders/orders.logic.ts";
import type { Enqueuer } from "../../ports/queue.ts";
import type { OrderService, TimelineEvent } from "../orders/orders.service.ts";
import type { RenewalsRepo } from "./renewals.repo.ts";
import { addDays, hasExpired, isoDay, reminderStage, RENEWAL_OPEN_STATES } from "./renewals.logic.ts";

/** Who the renewal machinery acts as, in timelines and the ledger. */
export const RENEWALS_ACTOR = "system:renewals";

const PAGE = 500;

/**
 * "Renew now" is idempotent for this long: a renewal of the module that was bought and finished
 * within the window answers a second click instead of buying yet another term (docs/adr/0028).
 */
export const RENEW_NOW_WINDOW_MS = 10 * 60_000;

export interface ScanSummary {
  /** Renewal invoices raised. */
  invoiced: number;
  /** Invoices paid from the balance (new or older ones after a top-up). */
  paid: number;
  /** Reminders recorded (each order and stage once). */
  reminded: number;
  /** Modules that expired unpaid. */
  expired: number;
  /** Renewals waiting for upstream funds sent for another attempt. */
  resumed: number;
  /** Modules the scan could not handle this time (it tries again next run). */
  failures: Array<{ customerModuleId: string; error: string }>;
}

export function createRenewalService(deps: {
  db: Db;
  renewals: RenewalsRepo;
  ordersRepo: Pick<OrdersRepo, "insert" | "findById" | "findCustomerModule" | "updateCustomerModule">;
  /** Row locks on customers: taken first in every money transaction (lock order, src/modules/ledger/README.md). */
  customers: Pick<CustomersRepo, "lock">;
  orders: Pick<OrderService, "move" | "addEvent" | "payFromBalance" | "payFromBalanceIn" | "earn">;
  catalog: Pick<CatalogRepo, "findModule" | "pricesOf">;
  ledger: Pick<LedgerService, "post">;
  queue: Enqueuer;
  clock: Clock;
  ids: IdGenerator;
  /** RENEWAL_NOTICE_DAYS. */
  noticeDays: number;
  /** FULFILLMENT_MODE: manual renewals wait in the manual queue for staff to prolong by hand. */
  fulfillment: "automatic" | "manual";
  /** The job kind that prolongs a paid renewal upstream (order.prolong). */
  prolongJobKind: string;
  /** Told of every module event inside its transaction (mail, outgoing webhooks). */
  events?: DomainEvents;
  /**
   * Runs before a renewal is paid from the balance, outside any transaction: tops the balance up
   * when it falls short (a saved card charged off-session, src/modules/payments/stripe). Never throws.
   */
  topUpShortfall?: (order: OrderRow) => Promise<unknown>;
}) {
  const { db, renewals, ordersRepo, orders, catalog, ledger, queue, clock, ids } = deps;
  const events = deps.events ?? noDomainEvents;
  const now = () => clock.now().toISOString();

  async function moduleEvent(ex: Executor, customerModuleId: string, kind: string, detail: Record<string, unknown>, actor: string | null): Promise<void> {
    await renewals.insertModuleEvent(ex, { id: ids.next("cmev"), customer_module_id: customerModuleId, at: now(), kind, detail: JSON.stringify(detail), actor });
    await events.emit(ex, { type: "module.event", customerModuleId, kind, detail, actor });
  }

  /** The current catalog price for the module's period; the price it was bought at when the catalog has none. */
  async function priceOf(cm: CustomerModuleRow, ex: Executor = db): Promise<Money> {
    const m = await catalog.findModule(ex, cm.module_id);
    const period = cm.period_months === 12 ? 12 : cm.period_months === 1 ? 1 : null;
    const current = m && period !== null ? joinPrices([m], await catalog.pricesOf(ex, m.id))[0]!.prices[period] : undefined;
    return current ?? { minor: Number(cm.price_minor), currency: cm.currency };
  }

  /** The renewal order of the module's current term, not stored yet. */
  function renewalOrderOf(cm: CustomerModuleRow, price: Money, at: string): OrderRow {
    return newOrder(
      {
        id: ids.next("ord"),
        kind: "renewal",
        customer_id: cm.customer_id,
        module_id: cm.module_id,
        tariff_id: cm.tariff_id,
        license_id: Number(cm.license_id),
        ip: cm.ip,
        period_months: cm.period_months,
        price_minor: price.minor,
        currency: price.currency,
        fulfillment: deps.fulfillment,
        customer_module_id: cm.id,
        upstream_service_id: Number(cm.upstream_service_id),
      },
      at,
    );
  }

  /** Stores a renewal order with its renewals row and first timeline event, inside `tx`. */
  async function insertRenewalOrder(tx: Tx, order: OrderRow, cm: CustomerModuleRow, price: Money, source: string, actor: string): Promise<void> {
    await ordersRepo.insert(tx, order);
    await renewals.insertRenewal(tx, { order_id: order.id, customer_module_id: cm.id, term_expires_on: cm.expires_on!, expiry_before_call: null, created_at: order.created_at });
    await orders.addEvent(tx, order.id, {
      kind: "transition",
      to: "pending_payment",
      actor,
      detail: { source, customerModule: cm.id, expiresOn: cm.expires_on, amount: format(price) },
    });
  }

  /** Raises the renewal invoice of the module's current term, once; null when this term already has one. */
  async function invoice(cm: CustomerModuleRow): Promise<OrderRow | null> {
    const term = cm.expires_on!;
    if (await renewals.findRenewalOfTerm(db, cm.id, term)) return null;
    const price = await priceOf(cm);
    const order = renewalOrderOf(cm, price, now());
    try {
      await db.transaction().execute((tx) => insertRenewalOrder(tx, order, cm, price, "renewal", RENEWALS_ACTOR));
    } catch (e) {
      // Another scan raised it between our look and our insert: the unique term key refused ours.
      if (await renewals.findRenewalOfTerm(db, cm.id, term)) return null;
      throw e;
    }
    return order;
  }

  /** A customer's own charge-mode module that can be renewed now; anything else refused with the reason. */
  async function renewable(customerModuleId: string, customerId: string, ex: Executor = db): Promise<CustomerModuleRow & { expires_on: string }> {
    const cm = await ordersRepo.findCustomerModule(ex, customerModuleId);
    // Another customer's module is "not found", exactly like a module that does not exist.
    if (!cm || cm.customer_id !== customerId) throw notFound(`No module ${customerModuleId}`);
    if (cm.state !== "active" || !cm.expires_on) throw new AppError("illegal_transition", `This module is ${cm.state}; only active modules can be renewed`, { messageKey: "not_active" });
    if (cm.renewal === "off") {
      throw new AppError("illegal_transition", `This module was refunded: it runs until ${cm.expires_on ?? "its expiry"} and is not renewed`, { messageKey: "renewal_off", expiresOn: cm.expires_on });
    }
    if (cm.renewal !== "charge") throw invalidInput("This module is renewed by ispmanager itself (automatic renewal upstream); there is nothing to pay here", { messageKey: "renewed_upstream" });
    return cm as CustomerModuleRow & { expires_on: string };
  }

  /**
   * What "Renew now" would do for the customer's module: pay the open renewal of the current term
   * (the scan raised it), or raise one for the term at the current price.
   */
  async function renewNowQuote(customerModuleId: string, customerId: string, ex: Executor = db): Promise<{ module: CustomerModuleRow & { expires_on: string }; open: OrderRow | null; price: Money }> {
    const cm = await renewable(customerModuleId, customerId, ex);
    const open = (await renewals.openRenewalOrder(ex, cm.id)) ?? null;
    if (open && open.state !== "pending_payment") throw conflict("The renewal of this module is already paid and under way", { messageKey: "under_way" });
    const since = new Date(clock.now().getTime() - RENEW_NOW_WINDOW_MS).toISOString();
    if (!open && (await renewals.recentActiveRenewal(ex, cm.id, since))) {
      throw conflict(`This module was renewed a moment ago and now runs until ${cm.expires_on}; nothing more was charged`, { messageKey: "just_renewed", expiresOn: cm.expires_on });
    }
    if (!open && (await renewals.findRenewalOfTerm(ex, cm.id, cm.expires_on))) {
      throw conflict(`The renewal of the term ending ${cm.expires_on} was cancelled, so the module ends then; contact us to keep it`, { messageKey: "term_cancelled", expiresOn: cm.expires_on });
    }
    return { module: cm, open, price: open ? { minor: Number(open.price_minor), currency: open.currency } : await priceOf(cm, ex) };
  }

  /**
   * The customer pays the module's next term now, from the balance (the portal's "Renew now"). An
   * open renewal is paid as it stands; otherwise the renewal is raised and paid in one transaction,
   * so a short balance (insufficient_funds) leaves nothing behind. Tax is quoted at payment with
   * the customer's billing details, as for any order; the term then follows the usual path
   * (order.prolong upstream, or the manual queue).
   */
  async function renewNow(customerModuleId: string, opts: { customerId: string; actor: string }): Promise<OrderRow> {
    const seen = await renewable(customerModuleId, opts.customerId);
    try {
      return await db.transaction().execute(async (tx) => {
        // The customer's row lock first, before the renewal's insert takes its foreign-key lock on
        // the same row: two clicks then queue here instead of deadlocking (lock order,
        // src/modules/ledger/README.md), and the second one decides on what the first committed.
        await deps.customers.lock(tx, opts.customerId);
        const { module: cm, open, price } = await renewNowQuote(customerModuleId, opts.customerId, tx);
        if (open) return orders.payFromBalanceIn(tx, open.id, opts.customerId, opts.actor);
        const order = renewalOrderOf(cm, price, now());
        await insertRenewalOrder(tx, order, cm, price, "renew_now", opts.actor);
        return orders.payFromBalanceIn(tx, order.id, opts.customerId, opts.actor);
      });
    } catch (e) {
      // The scan raised this term's renewal between our look and our insert (it takes no customer lock).
      if (!isAppError(e) && (await renewals.findRenewalOfTerm(db, seen.id, seen.expires_on))) throw conflict("The renewal of this module changed meanwhile; look at it again");
      throw e;
    }
  }

  /** Pays an unpaid renewal from the balance; false (and a reminder, once per stage) when the balance is short. */
  async function tryToPay(order: OrderRow, cm: CustomerModuleRow, today: string, summary: ScanSummary): Promise<void> {
    await deps.topUpShortfall?.(order);
    try {
      await orders.payFromBalance(order.id, cm.customer_id, RENEWALS_ACTOR);
      summary.paid++;
      return;
    } catch (e) {
      if (!isAppError(e) || e.code !== "insufficient_funds") throw e;
    }
    const stage = reminderStage(cm.expires_on!, today);
    const created = await db.transaction().execute(async (tx) => {
      const isNew = await renewals.insertReminder(tx, {
        id: ids.next("rmd"),
        order_id: order.id,
        customer_id: cm.customer_id,
        customer_module_id: cm.id,
        stage,
        amount_minor: Number(order.price_minor),
        currency: order.currency,
        expires_on: cm.expires_on!,
        created_at: now(),
        sent_at: null,
      });
      if (isNew) {
        await orders.addEvent(tx, order.id, {
          kind: "note",
          actor: RENEWALS_ACTOR,
          detail: { reminder: stage, reason: "the balance does not cover the renewal", amount: format({ minor: Number(order.price_minor), currency: order.currency }), expiresOn: cm.expires_on },
        });
      }
      return isNew;
    });
    if (created) summary.reminded++;
  }

  /** The expiry date has passed with the renewal unpaid (or none raised): the module expires. */
  async function expire(cm: CustomerModuleRow, open: OrderRow | undefined): Promise<boolean> {
    return db.transaction().execute(async (tx) => {
      if (!(await renewals.expireModule(tx, cm.id, now()))) return false;
      const reason = open ? "the renewal was not paid by the expiry date" : "no renewal";
      if (open) {
        const fresh = (await ordersRepo.findById(tx, open.id))!;
        await orders.move(tx, fresh, "cancelled", { reason }, { kind: "transition", actor: RENEWALS_ACTOR, detail: { reason } });
      }
      await moduleEvent(tx, cm.id, "expired", { expiresOn: cm.expires_on, renewalOrder: open?.id ?? null, reason }, RENEWALS_ACTOR);
      return true;
    });
  }

  async function scanOne(cm: CustomerModuleRow, today: string, summary: ScanSummary): Promise<void> {
    const open = await renewals.openRenewalOrder(db, cm.id);
    // Refunded (renewal off, ADR 0038): it runs to its date and then expires; nothing is raised or charged.
    if (cm.renewal === "off") {
      if (hasExpired(cm.expires_on, today) && (!open || open.state === "pending_payment") && (await expire(cm, open))) summary.expired++;
      return;
    }
    if (hasExpired(cm.expires_on, today)) {
      // Paid and under way: the customer's money is in; fulfillment finishes it (or staff do).
      if (open && open.state !== "pending_payment") return;
      if (await expire(cm, open)) summary.expired++;
      return;
    }
    let order = open;
    if (!order) {
      const raised = await invoice(cm);
      if (!raised) return;
      summary.invoiced++;
      order = raised;
    }
    if (order.state === "pending_payment") await tryToPay(order, cm, today, summary);
  }

  async function scan(): Promise<ScanSummary> {
    const summary: ScanSummary = { invoiced: 0, paid: 0, reminded: 0, expired: 0, resumed: 0, failures: [] };
    const today = isoDay(clock.now());
    const horizon = addDays(today, deps.noticeDays);
    let after: { expiresOn: string; id: string } | undefined;
    for (;;) {
      const page = await renewals.modulesToRenew(db, horizon, PAGE, after);
      for (const cm of page) {
        try {
          await scanOne(cm, today, summary);
        } catch (e) {
          // One module's trouble (a race, a bad row) must not hold up everyone else's renewal.
          summary.failures.push({ customerModuleId: cm.id, error: e instanceof Error ? e.message : String(e) });
        }
      }
      if (page.length < PAGE) break;
      const last = page[page.length - 1]!;
      after = { expiresOn: last.expires_on!, id: last.id };
    }
    // Renewals upstream refused for lack of the partner's funds: try again each run. The refusal
    // was certain, and prolong re-reads the module first, so another attempt cannot double it.
    const hour = clock.now().toISOString().slice(0, 13);
    for (const o of await renewals.renewalOrders(db, { states: ["awaiting_funds"] })) {
      await queue.enqueue(db, { kind: deps.prolongJobKind, payload: { orderId: o.id }, key: `order:${o.id}:prolong:resume:${hour}` });
      summary.resumed++;
    }
    return summary;
  }

  /**
   * A renewal is done upstream: the order becomes active, the module's expiry moves to the new
   * date and the held money is earned — one commit, inside `tx`.
   */
  /**
   * `upstream`, when given, is what upstream showed after the renewal (ADR 0030): its status is
   * stored, and our own arithmetic is kept beside upstream's date when the two differ.
   */
  async function activate(tx: Tx, o: OrderRow, newExpiry: string, ev: TimelineEvent, upstream?: { status: string | null; expected: string | null }): Promise<OrderRow> {
    if (o.kind !== "renewal" || !o.customer_module_id) throw new Error(`order ${o.id} is not a renewal`);
    const cm = await ordersRepo.findCustomerModule(tx, o.customer_module_id);
    if (!cm) throw new Error(`renewal ${o.id} has no customer module ${o.customer_module_id}`);
    const at = now();
    const active = await orders.move(tx, o, "active", {
      upstream_service_id: Number(cm.upstream_service_id),
      upstream_expires_on: newExpiry,
      activated_at: at,
      reason: null,
    }, ev);
    const price: Money = { minor: Number(o.price_minor), currency: o.currency };
    await orders.earn(tx, o, `Renewal ${o.id}: module service ${cm.upstream_service_id} prolonged to ${newExpiry}`);
    await ordersRepo.updateCustomerModule(tx, cm.id, {
      expires_on: newExpiry,
      state: "active",
      price_minor: price.minor,
      currency: price.currency,
      updated_at: at,
      ...(upstream
        ? {
            expected_expires_on: upstream.expected !== null && upstream.expected !== newExpiry ? upstream.expected : null,
            upstream_status: upstream.status,
            upstream_checked_at: upstream.status !== null ? at : null,
          }
        : {}),
    });
    await moduleEvent(tx, cm.id, "renewed", { order: o.id, from: cm.expires_on, to: newExpiry }, ev.actor ?? null);
    return active;
  }

  /** Staff prolonged the module by hand (manual mode, or a renewal that needed attention). */
  async function completeManually(orderId: string, input: { expiresOn: string }, actor: string): Promise<OrderRow> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.expiresOn) || Number.isNaN(Date.parse(input.expiresOn))) throw invalidInput("The new expiry must be a date like 2027-01-31");
    return db.transaction().execute(async (tx) => {
      const o = await ordersRepo.findById(tx, orderId);
      if (!o) throw notFound(`No order ${orderId}`);
      if (o.kind !== "renewal") throw invalidInput(`Order ${o.id} is not a renewal; use \`partnerbill orders place\``);
      if (o.state !== "manual_queue" && o.state !== "needs_attention") {
        throw new AppError("illegal_transition", `Renewal ${o.id} is ${o.state}; only renewals in the manual queue or needing attention can be completed by hand`);
      }
      return activate(tx, o, input.expiresOn, { kind: "transition", actor, detail: { manual: true, expiresOn: input.expiresOn } });
    });
  }

  /** Renewal orders not finished yet, oldest first, with their reminders. */
  async function listOpen() {
    const rows = await renewals.renewalOrders(db, { states: RENEWAL_OPEN_STATES });
    return Promise.all(
      rows.map(async (o) => ({
        order: o,
        renewal: await renewals.findRenewal(db, o.id),
        reminders: await renewals.reminders(db, { orderId: o.id }),
      })),
    );
  }

  return {
    scan,
    renewNowQuote,
    renewNow,
    activate,
    completeManually,
    listOpen,
    reminders: (f: { orderId?: string; customerModuleId?: string; unsentOnly?: boolean } = {}) => renewals.reminders(db, f),
    findRenewal: (orderId: string) => renewals.findRenewal(db, orderId),
  };
}

export type RenewalService = ReturnType<typeof createRenewalService>;
