// Every repository, one instance per container (they hold no state but the dialect).
import type { Dialect } from "../../db/database.ts";
import { createChangeCountersRepo } from "../../db/change-counters.repo.ts";
import { createCatalogRepo } from "../../modules/catalog/catalog.repo.ts";
import { createPricingRepo } from "../../modules/pricing/pricing.repo.ts";
import { createAlertsRepo } from "../../modules/alerts/alerts.repo.ts";
import { createCustomersRepo } from "../../modules/customers/customers.repo.ts";
import { createLedgerRepo } from "../../modules/ledger/ledger.repo.ts";
import { createOrdersRepo } from "../../modules/orders/orders.repo.ts";
import { createRenewalsRepo } from "../../modules/renewals/renewals.repo.ts";
import { createReconciliationRepo } from "../../modules/reconciliation/reconciliation.repo.ts";
import { createAccountsRepo } from "../../modules/accounts/accounts.repo.ts";
import { createSessionsRepo } from "../../modules/accounts/sessions.repo.ts";
import { createSettingsRepo } from "../../modules/settings/settings.repo.ts";
import { createInvoicesRepo } from "../../modules/invoices/invoices.repo.ts";
import { createPaymentsRepo } from "../../modules/payments/payments.repo.ts";
import { createStripeRepo } from "../../modules/payments/stripe/stripe.repo.ts";
import { createAuditRepo } from "../../modules/audit/audit.repo.ts";
import { createApiTokensRepo } from "../../modules/api-tokens/api-tokens.repo.ts";
import { createWebhooksRepo } from "../../modules/webhooks/webhooks.repo.ts";
import { createRateLimitRepo } from "../../modules/ratelimit/ratelimit.repo.ts";
import { createLicensesRepo } from "../../modules/licenses/licenses.repo.ts";

export function createRepos(dialect: Dialect) {
  return {
    counters: createChangeCountersRepo(),
    catalog: createCatalogRepo(),
    pricing: createPricingRepo(),
    alerts: createAlertsRepo(),
    customers: createCustomersRepo(dialect),
    ledger: createLedgerRepo(),
    orders: createOrdersRepo(dialect),
    renewals: createRenewalsRepo(),
    reconciliation: createReconciliationRepo(),
    accounts: createAccountsRepo(dialect),
    sessions: createSessionsRepo(),
    settings: createSettingsRepo(),
    invoices: createInvoicesRepo(),
    payments: createPaymentsRepo(),
    stripe: createStripeRepo(),
    audit: createAuditRepo(),
    apiTokens: createApiTokensRepo(),
    webhooks: createWebhooksRepo(),
    rateLimits: createRateLimitRepo(),
    licenses: createLicensesRepo(),
  };
}

export type Repos = ReturnType<typeof createRepos>;
