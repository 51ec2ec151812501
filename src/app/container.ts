// The one place that calls the factories: it wires repositories and services together for a
// process (or for a test, which passes its own database, clock and id generator).
import type { Config } from "./config.ts";
import type { Database } from "../db/database.ts";
import { createChangeCountersRepo } from "../db/change-counters.repo.ts";
import { systemClock, type Clock } from "../lib/clock.ts";
import { AppError, invalidInput } from "../lib/errors.ts";
import { randomIds, type IdGenerator } from "../lib/ids.ts";
import type { UpstreamClient } from "../upstream/types.ts";
import { createCatalogRepo } from "../modules/catalog/catalog.repo.ts";
import { createCatalogService } from "../modules/catalog/catalog.service.ts";
import { createPriceListService } from "../modules/catalog/pricelist.service.ts";
import { createAlertsRepo } from "../modules/alerts/alerts.repo.ts";
import { createAlertsService } from "../modules/alerts/alerts.service.ts";
import { createPricingRepo } from "../modules/pricing/pricing.repo.ts";
import { createPricingService } from "../modules/pricing/pricing.service.ts";
import { createJobQueue } from "../jobs/queue.ts";
import { bindJob } from "../jobs/job.ts";
import { cleanupJob } from "../jobs/handlers/cleanup.ts";
import { placeOrderJob } from "../jobs/handlers/place-order.ts";
import { resumeAwaitingFundsJob } from "../jobs/handlers/resume-awaiting-funds.ts";
import { syncPricesJob } from "../jobs/handlers/sync-prices.ts";
import { expirePendingOrdersJob } from "../jobs/handlers/expire-pending-orders.ts";
import { createPgJobListener } from "../jobs/listener.ts";
import { createJobRegistry } from "../jobs/registry.ts";
import { PERIODIC_TASKS } from "../jobs/schedule.ts";
import { createScheduler } from "../jobs/scheduler.ts";
import { createJobWorker, type WorkerOptions } from "../jobs/worker.ts";
import { createCustomersRepo } from "../modules/customers/customers.repo.ts";
import { createCustomersService } from "../modules/customers/customers.service.ts";
import { createFulfillmentService } from "../modules/fulfillment/fulfillment.service.ts";
import { createLedgerRepo } from "../modules/ledger/ledger.repo.ts";
import { createLedgerService } from "../modules/ledger/ledger.service.ts";
import { createOrdersRepo } from "../modules/orders/orders.repo.ts";
import { createOrderService } from "../modules/orders/orders.service.ts";
import { createProlongService } from "../modules/fulfillment/prolong.service.ts";
import { createRenewalsRepo } from "../modules/renewals/renewals.repo.ts";
import { createRenewalService } from "../modules/renewals/renewals.service.ts";
import { createCustomerModulesService } from "../modules/renewals/customer-modules.service.ts";
import { orderingForRenewalMode } from "../modules/renewals/upstream-renewal.ts";
import { createReconciliationRepo } from "../modules/reconciliation/reconciliation.repo.ts";
import { createReconciliationService } from "../modules/reconciliation/reconciliation.service.ts";
import { prolongOrderJob } from "../jobs/handlers/prolong-order.ts";
import { scanRenewalsJob } from "../jobs/handlers/scan-renewals.ts";
import { reconcileJob } from "../jobs/handlers/reconcile.ts";
import { JOB_KINDS } from "../jobs/kinds.ts";
import { createUpstreamClient, type UpstreamHttpClient } from "../upstream/client.ts";
import { createDomainEvents } from "../modules/events/domain-events.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";

export interface ContainerOptions {
  config: Config;
  database: Database;
  secretKey: string;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** The upstream API URL when it is only known at run time (the in-process sandbox's port). */
  upstreamUrl?: string;
  /** Credentials for that URL (the sandbox's demo account); default UPSTREAM_USER/PASSWORD. */
  upstreamCredentials?: { user: string; password: string };
}

export function createContainer(opts: ContainerOptions) {
  const { config, database } = opts;
  const db = database.db;
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const region = config.UPSTREAM_REGION;

  const repos = {
    counters: createChangeCountersRepo(),
    catalog: createCatalogRepo(),
    pricing: createPricingRepo(),
    alerts: createAlertsRepo(),
    customers: createCustomersRepo(database.dialect),
    ledger: createLedgerRepo(),
    orders: createOrdersRepo(),
    renewals: createRenewalsRepo(),
    reconciliation: createReconciliationRepo(),
  };

  const queue = createJobQueue({ db, dialect: database.dialect, clock, ids });
  // Listeners (mail, outgoing webhooks) register below with events.on(...).
  const events = createDomainEvents();

  // Built on first use: most CLI commands never talk upstream, and with UPSTREAM_URL=sandbox the
  // URL exists only once `serve` has started the in-process sandbox.
  let upstreamClient: UpstreamHttpClient | undefined;
  function upstream(): UpstreamHttpClient {
    if (upstreamClient) return upstreamClient;
    const baseUrl = opts.upstreamUrl ?? config.upstreamBaseUrl;
    if (baseUrl === "sandbox") {
      throw new AppError("upstream_unavailable", "UPSTREAM_URL is sandbox: the sandbox runs inside `partnerbill serve` (or start one with `partnerbill sandbox` and set UPSTREAM_URL to its /billmgr URL)");
    }
    const creds = opts.upstreamCredentials ?? { user: config.UPSTREAM_USER ?? "", password: config.UPSTREAM_PASSWORD ?? "" };
    upstreamClient = createUpstreamClient({
      baseUrl,
      ...creds,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      logger,
      onCall: (e) => {
        metrics.upstreamCalls.inc({ func: e.func, result: e.outcome === "done" ? "ok" : (e.kind ?? "unknown") });
        metrics.upstreamDuration.observe({ func: e.func }, e.durationMs / 1000);
      },
    });
    return upstreamClient;
  }
  /** The upstream client, resolved per call (see `upstream()`). */
  const lazyUpstream: UpstreamClient = {
    priceList: (o) => upstream().priceList(o),
    orderModule: (i) => upstream().orderModule(i),
    readModule: (id) => upstream().readModule(id),
    rebindModule: (id, license) => upstream().rebindModule(id, license),
    prolong: (id, period) => upstream().prolong(id, period),
    deleteModule: (id) => upstream().deleteModule(id),
    listModules: () => upstream().listModules(),
    listLicenses: () => upstream().listLicenses(),
    readLicense: (id) => upstream().readLicense(id),
  };

  const priceList = createPriceListService({ db, catalog: repos.catalog, counters: repos.counters, region, metrics });
  const catalog = createCatalogService({
    db,
    catalog: repos.catalog,
    counters: repos.counters,
    clock,
    ids,
    region,
    onChange: () => priceList.invalidate(),
  });
  const alerts = createAlertsService({ db, alerts: repos.alerts, clock, ids });
  const pricing = createPricingService({
    db,
    pricing: repos.pricing,
    catalog: repos.catalog,
    counters: repos.counters,
    alerts,
    upstream: lazyUpstream,
    clock,
    ids,
    region,
    ecbUrl: config.ECB_RATES_URL,
    onChange: () => priceList.invalidate(),
  });

  const ledger = createLedgerService({ ledger: repos.ledger, clock, ids });
  const customers = createCustomersService({ db, customers: repos.customers, ledger, clock, ids });
  const orders = createOrderService({
    db,
    orders: repos.orders,
    catalog: repos.catalog,
    customers: repos.customers,
    ledger,
    queue,
    clock,
    ids,
    region,
    fulfillment: config.FULFILLMENT_MODE,
    renewalMode: config.RENEWAL_MODE,
    events,
    onNameMismatch: (info) => logger.warn(info, "Buy redirect: module name disagrees with module_id (module_id wins)"),
    precheck: async (order) => {
      const r = await fulfillment.precheck(order);
      if (r.ok === true) return;
      if (r.ok === false) throw invalidInput(r.problem);
      if (!config.PAY_WHEN_UPSTREAM_UNREACHABLE) throw new AppError("upstream_unavailable", `${r.problem} Payment is not taken until it answers; please try again in a few minutes.`);
      logger.warn({ order: order.id, problem: r.problem }, "payment taken without the upstream pre-check");
    },
  });
  const fulfillment = createFulfillmentService({
    db,
    orders,
    ordersRepo: repos.orders,
    // RENEWAL_MODE=upstream: purchases are ordered with autoprolong (src/modules/renewals).
    upstream: orderingForRenewalMode(lazyUpstream, config.RENEWAL_MODE),
    clock,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    alert: async (kind, subject, message) => { await alerts.raise(db, { kind, subject, message }); },
  });
  const renewals = createRenewalService({
    db,
    renewals: repos.renewals,
    ordersRepo: repos.orders,
    orders,
    catalog: repos.catalog,
    ledger,
    queue,
    clock,
    ids,
    noticeDays: config.RENEWAL_NOTICE_DAYS,
    fulfillment: config.FULFILLMENT_MODE,
    prolongJobKind: JOB_KINDS.prolongOrder,
    events,
  });
  const prolong = createProlongService({
    db,
    orders,
    ordersRepo: repos.orders,
    renewals: repos.renewals,
    activate: renewals.activate,
    upstream: lazyUpstream,
    clock,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    alert: async (kind, subject, message) => { await alerts.raise(db, { kind, subject, message }); },
  });
  const customerModules = createCustomerModulesService({
    db,
    ordersRepo: repos.orders,
    renewals: repos.renewals,
    customers,
    upstream: lazyUpstream,
    clock,
    ids,
    fulfillment: config.FULFILLMENT_MODE,
    events,
  });
  const reconciliation = createReconciliationService({
    db,
    repo: repos.reconciliation,
    renewals: repos.renewals,
    ordersRepo: repos.orders,
    orders,
    catalog: repos.catalog,
    alerts,
    upstream: lazyUpstream,
    clock,
    ids,
    region,
    events,
  });

  // Jobs: each handler bound to the dependencies it declares on its context. The worker and the
  // scheduler are built by the process roles that run them (`serve --roles`).
  const jobRegistry = createJobRegistry([
    bindJob(cleanupJob, { queue }),
    bindJob(placeOrderJob, { fulfillment }),
    bindJob(resumeAwaitingFundsJob, { db, orders, queue }),
    bindJob(syncPricesJob, { pricing }),
    bindJob(expirePendingOrdersJob, { orders, ttlHours: config.PENDING_ORDER_TTL_HOURS }),
    bindJob(prolongOrderJob, { prolong }),
    bindJob(scanRenewalsJob, { renewals }),
    bindJob(reconcileJob, { reconciliation }),
  ]);
  const jobs = {
    registry: jobRegistry,
    createWorker: (o: Partial<WorkerOptions> = {}) =>
      createJobWorker(
        {
          queue,
          registry: jobRegistry,
          clock,
          logger,
          metrics,
          ...(database.pgPool ? { listener: createPgJobListener(database.pgPool, logger) } : {}),
        },
        { concurrency: config.WORKER_CONCURRENCY, leaseMs: config.JOB_LEASE_MS, ...o },
      ),
    createScheduler: (o: { tickMs?: number } = {}) => createScheduler({ db, queue, clock, logger }, { tasks: PERIODIC_TASKS, ...o }),
  };

  return {
    config,
    database,
    db,
    secretKey: opts.secretKey,
    clock,
    ids,
    logger,
    metrics,
    repos,
    catalog,
    priceList,
    alerts,
    pricing,
    queue,
    events,
    upstream: lazyUpstream,
    ledger,
    customers,
    orders,
    fulfillment,
    renewals,
    prolong,
    customerModules,
    reconciliation,
    jobs,
    /** Closes the upstream connections (idempotent); the database is closed by its owner. */
    async close(): Promise<void> {
      const client = upstreamClient;
      upstreamClient = undefined;
      await client?.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
