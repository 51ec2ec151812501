// Money (ADR 0015): the ledger, customer accounts, business settings, tax quotes, and invoices
// issued inside order transactions.
import type { Core } from "./core.ts";
import { createLedgerService } from "../../modules/ledger/ledger.service.ts";
import { createCustomersService } from "../../modules/customers/customers.service.ts";
import { createSettingsService } from "../../modules/settings/settings.service.ts";
import { createTaxService } from "../../modules/tax/tax.service.ts";
import { createInvoiceService } from "../../modules/invoices/invoices.service.ts";

export function wireBilling(core: Core) {
  const { db, repos, clock, ids } = core;
  const ledger = createLedgerService({ ledger: repos.ledger, clock, ids });
  const settings = createSettingsService({ db, settings: repos.settings, clock });
  const tax = createTaxService({ db, settings });
  const invoices = createInvoiceService({ db, invoices: repos.invoices, settings, orders: repos.orders, catalog: repos.catalog, transfers: repos.payments, clock, ids });
  const customers = createCustomersService({ db, customers: repos.customers, ledger, clock, ids });
  return { ledger, settings, tax, invoices, customers };
}
