// Jobs: each handler bound to the dependencies it declares on its context. The worker and the
// scheduler are built by the process roles that run them (`serve --roles`); a worker is woken by
// PostgreSQL's NOTIFY, or on a SQLite file by the wake file (ADR 0034).
import type { Core } from "./core.ts";
import { bindJob } from "../../jobs/job.ts";
import { cleanupJob } from "../../jobs/handlers/cleanup.ts";
import { placeOrderJob } from "../../jobs/handlers/place-order.ts";
import { deliverLicenseKeyJob } from "../../jobs/handlers/deliver-license-key.ts";
import type { LicensesService } from "../../modules/licenses/licenses.service.ts";
import { resumeAwaitingFundsJob } from "../../jobs/handlers/resume-awaiting-funds.ts";
import { syncPricesJob } from "../../jobs/handlers/sync-prices.ts";
import { expirePendingOrdersJob } from "../../jobs/handlers/expire-pending-orders.ts";
import { prolongOrderJob } from "../../jobs/handlers/prolong-order.ts";
import { scanRenewalsJob } from "../../jobs/handlers/scan-renewals.ts";
import { reconcileJob } from "../../jobs/handlers/reconcile.ts";
import { sendMailJob } from "../../jobs/handlers/send-mail.ts";
import { sendRenewalRemindersJob } from "../../jobs/handlers/send-renewal-reminders.ts";
import { deliverWebhookJob } from "../../jobs/handlers/deliver-webhook.ts";
import { cleanupAccountsJob } from "../../jobs/handlers/cleanup-accounts.ts";
import { createPgJobListener } from "../../jobs/listener.ts";
import type { FileWakeSignal } from "../../jobs/file-signal.ts";
import { createJobRegistry } from "../../jobs/registry.ts";
import { PERIODIC_TASKS } from "../../jobs/schedule.ts";
import { createScheduler } from "../../jobs/scheduler.ts";
import { createJobWorker, type WorkerOptions } from "../../jobs/worker.ts";
import { createAccountsCleanup } from "../../modules/accounts/cleanup.service.ts";
import type { FulfillmentService } from "../../modules/fulfillment/fulfillment.service.ts";
import type { ProlongService } from "../../modules/fulfillment/prolong.service.ts";
import type { FundsService } from "../../modules/funds/funds.service.ts";
import type { MailService } from "../../modules/mail/mail.service.ts";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import type { PricingService } from "../../modules/pricing/pricing.service.ts";
import type { ReconciliationService } from "../../modules/reconciliation/reconciliation.service.ts";
import type { RenewalService } from "../../modules/renewals/renewals.service.ts";
import type { WebhooksService } from "../../modules/webhooks/webhooks.service.ts";
import type { MailTriggers } from "../../modules/mail/mail.triggers.ts";

export function wireJobs(
  core: Core,
  deps: {
    wakeSignal: FileWakeSignal | undefined;
    mail: MailService;
    mailTriggers: MailTriggers;
    webhooks: WebhooksService;
    fulfillment: FulfillmentService;
    funds: FundsService;
    pricing: PricingService;
    orders: OrderService;
    prolong: ProlongService;
    renewals: RenewalService;
    reconciliation: ReconciliationService;
    licenses: LicensesService;
  },
) {
  const { config, database, db, repos, queue, clock, logger, metrics } = core;
  const registry = createJobRegistry([
    bindJob(cleanupJob, { queue }),
    bindJob(sendMailJob, { mail: deps.mail }),
    bindJob(deliverWebhookJob, { webhooks: deps.webhooks }),
    bindJob(sendRenewalRemindersJob, { triggers: deps.mailTriggers }),
    bindJob(placeOrderJob, { fulfillment: deps.fulfillment }),
    bindJob(deliverLicenseKeyJob, { licenses: deps.licenses }),
    bindJob(resumeAwaitingFundsJob, { funds: deps.funds }),
    bindJob(syncPricesJob, { pricing: deps.pricing }),
    bindJob(expirePendingOrdersJob, { orders: deps.orders, ttlHours: config.PENDING_ORDER_TTL_HOURS }),
    bindJob(prolongOrderJob, { prolong: deps.prolong }),
    bindJob(scanRenewalsJob, { renewals: deps.renewals }),
    bindJob(reconcileJob, { reconciliation: deps.reconciliation }),
    bindJob(cleanupAccountsJob, { cleanup: createAccountsCleanup({ db, accounts: repos.accounts, sessions: repos.sessions, clock }) }),
  ]);
  const { wakeSignal } = deps;
  return {
    registry,
    createWorker: (o: Partial<WorkerOptions> = {}) =>
      createJobWorker(
        {
          queue,
          registry,
          clock,
          logger,
          metrics,
          ...(database.pgPool ? { listener: createPgJobListener(database.pgPool, logger) } : wakeSignal ? { listener: wakeSignal } : {}),
        },
        { concurrency: config.WORKER_CONCURRENCY, leaseMs: config.JOB_LEASE_MS, ...o },
      ),
    createScheduler: (o: { tickMs?: number } = {}) => createScheduler({ db, queue, clock, logger }, { tasks: PERIODIC_TASKS, ...o }),
  };
}
