// Comparing local modules with upstream into stored reports with alerts (src/modules/reconciliation).
import type { Core } from "./core.ts";
import type { AlertsService } from "../../modules/alerts/alerts.service.ts";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import { createReconciliationService } from "../../modules/reconciliation/reconciliation.service.ts";

export function wireReconciliation(core: Core, deps: { orders: OrderService; alerts: AlertsService }) {
  const { db, repos, clock, ids, region, events } = core;
  const reconciliation = createReconciliationService({
    db,
    repo: repos.reconciliation,
    renewals: repos.renewals,
    ordersRepo: repos.orders,
    orders: deps.orders,
    catalog: repos.catalog,
    alerts: deps.alerts,
    upstream: core.upstream,
    clock,
    ids,
    region,
    events,
  });
  return { reconciliation };
}
