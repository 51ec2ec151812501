// Invoices and credit notes (ADR 0015, README.md beside this file). An invoice is issued inside
// the transaction that pays its order (or that records the customer's choice of bank transfer),
// takes the next gapless number of its calendar year, and copies the seller's details, the tax
// and the buyer's billing details into itself. It is never changed afterwards: whether it is paid
// is derived from its order, and a correction is a credit note with its own series.
import type { Db, Executor, Tx } from "../../db/database.ts";
import type { CustomerRow, InvoiceRow, OrderRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import type { Charge } from "../orders/orders.logic.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import type { PaymentsRepo } from "../payments/payments.repo.ts";
import type { SettingsService } from "../settings/settings.service.ts";
import { formatDate, t, toLocale, type Locale } from "../../i18n/index.ts";
import { renderInvoiceHtml } from "./invoice.html.ts";
import { renderInvoicePdf } from "./invoice.pdf.ts";
import {
  creditLines,
  dueOn,
  formatInvoiceNumber,
  invoiceNotes,
  viewOf,
  yearOf,
  type BuyerSnapshot,
  type InvoiceDocument,
  type InvoiceLine,
  type InvoiceStatus,
  type InvoiceView,
} from "./invoices.logic.ts";
import type { InvoiceListFilter, InvoicesRepo } from "./invoices.repo.ts";

export type { InvoiceDocument, InvoiceStatus } from "./invoices.logic.ts";


export function buyerOf(c: CustomerRow): BuyerSnapshot {
  return {
    customerId: c.id,
    email: c.email,
    name: c.name,
    company: c.company ?? null,
    address: c.address ?? null,
    country: c.country ?? null,
    vatId: c.vat_id ?? null,
  };
}

export function createInvoiceService(deps: {
  db: Db;
  invoices: InvoicesRepo;
  settings: Pick<SettingsService, "get">;
  orders: Pick<OrdersRepo, "findById">;
  catalog: Pick<CatalogRepo, "findModule">;
  transfers: Pick<PaymentsRepo, "transferOfInvoice">;
  clock: Clock;
  ids: IdGenerator;
}) {
  const { db, invoices, settings, orders, catalog, transfers, clock, ids } = deps;

  /** The line's text, in the invoice's language (it is a snapshot: it stays as issued). */
  async function describe(ex: Executor, o: OrderRow, locale: Locale): Promise<string> {
    const m = await catalog.findModule(ex, o.module_id);
    return t(locale, "invoice.line", { module: m?.name ?? o.module_id, months: o.period_months, kind: o.kind, license: o.license_id });
  }

  /**
   * Issues the invoice of an order inside `tx` (the payment's, or the bank-transfer choice's).
   * `charge` is what the order is charged; `method` how the customer pays.
   */
  async function issueForOrder(tx: Tx, input: { order: OrderRow; customer: CustomerRow; charge: Charge; method: string; actor: string | null }): Promise<InvoiceRow> {
    const { order, customer, charge } = input;
    const s = await settings.get(tx);
    // The customer's language, else the partner's default: the words of the invoice are in it.
    const locale = toLocale(customer.locale) ?? s.defaultLocale;
    const at = clock.now().toISOString();
    const year = yearOf(at);
    const seq = await invoices.nextSeq(tx, "invoice", year);
    const line: InvoiceLine = {
      description: await describe(tx, order, locale),
      quantity: 1,
      unitNet: charge.net,
      net: charge.net,
      taxRateBp: charge.rateBp,
      tax: charge.tax,
      total: charge.total,
    };
    const row: InvoiceRow = {
      id: ids.next("inv"),
      kind: "invoice",
      number: formatInvoiceNumber(s.invoice.prefix, year, seq, s.invoice.digits),
      series: "invoice",
      year,
      seq,
      customer_id: customer.id,
      order_id: order.id,
      credited_invoice_id: null,
      issued_at: at,
      due_on: input.method === "bank_transfer" ? dueOn(at, s.invoice.paymentDays) : null,
      currency: order.currency,
      net_minor: charge.net,
      tax_minor: charge.tax,
      total_minor: charge.total,
      tax_rate_bp: charge.rateBp,
      tax_name: s.tax.name,
      reverse_charge: charge.reverseCharge ? 1 : 0,
      seller: JSON.stringify(s.seller),
      buyer: JSON.stringify(buyerOf(customer)),
      lines: JSON.stringify([line]),
      notes: JSON.stringify(invoiceNotes({ reverseCharge: charge.reverseCharge, taxName: s.tax.name, rateBp: charge.rateBp, locale })),
      method: input.method,
      reason: null,
      actor: input.actor,
      locale,
    };
    await invoices.insert(tx, row);
    return row;
  }

  /**
   * Cancels an invoice with a credit note for its whole amount, inside `tx`. Once per invoice:
   * a second call returns the first credit note.
   */
  async function creditNote(tx: Tx, invoiceId: string, input: { reason: string; actor: string | null }): Promise<InvoiceRow> {
    const existing = await invoices.creditNoteOf(tx, invoiceId);
    if (existing) return existing;
    const inv = await invoices.findById(tx, invoiceId);
    if (!inv || inv.kind !== "invoice") throw notFound(`No invoice ${invoiceId}`);
    const s = await settings.get(tx);
    const at = clock.now().toISOString();
    const year = yearOf(at);
    const seq = await invoices.nextSeq(tx, "credit_note", year);
    const view = viewOf(inv);
    // A correction speaks the language of the invoice it corrects.
    const locale = toLocale(inv.locale) ?? "en";
    const row: InvoiceRow = {
      id: ids.next("crn"),
      kind: "credit_note",
      number: formatInvoiceNumber(s.invoice.creditNotePrefix, year, seq, s.invoice.digits),
      series: "credit_note",
      year,
      seq,
      customer_id: inv.customer_id,
      order_id: inv.order_id,
      credited_invoice_id: inv.id,
      issued_at: at,
      due_on: null,
      currency: inv.currency,
      net_minor: -Number(inv.net_minor),
      tax_minor: -Number(inv.tax_minor),
      total_minor: -Number(inv.total_minor),
      tax_rate_bp: inv.tax_rate_bp,
      tax_name: inv.tax_name,
      reverse_charge: inv.reverse_charge,
      seller: JSON.stringify(s.seller),
      // The correction is addressed to whom the invoice was.
      buyer: inv.buyer,
      lines: JSON.stringify(creditLines(view.lines)),
      notes: JSON.stringify([t(locale, "invoice.note.credit_note", { number: inv.number, date: formatDate(inv.issued_at, locale), reason: input.reason }), ...view.notes]),
      method: null,
      reason: input.reason,
      actor: input.actor,
      locale,
    };
    await invoices.insert(tx, row);
    return row;
  }

  async function statusOf(ex: Executor, inv: InvoiceRow): Promise<{ status: InvoiceStatus; related: { id: string; number: string } | null }> {
    if (inv.kind === "credit_note") {
      const of = inv.credited_invoice_id ? await invoices.findById(ex, inv.credited_invoice_id) : undefined;
      return { status: "issued", related: of ? { id: of.id, number: of.number } : null };
    }
    const credit = await invoices.creditNoteOf(ex, inv.id);
    if (credit) return { status: "credited", related: { id: credit.id, number: credit.number } };
    const o = inv.order_id ? await orders.findById(ex, inv.order_id) : undefined;
    if (!o || o.paid_at) return { status: "paid", related: null };
    if (o.state === "cancelled") return { status: "cancelled", related: null };
    const today = clock.now().toISOString().slice(0, 10);
    return { status: inv.due_on && inv.due_on < today ? "overdue" : "awaiting_payment", related: null };
  }

  async function documentOf(inv: InvoiceRow): Promise<InvoiceDocument> {
    const { status, related } = await statusOf(db, inv);
    const transfer = inv.kind === "invoice" ? await transfers.transferOfInvoice(db, inv.id) : undefined;
    return { invoice: viewOf(inv), status, related, transferReference: transfer?.reference ?? null };
  }

  /** By id or by number. */
  async function find(ref: string): Promise<InvoiceRow> {
    const inv = (await invoices.findById(db, ref)) ?? (await invoices.findByNumber(db, ref));
    if (!inv) throw notFound(`No invoice ${ref}`);
    return inv;
  }

  /** The customer's own invoice; another customer's is "not found" (no hint that it exists). */
  async function findForCustomer(ref: string, customerId: string): Promise<InvoiceRow> {
    const inv = (await invoices.findById(db, ref)) ?? (await invoices.findByNumber(db, ref));
    if (!inv || inv.customer_id !== customerId) throw notFound(`No invoice ${ref}`);
    return inv;
  }

  async function list(f: InvoiceListFilter = {}): Promise<Array<InvoiceView & { status: InvoiceStatus }>> {
    const rows = await invoices.list(db, f);
    return Promise.all(rows.map(async (r) => ({ ...viewOf(r), status: (await statusOf(db, r)).status })));
  }

  return {
    issueForOrder,
    creditNote,
    find,
    findForCustomer,
    list,
    show: async (ref: string) => documentOf(await find(ref)),
    /** The document a page shows (customerId given: only that customer's; another's is not found). */
    document: async (ref: string, customerId?: string) => documentOf(customerId ? await findForCustomer(ref, customerId) : await find(ref)),
    /** The printable page of an invoice (customerId given: only that customer's; stylesheet: see renderInvoiceHtml). */
    html: async (ref: string, customerId?: string, stylesheet?: string) =>
      renderInvoiceHtml(await documentOf(customerId ? await findForCustomer(ref, customerId) : await find(ref)), stylesheet),
    pdf: async (ref: string, customerId?: string) => renderInvoicePdf(await documentOf(customerId ? await findForCustomer(ref, customerId) : await find(ref))),
    seqs: (series: "invoice" | "credit_note", year: number) => invoices.seqs(db, series, year),
  };
}

export type InvoiceService = ReturnType<typeof createInvoiceService>;
