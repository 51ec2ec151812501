// Order use cases. Every transition is one database transaction that writes the new state, the
// timeline event, the ledger entries the transition implies, and the next job (outbox). Nothing
// here calls the network: fulfillment calls upstream between transitions.
import type { Db, Executor, Tx } from "../../db/database.ts";
import type { Enqueuer } from "../../ports/queue.ts";
import type { CustomerModuleRow, CustomerRow, OrderRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, conflict, invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { format, subtract, type Money } from "../../lib/money.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import { joinPrices } from "../catalog/catalog.logic.ts";
import type { CustomersRepo } from "../customers/customers.repo.ts";
import { normalizeEmail } from "../customers/customers.logic.ts";
import { transfer, type Posting } from "../ledger/ledger.logic.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import { noDomainEvents, type DomainEvents } from "../events/domain-events.ts";
import type { OrderListFilter, OrderPatch, OrdersRepo } from "./orders.repo.ts";
import { encodeCursor, narrow, parseListInput, type ListOrdersInput } from "./orders-list.logic.ts";
import { addMonths, assertTransition, chargeOf, newOrder, parseBuyRedirect, statesLeadingTo, type Charge, type OrderState } from "./orders.logic.ts";
import type { CustomerLicenseRow } from "../../db/schema.ts";
import type { LicensesRepo } from "../licenses/licenses.repo.ts";
import { parseLicenseIp, parseLicenseName } from "../licenses/licenses.logic.ts";
import { parsePeriod } from "../catalog/catalog.logic.ts";

/** The job kinds that get a paid order done upstream (src/jobs/kinds.ts names them). */
export interface FulfillmentJobKinds {
  /** A purchase is placed (order.place). */
  place: string;
  /** A renewal is prolonged (order.prolong). */
  prolong: string;
  /** A license bought upstream has its key fetched and delivered (license.deliver_key). */
  deliverLicenseKey: string;
}

/** The job that gets a paid order done upstream: a purchase is placed, a renewal prolonged. */
export function fulfillmentJobOf(o: Pick<OrderRow, "id" | "kind">, kinds: FulfillmentJobKinds): { kind: string; key: string } {
  return o.kind === "renewal" ? { kind: kinds.prolong, key: `order:${o.id}:prolong` } : { kind: kinds.place, key: `order:${o.id}:place` };
}

/**
 * Tax and invoices (src/modules/tax, src/modules/invoices), called inside the order's transaction.
 * Without them an order is charged its price, untaxed and uninvoiced.
 */
export interface OrderBilling {
  /** What the customer would be charged for the order now (seller's tax, customer's details). */
  quote(ex: Executor, order: OrderRow, buyer: Pick<CustomerRow, "country" | "vat_id">): Promise<Charge>;
  issueInvoice(tx: Tx, input: { order: OrderRow; customer: CustomerRow; charge: Charge; method: string; actor: string | null }): Promise<{ id: string; number: string }>;
  /** Cancels an invoice by a credit note (once per invoice). */
  creditNote(tx: Tx, invoiceId: string, input: { reason: string; actor: string | null }): Promise<{ id: string; number: string }>;
}

/**
 * Runs inside a staff action's transaction, after the change and before the commit: the admin
 * console writes its audit entry there, so the change and its entry commit together.
 */
export type StaffActionHook = (tx: Tx, change: { before: OrderRow; after: OrderRow; detail?: Record<string, unknown> }) => Promise<void>;

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
  /** The kinds of the jobs queued after payment. */
  jobKinds: FulfillmentJobKinds;
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
  billing?: OrderBilling;
  /** What upstream charges for a module and period (pricing's module_costs), booked at activation. */
  costOf?: (ex: Executor, moduleId: string, periodMonths: number) => Promise<Money | null>;
  /** License purchases (issue 15): customers' licenses and the one-purchase-per-IP check. */
  licenses?: Pick<LicensesRepo, "insert" | "claimedUpstreamIds">;
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
    // An invoice issued for an order that will never be paid is cancelled by a credit note.
    if (to === "cancelled" && order.invoice_id && deps.billing) {
      await deps.billing.creditNote(tx, order.invoice_id, { reason: patch.reason ?? "order cancelled", actor: ev.actor ?? null });
    }
    await events.emit(tx, { type: "order.transition", order: moved, from: order.state, to, actor: ev.actor ?? null });
    return moved;
  }

  /** The order under its row lock, inside `tx`. */
  async function lockedOrder(tx: Tx, id: string): Promise<OrderRow> {
    const o = await orders.findForUpdate(tx, id);
    if (!o) throw notFound(`No order ${id}`);
    return o;
  }

  /**
   * A second purchase of a (license, module) whose first purchase is paid and not finished
   * (placing, awaiting funds, needing attention, in the manual queue) is refused before any money
   * moves: otherwise a second buyer is charged and a second module ordered (issue 13, finding 12).
   * Inside a payment it runs under the purchase-slot lock, so of two concurrent payments for the
   * same license and module only one proceeds.
   */
  async function refuseDuplicatePurchase(ex: Executor, o: OrderRow): Promise<void> {
    if (o.product === "license") {
      // One license per IP upstream: a second paid purchase for the IP would be refused there, or worse.
      if (!deps.licenses || !o.ip) throw new Error("license purchases are not wired");
      if (await orders.inFlightLicensePurchase(ex, o.ip, o.id)) {
        throw conflict(`A license for ${o.ip} is already being ordered, so nothing was charged.`, { duplicateOf: "in_flight" });
      }
      return;
    }
    const other = await orders.inFlightPurchase(ex, Number(o.license_id), o.module_id, o.id);
    if (other) {
      throw conflict(`This module is already being ordered for license ${o.license_id}, so nothing was charged. Once it is active it shows in the panel after a license refresh.`, { duplicateOf: "in_flight" });
    }
  }

  /** Buy redirect from a panel: a pending order for (license, module), reused on repeated clicks. */
  async function intake(params: Record<string, unknown>, browserKey: string | null): Promise<{ order: OrderRow; reused: boolean }> {
    const req = parseBuyRedirect(params);
    const moduleId = `${region}-${req.moduleId}`;
    const m = await catalog.findModule(db, moduleId);
    if (!m || m.region !== region) throw invalidInput(`module_id ${req.moduleId} is not a module sold here`, { codes: ["not_sold"] });
    if (m.enabled !== 1) throw invalidInput(`${m.name} (module_id ${req.moduleId}) is not on sale`, { codes: ["not_on_sale"], module: m.name });
    const entry = joinPrices([m], await catalog.pricesOf(db, m.id))[0]!;
    const monthly = entry.prices[1];
    if (!monthly) throw invalidInput(`${m.name} (module_id ${req.moduleId}) has no price`, { codes: ["no_price"], module: m.name });
    if (req.moduleName && req.moduleName !== m.intname && req.moduleName !== m.addition_intname) {
      deps.onNameMismatch?.({ moduleId: req.moduleId, sent: req.moduleName, expected: m.intname });
    }
    if (browserKey) {
      const existing = await orders.findPendingForBrowser(db, browserKey, req.license, m.id, req.ip);
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

  /**
   * A license order from the storefront (issue 15): a pending order for (tariff, period, IP, name).
   * Upstream checks (soft.checkip) come before payment, in the pre-check; here only what is certain
   * locally: the tariff is a license tariff on sale, priced for the period, and the IP is public.
   */
  async function intakeLicense(input: { tariff: string | number; period: string | number; ip: string; name?: string | null }, browserKey: string | null): Promise<OrderRow> {
    const tariffId = /^\d{1,9}$/.test(String(input.tariff).trim()) ? Number(String(input.tariff).trim()) : NaN;
    if (!Number.isSafeInteger(tariffId) || tariffId <= 0) throw invalidInput("The license edition is not valid");
    const m = await catalog.findModule(db, `${region}-${tariffId}`);
    if (!m || m.product !== "license" || m.enabled !== 1) throw invalidInput(`License tariff ${tariffId} is not on sale`);
    if (m.trial === 1) throw invalidInput("Trial licenses are not sold through checkout");
    const period = parsePeriod(input.period);
    const ip = parseLicenseIp(input.ip);
    const name = parseLicenseName(input.name);
    const price = joinPrices([m], await catalog.pricesOf(db, m.id))[0]!.prices[period];
    if (!price) throw invalidInput(`${m.name} is not sold for ${period} month(s)`);
    const order = newOrder(
      {
        id: ids.next("ord"),
        kind: "purchase",
        product: "license",
        customer_id: null,
        module_id: m.id,
        tariff_id: m.tariff_id,
        // No upstream license exists yet: its id is known once placed (upstream_service_id).
        license_id: 0,
        ip,
        license_name: name,
        period_months: period,
        price_minor: price.minor,
        currency: price.currency,
        fulfillment: deps.fulfillment,
        browser_key: browserKey,
      },
      now(),
    );
    await db.transaction().execute(async (tx) => {
      await orders.insert(tx, order);
      await addEvent(tx, order.id, { kind: "transition", to: "pending_payment", detail: { source: "license_order", ip, tariff: tariffId, period } });
    });
    return order;
  }

  /** Chooses the billing period of a pending order (1 or 12 months, as priced). */
  async function choosePeriod(orderId: string, period: number): Promise<OrderRow> {
    const o = await get(orderId);
    if (o.state !== "pending_payment") throw new AppError("illegal_transition", "The period can only change before payment");
    if (o.invoice_id) throw new AppError("illegal_transition", "An invoice was issued for this order; its period can no longer change");
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
  async function payFromBalance(orderId: string, customerRef: string, actor: string, opts: { method?: string } = {}): Promise<OrderRow> {
    const customer = customerRef.includes("@")
      ? await customers.findByEmail(db, normalizeEmail(customerRef))
      : await customers.findById(db, customerRef);
    if (!customer) throw notFound(`No customer ${customerRef}`);
    const pending = await get(orderId);
    // A renewal's module is (rightly) active on its license already: the purchase checks do not apply.
    if (pending.state === "pending_payment" && pending.kind === "purchase") {
      await refuseDuplicatePurchase(db, pending);
      if (pending.fulfillment === "automatic") await deps.precheck?.(pending);
    }
    return db.transaction().execute((tx) => payFromBalanceIn(tx, orderId, customer.id, actor, opts));
  }

  /**
   * The payment itself, inside the caller's transaction: a provider that has just credited the
   * balance (Stripe) pays the order in the same commit. No pre-check here — it calls the network;
   * the caller made it before the money was taken.
   */
  async function payFromBalanceIn(tx: Tx, orderId: string, customerId: string, actor: string, opts: { method?: string } = {}): Promise<OrderRow> {
    const customer = await customers.findById(tx, customerId);
    if (!customer) throw notFound(`No customer ${customerId}`);
    // Lock order (src/modules/ledger/README.md): the customer, then the order, then the purchase
    // slot. A second payment of the same order waits here and then finds it paid — the normal
    // "already paid" answer instead of a duplicate ledger key.
    await customers.lock(tx, customer.id);
    const o = await lockedOrder(tx, orderId);
    if (o.customer_id && o.customer_id !== customer.id) throw conflict("This order belongs to another customer");
    if (o.state !== "pending_payment") throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}, not awaiting payment`);
    if (o.kind === "purchase") {
      // A license purchase's slot is its IP (one license per IP), a module's its (license, module).
      await orders.lockPurchaseSlot(tx, Number(o.license_id), o.product === "license" ? `license@${o.ip}` : o.module_id);
      await refuseDuplicatePurchase(tx, o);
    }
    // An order invoiced for a bank transfer is charged what its invoice says; any other is quoted
    // now, with the customer's billing details as they are in this transaction (tax, invoice).
    const charge = o.invoice_id ? chargeOf(o) : deps.billing ? await deps.billing.quote(tx, o, customer) : chargeOf(o);
    const total: Money = { minor: charge.total, currency: o.currency };
    const balance = await ledger.balance(tx, { kind: "customer", owner: customer.id }, o.currency);
    if (balance.minor < total.minor) {
      const shortfall = subtract(total, balance);
      throw new AppError("insufficient_funds", `The balance (${format(balance)}) is ${format(shortfall)} short of the order's total ${format(total)}`, {
        balance: format(balance),
        total: format(total),
        shortfall: format(shortfall),
      });
    }
    await ledger.post(tx, {
      kind: "order_payment",
      memo: `Payment for order ${o.id}`,
      orderId: o.id,
      actor,
      key: `order:${o.id}:payment`,
      postings: transfer({ kind: "customer", owner: customer.id }, { kind: "held" }, total),
    });
    const method = opts.method ?? "balance";
    const invoice = o.invoice_id || !deps.billing ? null : await deps.billing.issueInvoice(tx, { order: o, customer, charge, method, actor });
    const paid = await move(
      tx,
      o,
      "paid",
      { customer_id: customer.id, paid_at: now(), ...chargePatch(charge), invoice_id: o.invoice_id ?? invoice?.id ?? null },
      { kind: "transition", actor, detail: { method, amount: format(total), ...(invoice ? { invoice: invoice.number } : {}) } },
    );
    return handOver(tx, paid, actor);
  }

  /**
   * Issues the invoice of an unpaid order inside `tx` (a bank transfer was chosen): the figures are
   * fixed now, the order becomes the customer's, and it stays pending_payment until the money
   * arrives. A second call returns the invoice already issued.
   */
  async function invoiceUnpaid(tx: Tx, orderId: string, customerId: string, method: string, actor: string): Promise<{ order: OrderRow; invoiceId: string; created: boolean }> {
    if (!deps.billing) throw new Error("invoicing is not wired");
    await customers.lock(tx, customerId);
    const o = await lockedOrder(tx, orderId);
    if (o.customer_id && o.customer_id !== customerId) throw conflict("This order belongs to another customer");
    if (o.state !== "pending_payment") throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}, not awaiting payment`);
    if (o.invoice_id) return { order: o, invoiceId: o.invoice_id, created: false };
    if (o.kind === "purchase") await refuseDuplicatePurchase(tx, o);
    const customer = await customers.findById(tx, customerId);
    if (!customer) throw notFound(`No customer ${customerId}`);
    const charge = await deps.billing.quote(tx, o, customer);
    const invoice = await deps.billing.issueInvoice(tx, { order: o, customer, charge, method, actor });
    const patch = { customer_id: customerId, ...chargePatch(charge), invoice_id: invoice.id, updated_at: now() };
    if (!(await orders.transition(tx, o.id, ["pending_payment"], o.version, patch))) throw conflict(`Order ${o.id} changed while it was being invoiced; try again`);
    await addEvent(tx, o.id, { kind: "note", actor, detail: { invoice: invoice.number, method, total: format({ minor: charge.total, currency: o.currency }) } });
    return { order: { ...o, ...patch, version: o.version + 1 }, invoiceId: invoice.id, created: true };
  }

  /**
   * What an order costs this customer (the checkout page shows it before payment): the stored
   * figures once paid or invoiced, else a quote with the customer's billing details — or, before
   * sign-in, as for a consumer.
   */
  async function quote(orderId: string, customerId: string | null): Promise<Charge> {
    const o = await get(orderId);
    if (o.invoice_id || o.state !== "pending_payment" || !deps.billing) return chargeOf(o);
    const customer = customerId ? await customers.findById(db, customerId) : undefined;
    return deps.billing.quote(db, o, customer ?? { country: null, vat_id: null });
  }

  /**
   * The money of an active order is earned: held → revenue (net) and held → tax_payable (tax), and
   * what upstream charged for it is booked (upstream → upstream_cost). Inside `tx`, once per order
   * (ledger keys). Purchases call it here; renewals from their own activation.
   */
  async function earn(tx: Tx, o: OrderRow, memo: string): Promise<void> {
    const charge = chargeOf(o);
    const cur = o.currency;
    const postings: Posting[] = [
      { account: { kind: "held" as const }, amount: { minor: -charge.total, currency: cur } },
      { account: { kind: "revenue" as const }, amount: { minor: charge.net, currency: cur } },
      { account: { kind: "tax_payable" as const }, amount: { minor: charge.tax, currency: cur } },
    ].filter((p) => p.amount.minor !== 0);
    if (postings.length >= 2) {
      await ledger.post(tx, { kind: "order_revenue", memo, orderId: o.id, key: `order:${o.id}:earned`, postings });
    }
    const cost = await deps.costOf?.(tx, o.module_id, o.period_months);
    if (cost && cost.minor > 0) {
      await ledger.post(tx, {
        kind: "upstream_cost",
        memo: `Upstream cost of order ${o.id} (module ${o.tariff_id}, ${o.period_months} month(s))`,
        orderId: o.id,
        key: `order:${o.id}:cost`,
        postings: transfer({ kind: "upstream" }, { kind: "upstream_cost" }, cost),
      });
    }
  }

  /**
   * Staff refund an active order to the customer's balance: revenue and tax go back, upstream's
   * cost stays (the module was bought), the invoice is cancelled by a credit note. The order stays
   * active — the module exists upstream and runs until its expiry — and records `refunded_at`; its
   * module's renewal is switched off (`off`: never raised, charged nor prolonged; it expires on its
   * date), and a renewal raised but not paid yet is cancelled with it (docs/adr/0038).
   */
  async function refundActive(orderId: string, reason: string, actor: string, hook?: StaffActionHook): Promise<{ order: OrderRow; creditNote: { id: string; number: string } | null; amount: Money }> {
    const why = reason.trim();
    if (!why) throw invalidInput("A refund needs a reason");
    const seen = await get(orderId);
    return db.transaction().execute(async (tx) => {
      // Lock order: the customer, then the order (re-read under its lock: a second refund waits and is refused).
      if (seen.customer_id) await customers.lock(tx, seen.customer_id);
      const o = await lockedOrder(tx, orderId);
      if (o.state !== "active") {
        throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}; only active orders are refunded this way (reject an order that is not active yet)`);
      }
      if (!o.customer_id) throw new Error(`order ${o.id} has no customer`);
      if (o.customer_id !== seen.customer_id) await customers.lock(tx, o.customer_id);
      const charge = chargeOf(o);
      const cur = o.currency;
      const postings: Posting[] = [
        { account: { kind: "revenue" as const }, amount: { minor: -charge.net, currency: cur } },
        { account: { kind: "tax_payable" as const }, amount: { minor: -charge.tax, currency: cur } },
        { account: { kind: "customer" as const, owner: o.customer_id }, amount: { minor: charge.total, currency: cur } },
      ].filter((p) => p.amount.minor !== 0);
      const amount: Money = { minor: charge.total, currency: cur };
      const posted = await ledger.post(tx, { kind: "order_refund", memo: `Refund of active order ${o.id}: ${why}`, orderId: o.id, actor, key: `order:${o.id}:refund`, postings });
      if (!posted.created) throw conflict(`Order ${o.id} was refunded already`);
      const credit = o.invoice_id && deps.billing ? await deps.billing.creditNote(tx, o.invoice_id, { reason: why, actor }) : null;
      const at = now();
      if (!(await orders.transition(tx, o.id, ["active"], o.version, { refunded_at: at, updated_at: at }))) {
        throw conflict(`Order ${o.id} changed while it was being refunded; try again`, { order: o.id });
      }
      const refunded: OrderRow = { ...o, refunded_at: at, updated_at: at, version: o.version + 1 };
      const renewalOff = o.customer_module_id ? await switchRenewalOff(tx, o.customer_module_id, why, actor) : null;
      await addEvent(tx, o.id, {
        kind: "note",
        actor,
        detail: { refund: format(amount), reason: why, ...(credit ? { creditNote: credit.number } : {}), ...(renewalOff ? { renewalOff: true, runsUntil: renewalOff.expiresOn } : {}) },
      });
      await hook?.(tx, { before: o, after: refunded, detail: { refunded: amount, reason: why, creditNote: credit?.number ?? null, renewalOff: renewalOff !== null, runsUntil: renewalOff?.expiresOn ?? null } });
      return { order: refunded, creditNote: credit, amount };
    });
  }

  /**
   * A refunded module runs to its expiry and is never renewed: renewal `off`, and a renewal raised
   * but unpaid is cancelled (its invoice by a credit note). A renewal already paid stays: it is an
   * order of its own, with its own money, that staff reject and refund if they want it undone.
   * Null when the module is no longer active (expired, deleted): nothing is left to switch off.
   */
  async function switchRenewalOff(tx: Tx, customerModuleId: string, reason: string, actor: string): Promise<{ expiresOn: string | null } | null> {
    const cm = await orders.findCustomerModule(tx, customerModuleId);
    if (!cm || cm.state !== "active") return null;
    await orders.updateCustomerModule(tx, cm.id, { renewal: "off", updated_at: now() });
    for (const r of await orders.pendingRenewalsOf(tx, cm.id)) {
      await move(tx, r, "cancelled", { reason: `the module was refunded: ${reason}` }, { kind: "transition", actor, detail: { reason: "module refunded" } });
    }
    return { expiresOn: cm.expires_on };
  }

  /** After payment: the manual queue, or a placing job (outbox: committed with the payment). */
  async function handOver(tx: Tx, paid: OrderRow, actor: string): Promise<OrderRow> {
    if (paid.fulfillment === "manual") return move(tx, paid, "manual_queue", {}, { kind: "transition", actor });
    await queue.enqueue(tx, { ...fulfillmentJobOf(paid, deps.jobKinds), payload: { orderId: paid.id } });
    return paid;
  }

  /** Activation: the module exists upstream. Creates the customer's module and earns the revenue. */
  async function activate(
    tx: Tx,
    o: OrderRow,
    upstream: { serviceId: number; expiresOn: string | null; status?: string | null },
    ev: TimelineEvent,
  ): Promise<OrderRow> {
    if (!o.customer_id) throw new Error(`order ${o.id} has no customer`);
    const at = now();
    // Upstream's date is the truth (ADR 0030); our own arithmetic is kept beside it when it differs,
    // and stands in only when upstream could not be read (upstream_checked_at stays null).
    const expected = addMonths(at, o.period_months);
    const expiresOn = upstream.expiresOn ?? expected;
    if (o.product === "license") return activateLicense(tx, o, upstream, expiresOn, ev);
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
      expected_expires_on: expiresOn !== expected ? expected : null,
      upstream_status: upstream.status ?? null,
      upstream_checked_at: upstream.status ? at : null,
      state: "active",
      renewal: deps.renewalMode ?? "charge",
      created_order_id: o.id,
      created_at: at,
      updated_at: at,
    };
    await orders.insertCustomerModule(tx, cm);
    await earn(tx, o, `Order ${o.id} active upstream (service ${upstream.serviceId})`);
    return move(tx, o, "active", {
      upstream_service_id: upstream.serviceId,
      upstream_expires_on: expiresOn,
      customer_module_id: cm.id,
      activated_at: at,
      reason: null,
    }, ev);
  }

  /**
   * A license purchase is active: the customer's license (key pending), the revenue, and the job
   * that polls for the key — all in the activating transaction (outbox).
   */
  async function activateLicense(tx: Tx, o: OrderRow, upstream: { serviceId: number; status?: string | null }, expiresOn: string, ev: TimelineEvent): Promise<OrderRow> {
    if (!deps.licenses) throw new Error("license purchases are not wired");
    const at = now();
    const cl: CustomerLicenseRow = {
      id: ids.next("clic"),
      customer_id: o.customer_id!,
      module_id: o.module_id,
      tariff_id: o.tariff_id,
      upstream_license_id: upstream.serviceId,
      ip: o.ip ?? "",
      name: o.license_name ?? null,
      period_months: o.period_months,
      price_minor: Number(o.price_minor),
      currency: o.currency,
      trial: 0,
      expires_on: expiresOn,
      upstream_status: upstream.status ?? null,
      upstream_checked_at: upstream.status ? at : null,
      state: "active",
      key_state: "pending",
      key_enc: null,
      key_ready_at: null,
      key_mailed_at: null,
      ip_changes: 0,
      created_order_id: o.id,
      created_at: at,
      updated_at: at,
    };
    await deps.licenses.insert(tx, cl);
    await earn(tx, o, `Order ${o.id} active upstream (license ${upstream.serviceId})`);
    await queue.enqueue(tx, { kind: deps.jobKinds.deliverLicenseKey, key: `license:${cl.id}:key`, payload: { customerLicenseId: cl.id } });
    return move(tx, o, "active", {
      upstream_service_id: upstream.serviceId,
      upstream_expires_on: expiresOn,
      customer_license_id: cl.id,
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
      postings: transfer({ kind: "held" }, { kind: "customer", owner: o.customer_id }, { minor: chargeOf(o).total, currency: o.currency }),
    });
    // Nothing was supplied: the invoice is cancelled.
    if (o.invoice_id && deps.billing) await deps.billing.creditNote(tx, o.invoice_id, { reason, actor: actor ?? null });
    return move(tx, rejected, "refunded", {}, { kind: "transition", actor });
  }

  /** Staff placed the module by hand (manual mode) or resolved an order that needed attention. */
  async function placeManually(orderId: string, input: { upstreamId: number; expiresOn?: string | null; status?: string | null }, actor: string, hook?: StaffActionHook): Promise<OrderRow> {
    if (!Number.isSafeInteger(input.upstreamId) || input.upstreamId <= 0) throw invalidInput("The upstream service id must be a positive whole number");
    if (input.expiresOn && !/^\d{4}-\d{2}-\d{2}$/.test(input.expiresOn)) throw invalidInput("Expiry must be a date like 2027-01-31");
    return db.transaction().execute(async (tx) => {
      const o = await get(orderId, tx);
      // A renewal extends an existing module; placing it would record a second one.
      if (o.kind === "renewal") throw invalidInput(`Order ${o.id} is a renewal: record it with \`partnerbill renewals complete ${o.id} --expires <date>\``);
      if (!statesLeadingTo("active").includes(o.state as OrderState) || o.state === "placing") {
        throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}; only orders in the manual queue or needing attention can be placed by hand`);
      }
      const taken = o.product === "license"
        ? await deps.licenses!.claimedUpstreamIds(tx, [input.upstreamId])
        : await orders.claimedUpstreamIds(tx, [input.upstreamId]);
      if (taken.has(input.upstreamId)) throw conflict(`Upstream service ${input.upstreamId} already belongs to another order`);
      const after = await activate(tx, o, { serviceId: input.upstreamId, expiresOn: input.expiresOn ?? null, status: input.status ?? null }, { kind: "transition", actor, detail: { manual: true, upstreamId: input.upstreamId } });
      await hook?.(tx, { before: o, after });
      return after;
    });
  }

  async function reject(orderId: string, reason: string, actor: string, hook?: StaffActionHook): Promise<OrderRow> {
    if (!reason.trim()) throw invalidInput("A rejection needs a reason");
    return db.transaction().execute(async (tx) => {
      const o = await get(orderId, tx);
      if (!["manual_queue", "needs_attention", "awaiting_funds"].includes(o.state)) {
        throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}; only orders in the manual queue, awaiting funds or needing attention can be rejected`);
      }
      const after = await rejectAndRefund(tx, o, reason.trim(), actor);
      await hook?.(tx, { before: o, after, detail: { refunded: { minor: chargeOf(o).total, currency: o.currency } } });
      return after;
    });
  }

  async function cancel(orderId: string, actor: string, reason = "cancelled by staff", hook?: StaffActionHook): Promise<OrderRow> {
    return db.transaction().execute(async (tx) => {
      const before = await get(orderId, tx);
      const after = await move(tx, before, "cancelled", { reason }, { kind: "transition", actor, detail: { reason } });
      await hook?.(tx, { before, after });
      return after;
    });
  }

  /** Cancels unpaid orders created more than `ttlHours` ago; returns how many. */
  async function expirePending(ttlHours: number): Promise<number> {
    const before = new Date(clock.now().getTime() - ttlHours * 3_600_000).toISOString();
    let n = 0;
    for (;;) {
      const batch = await orders.listPendingBefore(db, before, 200, clock.now().toISOString().slice(0, 10));
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

  /**
   * The orders list for staff and integrations: filters, one search box, keyset pages newest first
   * (orders-list.logic.ts, docs/adr/0018-orders-list.md). No total count: counting a million rows
   * on every page is the slow part of most lists; `countByState` gives the figures per state.
   */
  async function listOrders(input: ListOrdersInput = {}): Promise<{ items: OrderRow[]; next: string | null }> {
    const { filter, search, after, limit } = parseListInput(input);
    let pinned: Parameters<typeof narrow>[1] = {};
    if (search?.by === "email") {
      const c = await customers.findByEmail(db, search.email);
      if (!c) return { items: [], next: null };
      pinned = { customerId: c.id };
    } else if (search?.by === "customer") pinned = { customerId: search.id };
    else if (search?.by === "license") pinned = { licenseId: search.licenseId };
    else if (search?.by === "order") pinned = { orderId: search.id };
    const f = narrow(filter, pinned);
    if (!f) return { items: [], next: null };
    // One row more than asked tells whether there is a next page without counting.
    const rows = await orders.page(db, f, after, limit + 1);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, next: rows.length > limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null };
  }

  async function timeline(orderId: string) {
    await get(orderId);
    return (await orders.events(db, orderId)).map((e) => ({ ...e, detail: e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : null }));
  }

  return {
    /** The job that gets this paid order done upstream (its kind and idempotency key). */
    fulfillmentJobOf: (o: Pick<OrderRow, "id" | "kind">) => fulfillmentJobOf(o, deps.jobKinds),
    get: (id: string) => get(id),
    find: (id: string) => orders.findById(db, id),
    list: (f?: OrderListFilter) => orders.list(db, f),
    listOrders,
    countByState: () => orders.countByState(db),
    timeline,
    intake,
    choosePeriod,
    payFromBalance,
    payFromBalanceIn,
    refuseDuplicatePurchase: (o: OrderRow) => refuseDuplicatePurchase(db, o),
    intakeLicense,
    quote,
    refundActive,
    placeManually,
    reject,
    cancel,
    expirePending,
    // Used by fulfillment, inside its own transactions:
    move,
    activate,
    rejectAndRefund,
    addEvent,
    invoiceUnpaid,
    earn,
  };
}

/** The order columns that record what it is charged. */
function chargePatch(c: Charge) {
  return { net_minor: c.net, tax_minor: c.tax, tax_rate_bp: c.rateBp, reverse_charge: c.reverseCharge ? 1 : 0, total_minor: c.total };
}

export type OrderService = ReturnType<typeof createOrderService>;
