// The only code that reads and writes customers.
import type { Executor, Tx } from "../../db/database.ts";
import type { CustomerRow } from "../../db/schema.ts";

export function createCustomersRepo(dialect: "sqlite" | "postgres") {
  return {
    async insert(ex: Executor, row: CustomerRow): Promise<void> {
      await ex.insertInto("customers").values(row).execute();
    },
    findById(ex: Executor, id: string): Promise<CustomerRow | undefined> {
      return ex.selectFrom("customers").selectAll().where("id", "=", id).executeTakeFirst();
    },
    findByEmail(ex: Executor, email: string): Promise<CustomerRow | undefined> {
      return ex.selectFrom("customers").selectAll().where("email", "=", email).executeTakeFirst();
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
    list(ex: Executor, limit = 100): Promise<CustomerRow[]> {
      return ex.selectFrom("customers").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
    },
  };
}

export type CustomersRepo = ReturnType<typeof createCustomersRepo>;
