// Order use cases. Every transition is one database transaction that writes the new state, the
// timeline event, the ledger entries the transition implies, and the next job (outbox). Nothing
// here calls the network: fulfillment calls upstream between transitions.
import type { Db, Executor, Tx } from "../../db/database.ts";
import { JOB_KINDS } from "../../jobs/kinds.ts";
import type { CustomerModuleRow, OrderRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, conflict, invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { format, type Money } from "../../lib/money.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import { joinPrices } from "../catalog/catalog.logic.ts";
import type { CustomersRepo } from "../customers/customers.repo.ts";
import { normalizeEmail } from "../customers/customers.logic.ts";
import { transfer } from "../ledger/ledger.logic.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import { noDomainEvents, type DomainEvents } from "../events/domain-events.ts";
import type { OrderListFilter, OrderPatch, OrdersRepo } from "./orders.repo.ts";
import { addMonths, assertTransition, newOrder, parseBuyRedirect, statesLeadingTo, type OrderState } from "./orders.logic.ts";

/** The job that gets a paid order done upstream: a purchase is placed, a renewal prolonged. */
export function fulfillmentJobOf(o: Pick<OrderRow, "id" | "kind">): { kind: string; key: string } {
  return o.kind === "renewal"
    ? { kind: JOB_KINDS.prolongOrder, key: `order:${o.id}:prolong` }
    : { kind: JOB_KINDS.placeOrder, key: `order:${o.id}:place` };
}

export interface Enqueuer {
  enqueue(ex: Executor, job: { kind: string; payload: Record<string, unknown>; key: string; runAt?: Date }): Promise<unknown>;
}

export interface TimelineEvent {
  kind: "transition" | "upstream_call" | "note";
  detail?: Record<string, unknown>;
  actor?: string;
}

export function createOrderService(deps: {
  db: Db;
  orders: OrdersRepo;
  catalog: Pick<CatalogRepo, "listModules" | "pricesOf" | "findModule">;
  customers: Pick<CustomersRepo, "findByEmail" | "findById" | "lock">;
  ledger: Pick<LedgerService, "post" | "balance">;
  queue: Enqueuer;
  clock: Clock;
  ids: IdGenerator;
  region: "eu" | "ru";
  fulfillment: "automatic" | "manual";
  /** RENEWAL_MODE: how the modules bought from now on renew (recorded on each customer module). */
  renewalMode?: "charge" | "upstream";
  /**
   * Checks made upstream before money is taken (automatic mode): throws an AppError naming the
   * problem. Runs before the payment transaction — it calls the network.
   */
  precheck?: (order: OrderRow) => Promise<void>;
  /** Called when the panel's module name disagrees with module_id (module_id wins). */
  onNameMismatch?: (info: { moduleId: number; sent: string; expected: string }) => void;
  /** Told of every transition inside its transaction (mail, outgoing webhooks). */
  events?: DomainEvents;
}) {
  const { db, orders, catalog, customers, ledger, queue, clock, ids, region } = deps;
  const events = deps.events ?? noDomainEvents;
  const now = () => clock.now().toISOString();

  async function get(id: string, ex: Executor = db): Promise<OrderRow> {
    const o = await orders.findById(ex, id);
    if (!o) throw notFound(`No order ${id}`);
    return o;
  }

  async function addEvent(ex: Executor, orderId: string, ev: TimelineEvent & { from?: string | null; to?: string | null }): Promise<void> {
    await orders.insertEvent(ex, {
      id: ids.next("oev"),
      order_id: orderId,
      at: now(),
      kind: ev.kind,
      from_state: ev.from ?? null,
      to_state: ev.to ?? null,
      detail: ev.detail ? JSON.stringify(ev.detail) : null,
      actor: ev.actor ?? null,
    });
  }

  /**
   * The one way an order changes state: checks the transition is legal, applies it only if the row
   * is still as we read it, and writes the timeline event — all inside `tx`.
   */
  async function move(tx: Tx, order: OrderRow, to: OrderState, patch: OrderPatch, ev: TimelineEvent = { kind: "transition" }): Promise<OrderRow> {
    assertTransition(order.state, to);
    const at = now();
    const full: OrderPatch = { ...patch, state: to, updated_at: at };
    const ok = await orders.transition(tx, order.id, [order.state], order.version, full);
    if (!ok) throw conflict(`Order ${order.id} changed while it was being updated; try again`, { order: order.id });
    await addEvent(tx, order.id, { ...ev, kind: "transition", from: order.state, to });
    const moved = { ...order, ...full, version: order.version + 1 } as OrderRow;
    await events.emit(tx, { type: "order.transition", order: moved, from: order.state, to, actor: ev.actor ?? null });
    return moved;
  }

  /** Buy redirect from a panel: a pending order for (license, module), reused on repeated clicks. */
  async function intake(params: Record<string, unknown>, browserKey: string | null): Promise<{ order: OrderRow; reused: boolean }> {
    const req = parseBuyRedirect(params);
    const moduleId = `${region}-${req.moduleId}`;
    const m = await catalog.findModule(db, moduleId);
    if (!m || m.region !== region) throw invalidInput(`module_id ${req.moduleId} is not a module sold here`);
    if (m.enabled !== 1) throw invalidInput(`${m.name} (module_id ${req.moduleId}) is not on sale`);
    const entry = joinPrices([m], await catalog.pricesOf(db, m.id))[0]!;
    const monthly = entry.prices[1];
    if (!monthly) throw invalidInput(`${m.name} (module_id ${req.moduleId}) has no price`);
    if (req.moduleName && req.moduleName !== m.intname && req.moduleName !== m.addition_intname) {
      deps.onNameMismatch?.({ moduleId: req.moduleId, sent: req.moduleName, expected: m.intname });
    }
    if (browserKey) {
      const existing = await orders.findPendingForBrowser(db, browserKey, req.license, m.id);
      if (existing) return { order: existing, reused: true };
    }
    const at = now();
    const order = newOrder(
      {
        id: ids.next("ord"),
        kind: "purchase",
        customer_id: null,
        module_id: m.id,
        tariff_id: m.tariff_id,
        license_id: req.license,
        ip: req.ip,
        period_months: 1,
        price_minor: monthly.minor,
        currency: monthly.currency,
        fulfillment: deps.fulfillment,
        browser_key: browserKey,
      },
      at,
    );
    await db.transaction().execute(async (tx) => {
      await orders.insert(tx, order);
      await addEvent(tx, order.id, { kind: "transition", to: "pending_payment", detail: { source: "buy_redirect", ip: req.ip, module: req.moduleName } });
    });
    return { order, reused: false };
  }

  /** Chooses the billing period of a pending order (1 or 12 months, as priced). */
  async function choosePeriod(orderId: string, period: number): Promise<OrderRow> {
    const o = await get(orderId);
    if (o.state !== "pending_payment") throw new AppError("illegal_transition", "The period can only change before payment");
    const entry = joinPrices([(await catalog.findModule(db, o.module_id))!], await catalog.pricesOf(db, o.module_id))[0]!;
    const price = period === 1 || period === 12 ? entry.prices[period] : undefined;
    if (!price) throw invalidInput(`This module is not sold for ${period} months`);
    const patch = { period_months: period, price_minor: price.minor, currency: price.currency, updated_at: now() };
    if (!(await orders.transition(db, o.id, ["pending_payment"], o.version, patch))) throw conflict("The order changed; reload it");
    return { ...o, ...patch, version: o.version + 1 };
  }

  /**
   * Pays a pending order from the customer's balance and hands it to fulfillment, in one
   * transaction: attach customer, check and debit the balance, hold the money, enqueue placing.
   */
  async function payFromBalance(orderId: string, customerRef: string, actor: string): Promise<OrderRow> {
    const customer = customerRef.includes("@")
      ? await customers.findByEmail(db, normalizeEmail(customerRef))
      : await customers.findById(db, customerRef);
    if (!customer) throw notFound(`No customer ${customerRef}`);
    const pending = await get(orderId);
    // A renewal's module is (rightly) active on its license already: the purchase checks do not apply.
    if (pending.state === "pending_payment" && pending.fulfillment === "automatic" && pending.kind === "purchase") await deps.precheck?.(pending);
    return db.transaction().execute(async (tx) => {
      await customers.lock(tx, customer.id);
      const o = await get(orderId, tx);
      if (o.customer_id && o.customer_id !== customer.id) throw conflict("This order belongs to another customer");
      if (o.state !== "pending_payment") throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}, not awaiting payment`);
      const price: Money = { minor: Number(o.price_minor), currency: o.currency };
      const balance = await ledger.balance(tx, { kind: "customer", owner: customer.id }, o.currency);
      if (balance.minor < price.minor) {
        throw new AppError("insufficient_funds", `Balance ${format(balance)} is less than the price ${format(price)}`);
      }
      await ledger.post(tx, {
        kind: "order_payment",
        memo: `Payment for order ${o.id}`,
        orderId: o.id,
        actor,
        key: `order:${o.id}:payment`,
        postings: transfer({ kind: "customer", owner: customer.id }, { kind: "held" }, price),
      });
      const paid = await move(tx, o, "paid", { customer_id: customer.id, paid_at: now() }, { kind: "transition", actor, detail: { method: "balance", amount: format(price) } });
      return handOver(tx, paid, actor);
    });
  }

  /** After payment: the manual queue, or a placing job (outbox: committed with the payment). */
  async function handOver(tx: Tx, paid: OrderRow, actor: string): Promise<OrderRow> {
    if (paid.fulfillment === "manual") return move(tx, paid, "manual_queue", {}, { kind: "transition", actor });
    await queue.enqueue(tx, { ...fulfillmentJobOf(paid), payload: { orderId: paid.id } });
    return paid;
  }

  /** Activation: the module exists upstream. Creates the customer's module and earns the revenue. */
  async function activate(
    tx: Tx,
    o: OrderRow,
    upstream: { serviceId: number; expiresOn: string | null },
    ev: TimelineEvent,
  ): Promise<OrderRow> {
    if (!o.customer_id) throw new Error(`order ${o.id} has no customer`);
    const at = now();
    const expiresOn = upstream.expiresOn ?? addMonths(at, o.period_months);
    const cm: CustomerModuleRow = {
      id: ids.next("cmod"),
      customer_id: o.customer_id,
      module_id: o.module_id,
      tariff_id: o.tariff_id,
      license_id: Number(o.license_id),
      ip: o.ip,
      upstream_service_id: upstream.serviceId,
      period_months: o.period_months,
      price_minor: Number(o.price_minor),
      currency: o.currency,
      expires_on: expiresOn,
      state: "active",
      renewal: deps.renewalMode ?? "charge",
      created_order_id: o.id,
      created_at: at,
      updated_at: at,
    };
    await orders.insertCustomerModule(tx, cm);
    await ledger.post(tx, {
      kind: "order_revenue",
      memo: `Order ${o.id} active upstream (service ${upstream.serviceId})`,
      orderId: o.id,
      key: `order:${o.id}:earned`,
      postings: transfer({ kind: "held" }, { kind: "revenue" }, { minor: Number(o.price_minor), currency: o.currency }),
    });
    return move(tx, o, "active", {
      upstream_service_id: upstream.serviceId,
      upstream_expires_on: expiresOn,
      customer_module_id: cm.id,
      activated_at: at,
      reason: null,
    }, ev);
  }

  /** Rejection and refund in one commit: the money goes back to the customer's balance. */
  async function rejectAndRefund(tx: Tx, o: OrderRow, reason: string, actor?: string): Promise<OrderRow> {
    if (!o.customer_id) throw new Error(`order ${o.id} has no customer`);
    const rejected = await move(tx, o, "rejected", { reason }, { kind: "transition", actor, detail: { reason } });
    await ledger.post(tx, {
      kind: "order_refund",
      memo: `Refund of order ${o.id}: ${reason}`,
      orderId: o.id,
      actor: actor ?? null,
      key: `order:${o.id}:refund`,
      postings: transfer({ kind: "held" }, { kind: "customer", owner: o.customer_id }, { minor: Number(o.price_minor), currency: o.currency }),
    });
    return move(tx, rejected, "refunded", {}, { kind: "transition", actor });
  }

  /** Staff placed the module by hand (manual mode) or resolved an order that needed attention. */
  async function placeManually(orderId: string, input: { upstreamId: number; expiresOn?: string | null }, actor: string): Promise<OrderRow> {
    if (!Number.isSafeInteger(input.upstreamId) || input.upstreamId <= 0) throw invalidInput("The upstream service id must be a positive whole number");
    if (input.expiresOn && !/^\d{4}-\d{2}-\d{2}$/.test(input.expiresOn)) throw invalidInput("Expiry must be a date like 2027-01-31");
    return db.transaction().execute(async (tx) => {
      const o = await get(orderId, tx);
      // A renewal extends an existing module; placing it would record a second one.
      if (o.kind === "renewal") throw invalidInput(`Order ${o.id} is a renewal: record it with \`partnerbill renewals complete ${o.id} --expires <date>\``);
      if (!statesLeadingTo("active").includes(o.state as OrderState) || o.state === "placing") {
        throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}; only orders in the manual queue or needing attention can be placed by hand`);
      }
      const taken = await orders.claimedUpstreamIds(tx, [input.upstreamId]);
      if (taken.has(input.upstreamId)) throw conflict(`Upstream service ${input.upstreamId} already belongs to another order`);
      return activate(tx, o, { serviceId: input.upstreamId, expiresOn: input.expiresOn ?? null }, { kind: "transition", actor, detail: { manual: true, upstreamId: input.upstreamId } });
    });
  }

  async function reject(orderId: string, reason: string, actor: string): Promise<OrderRow> {
    if (!reason.trim()) throw invalidInput("A rejection needs a reason");
    return db.transaction().execute(async (tx) => {
      const o = await get(orderId, tx);
      if (!["manual_queue", "needs_attention", "awaiting_funds"].includes(o.state)) {
        throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}; only orders in the manual queue, awaiting funds or needing attention can be rejected`);
      }
      return rejectAndRefund(tx, o, reason.trim(), actor);
    });
  }

  async function cancel(orderId: string, actor: string, reason = "cancelled by staff"): Promise<OrderRow> {
    return db.transaction().execute(async (tx) => move(tx, await get(orderId, tx), "cancelled", { reason }, { kind: "transition", actor, detail: { reason } }));
  }

  /** Cancels unpaid orders created more than `ttlHours` ago; returns how many. */
  async function expirePending(ttlHours: number): Promise<number> {
    const before = new Date(clock.now().getTime() - ttlHours * 3_600_000).toISOString();
    let n = 0;
    for (;;) {
      const batch = await orders.listPendingBefore(db, before, 200);
      for (const o of batch) {
        try {
          await db.transaction().execute((tx) => move(tx, o, "cancelled", { reason: "not paid in time" }, { kind: "transition", actor: "system", detail: { reason: "not paid in time" } }));
          n++;
        } catch (e) {
          // Paid meanwhile (the version moved): leave it to the payment.
          if (!(e instanceof AppError && e.code === "conflict")) throw e;
        }
      }
      if (batch.length < 200) return n;
    }
  }

  async function timeline(orderId: string) {
    await get(orderId);
    return (await orders.events(db, orderId)).map((e) => ({ ...e, detail: e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : null }));
  }

  return {
    get: (id: string) => get(id),
    find: (id: string) => orders.findById(db, id),
    list: (f?: OrderListFilter) => orders.list(db, f),
    countByState: () => orders.countByState(db),
    timeline,
    intake,
    choosePeriod,
    payFromBalance,
    placeManually,
    reject,
    cancel,
    expirePending,
    // Used by fulfillment, inside its own transactions:
    move,
    activate,
    rejectAndRefund,
    addEvent,
  };
}

export type OrderService = ReturnType<typeof createOrderService>;
