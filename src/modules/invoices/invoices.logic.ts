// Pure rules of invoices and credit notes: numbers, snapshots, lines, the figures of a credit note.
import type { InvoiceRow } from "../../db/schema.ts";
import type { SellerDetails } from "../settings/settings.logic.ts";
import { t, type Locale } from "../../i18n/index.ts";

export type InvoiceSeries = "invoice" | "credit_note";

/** "INV-" 2027 12 6 → "INV-2027-000012". The year is the calendar year of issue in UTC. */
export function formatInvoiceNumber(prefix: string, year: number, seq: number, digits: number): string {
  return `${prefix}${year}-${String(seq).padStart(digits, "0")}`;
}

export function yearOf(isoTimestamp: string): number {
  return Number(isoTimestamp.slice(0, 4));
}

/** YYYY-MM-DD `days` after an ISO timestamp. */
export function dueOn(issuedAt: string, days: number): string {
  const d = new Date(Date.parse(issuedAt.slice(0, 10) + "T00:00:00Z") + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** Who sold: the seller's details at issue. */
export type SellerSnapshot = SellerDetails;

/** Who bought: the customer's billing details at issue. */
export interface BuyerSnapshot {
  customerId: string;
  email: string;
  name: string | null;
  company: string | null;
  address: string | null;
  country: string | null;
  vatId: string | null;
}

/** One line; amounts in minor units of the invoice's currency (negative on a credit note). */
export interface InvoiceLine {
  description: string;
  quantity: number;
  unitNet: number;
  net: number;
  taxRateBp: number;
  tax: number;
  total: number;
}

export interface InvoiceView extends Omit<InvoiceRow, "seller" | "buyer" | "lines" | "notes"> {
  seller: SellerSnapshot;
  buyer: BuyerSnapshot;
  lines: InvoiceLine[];
  notes: string[];
}

export function viewOf(row: InvoiceRow): InvoiceView {
  return {
    ...row,
    net_minor: Number(row.net_minor),
    tax_minor: Number(row.tax_minor),
    total_minor: Number(row.total_minor),
    seller: JSON.parse(row.seller) as SellerSnapshot,
    buyer: JSON.parse(row.buyer) as BuyerSnapshot,
    lines: JSON.parse(row.lines) as InvoiceLine[],
    notes: JSON.parse(row.notes) as string[],
  };
}

/** The notes printed under the lines, in the document's language. */
export function invoiceNotes(input: { reverseCharge: boolean; taxName: string; rateBp: number; locale?: Locale }): string[] {
  const l = input.locale ?? "en";
  const notes: string[] = [];
  if (input.reverseCharge) notes.push(t(l, "invoice.note.reverse_charge"));
  else if (input.rateBp === 0) notes.push(t(l, "invoice.note.no_tax", { tax: input.taxName }));
  return notes;
}

/** The lines of a credit note: the invoice's lines with every amount negated. */
export function creditLines(lines: readonly InvoiceLine[]): InvoiceLine[] {
  return lines.map((l) => ({ ...l, quantity: -l.quantity, net: -l.net, tax: -l.tax, total: -l.total }));
}

/** "12.5 %" from basis points, for people. */
export function formatRate(rateBp: number): string {
  const whole = Math.trunc(rateBp / 100);
  const frac = rateBp % 100;
  return frac === 0 ? `${whole} %` : `${whole}.${String(frac).padStart(2, "0").replace(/0$/, "")} %`;
}

export type InvoiceStatus = "paid" | "awaiting_payment" | "overdue" | "credited" | "cancelled" | "issued";

/** An invoice or credit note as the HTML and PDF renderings show it. */
export interface InvoiceDocument {
  invoice: InvoiceView;
  status: InvoiceStatus;
  /** The credit note that cancelled it, or for a credit note the invoice it corrects. */
  related: { id: string; number: string } | null;
  /** Bank transfer expected for it: the reference the customer quotes. */
  transferReference: string | null;
}
