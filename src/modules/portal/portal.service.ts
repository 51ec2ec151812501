// What a signed-in customer may see and do in the portal (/account/…), and nothing more. Every
// call takes the customer's id from the session and reads or acts only on rows that customer owns;
// another customer's order, module or invoice is `not_found` exactly like one that does not exist
// (docs/adr/0021-customer-portal.md), so an id reveals nothing. Decisions about money stay in the
// services this one calls (renewals, payments, Stripe, customers).
import type { Db } from "../../db/database.ts";
import type { CustomerModuleRow, CustomerRow, OrderRow } from "../../db/schema.ts";
import { conflict, invalidInput, isAppError, notFound } from "../../lib/errors.ts";
import { isCurrency, parseDecimal, type Money } from "../../lib/money.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import type { BillingDetailsInput, CustomersService } from "../customers/customers.service.ts";
import type { InvoiceService } from "../invoices/invoices.service.ts";
import type { LedgerService, StatementRow } from "../ledger/ledger.service.ts";
import type { OrderService } from "../orders/orders.service.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import type { PaymentStart } from "../payments/payment-provider.ts";
import type { PaymentsService } from "../payments/payments.service.ts";
import type { StripeService } from "../payments/stripe/stripe.service.ts";
import type { CustomerModulesService } from "../renewals/customer-modules.service.ts";
import type { RenewalService } from "../renewals/renewals.service.ts";
import type { SettingsService } from "../settings/settings.service.ts";
import type { TaxService } from "../tax/tax.service.ts";

/** How many ledger entries per currency the balance page shows (the latest). */
export const STATEMENT_ROWS = 50;

/**
 * A timeline note meant for the customer, as data the page words in the reader's language. Money
 * is in the fixed form the note was written with ("11.90 EUR").
 */
export type CustomerNote =
  | { kind: "invoice"; number: string; total: string | null }
  | { kind: "reminder"; amount: string | null }
  | { kind: "refund"; amount: string | null; runsUntil: string | null; renewalOff: boolean };

/** The timeline events a customer sees: state changes and a few notes, never upstream calls. */
export interface CustomerTimelineEvent {
  at: string;
  /** The state the order moved to, or null for a note. */
  state: string | null;
  /** What the note says (an invoice issued, a reminder, a refund); null for a plain transition. */
  note: CustomerNote | null;
}

export type TopUpMethod = "card" | "bank_transfer";

export function createPortalService(deps: {
  db: Db;
  ordersRepo: Pick<OrdersRepo, "findById" | "findCustomerModule" | "listCustomerModules" | "events">;
  orders: Pick<OrderService, "listOrders">;
  catalog: Pick<CatalogRepo, "findModule">;
  customers: Pick<CustomersService, "find" | "updateBilling">;
  ledger: Pick<LedgerService, "customerBalances" | "statement">;
  invoices: Pick<InvoiceService, "list" | "html" | "pdf" | "findForCustomer">;
  renewals: Pick<RenewalService, "renewNowQuote" | "renewNow">;
  customerModules: Pick<CustomerModulesService, "move">;
  payments: Pick<PaymentsService, "topUp" | "transfersOf" | "providers">;
  stripe: Pick<StripeService, "enabled" | "topUp">;
  tax: Pick<TaxService, "quotePrice">;
  settings: Pick<SettingsService, "get">;
  /** PUBLIC_URL: where Stripe sends the customer back to. */
  publicUrl: string;
}) {
  const { db, ordersRepo, catalog } = deps;
  const actorOf = (customerId: string) => `customer:${customerId}`;

  async function moduleName(moduleId: string): Promise<string> {
    return (await catalog.findModule(db, moduleId))?.name ?? `Module ${moduleId}`;
  }

  // ---- modules --------------------------------------------------------------------------------

  async function modules(customerId: string): Promise<Array<CustomerModuleRow & { name: string }>> {
    const rows = await ordersRepo.listCustomerModules(db, { customerId });
    return Promise.all(rows.map(async (m) => ({ ...m, name: await moduleName(m.module_id) })));
  }

  async function module(customerId: string, id: string): Promise<CustomerModuleRow & { name: string }> {
    const m = await ordersRepo.findCustomerModule(db, id);
    if (!m || m.customer_id !== customerId) throw notFound(`No module ${id}`);
    return { ...m, name: await moduleName(m.module_id) };
  }

  /** What "Renew now" charges: the term's price and, with the customer's billing details, its tax. */
  async function renewQuote(customerId: string, id: string) {
    const q = await deps.renewals.renewNowQuote(id, customerId);
    const customer = await deps.customers.find(customerId);
    const taxed = await deps.tax.quotePrice(q.price, customer);
    const balance = (await deps.ledger.customerBalances(db, customerId)).find((b) => b.currency === q.price.currency) ?? { minor: 0, currency: q.price.currency };
    return { module: { ...q.module, name: await moduleName(q.module.module_id) }, price: q.price, total: taxed.total, tax: taxed.tax, balance, openOrder: q.open?.id ?? null };
  }

  /** Moves the customer's own module; a refusal never names another customer's module. */
  async function move(customerId: string, id: string, input: { license: unknown; ip?: unknown }): Promise<CustomerModuleRow> {
    try {
      return await deps.customerModules.move(id, input, { actor: actorOf(customerId), customerId });
    } catch (e) {
      if (isAppError(e) && e.code === "conflict" && e.details?.["module"] !== undefined) throw conflict(`License ${String(e.details["license"])} already has this module`, { license: e.details["license"], taken: true });
      throw e;
    }
  }

  // ---- orders ---------------------------------------------------------------------------------

  /** A page of the customer's orders, newest first, each with its module's name. */
  async function orders(customerId: string, after?: string): Promise<{ items: Array<OrderRow & { name: string }>; next: string | null }> {
    const page = await deps.orders.listOrders({ customerId, ...(after ? { after } : {}), limit: 50 });
    const names = new Map<string, string>();
    for (const o of page.items) if (!names.has(o.module_id)) names.set(o.module_id, await moduleName(o.module_id));
    return { items: page.items.map((o) => ({ ...o, name: names.get(o.module_id)! })), next: page.next };
  }

  async function order(customerId: string, id: string): Promise<{ order: OrderRow; name: string; timeline: CustomerTimelineEvent[] }> {
    const o = await ordersRepo.findById(db, id);
    if (!o || o.customer_id !== customerId) throw notFound(`No order ${id}`);
    const events = await ordersRepo.events(db, o.id);
    const timeline: CustomerTimelineEvent[] = [];
    for (const e of events) {
      if (e.kind === "transition" && e.to_state) timeline.push({ at: e.at, state: e.to_state, note: null });
      else if (e.kind === "note") {
        const note = noteText(e.detail);
        if (note) timeline.push({ at: e.at, state: null, note });
      }
    }
    return { order: o, name: await moduleName(o.module_id), timeline };
  }

  // ---- invoices -------------------------------------------------------------------------------

  const invoices = (customerId: string) => deps.invoices.list({ customerId, limit: 500 });

  // ---- balance --------------------------------------------------------------------------------

  async function balance(customerId: string): Promise<{ balances: Money[]; statements: Array<{ currency: string; rows: StatementRow[] }>; transfers: Awaited<ReturnType<PaymentsService["transfersOf"]>> }> {
    const balances = await deps.ledger.customerBalances(db, customerId);
    const statements = await Promise.all(balances.map(async (b) => ({ currency: b.currency, rows: (await deps.ledger.statement(db, customerId, b.currency, STATEMENT_ROWS)).reverse() })));
    const transfers = (await deps.payments.transfersOf(customerId)).filter((t) => t.purpose === "top_up");
    return { balances, statements, transfers };
  }

  /** Top-up methods on offer now: a card when Stripe is configured, a transfer when the bank details are set. */
  async function topUpMethods(): Promise<TopUpMethod[]> {
    const transfer = (await deps.payments.providers()).some((p) => p.id === "bank_transfer");
    return [...(deps.stripe.enabled() ? (["card"] as const) : []), ...(transfer ? (["bank_transfer"] as const) : [])];
  }

  async function topUp(customerId: string, input: { method: string; amount: string; currency: string; saveCard?: boolean }): Promise<PaymentStart> {
    const method = input.method as TopUpMethod;
    if (!(await topUpMethods()).includes(method)) throw invalidInput("Choose how to top up: by card or by bank transfer");
    const currency = input.currency.trim().toUpperCase();
    if (!isCurrency(currency)) throw invalidInput(`"${input.currency.slice(0, 10)}" is not a currency`);
    const text = input.amount.trim();
    if (text === "" || text.length > 20) throw invalidInput("Give the amount as a number, e.g. 50.00");
    const amount = parseDecimal(text, currency);
    if (amount.minor <= 0) throw invalidInput("A top-up must be greater than zero");
    const common = {
      customerId,
      amount,
      returnUrl: `${deps.publicUrl}/account/balance?done=card`,
      cancelUrl: `${deps.publicUrl}/account/balance`,
      actor: actorOf(customerId),
      saveCard: input.saveCard === true,
    };
    return method === "card" ? deps.stripe.topUp(common) : deps.payments.topUp("bank_transfer", common);
  }

  /** Where and how to pay a bank-transfer top-up the customer asked for. */
  async function transferInstructions(customerId: string, transferId: string) {
    const t = (await deps.payments.transfersOf(customerId)).find((x) => x.id === transferId);
    if (!t) throw notFound(`No bank transfer ${transferId}`);
    const s = await deps.settings.get();
    return { reference: t.reference, amount: { minor: Number(t.amount_minor), currency: t.currency }, seller: s.seller };
  }

  return {
    modules,
    module,
    renewQuote,
    renewNow: (customerId: string, id: string) => deps.renewals.renewNow(id, { customerId, actor: actorOf(customerId) }),
    move,
    orders,
    order,
    invoices,
    invoiceHtml: (customerId: string, ref: string, stylesheet: string) => deps.invoices.html(ref, customerId, stylesheet),
    invoicePdf: async (customerId: string, ref: string) => ({ pdf: await deps.invoices.pdf(ref, customerId), number: (await deps.invoices.findForCustomer(ref, customerId)).number }),
    balance,
    topUpMethods,
    topUp,
    transferInstructions,
    details: (customerId: string): Promise<CustomerRow> => deps.customers.find(customerId),
    updateDetails: (customerId: string, input: BillingDetailsInput) => deps.customers.updateBilling(customerId, input),
  };
}

/** A timeline note for the customer; null for notes that are for staff only. */
function noteText(detail: string | null): CustomerNote | null {
  if (!detail) return null;
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(detail) as Record<string, unknown>;
  } catch {
    return null;
  }
  const text = (k: string): string | null => (typeof d[k] === "string" ? (d[k] as string) : null);
  if (typeof d["invoice"] === "string") return { kind: "invoice", number: d["invoice"], total: text("total") };
  if (typeof d["reminder"] === "string") return { kind: "reminder", amount: text("amount") };
  if (typeof d["refund"] === "string") return { kind: "refund", amount: text("refund"), runsUntil: text("runsUntil"), renewalOff: d["renewalOff"] === true };
  return null;
}

export type PortalService = ReturnType<typeof createPortalService>;
