// Money (ADR 0015): customers' billing details, the tax figures an order was paid with, invoices
// and credit notes with their gapless per-year counters, and expected bank transfers.
// Forward-only: never edit once released.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // What an invoice says about its buyer. Nullable: a customer may never give them.
  await db.schema.alterTable("customers").addColumn("company", "text").execute();
  await db.schema.alterTable("customers").addColumn("address", "text").execute();
  await db.schema.alterTable("customers").addColumn("country", "text").execute();
  await db.schema.alterTable("customers").addColumn("vat_id", "text").execute();

  // The figures the customer was charged, fixed when the order is paid (or invoiced for a bank
  // transfer). NULL on orders paid before this migration: those were charged price_minor, tax 0.
  await db.schema.alterTable("orders").addColumn("net_minor", "bigint").execute();
  await db.schema.alterTable("orders").addColumn("tax_minor", "bigint").execute();
  await db.schema.alterTable("orders").addColumn("tax_rate_bp", "integer").execute();
  await db.schema.alterTable("orders").addColumn("reverse_charge", "integer").execute();
  await db.schema.alterTable("orders").addColumn("total_minor", "bigint").execute();
  await db.schema.alterTable("orders").addColumn("invoice_id", "text").execute();

  // One row per (series, year): the last number issued. Taking a number updates the row, which
  // holds its lock until the issuing transaction ends — so numbers are gapless and never repeat.
  await db.schema
    .createTable("invoice_counters")
    .addColumn("series", "text", (c) => c.notNull())
    .addColumn("year", "integer", (c) => c.notNull())
    .addColumn("last", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("invoice_counters_pk", ["series", "year"])
    .execute();

  // Invoices and credit notes. Rows are inserted once and never updated: whether an invoice is
  // paid is derived from its order; a correction is a credit note (kind credit_note) of its own.
  await db.schema
    .createTable("invoices")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('invoice', 'credit_note')`))
    .addColumn("number", "text", (c) => c.notNull().unique())
    .addColumn("series", "text", (c) => c.notNull())
    .addColumn("year", "integer", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("order_id", "text", (c) => c.references("orders.id"))
    // For a credit note: the invoice it corrects.
    .addColumn("credited_invoice_id", "text", (c) => c.references("invoices.id"))
    .addColumn("issued_at", "text", (c) => c.notNull())
    .addColumn("due_on", "text")
    .addColumn("currency", "text", (c) => c.notNull())
    // Signed like the document: a credit note's amounts are negative.
    .addColumn("net_minor", "bigint", (c) => c.notNull())
    .addColumn("tax_minor", "bigint", (c) => c.notNull())
    .addColumn("total_minor", "bigint", (c) => c.notNull())
    .addColumn("tax_rate_bp", "integer", (c) => c.notNull())
    .addColumn("tax_name", "text", (c) => c.notNull())
    .addColumn("reverse_charge", "integer", (c) => c.notNull())
    // Snapshots (JSON) taken at issue: later changes to settings or the customer do not alter it.
    .addColumn("seller", "text", (c) => c.notNull())
    .addColumn("buyer", "text", (c) => c.notNull())
    .addColumn("lines", "text", (c) => c.notNull())
    .addColumn("notes", "text", (c) => c.notNull())
    // balance | bank_transfer | stripe | … — how the customer chose to pay; a credit note: why.
    .addColumn("method", "text")
    .addColumn("reason", "text")
    .addColumn("actor", "text")
    .addUniqueConstraint("invoices_series_seq", ["series", "year", "seq"])
    .execute();
  await db.schema.createIndex("invoices_customer_idx").on("invoices").columns(["customer_id", "issued_at"]).execute();
  await db.schema.createIndex("invoices_order_idx").on("invoices").column("order_id").execute();
  // At most one credit note per invoice: a credit note cancels the whole invoice.
  await db.schema.createIndex("invoices_credited_idx").on("invoices").column("credited_invoice_id").unique().execute();

  // Transfers we expect from customers: the reference they quote, and what it pays (an order's
  // invoice, or a top-up of the balance). Receipts are ledger transactions keyed by reference.
  await db.schema
    .createTable("bank_transfers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("reference", "text", (c) => c.notNull().unique())
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`purpose in ('invoice', 'top_up')`))
    .addColumn("invoice_id", "text", (c) => c.unique().references("invoices.id"))
    .addColumn("order_id", "text", (c) => c.references("orders.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("actor", "text")
    .execute();
  await db.schema.createIndex("bank_transfers_customer_idx").on("bank_transfers").columns(["customer_id", "created_at"]).execute();
}
