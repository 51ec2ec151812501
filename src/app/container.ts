// The composition root: it builds the core a process shares (config, database, clock, ids, logger,
// metrics, repositories, job queue, domain events, upstream client) and calls one wiring function
// per module (src/app/wiring/, one short file each) in dependency order. A test passes its own
// database, clock and id generator. Where two modules need each other (orders ↔ the pre-payment
// check of fulfillment and funds), the later one is reached through a closure.
import type { OrderRow } from "../db/schema.ts";
import type { Config } from "./config.ts";
import type { Database } from "../db/database.ts";
import { systemClock, type Clock } from "../lib/clock.ts";
import { randomIds, type IdGenerator } from "../lib/ids.ts";
import { createJobQueue } from "../jobs/queue.ts";
import { createFileWakeSignal, wakeFileOf } from "../jobs/file-signal.ts";
import { createDomainEvents } from "../modules/events/domain-events.ts";
import type { PasswordHasher } from "../modules/accounts/passwords.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import type { Core } from "./wiring/core.ts";
import { createRepos } from "./wiring/repos.ts";
import { wireUpstream } from "./wiring/upstream.ts";
import { wireMail } from "./wiring/mail.ts";
import { wireAccess } from "./wiring/access.ts";
import { wireWebhooks } from "./wiring/webhooks.ts";
import { wireCatalog } from "./wiring/catalog.ts";
import { wireAlerts } from "./wiring/alerts.ts";
import { wirePricing } from "./wiring/pricing.ts";
import { wireBilling } from "./wiring/billing.ts";
import { wireAccounts } from "./wiring/accounts.ts";
import { wireSetup } from "./wiring/setup.ts";
import { wireOrders } from "./wiring/orders.ts";
import { wireFunds } from "./wiring/funds.ts";
import { wireFulfillment } from "./wiring/fulfillment.ts";
import { wirePayments } from "./wiring/payments.ts";
import { wireRenewals } from "./wiring/renewals.ts";
import { wirePortal } from "./wiring/portal.ts";
import { wireReconciliation } from "./wiring/reconciliation.ts";
import { wireConsole } from "./wiring/console.ts";
import { wireLicenses } from "./wiring/licenses.ts";
import { wireJobs } from "./wiring/jobs.ts";

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
  /** How passwords are hashed and checked; default argon2id (src/modules/accounts/passwords.ts). */
  passwords?: PasswordHasher;
}

export function createContainer(opts: ContainerOptions) {
  const { config, database } = opts;
  const db = database.db;
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const region = config.UPSTREAM_REGION;
  const repos = createRepos(database.dialect);

  // SQLite on a file: workers of other processes on it wake through a watched file (ADR 0034).
  const sqliteFile = database.dialect === "sqlite" ? database.file : undefined;
  const wakeSignal = sqliteFile ? createFileWakeSignal(wakeFileOf(sqliteFile), logger) : undefined;
  const queue = createJobQueue({ db, dialect: database.dialect, clock, ids, ...(wakeSignal ? { crossProcess: wakeSignal } : {}) });
  // Listeners (mail, outgoing webhooks, alerts) register in their wiring with events.on(...).
  const events = createDomainEvents();
  // The credentials come from the set-up (wired below, it needs the audit log and staff auth).
  const up = wireUpstream({ config, logger, metrics, upstreamUrl: opts.upstreamUrl, credentials: () => setup.credentials() });
  const upstream = up.upstream;
  const core: Core = {
    config, database, db, secretKey: opts.secretKey, clock, ids, logger, metrics, region, repos, queue, events, upstream,
    warn: (info, message) => logger.warn(info, message),
  };

  const { mail, mailTriggers, close: closeMail } = wireMail(core);
  const { audit, apiTokens, rateLimiter } = wireAccess(core);
  const { webhooks, close: closeWebhooks } = wireWebhooks(core, { audit });
  const { catalog, priceList } = wireCatalog(core);
  const { alerts } = wireAlerts(core, { mail });
  const { pricing, margins, priceSyncRequests } = wirePricing(core, { alerts, audit, catalog, priceList });
  const { ledger, settings, tax, invoices, customers } = wireBilling(core);
  const { passwords, sessions, demo, customerAuth, staffAuth } = wireAccounts(core, { passwords: opts.passwords, ledger, mail });
  const { setup } = wireSetup(core, { audit, staffAuth, upstreamUrl: opts.upstreamUrl, upstreamCredentials: opts.upstreamCredentials });
  const { orders } = wireOrders(core, { ledger, tax, invoices, setup, precheck: (order: OrderRow) => paymentPrecheck(order) });
  const { funds } = wireFunds(core, { orders, alerts, audit, setup });
  const { fulfillment, attention, paymentPrecheck } = wireFulfillment(core, { orders, alerts, funds });
  const { payments, stripe } = wirePayments(core, { orders, ledger, settings, alerts, paymentPrecheck });
  const { renewals, prolong, customerModules } = wireRenewals(core, { orders, ledger, customers, alerts, stripe, setup });
  const { portal } = wirePortal(core, { orders, customers, ledger, invoices, renewals, customerModules, payments, stripe, tax, settings });
  const { reconciliation } = wireReconciliation(core, { orders, alerts });
  const { adminConsole, approvals } = wireConsole(core, { ledger, alerts, audit, orders, payments, settings });
  const { licenses } = wireLicenses(core, { audit, mail, alerts });
  const jobs = wireJobs(core, { wakeSignal, mail, mailTriggers, webhooks, fulfillment, funds, pricing, orders, prolong, renewals, reconciliation, licenses });

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
    mail,
    mailTriggers,
    upstream,
    ledger,
    customers,
    orders,
    fulfillment,
    licenses,
    funds,
    attention,
    renewals,
    prolong,
    customerModules,
    portal,
    reconciliation,
    passwords,
    sessions,
    customerAuth,
    staffAuth,
    setup,
    margins,
    settings,
    tax,
    invoices,
    payments,
    stripe,
    demo,
    audit,
    apiTokens,
    rateLimiter,
    priceSyncRequests,
    webhooks,
    adminConsole,
    approvals,
    jobs,
    /** Closes the upstream connections (idempotent); the database is closed by its owner. */
    async close(): Promise<void> {
      await up.close();
      closeMail();
      await closeWebhooks();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
