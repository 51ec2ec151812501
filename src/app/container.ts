// The one place that calls the factories: it wires repositories and services together for a
// process (or for a test, which passes its own database, clock and id generator).
import type { OrderRow } from "../db/schema.ts";
import { UPSTREAM_PRESETS, type Config } from "./config.ts";
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
import { parseDecimal } from "../lib/money.ts";
import { createAlertMail } from "../modules/alerts/alerts.notify.ts";
import { createFundsRepo } from "../modules/funds/funds.repo.ts";
import { createFundsService } from "../modules/funds/funds.service.ts";
import { createAttentionService } from "../modules/fulfillment/attention.service.ts";
import { createPricingRepo } from "../modules/pricing/pricing.repo.ts";
import { createPricingService } from "../modules/pricing/pricing.service.ts";
import { createJobQueue } from "../jobs/queue.ts";
import { bindJob } from "../jobs/job.ts";
import { cleanupJob } from "../jobs/handlers/cleanup.ts";
import { placeOrderJob } from "../jobs/handlers/place-order.ts";
import { deliverLicenseKeyJob } from "../jobs/handlers/deliver-license-key.ts";
import { createLicensesRepo } from "../modules/licenses/licenses.repo.ts";
import { createLicensesService } from "../modules/licenses/licenses.service.ts";
import { resumeAwaitingFundsJob } from "../jobs/handlers/resume-awaiting-funds.ts";
import { syncPricesJob } from "../jobs/handlers/sync-prices.ts";
import { expirePendingOrdersJob } from "../jobs/handlers/expire-pending-orders.ts";
import { createPgJobListener } from "../jobs/listener.ts";
import { createFileWakeSignal, wakeFileOf } from "../jobs/file-signal.ts";
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
import { createPortalService } from "../modules/portal/portal.service.ts";
import { orderingForRenewalMode } from "../modules/renewals/upstream-renewal.ts";
import { createReconciliationRepo } from "../modules/reconciliation/reconciliation.repo.ts";
import { createReconciliationService } from "../modules/reconciliation/reconciliation.service.ts";
import { prolongOrderJob } from "../jobs/handlers/prolong-order.ts";
import { scanRenewalsJob } from "../jobs/handlers/scan-renewals.ts";
import { reconcileJob } from "../jobs/handlers/reconcile.ts";
import { JOB_KINDS } from "../jobs/kinds.ts";
import { createUpstreamClient, type UpstreamHttpClient } from "../upstream/client.ts";
import { createDomainEvents } from "../modules/events/domain-events.ts";
import { createMailRepo } from "../modules/mail/mail.repo.ts";
import { createMailService } from "../modules/mail/mail.service.ts";
import { senderNameOf } from "../modules/mail/mail.templates.ts";
import { createRecipientLocale } from "../modules/mail/mail.locale.ts";
import { settingsFrom } from "../modules/settings/settings.logic.ts";
import { createSmtpTransport } from "../modules/mail/smtp.transport.ts";
import { sendMailJob } from "../jobs/handlers/send-mail.ts";
import { createMailTriggers } from "../modules/mail/mail.triggers.ts";
import { sendRenewalRemindersJob } from "../jobs/handlers/send-renewal-reminders.ts";
import { describeError } from "../jobs/job.ts";
import { createStripeGateway } from "../modules/payments/stripe/stripe.gateway.ts";
import { createStripeRepo } from "../modules/payments/stripe/stripe.repo.ts";
import { createStripeService } from "../modules/payments/stripe/stripe.service.ts";
import { createStripeProvider } from "../modules/payments/stripe/stripe.provider.ts";
import { createDemoService } from "../modules/demo/demo.service.ts";
import { createAuditRepo } from "../modules/audit/audit.repo.ts";
import { createAuditService } from "../modules/audit/audit.service.ts";
import { createApiTokensRepo } from "../modules/api-tokens/api-tokens.repo.ts";
import { createRateLimitRepo } from "../modules/ratelimit/ratelimit.repo.ts";
import { createRateLimiter } from "../modules/ratelimit/ratelimit.service.ts";
import { createApiTokensService } from "../modules/api-tokens/api-tokens.service.ts";
import { createWebhooksRepo } from "../modules/webhooks/webhooks.repo.ts";
import { createWebhooksService } from "../modules/webhooks/webhooks.service.ts";
import { createWebhookSender, WEBHOOK_TIMEOUT_MS } from "../modules/webhooks/webhook.transport.ts";
import { createApprovalsRepo } from "../modules/approvals/approvals.repo.ts";
import { createApprovalsService } from "../modules/approvals/approvals.service.ts";
import { createWebhookTargetPolicy } from "../modules/webhooks/webhook-target.ts";
import { deliverWebhookJob } from "../jobs/handlers/deliver-webhook.ts";
import { createPriceSyncRequests } from "../modules/pricing/sync-request.service.ts";
import { createSettingsRepo } from "../modules/settings/settings.repo.ts";
import { createSettingsService } from "../modules/settings/settings.service.ts";
import { createTaxService } from "../modules/tax/tax.service.ts";
import { createInvoicesRepo } from "../modules/invoices/invoices.repo.ts";
import { createInvoiceService } from "../modules/invoices/invoices.service.ts";
import { createPaymentsRepo } from "../modules/payments/payments.repo.ts";
import { createPaymentsService } from "../modules/payments/payments.service.ts";
import { createAccountsRepo } from "../modules/accounts/accounts.repo.ts";
import { createSessionsRepo } from "../modules/accounts/sessions.repo.ts";
import { createPasswordHasher, type PasswordHasher } from "../modules/accounts/passwords.ts";
import { createSessionService } from "../modules/accounts/sessions.service.ts";
import { createLoginThrottle } from "../modules/accounts/throttle.service.ts";
import { createCustomerAuthService } from "../modules/accounts/customer-auth.service.ts";
import { createStaffAuthService } from "../modules/accounts/staff-auth.service.ts";
import { createAccountsCleanup } from "../modules/accounts/cleanup.service.ts";
import { cleanupAccountsJob } from "../jobs/handlers/cleanup-accounts.ts";
import { createConsoleRepo } from "../modules/console/console.repo.ts";
import { createConsoleService } from "../modules/console/console.service.ts";
import { createSetupService } from "../modules/setup/setup.service.ts";
import { createMarginsService } from "../modules/pricing/margins.service.ts";
import { runUpstreamCheck } from "../upstream/check.ts";
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

  const repos = {
    counters: createChangeCountersRepo(),
    catalog: createCatalogRepo(),
    pricing: createPricingRepo(),
    alerts: createAlertsRepo(),
    customers: createCustomersRepo(database.dialect),
    ledger: createLedgerRepo(),
    orders: createOrdersRepo(database.dialect),
    renewals: createRenewalsRepo(),
    reconciliation: createReconciliationRepo(),
    accounts: createAccountsRepo(database.dialect),
    sessions: createSessionsRepo(),
    settings: createSettingsRepo(),
    invoices: createInvoicesRepo(),
    payments: createPaymentsRepo(),
    stripe: createStripeRepo(),
    audit: createAuditRepo(),
    apiTokens: createApiTokensRepo(),
    webhooks: createWebhooksRepo(),
    rateLimits: createRateLimitRepo(),
  };
  const licensesRepo = createLicensesRepo();

  // SQLite on a file: workers of other processes on it wake through a watched file (ADR 0034).
  const sqliteFile = database.dialect === "sqlite" ? database.file : undefined;
  const wakeSignal = sqliteFile ? createFileWakeSignal(wakeFileOf(sqliteFile), logger) : undefined;
  const queue = createJobQueue({ db, dialect: database.dialect, clock, ids, ...(wakeSignal ? { crossProcess: wakeSignal } : {}) });
  // Listeners (mail, outgoing webhooks) register below with events.on(...).
  const events = createDomainEvents();

  // E-mail (docs/adr/0014-email.md): queued in the caller's transaction (the outbox), sent by the
  // mail.send job; without SMTP_URL it is held in the outbox for staff to read.
  const mailTransport = config.SMTP_URL
    ? createSmtpTransport({ url: config.SMTP_URL, from: config.MAIL_FROM ?? "", replyTo: config.MAIL_REPLY_TO, timeoutMs: config.SMTP_TIMEOUT_MS })
    : undefined;
  const mail = createMailService({
    db,
    mail: createMailRepo(),
    queue,
    clock,
    ids,
    secretKey: opts.secretKey,
    templates: { publicUrl: config.PUBLIC_URL, senderName: senderNameOf(config.MAIL_FROM, config.PUBLIC_URL) },
    localeOf: createRecipientLocale({ customers: repos.customers, defaultLocale: async (ex) => settingsFrom(await repos.settings.all(ex)).defaultLocale }),
    sendJobKind: JOB_KINDS.sendMail,
    transport: mailTransport,
    describeError,
  });
  // Order and module mails (receipt, module_active, …) from domain events; renewal reminders from
  // the renewal_reminders outbox (the mail.renewal_reminders job).
  const mailTriggers = createMailTriggers({
    db,
    mail,
    customers: repos.customers,
    catalog: repos.catalog,
    orders: repos.orders,
    renewals: repos.renewals,
    clock,
    warn: (info, message) => logger.warn(info, message),
  });
  events.on(mailTriggers.onEvent);

  // Built on first use: most CLI commands never talk upstream, and with UPSTREAM_URL=sandbox the
  // URL exists only once `serve` has started the in-process sandbox. The credentials are looked up
  // per call (the environment's, else the ones stored by /admin/setup), so a change in the console
  // applies from the next call on every node; a new pair replaces the client.
  let upstreamClient: { client: UpstreamHttpClient; user: string; password: string } | undefined;
  async function upstream(): Promise<UpstreamHttpClient> {
    const baseUrl = opts.upstreamUrl ?? config.upstreamBaseUrl;
    if (baseUrl === "sandbox") {
      throw new AppError("upstream_unavailable", "UPSTREAM_URL is sandbox: the sandbox runs inside `partnerbill serve` (or start one with `partnerbill sandbox` and set UPSTREAM_URL to its /billmgr URL)");
    }
    const creds = await setup.credentials();
    if (!creds) {
      throw new AppError("upstream_unavailable", "No client-area credentials: enter them in the set-up wizard (/admin/setup) or set UPSTREAM_USER and UPSTREAM_PASSWORD");
    }
    const current = upstreamClient;
    if (current && current.user === creds.user && current.password === creds.password) return current.client;
    const client = createUpstreamClient({
      baseUrl,
      ...creds,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      logger,
      onCall: (e) => {
        metrics.upstreamCalls.inc({ func: e.func, result: e.outcome === "done" ? "ok" : (e.kind ?? "unknown") });
        metrics.upstreamDuration.observe({ func: e.func }, e.durationMs / 1000);
      },
    });
    upstreamClient = { client, ...creds };
    // Calls in flight on the old client finish; it holds no state worth keeping.
    if (current) void current.client.close().catch(() => {});
    return client;
  }
  /** The upstream client, resolved per call (see `upstream()`). */
  const lazyUpstream: UpstreamClient = {
    priceList: async (o) => (await upstream()).priceList(o),
    orderModule: async (i) => (await upstream()).orderModule(i),
    readModule: async (id) => (await upstream()).readModule(id),
    rebindModule: async (id, license) => (await upstream()).rebindModule(id, license),
    prolong: async (id, period) => (await upstream()).prolong(id, period),
    deleteModule: async (id) => (await upstream()).deleteModule(id),
    listModules: async () => (await upstream()).listModules(),
    listLicenses: async () => (await upstream()).listLicenses(),
    readLicense: async (id) => (await upstream()).readLicense(id),
    readBalance: async () => (await upstream()).readBalance(),
    // Licenses (issue 15).
    softPriceList: async (o) => (await upstream()).softPriceList(o),
    orderLicense: async (i) => (await upstream()).orderLicense(i),
    changeLicense: async (id, change) => (await upstream()).changeLicense(id, change),
    newLicenseKey: async (id) => (await upstream()).newLicenseKey(id),
    checkLicenseIp: async (i) => (await upstream()).checkLicenseIp(i),
    deleteLicense: async (id) => (await upstream()).deleteLicense(id),
  };

  // Who did what (ADR 0017): use cases pass their transaction to audit.record.
  const audit = createAuditService({ db, audit: repos.audit, clock, ids });
  const apiTokens = createApiTokensService({ db, tokens: repos.apiTokens, audit, clock, ids });
  // Per-address limits on anonymous writes, shared by every node (docs/adr/0026-rate-limiting.md).
  const rateLimiter = createRateLimiter({
    db,
    repo: repos.rateLimits,
    clock,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    limits: { signup: config.RATE_LIMIT_SIGNUP, forgot: config.RATE_LIMIT_FORGOT, buy: config.RATE_LIMIT_BUY, anonymous: config.RATE_LIMIT_ANONYMOUS },
  });
  const priceSyncRequests = createPriceSyncRequests({ db, queue, audit, clock });
  // Outgoing webhooks (ADR 0019): deliveries written by this listener inside the changing
  // transaction, POSTed by the webhook.deliver job.
  const webhookTargets = createWebhookTargetPolicy({ allowPrivate: config.WEBHOOKS_ALLOW_PRIVATE_TARGETS });
  const webhookSender = createWebhookSender({ timeoutMs: WEBHOOK_TIMEOUT_MS, policy: webhookTargets });
  const webhooks = createWebhooksService({
    db,
    webhooks: repos.webhooks,
    customerModules: repos.orders,
    audit,
    queue,
    clock,
    ids,
    secretKey: opts.secretKey,
    sender: webhookSender,
    targets: webhookTargets,
    deliverJobKind: JOB_KINDS.deliverWebhook,
    describeError,
  });
  events.on(webhooks.onEvent);

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
  // Alerts (ADR 0031): order alerts close on the order's transitions; opening and closing become
  // webhooks (alert.opened / alert.resolved) and one e-mail per new kind to staff who opted in.
  const alerts = createAlertsService({ db, alerts: repos.alerts, clock, ids, events });
  events.on(alerts.onEvent);
  events.on(createAlertMail({ mail, alerts: repos.alerts, warn: (info, message) => logger.warn(info, message) }));
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

  const margins = createMarginsService({ db, pricing: repos.pricing, catalog, region });
  const ledger = createLedgerService({ ledger: repos.ledger, clock, ids });
  // Money (ADR 0015): business settings, tax quotes, invoices issued inside order transactions.
  const settings = createSettingsService({ db, settings: repos.settings, clock });
  const tax = createTaxService({ db, settings });
  const invoices = createInvoiceService({
    db,
    invoices: repos.invoices,
    settings,
    orders: repos.orders,
    catalog: repos.catalog,
    transfers: repos.payments,
    clock,
    ids,
  });
  const customers = createCustomersService({ db, customers: repos.customers, ledger, clock, ids });

  // Accounts and sessions (docs/adr/0013-accounts-and-sessions.md).
  const passwords = opts.passwords ?? createPasswordHasher();
  const minutes = 60_000;
  const hours = 3_600_000;
  const sessions = createSessionService({
    db,
    sessions: repos.sessions,
    clock,
    lifetimes: {
      customer: { idleMs: config.SESSION_IDLE_MINUTES * minutes, absoluteMs: config.SESSION_MAX_HOURS * hours },
      staff: { idleMs: config.STAFF_SESSION_IDLE_MINUTES * minutes, absoluteMs: config.STAFF_SESSION_MAX_HOURS * hours },
    },
  });
  const loginThrottle = createLoginThrottle({ db, accounts: repos.accounts, clock });
  // Demo mode (ADR 0020): only with the built-in sandbox, never with a real (money-spending) upstream.
  const demo = createDemoService({
    enabled: config.DEMO_DATA && config.UPSTREAM_URL === "sandbox",
    ledger,
    ledgerRepo: repos.ledger,
    catalog: repos.catalog,
    region,
  });
  const customerAuth = createCustomerAuthService({
    db,
    accounts: repos.accounts,
    sessions,
    passwords,
    throttle: loginThrottle,
    mail,
    clock,
    ids,
    publicUrl: config.PUBLIC_URL,
    onVerified: (tx, customerId) => demo.creditNewCustomer(tx, customerId),
  });
  const staffAuth = createStaffAuthService({
    db,
    accounts: repos.accounts,
    sessions,
    passwords,
    throttle: loginThrottle,
    clock,
    ids,
    secretKey: opts.secretKey,
    issuer: `partnerbill ${new URL(config.PUBLIC_URL).hostname}`,
  });
  // First-run set-up (ADR 0023): the first owner, the client-area credentials (sealed), the
  // fulfillment mode. The environment's values win over the stored ones.
  const setup = createSetupService({
    db,
    settings: repos.settings,
    staffAuth,
    audit,
    clock,
    secretKey: opts.secretKey,
    running: {
      area: region,
      fixedUrl: opts.upstreamUrl ?? (config.UPSTREAM_URL === "eu" || config.UPSTREAM_URL === "ru" ? null : config.upstreamBaseUrl),
      envCredentials: config.UPSTREAM_USER && config.UPSTREAM_PASSWORD ? { user: config.UPSTREAM_USER, password: config.UPSTREAM_PASSWORD } : null,
      envFulfillment: config.envSet.has("FULFILLMENT_MODE") ? config.FULFILLMENT_MODE : null,
      defaultFulfillment: config.FULFILLMENT_MODE,
      defaultCredentials: opts.upstreamCredentials ?? null,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    },
    urlOf: (a) => UPSTREAM_PRESETS[a],
    check: runUpstreamCheck,
    warn: (info, message) => logger.warn(info, message),
  });
  void setup.refreshMode();
  // Before money is taken (checkout, Stripe): the license and module checked upstream
  // (PAY_WHEN_UPSTREAM_UNREACHABLE decides when the client area cannot be asked).
  const paymentPrecheck = async (order: OrderRow): Promise<void> => {
    const r = await fulfillment.precheck(order);
    if (r.ok === true) {
      // The partner's upstream funds (ADR 0030): warn, or hold with UPSTREAM_FUNDS_SHORT=hold.
      const f = await funds.precheck(order);
      if (f.ok === false) throw new AppError("upstream_unavailable", f.problem);
      return;
    }
    if (r.ok === false) throw invalidInput(r.problem);
    if (!config.PAY_WHEN_UPSTREAM_UNREACHABLE) throw new AppError("upstream_unavailable", `${r.problem} Payment is not taken until it answers; please try again in a few minutes.`);
    logger.warn({ order: order.id, problem: r.problem }, "payment taken without the upstream pre-check");
  };
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
    precheck: paymentPrecheck,
    licenses: licensesRepo,
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
    licenses: licensesRepo,
  });
  // Licenses customers hold (issue 15): key delivery, IP changes, new keys (src/modules/licenses).
  const licenses = createLicensesService({
    db,
    repo: licensesRepo,
    upstream: lazyUpstream,
    audit,
    clock,
    secretKey: opts.secretKey,
    mail,
    customerEmail: async (tx, id) => (await repos.customers.findById(tx, id))?.email ?? null,
    ipChangeLimit: config.LICENSE_IP_CHANGES_MAX,
    alert: async (kind, subject, message) => { await alerts.raise(db, { kind, subject, message }); },
  });
  // The partner's client-area balance and orders awaiting funds (ADR 0030).
  const funds = createFundsService({
    db,
    repo: createFundsRepo(),
    upstream: lazyUpstream,
    orders,
    queue,
    alerts,
    audit,
    clock,
    costOf: async (moduleId, periodMonths) => {
      const c = await repos.pricing.findCost(db, moduleId, periodMonths);
      return c ? { minor: Number(c.cost_minor), currency: c.currency } : null;
    },
    lowBalance: parseDecimal(config.UPSTREAM_LOW_BALANCE, region === "ru" ? "RUB" : "EUR", "up"),
    whenShort: config.UPSTREAM_FUNDS_SHORT,
    get fulfillment() { return setup.modeNow(); },
  });
  // Orders that need a person: the evidence, and adopting an upstream module (ADR 0030).
  const attention = createAttentionService({ db, orders, ordersRepo: repos.orders, upstream: lazyUpstream, licenses: licensesRepo });
  // Card payments (Stripe Checkout), enabled when both Stripe secrets are configured.
  const stripe = createStripeService({
    db,
    repo: repos.stripe,
    gateway: config.STRIPE_SECRET_KEY && config.STRIPE_WEBHOOK_SECRET
      ? createStripeGateway({ secretKey: config.STRIPE_SECRET_KEY, webhookSecret: config.STRIPE_WEBHOOK_SECRET, apiUrl: config.STRIPE_API_URL })
      : null,
    customers: repos.customers,
    orders: repos.orders,
    payOrder: (tx, orderId, customerId, actor) => orders.payFromBalanceIn(tx, orderId, customerId, actor),
    totalOf: (o) => payments.totalOf(o),
    // Before a card payment: no purchase of this license's module in flight, then upstream (automatic mode).
    precheck: async (o) => {
      await orders.refuseDuplicatePurchase(o);
      if (o.fulfillment === "automatic") await paymentPrecheck(o);
    },
    ledger,
    alerts,
    clock,
    ids,
    publicUrl: config.PUBLIC_URL,
    warn: (info, message) => logger.warn(info, message),
  });
  // Balance and bank transfer are built in; Stripe registers below when configured.
  const payments = createPaymentsService({
    db,
    payments: repos.payments,
    invoices: repos.invoices,
    customers: repos.customers,
    orders,
    ledger,
    clock,
    ids,
  });
  payments.register(createStripeProvider(stripe));
  const renewals = createRenewalService({
    db,
    renewals: repos.renewals,
    ordersRepo: repos.orders,
    customers: repos.customers,
    orders,
    catalog: repos.catalog,
    ledger,
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
    get fulfillment() { return setup.modeNow(); },
    events,
  });
  // The customer portal (/account): only the signed-in customer's own rows (ADR 0021).
  const portal = createPortalService({
    db,
    ordersRepo: repos.orders,
    orders,
    catalog: repos.catalog,
    customers,
    ledger,
    invoices,
    renewals,
    customerModules,
    payments,
    stripe,
    tax,
    settings,
    publicUrl: config.PUBLIC_URL,
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

  // The admin console's figures, listings and staff actions (docs/adr/0022-admin-console.md).
  const adminConsole = createConsoleService({ db, repo: createConsoleRepo(), ledger, customers: repos.customers, ordersRepo: repos.orders, alerts, queue, audit, clock });
  // Four eyes: staff money actions above approvals.staff_limit_minor wait for the owner (ADR 0029).
  const approvals = createApprovalsService({ db, repo: createApprovalsRepo(), settings, audit, adminConsole, orders, customers: repos.customers, ledger, clock, ids });

  // Jobs: each handler bound to the dependencies it declares on its context. The worker and the
  // scheduler are built by the process roles that run them (`serve --roles`).
  const jobRegistry = createJobRegistry([
    bindJob(cleanupJob, { queue }),
    bindJob(sendMailJob, { mail }),
    bindJob(deliverWebhookJob, { webhooks }),
    bindJob(sendRenewalRemindersJob, { triggers: mailTriggers }),
    bindJob(placeOrderJob, { fulfillment }),
    bindJob(deliverLicenseKeyJob, { licenses }),
    bindJob(resumeAwaitingFundsJob, { funds }),
    bindJob(syncPricesJob, { pricing }),
    bindJob(expirePendingOrdersJob, { orders, ttlHours: config.PENDING_ORDER_TTL_HOURS }),
    bindJob(prolongOrderJob, { prolong }),
    bindJob(scanRenewalsJob, { renewals }),
    bindJob(reconcileJob, { reconciliation }),
    bindJob(cleanupAccountsJob, { cleanup: createAccountsCleanup({ db, accounts: repos.accounts, sessions: repos.sessions, clock }) }),
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
          ...(database.pgPool ? { listener: createPgJobListener(database.pgPool, logger) } : wakeSignal ? { listener: wakeSignal } : {}),
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
    mail,
    mailTriggers,
    upstream: lazyUpstream,
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
      const current = upstreamClient;
      upstreamClient = undefined;
      await current?.client.close();
      mailTransport?.close();
      await webhookSender.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
