// The only code that reads and writes customers.
import type { Executor, Tx } from "../../db/database.ts";
import type { CustomerRow } from "../../db/schema.ts";

/** Rows leave this repository without the password hash: only src/modules/accounts reads it. */
function withoutPassword<T extends { password_hash?: unknown }>(row: T): Omit<T, "password_hash"> {
  const { password_hash: _hidden, ...rest } = row;
  return rest;
}

export function createCustomersRepo(dialect: "sqlite" | "postgres") {
  return {
    async insert(ex: Executor, row: CustomerRow): Promise<void> {
      await ex.insertInto("customers").values(row).execute();
    },
    async findById(ex: Executor, id: string): Promise<CustomerRow | undefined> {
      const row = await ex.selectFrom("customers").selectAll().where("id", "=", id).executeTakeFirst();
      return row && withoutPassword(row);
    },
    async findByEmail(ex: Executor, email: string): Promise<CustomerRow | undefined> {
      const row = await ex.selectFrom("customers").selectAll().where("email", "=", email).executeTakeFirst();
      return row && withoutPassword(row);
    },
    /**
     * Serialises money decisions about one customer (spending a balance) across nodes: on
     * PostgreSQL a row lock held until the transaction ends; SQLite already serialises writers.
     */
    async lock(tx: Tx, id: string): Promise<void> {
      if (dialect === "postgres") {
        await tx.selectFrom("customers").select("id").where("id", "=", id).forUpdate().execute();
      }
    },
    async updateBilling(
      ex: Executor,
      id: string,
      b: { name?: string | null; company: string | null; address: string | null; country: string | null; vat_id: string | null; updated_at: string },
    ): Promise<void> {
      await ex.updateTable("customers").set(b).where("id", "=", id).execute();
    },
    async setLocale(ex: Executor, id: string, locale: string | null, updatedAt: string): Promise<void> {
      await ex.updateTable("customers").set({ locale, updated_at: updatedAt }).where("id", "=", id).execute();
    },
    async list(ex: Executor, limit = 100): Promise<CustomerRow[]> {
      const rows = await ex.selectFrom("customers").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
      return rows.map(withoutPassword);
    },
  };
}

export type CustomersRepo = ReturnType<typeof createCustomersRepo>;
