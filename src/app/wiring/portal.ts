// The customer portal (/account): only the signed-in customer's own rows (ADR 0021).
import type { Core } from "./core.ts";
import type { CustomersService } from "../../modules/customers/customers.service.ts";
import type { InvoiceService } from "../../modules/invoices/invoices.service.ts";
import type { LedgerService } from "../../modules/ledger/ledger.service.ts";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import type { PaymentsService } from "../../modules/payments/payments.service.ts";
import type { StripeService } from "../../modules/payments/stripe/stripe.service.ts";
import type { CustomerModulesService } from "../../modules/renewals/customer-modules.service.ts";
import type { RenewalService } from "../../modules/renewals/renewals.service.ts";
import type { SettingsService } from "../../modules/settings/settings.service.ts";
import type { TaxService } from "../../modules/tax/tax.service.ts";
import { createPortalService } from "../../modules/portal/portal.service.ts";

export function wirePortal(
  core: Core,
  deps: {
    orders: OrderService;
    customers: CustomersService;
    ledger: LedgerService;
    invoices: InvoiceService;
    renewals: RenewalService;
    customerModules: CustomerModulesService;
    payments: PaymentsService;
    stripe: StripeService;
    tax: TaxService;
    settings: SettingsService;
  },
) {
  const portal = createPortalService({ db: core.db, ordersRepo: core.repos.orders, catalog: core.repos.catalog, publicUrl: core.config.PUBLIC_URL, ...deps });
  return { portal };
}
