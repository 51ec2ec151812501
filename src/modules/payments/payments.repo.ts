// The only code that reads and writes expected bank transfers (their receipts are ledger
// transactions keyed by reference: src/modules/payments/README.md).
import type { Executor } from "../../db/database.ts";
import type { BankTransferRow } from "../../db/schema.ts";

export function createPaymentsRepo() {
  return {
    async insertTransfer(ex: Executor, row: BankTransferRow): Promise<void> {
      await ex.insertInto("bank_transfers").values(row).execute();
    },

    findTransferByReference(ex: Executor, reference: string): Promise<BankTransferRow | undefined> {
      return ex.selectFrom("bank_transfers").selectAll().where("reference", "=", reference).executeTakeFirst();
    },

    transferOfInvoice(ex: Executor, invoiceId: string): Promise<BankTransferRow | undefined> {
      return ex.selectFrom("bank_transfers").selectAll().where("invoice_id", "=", invoiceId).executeTakeFirst();
    },

    /** The latest expected transfers of everyone, newest first (the console's bank-transfer page). */
    recentTransfers(ex: Executor, limit = 50): Promise<BankTransferRow[]> {
      return ex.selectFrom("bank_transfers").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
    },

    transfersOfCustomer(ex: Executor, customerId: string, limit = 100): Promise<BankTransferRow[]> {
      return ex.selectFrom("bank_transfers").selectAll().where("customer_id", "=", customerId).orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
    },
  };
}

export type PaymentsRepo = ReturnType<typeof createPaymentsRepo>;
