// Placing paid orders upstream exactly once (src/modules/fulfillment), the orders that need a
// person (ADR 0030), and the check made before money is taken (checkout, Stripe).
import type { Core } from "./core.ts";
import type { OrderRow } from "../../db/schema.ts";
import { AppError, invalidInput } from "../../lib/errors.ts";
import type { AlertsService } from "../../modules/alerts/alerts.service.ts";
import type { FundsService } from "../../modules/funds/funds.service.ts";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import { createFulfillmentService } from "../../modules/fulfillment/fulfillment.service.ts";
import { createAttentionService } from "../../modules/fulfillment/attention.service.ts";
import { orderingForRenewalMode } from "../../modules/renewals/upstream-renewal.ts";

export function wireFulfillment(core: Core, deps: { orders: OrderService; alerts: AlertsService; funds: FundsService }) {
  const { config, db, repos, clock, logger } = core;
  const { orders, alerts, funds } = deps;
  const fulfillment = createFulfillmentService({
    db,
    orders,
    ordersRepo: repos.orders,
    // RENEWAL_MODE=upstream: purchases are ordered with autoprolong (src/modules/renewals).
    upstream: orderingForRenewalMode(core.upstream, config.RENEWAL_MODE),
    clock,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    alert: async (kind, subject, message) => { await alerts.raise(db, { kind, subject, message }); },
    licenses: repos.licenses,
  });
  const attention = createAttentionService({ db, orders, ordersRepo: repos.orders, upstream: core.upstream, licenses: repos.licenses });
  /**
   * Before money is taken: the license and module checked upstream (PAY_WHEN_UPSTREAM_UNREACHABLE
   * decides when the client area cannot be asked), then the partner's upstream funds (ADR 0030):
   * warn, or hold with UPSTREAM_FUNDS_SHORT=hold.
   */
  async function paymentPrecheck(order: OrderRow): Promise<void> {
    const r = await fulfillment.precheck(order);
    if (r.ok === true) {
      const f = await funds.precheck(order);
      if (f.ok === false) throw new AppError("upstream_unavailable", f.problem, { precheck: "funds_short" });
      return;
    }
    if (r.ok === false) throw invalidInput(r.problem, { precheck: r.code, license: r.license });
    if (!config.PAY_WHEN_UPSTREAM_UNREACHABLE) throw new AppError("upstream_unavailable", `${r.problem} Payment is not taken until it answers; please try again in a few minutes.`, { precheck: r.code, license: r.license });
    logger.warn({ order: order.id, problem: r.problem }, "payment taken without the upstream pre-check");
  }
  return { fulfillment, attention, paymentPrecheck };
}
