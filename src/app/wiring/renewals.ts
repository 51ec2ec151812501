// Renewals (src/modules/renewals): renewal invoices, reminders, expiry; prolonging upstream
// exactly once (src/modules/fulfillment/prolong.service.ts); customers' modules and moving one
// to another license.
import type { Core } from "./core.ts";
import { JOB_KINDS } from "../../jobs/kinds.ts";
import type { AlertsService } from "../../modules/alerts/alerts.service.ts";
import type { CustomersService } from "../../modules/customers/customers.service.ts";
import type { LedgerService } from "../../modules/ledger/ledger.service.ts";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import type { StripeService } from "../../modules/payments/stripe/stripe.service.ts";
import type { SetupService } from "../../modules/setup/setup.service.ts";
import { createRenewalService } from "../../modules/renewals/renewals.service.ts";
import { createCustomerModulesService } from "../../modules/renewals/customer-modules.service.ts";
import { createProlongService } from "../../modules/fulfillment/prolong.service.ts";

export function wireRenewals(
  core: Core,
  deps: { orders: OrderService; ledger: LedgerService; customers: CustomersService; alerts: AlertsService; stripe: StripeService; setup: SetupService },
) {
  const { config, db, repos, queue, clock, ids, events } = core;
  const { orders, setup, stripe, alerts } = deps;
  const renewals = createRenewalService({
    db,
    renewals: repos.renewals,
    ordersRepo: repos.orders,
    customers: repos.customers,
    orders,
    catalog: repos.catalog,
    ledger: deps.ledger,
    queue,
    clock,
    ids,
    noticeDays: config.RENEWAL_NOTICE_DAYS,
    get fulfillment() { return setup.modeNow(); },
    prolongJobKind: JOB_KINDS.prolongOrder,
    events,
    topUpShortfall: (order) => stripe.chargeRenewalShortfall(order.id),
  });
  const prolong = createProlongService({
    db,
    orders,
    ordersRepo: repos.orders,
    renewals: repos.renewals,
    activate: renewals.activate,
    upstream: core.upstream,
    clock,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    alert: async (kind, subject, message) => { await alerts.raise(db, { kind, subject, message }); },
  });
  const customerModules = createCustomerModulesService({
    db,
    ordersRepo: repos.orders,
    renewals: repos.renewals,
    customers: deps.customers,
    upstream: core.upstream,
    clock,
    ids,
    get fulfillment() { return setup.modeNow(); },
    events,
  });
  return { renewals, prolong, customerModules };
}
