// The ways of paying, behind one registry (README.md beside this file). `balance` and
// `bank_transfer` are built here; Stripe registers itself from the container. Whatever the
// provider, money from outside enters the customer's balance (clearing:<provider> → customer) and
// an order is paid from the balance by OrderService.payFromBalance — one path for tax, invoice and
// the state transition.
import { randomBytes } from "node:crypto";
import type { Db, Tx } from "../../db/database.ts";
import type { BankTransferRow, OrderRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, conflict, invalidInput, isAppError, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { format, isCurrency, parseDecimal, subtract, type Money } from "../../lib/money.ts";
import type { CustomersRepo } from "../customers/customers.repo.ts";
import type { InvoicesRepo } from "../invoices/invoices.repo.ts";
import { transfer } from "../ledger/ledger.logic.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import type { OrderService } from "../orders/orders.service.ts";
import type { SettingsService } from "../settings/settings.service.ts";
import type { PaymentProvider, PaymentProviderId, PaymentStart, PayOrderInput, TopUpInput } from "./payment-provider.ts";
import type { PaymentsRepo } from "./payments.repo.ts";

/** Providers that can send a customer's balance back outside (staff do the transfer by hand). */
const REFUNDABLE_OUTSIDE: ReadonlySet<string> = new Set(["bank_transfer"]);

const REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O, 1/I: read over the phone

/** "PB-7K3M-Q9XD": what the customer writes in the transfer's remittance field. */
export function newTransferReference(): string {
  const bytes = randomBytes(8);
  let s = "";
  for (const b of bytes) s += REFERENCE_ALPHABET[b % REFERENCE_ALPHABET.length];
  return `PB-${s.slice(0, 4)}-${s.slice(4)}`;
}

export interface TransferConfirmation {
  transfer: BankTransferRow;
  amount: Money;
  /** False when this receipt had been recorded before (nothing moved this time). */
  credited: boolean;
  /** What became of the order the transfer was for (null for a top-up). */
  order: { id: string; state: string; paid: boolean; problem: string | null } | null;
}

export function createPaymentsService(deps: {
  db: Db;
  payments: PaymentsRepo;
  invoices: Pick<InvoicesRepo, "findById" | "findByNumber">;
  customers: Pick<CustomersRepo, "findById" | "lock">;
  orders: Pick<OrderService, "payFromBalance" | "invoiceUnpaid" | "get" | "quote">;
  ledger: Pick<LedgerService, "post" | "balance">;
  settings: Pick<SettingsService, "bankDetailsComplete">;
  clock: Clock;
  ids: IdGenerator;
}) {
  const { db, payments, invoices, customers, orders, ledger, settings, clock, ids } = deps;
  const registry = new Map<PaymentProviderId, PaymentProvider>();

  function register(p: PaymentProvider): void {
    registry.set(p.id, p);
  }

  /** Providers the checkout page offers now (configured ones), in the order they were registered. */
  async function providers(): Promise<PaymentProvider[]> {
    const all = [...registry.values()];
    const on = await Promise.all(all.map((p) => p.enabled()));
    return all.filter((_, i) => on[i]);
  }

  /** A provider offered now; one that is not (unknown, or not configured) is refused. */
  async function provider(id: string): Promise<PaymentProvider> {
    const p = registry.get(id as PaymentProviderId);
    if (!p || !(await p.enabled())) throw invalidInput(`"${id.slice(0, 40)}" is not a way of paying offered here`);
    return p;
  }

  async function payOrder(providerId: string, input: PayOrderInput): Promise<PaymentStart> {
    return (await provider(providerId)).payOrder(input);
  }

  async function topUp(providerId: string, input: TopUpInput): Promise<PaymentStart> {
    const p = await provider(providerId);
    if (!p.topUp) throw invalidInput(`${p.label} cannot top up the balance`);
    if (!Number.isSafeInteger(input.amount.minor) || input.amount.minor <= 0) throw invalidInput("A top-up must be greater than zero");
    return p.topUp(input);
  }

  /** What the order costs the customer now, tax included (Stripe charges this much). */
  async function totalOf(order: OrderRow): Promise<Money> {
    const c = await orders.quote(order.id, order.customer_id);
    return { minor: c.total, currency: order.currency };
  }

  // --- balance ---------------------------------------------------------------------------------

  /** Pays now from the balance; a short balance is an insufficient_funds error naming the shortfall. */
  async function payFromBalance(input: PayOrderInput): Promise<PaymentStart> {
    await orders.payFromBalance(input.orderId, input.customerId, input.actor);
    return { kind: "paid" };
  }

  // --- bank transfer ---------------------------------------------------------------------------

  /**
   * The customer chose to pay an order by bank transfer: its invoice is issued now with a payment
   * reference; the order stays pending_payment (and is not expired while the invoice is not
   * overdue). Choosing it again returns the same invoice and reference.
   */
  async function requestTransferForOrder(input: PayOrderInput): Promise<PaymentStart> {
    return db.transaction().execute(async (tx) => {
      const { order, invoiceId, created } = await orders.invoiceUnpaid(tx, input.orderId, input.customerId, "bank_transfer", input.actor);
      if (created || !(await payments.transferOfInvoice(tx, invoiceId))) {
        await payments.insertTransfer(tx, {
          id: ids.next("btr"),
          reference: newTransferReference(),
          customer_id: input.customerId,
          purpose: "invoice",
          invoice_id: invoiceId,
          order_id: order.id,
          amount_minor: Number(order.total_minor),
          currency: order.currency,
          created_at: clock.now().toISOString(),
          actor: input.actor,
        });
      }
      return { kind: "invoice", invoiceId };
    });
  }

  /**
   * A top-up by bank transfer: a payment request with a reference (not an invoice — a prepayment
   * to the balance is invoiced when it pays for something).
   */
  async function requestTransferTopUp(input: TopUpInput): Promise<PaymentStart> {
    const customer = await customers.findById(db, input.customerId);
    if (!customer) throw notFound(`No customer ${input.customerId}`);
    const row: BankTransferRow = {
      id: ids.next("btr"),
      reference: newTransferReference(),
      customer_id: customer.id,
      purpose: "top_up",
      invoice_id: null,
      order_id: null,
      amount_minor: input.amount.minor,
      currency: input.amount.currency,
      created_at: clock.now().toISOString(),
      actor: input.actor,
    };
    await payments.insertTransfer(db, row);
    return { kind: "transfer", transferId: row.id, reference: row.reference };
  }

  /** A transfer request by its reference, its invoice's number or id. */
  async function findTransfer(ref: string): Promise<BankTransferRow> {
    const key = ref.trim();
    const byRef = await payments.findTransferByReference(db, key.toUpperCase());
    if (byRef) return byRef;
    const inv = (await invoices.findById(db, key)) ?? (await invoices.findByNumber(db, key));
    const byInvoice = inv ? await payments.transferOfInvoice(db, inv.id) : undefined;
    if (!byInvoice) throw notFound(`No bank transfer is expected with reference or invoice "${key.slice(0, 60)}"`);
    return byInvoice;
  }

  /**
   * Staff saw a transfer arrive: clearing:bank_transfer → customer, once per transfer request (a
   * second confirmation changes nothing) — or once per `bankRef` when the customer paid in several
   * transfers. Then the order (if any) is paid from the balance; a partial payment or an excess
   * stays on the balance, and an order that can no longer be paid leaves the money there too.
   */
  async function confirmTransfer(
    ref: string,
    input: { amount: string; bankRef?: string; actor: string },
    /** Runs inside the credit's transaction (the console's audit entry commits with the money). */
    inTx?: (tx: Tx, receipt: { transfer: BankTransferRow; amount: Money; credited: boolean }) => Promise<void>,
  ): Promise<TransferConfirmation> {
    const t = await findTransfer(ref);
    const amount = parseDecimal(input.amount, t.currency);
    if (amount.minor <= 0) throw invalidInput("The amount received must be greater than zero");
    const bankRef = input.bankRef?.trim();
    if (bankRef !== undefined && !/^[\w./:-]{1,80}$/.test(bankRef)) throw invalidInput("The bank reference may hold letters, digits and . / : - _ (at most 80)");
    const key = `bank_transfer:${t.reference}${bankRef ? `:${bankRef}` : ""}`;
    const credited = await db.transaction().execute(async (tx) => {
      await customers.lock(tx, t.customer_id);
      const posted = await ledger.post(tx, {
        kind: "bank_transfer_receipt",
        memo: `Bank transfer ${t.reference}${bankRef ? ` (${bankRef})` : ""} received: ${format(amount)}`,
        orderId: t.order_id,
        actor: input.actor,
        key,
        postings: transfer({ kind: "clearing", owner: "bank_transfer" }, { kind: "customer", owner: t.customer_id }, amount),
      });
      await inTx?.(tx, { transfer: t, amount, credited: posted.created });
      return posted.created;
    });
    if (!t.order_id) return { transfer: t, amount, credited, order: null };
    // Paid after the credit's commit: a crash in between leaves the money on the balance, and
    // confirming again (idempotent credit) pays the order.
    try {
      const paid = await orders.payFromBalance(t.order_id, t.customer_id, input.actor, { method: "bank_transfer" });
      return { transfer: t, amount, credited, order: { id: paid.id, state: paid.state, paid: true, problem: null } };
    } catch (e) {
      if (!isAppError(e)) throw e;
      const o = await orders.get(t.order_id);
      const problem = e.code === "illegal_transition" && o.paid_at ? null : e.message;
      return { transfer: t, amount, credited, order: { id: o.id, state: o.state, paid: Boolean(o.paid_at), problem } };
    }
  }

  /**
   * Money leaves a customer's balance to the outside through a provider that can send it (staff
   * transfer it back by bank): customer → clearing:<provider>. Once per `key`.
   */
  async function refundToOutside(input: { customerId: string; providerId: string; amount: string; currency: string; reason: string; actor: string; key?: string }): Promise<Money> {
    if (!REFUNDABLE_OUTSIDE.has(input.providerId)) throw invalidInput(`Refunds through ${input.providerId.slice(0, 40)} are not recorded here (bank_transfer only; card refunds go through Stripe)`);
    const currency = input.currency.trim().toUpperCase();
    if (!isCurrency(currency)) throw invalidInput(`Unknown currency "${input.currency.slice(0, 10)}"`);
    const amount = parseDecimal(input.amount, currency);
    if (amount.minor <= 0) throw invalidInput("A refund must be greater than zero");
    if (!input.reason.trim()) throw invalidInput("A refund needs a reason");
    const customer = await customers.findById(db, input.customerId);
    if (!customer) throw notFound(`No customer ${input.customerId}`);
    await db.transaction().execute(async (tx) => {
      await customers.lock(tx, customer.id);
      const balance = await ledger.balance(tx, { kind: "customer", owner: customer.id }, currency);
      if (balance.minor < amount.minor) {
        throw new AppError("insufficient_funds", `The balance (${format(balance)}) is ${format(subtract(amount, balance))} short of the refund ${format(amount)}`);
      }
      const posted = await ledger.post(tx, {
        kind: "balance_refund",
        memo: `Balance refunded by ${input.providerId}: ${input.reason.trim()}`,
        actor: input.actor,
        ...(input.key ? { key: input.key } : {}),
        postings: transfer({ kind: "customer", owner: customer.id }, { kind: "clearing", owner: input.providerId }, amount),
      });
      if (!posted.created) throw conflict("This refund was recorded already");
    });
    return amount;
  }

  register({
    id: "balance",
    label: "Account balance",
    enabled: () => true,
    payOrder: payFromBalance,
  });
  register({
    id: "bank_transfer",
    label: "Bank transfer",
    // Not before customers can be told whom to pay: the seller's name and IBAN (set-up wizard).
    enabled: () => settings.bankDetailsComplete(),
    payOrder: requestTransferForOrder,
    topUp: requestTransferTopUp,
  });

  return {
    register,
    providers,
    provider,
    payOrder,
    topUp,
    totalOf,
    confirmTransfer,
    findTransfer,
    recentTransfers: (limit?: number) => payments.recentTransfers(db, limit),
    transfersOfCustomer: (customerId: string, limit?: number) => payments.transfersOfCustomer(db, customerId, limit),
    refundToOutside,
    transfersOf: (customerId: string) => payments.transfersOfCustomer(db, customerId),
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
