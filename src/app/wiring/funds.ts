// The partner's client-area balance and orders awaiting funds (ADR 0030).
import type { Core } from "./core.ts";
import { parseDecimal } from "../../lib/money.ts";
import type { AlertsService } from "../../modules/alerts/alerts.service.ts";
import type { AuditService } from "../../modules/audit/audit.service.ts";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import type { SetupService } from "../../modules/setup/setup.service.ts";
import { createFundsRepo } from "../../modules/funds/funds.repo.ts";
import { createFundsService } from "../../modules/funds/funds.service.ts";

export function wireFunds(core: Core, deps: { orders: OrderService; alerts: AlertsService; audit: AuditService; setup: SetupService }) {
  const { config, db, repos, clock, region } = core;
  const { setup } = deps;
  const funds = createFundsService({
    db,
    repo: createFundsRepo(),
    upstream: core.upstream,
    orders: deps.orders,
    queue: core.queue,
    alerts: deps.alerts,
    audit: deps.audit,
    clock,
    costOf: async (moduleId, periodMonths) => {
      const c = await repos.pricing.findCost(db, moduleId, periodMonths);
      return c ? { minor: Number(c.cost_minor), currency: c.currency } : null;
    },
    lowBalance: parseDecimal(config.UPSTREAM_LOW_BALANCE, region === "ru" ? "RUB" : "EUR", "up"),
    whenShort: config.UPSTREAM_FUNDS_SHORT,
    get fulfillment() { return setup.modeNow(); },
  });
  return { funds };
}
