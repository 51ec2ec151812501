// The only code that reads and writes the partner's stored upstream balance.
import type { Executor } from "../../db/database.ts";
import type { UpstreamBalanceRow } from "../../db/schema.ts";

const ID = "partner";

export function createFundsRepo() {
  return {
    find(ex: Executor): Promise<UpstreamBalanceRow | undefined> {
      return ex.selectFrom("upstream_balance").selectAll().where("id", "=", ID).executeTakeFirst();
    },

    async save(ex: Executor, row: Omit<UpstreamBalanceRow, "id">): Promise<void> {
      await ex
        .insertInto("upstream_balance")
        .values({ id: ID, ...row })
        .onConflict((oc) => oc.column("id").doUpdateSet(row))
        .execute();
    },
  };
}

export type FundsRepo = ReturnType<typeof createFundsRepo>;
