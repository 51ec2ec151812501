// The order state machine (src/modules/orders): after payment a placing (or prolonging) job is
// queued in the same transaction, or the order goes to the manual queue (the set-up's mode).
import type { Core } from "./core.ts";
import type { OrderRow } from "../../db/schema.ts";
import { JOB_KINDS } from "../../jobs/kinds.ts";
import type { LedgerService } from "../../modules/ledger/ledger.service.ts";
import type { TaxService } from "../../modules/tax/tax.service.ts";
import type { InvoiceService } from "../../modules/invoices/invoices.service.ts";
import type { SetupService } from "../../modules/setup/setup.service.ts";
import { createOrderService } from "../../modules/orders/orders.service.ts";

export function wireOrders(
  core: Core,
  deps: { ledger: LedgerService; tax: TaxService; invoices: InvoiceService; setup: SetupService; precheck: (order: OrderRow) => Promise<void> },
) {
  const { config, db, repos, queue, clock, ids, region, events, logger } = core;
  const { tax, invoices, setup } = deps;
  const orders = createOrderService({
    db,
    orders: repos.orders,
    catalog: repos.catalog,
    customers: repos.customers,
    ledger: deps.ledger,
    queue,
    jobKinds: { place: JOB_KINDS.placeOrder, prolong: JOB_KINDS.prolongOrder, deliverLicenseKey: JOB_KINDS.deliverLicenseKey },
    clock,
    ids,
    region,
    get fulfillment() { return setup.modeNow(); },
    renewalMode: config.RENEWAL_MODE,
    events,
    billing: {
      quote: (ex, order, buyer) => tax.chargeFor(ex, order, buyer),
      issueInvoice: (tx, input) => invoices.issueForOrder(tx, input),
      creditNote: (tx, invoiceId, input) => invoices.creditNote(tx, invoiceId, input),
    },
    costOf: async (ex, moduleId, periodMonths) => {
      const c = await repos.pricing.findCost(ex, moduleId, periodMonths);
      return c ? { minor: Number(c.cost_minor), currency: c.currency } : null;
    },
    onNameMismatch: (info) => logger.warn(info, "Buy redirect: module name disagrees with module_id (module_id wins)"),
    precheck: deps.precheck,
    licenses: core.repos.licenses,
  });
  return { orders };
}
