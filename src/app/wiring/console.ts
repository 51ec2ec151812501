// The admin console's figures, listings and staff actions (docs/adr/0022-admin-console.md), and
// four eyes: staff money actions above approvals.staff_limit_minor wait for the owner (ADR 0029).
import type { Core } from "./core.ts";
import type { AlertsService } from "../../modules/alerts/alerts.service.ts";
import type { AuditService } from "../../modules/audit/audit.service.ts";
import type { LedgerService } from "../../modules/ledger/ledger.service.ts";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import type { PaymentsService } from "../../modules/payments/payments.service.ts";
import type { SettingsService } from "../../modules/settings/settings.service.ts";
import { createConsoleRepo } from "../../modules/console/console.repo.ts";
import { createConsoleService } from "../../modules/console/console.service.ts";
import { createApprovalsRepo } from "../../modules/approvals/approvals.repo.ts";
import { createApprovalsService } from "../../modules/approvals/approvals.service.ts";

export function wireConsole(core: Core, deps: { ledger: LedgerService; alerts: AlertsService; audit: AuditService; orders: OrderService; payments: PaymentsService; settings: SettingsService }) {
  const { db, repos, queue, clock, ids } = core;
  const { ledger, alerts, audit, orders, payments, settings } = deps;
  const adminConsole = createConsoleService({ db, repo: createConsoleRepo(), ledger, customers: repos.customers, ordersRepo: repos.orders, alerts, queue, audit, clock });
  const approvals = createApprovalsService({ db, repo: createApprovalsRepo(), settings, audit, adminConsole, orders, payments, customers: repos.customers, ledger, clock, ids });
  return { adminConsole, approvals };
}
