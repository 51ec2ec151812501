// Read-only queries for operators: the figures /metrics reports about orders. Nothing here writes.
import type { Executor } from "../../db/database.ts";

export interface OrderStateFigures {
  state: string;
  count: number;
  /** The earliest paid_at among this state's orders that are paid and not yet active, or null. */
  oldestPaidNotActive: string | null;
}

export function createOpsRepo() {
  return {
    /**
     * One row per order state present, in one pass over `orders_state_idx`'s leading column:
     * counts, and the oldest payment still waiting for its module.
     */
    async orderFigures(ex: Executor): Promise<OrderStateFigures[]> {
      const rows = await ex
        .selectFrom("orders")
        .select((eb) => [
          "state",
          eb.fn.countAll<number | string>().as("count"),
          eb.fn
            .min<string | null>(
              eb.case().when(eb.and([eb("paid_at", "is not", null), eb("activated_at", "is", null)])).then(eb.ref("paid_at")).end(),
            )
            .as("oldest_paid_not_active"),
        ])
        .groupBy("state")
        .execute();
      return rows.map((r) => ({ state: r.state, count: Number(r.count), oldestPaidNotActive: r.oldest_paid_not_active ?? null }));
    },

    /** Open alerts per kind (one pass over alerts_open_kind_idx). */
    async openAlerts(ex: Executor): Promise<Array<{ kind: string; count: number }>> {
      const rows = await ex.selectFrom("alerts").select((eb) => ["kind", eb.fn.countAll<number | string>().as("n")]).where("resolved_at", "is", null).groupBy("kind").execute();
      return rows.map((r) => ({ kind: r.kind, count: Number(r.n) }));
    },
  };
}

export type OpsRepo = ReturnType<typeof createOpsRepo>;
