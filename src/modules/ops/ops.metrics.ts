// The order figures behind the `partnerbill_orders*` gauges, read from the database when
// Prometheus scrapes. Reading at scrape time (rather than a worker pushing numbers every few
// seconds) means every node with the web role reports the same whole-database figures, fresh,
// whatever roles it runs; dashboards aggregate them with max(), not sum().
import type { Db } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import { KNOWN_ALERT_KINDS } from "../alerts/alerts.catalog.ts";
import { ORDER_STATES, type OrderState } from "../orders/orders.logic.ts";
import { createOpsRepo, type OpsRepo } from "./ops.repo.ts";

/**
 * States of a paid order whose module is not active yet. Time spent here is the customer's wait:
 * seconds in paid/placing, longer in awaiting_funds and manual_queue, a person's attention in
 * needs_attention. rejected is excluded: that order waits for its refund, not for its module.
 */
export const PAID_NOT_ACTIVE: readonly OrderState[] = ["paid", "placing", "awaiting_funds", "needs_attention", "manual_queue"];

export interface OrderGauges {
  /** Orders per state; every known state is present (0 when none), so alerts can compare. */
  byState: Record<string, number>;
  /** Seconds since the oldest payment still waiting for activation, per PAID_NOT_ACTIVE state (0 when none). */
  paidNotActiveOldestSeconds: Record<string, number>;
  /** Open alerts per kind; every known kind is present (0 when none), so rules can compare. */
  alertsOpen: Record<string, number>;
}

export function createOrderGaugeReader(deps: { db: Db; clock: Clock; ops?: OpsRepo }) {
  const ops = deps.ops ?? createOpsRepo();
  return async function readOrderGauges(): Promise<OrderGauges> {
    const [rows, alerts] = await Promise.all([ops.orderFigures(deps.db), ops.openAlerts(deps.db)]);
    const alertsOpen: Record<string, number> = Object.fromEntries(KNOWN_ALERT_KINDS.map((k) => [k, 0]));
    for (const a of alerts) alertsOpen[a.kind] = a.count;
    const now = deps.clock.now().getTime();
    const byState: Record<string, number> = Object.fromEntries(ORDER_STATES.map((s) => [s, 0]));
    const paidNotActiveOldestSeconds: Record<string, number> = Object.fromEntries(PAID_NOT_ACTIVE.map((s) => [s, 0]));
    for (const r of rows) {
      byState[r.state] = r.count;
      if (r.oldestPaidNotActive !== null && (PAID_NOT_ACTIVE as readonly string[]).includes(r.state)) {
        paidNotActiveOldestSeconds[r.state] = Math.max(0, (now - Date.parse(r.oldestPaidNotActive)) / 1000);
      }
    }
    return { byState, paidNotActiveOldestSeconds, alertsOpen };
  };
}
