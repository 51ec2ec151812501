// The only code that reads and writes invoices and their counters. Invoices are inserted, never
// updated: there is no update method here on purpose.
import { sql } from "kysely";
import type { Executor, Tx } from "../../db/database.ts";
import type { InvoiceRow } from "../../db/schema.ts";

export interface InvoiceListFilter {
  customerId?: string;
  kind?: "invoice" | "credit_note";
  year?: number;
  /** A number's start ("2026-00" → 2026-0001…) or an id; case-insensitive on the number. */
  q?: string;
  /** Keyset: only invoices issued before this one (newest first). */
  before?: { at: string; id: string };
  limit?: number;
}

export function createInvoicesRepo() {
  return {
    /**
     * Takes the next number of a series in a year, inside the issuing transaction. The UPDATE locks
     * the counter row until that transaction ends (PostgreSQL: a row lock, like SELECT … FOR
     * UPDATE; SQLite: the single writer holds the database), so two issuers never get one number,
     * and a rolled-back issue gives its number back — the sequence has no gaps.
     */
    async nextSeq(tx: Tx, series: string, year: number): Promise<number> {
      await tx.insertInto("invoice_counters").values({ series, year, last: 0 }).onConflict((oc) => oc.columns(["series", "year"]).doNothing()).execute();
      const row = await tx
        .updateTable("invoice_counters")
        .set({ last: sql`last + 1` })
        .where("series", "=", series)
        .where("year", "=", year)
        .returning("last")
        .executeTakeFirstOrThrow();
      return Number(row.last);
    },

    async insert(ex: Executor, row: InvoiceRow): Promise<void> {
      await ex.insertInto("invoices").values(row).execute();
    },

    findById(ex: Executor, id: string): Promise<InvoiceRow | undefined> {
      return ex.selectFrom("invoices").selectAll().where("id", "=", id).executeTakeFirst();
    },

    findByNumber(ex: Executor, number: string): Promise<InvoiceRow | undefined> {
      return ex.selectFrom("invoices").selectAll().where("number", "=", number).executeTakeFirst();
    },

    creditNoteOf(ex: Executor, invoiceId: string): Promise<InvoiceRow | undefined> {
      return ex.selectFrom("invoices").selectAll().where("credited_invoice_id", "=", invoiceId).executeTakeFirst();
    },

    list(ex: Executor, f: InvoiceListFilter = {}): Promise<InvoiceRow[]> {
      let q = ex.selectFrom("invoices").selectAll();
      if (f.customerId) q = q.where("customer_id", "=", f.customerId);
      if (f.kind) q = q.where("kind", "=", f.kind);
      if (f.year) q = q.where("year", "=", f.year);
      if (f.q) {
        const text = f.q;
        q = q.where((eb) => eb.or([eb("id", "=", text), eb("number", "like", `${text.toUpperCase().replace(/[\\%_]/g, "")}%`)]));
      }
      if (f.before) {
        const b = f.before;
        q = q.where((eb) => eb.or([eb("issued_at", "<", b.at), eb.and([eb("issued_at", "=", b.at), eb("id", "<", b.id)])]));
      }
      return q.orderBy("issued_at", "desc").orderBy("id", "desc").limit(f.limit ?? 100).execute();
    },

    /** Sequence numbers of a series in a year, ascending (for the gaplessness check). */
    async seqs(ex: Executor, series: string, year: number): Promise<number[]> {
      const rows = await ex.selectFrom("invoices").select("seq").where("series", "=", series).where("year", "=", year).orderBy("seq").execute();
      return rows.map((r) => Number(r.seq));
    },
  };
}

export type InvoicesRepo = ReturnType<typeof createInvoicesRepo>;
