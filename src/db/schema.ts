// Table types for Kysely. One schema for both dialects, so a few conventions keep them alike:
//   - timestamps are ISO-8601 UTC text ("2026-12-01T06:13:44.000Z"): sortable, readable, same on both;
//   - flags are integers 0/1;
//   - money is an integer of minor units (bigint on PostgreSQL, read back as a JS number) plus an
//     ISO currency code in its own column;
//   - ids are text with a type prefix (src/lib/ids.ts) or a natural key.
import type { Generated, Insertable, Selectable, Updateable } from "kysely";

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/** Monotonic counters; `catalog` is bumped on every change that alters a price list. */
export interface ChangeCountersTable {
  name: string;
  version: number;
}

export interface ModulesTable {
  /** `<region>-<tariff id>`, e.g. "eu-23221". */
  id: string;
  region: "eu" | "ru";
  /** The module's tariff id (pricelist id) in ispmanager's client area. */
  tariff_id: number;
  name: string;
  intname: string;
  addition_intname: string;
  /** Staff switch: a disabled module is never listed nor sold. */
  enabled: number;
  /** Upstream offers it now; price sync clears it when upstream withdraws the module. */
  upstream_available: number;
  /** manual: staff set the prices; rules: price sync computes them from cost (migration 0002). */
  pricing_mode: Generated<"manual" | "rules">;
  /** A module or an ispmanager license tariff (migration 0023). */
  product: Generated<"module" | "license">;
  /** License tariffs: lite | pro | host | business. */
  edition: string | null;
  /** License tariffs: 1 = a trial (ordered with period -100, free, once per IP). */
  trial: Generated<number>;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

export interface ModulePricesTable {
  module_id: string;
  period_months: number;
  amount_minor: number;
  currency: string;
  updated_at: string;
}

export interface PriceHistoryTable {
  id: string;
  module_id: string;
  period_months: number;
  old_amount_minor: number | null;
  old_currency: string | null;
  new_amount_minor: number | null;
  new_currency: string | null;
  /** What made the change: cli, admin, api, sync, seed. */
  source: string;
  actor: string | null;
  created_at: string;
}

export interface DB {
  settings: SettingsTable;
  change_counters: ChangeCountersTable;
  modules: ModulesTable;
  module_prices: ModulePricesTable;
  price_history: PriceHistoryTable;
  module_costs: ModuleCostsTable;
  pricing_rules: PricingRulesTable;
  currency_rates: CurrencyRatesTable;
  alerts: AlertsTable;
  upstream_balance: UpstreamBalanceTable;
  customers: CustomersTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  orders: OrdersTable;
  order_events: OrderEventsTable;
  customer_modules: CustomerModulesTable;
  customer_licenses: CustomerLicensesTable;
  jobs: JobsTable;
  renewals: RenewalsTable;
  renewal_reminders: RenewalRemindersTable;
  customer_module_events: CustomerModuleEventsTable;
  reconciliation_reports: ReconciliationReportsTable;
  reconciliation_findings: ReconciliationFindingsTable;
  staff_users: StaffUsersTable;
  sessions: SessionsTable;
  account_tokens: AccountTokensTable;
  login_throttle: LoginThrottleTable;
  invoice_counters: InvoiceCountersTable;
  invoices: InvoicesTable;
  bank_transfers: BankTransfersTable;
  stripe_checkout_sessions: StripeCheckoutSessionsTable;
  stripe_events: StripeEventsTable;
  stripe_customers: StripeCustomersTable;
  stripe_charges: StripeChargesTable;
  stripe_refunds: StripeRefundsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  mail_outbox: MailOutboxTable;
  approvals: ApprovalsTable;
  rate_limit_counters: RateLimitCountersTable;
}

/** Money actions above a staff member's limit, waiting for the owner (migration 0014). */
export interface ApprovalsTable {
  id: string;
  kind: "balance_adjustment" | "order_refund" | "bank_transfer";
  state: "pending" | "approved" | "rejected";
  amount_minor: number;
  currency: string;
  subject_type: string;
  subject_id: string;
  reason: string;
  payload: string;
  requested_by: string;
  requested_label: string;
  decided_by: string | null;
  decided_label: string | null;
  decided_at: string | null;
  outcome: string | null;
  created_at: string;
}
export type ApprovalRow = Selectable<ApprovalsTable>;

export type ModuleRow = Selectable<ModulesTable>;
export type NewModuleRow = Insertable<ModulesTable>;
export type ModuleUpdate = Updateable<ModulesTable>;
export type ModulePriceRow = Selectable<ModulePricesTable>;
export type PriceHistoryRow = Selectable<PriceHistoryTable>;
export type { Generated };

export interface CustomersTable {
  id: string;
  email: string;
  name: string | null;
  created_at: string;
  updated_at: string;
  /** argon2id (migration 0006); NULL until the customer sets a password (sign-up or reset). */
  password_hash?: string | null;
  email_verified_at?: string | null;
  password_changed_at?: string | null;
  /** Billing details for invoices (migration 0007); optional columns for inserts. */
  company?: string | null;
  address?: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  country?: string | null;
  /** Normalised with its country prefix ("DE123456789"); syntax-checked, not VIES-verified. */
  vat_id?: string | null;
  /** Chosen language, "en" | "ru" (migration 0017); NULL: the partner's default. */
  locale?: string | null;
}

export interface LedgerAccountsTable {
  id: string;
  /** customer (a customer's balance), funding (money entering from outside), held (paid, not yet earned), revenue. */
  kind: string;
  /** The customer id for customer accounts, '' for the partner's own accounts. */
  owner: string;
  currency: string;
  created_at: string;
}

export interface LedgerTransactionsTable {
  id: string;
  kind: string;
  memo: string;
  order_id: string | null;
  actor: string | null;
  idempotency_key: string | null;
  created_at: string;
}

export interface LedgerEntriesTable {
  id: string;
  transaction_id: string;
  account_id: string;
  /** Signed; the entries of one transaction sum to zero per currency. */
  amount_minor: number;
  currency: string;
  created_at: string;
}

export interface OrdersTable {
  id: string;
  kind: "purchase" | "renewal";
  state: string;
  customer_id: string | null;
  module_id: string;
  tariff_id: number;
  license_id: number;
  ip: string | null;
  period_months: number;
  price_minor: number;
  currency: string;
  fulfillment: "automatic" | "manual";
  browser_key: string | null;
  customer_module_id: string | null;
  upstream_service_id: number | null;
  upstream_expires_on: string | null;
  intent_at: string | null;
  intent_known_ids: string | null;
  upstream_attempts: number;
  reason: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  paid_at: string | null;
  activated_at: string | null;
  /** What the customer was charged (migration 0007), fixed at payment or at a bank-transfer invoice. */
  net_minor: number | null;
  tax_minor: number | null;
  tax_rate_bp: number | null;
  reverse_charge: number | null;
  total_minor: number | null;
  invoice_id: string | null;
  /** Refusals for lack of upstream funds (migration 0015): never counted in upstream_attempts. */
  funds_refusals: number;
  /** When an awaiting_funds order is tried again by itself (short, growing backoff). */
  funds_retry_at: string | null;
  /** When the pre-payment check listed upstream's modules (migration 0022, ADR 0043). */
  precheck_at: string | null;
  /** JSON array: ids of the modules of this license and tariff (not deleted) that listing showed. */
  precheck_known_ids: string | null;
  /** When staff refunded the active order (migration 0019); the order stays active, its module's renewal off. */
  refunded_at: string | null;
  /** What a purchase buys (migration 0023): a module for license_id, or a license for ip (license_id 0 until placed). */
  product: Generated<"module" | "license">;
  /** License purchases: the name shown upstream (licname). */
  license_name: Generated<string | null>;
  customer_license_id: Generated<string | null>;
}

/** Licenses customers hold (migration 0023). */
export interface CustomerLicensesTable {
  id: string;
  customer_id: string;
  module_id: string;
  tariff_id: number;
  upstream_license_id: number;
  ip: string;
  name: string | null;
  period_months: number;
  price_minor: number;
  currency: string;
  trial: number;
  expires_on: string | null;
  upstream_status: string | null;
  upstream_checked_at: string | null;
  /** active | expired | deleted */
  state: string;
  /** pending | ready */
  key_state: string;
  /** The key, encrypted with the secret box; null until upstream generated it. */
  key_enc: string | null;
  key_ready_at: string | null;
  key_mailed_at: string | null;
  ip_changes: number;
  created_order_id: string;
  created_at: string;
  updated_at: string;
}
export type CustomerLicenseRow = Selectable<CustomerLicensesTable>;

export interface OrderEventsTable {
  id: string;
  order_id: string;
  at: string;
  /** transition | upstream_call | note */
  kind: string;
  from_state: string | null;
  to_state: string | null;
  /** JSON, credentials never included. */
  detail: string | null;
  actor: string | null;
}

export interface CustomerModulesTable {
  id: string;
  customer_id: string;
  module_id: string;
  tariff_id: number;
  license_id: number;
  ip: string | null;
  upstream_service_id: number;
  period_months: number;
  price_minor: number;
  currency: string;
  expires_on: string | null;
  /** active | expired | deleted */
  state: string;
  /** charge (we charge, then service.prolong) | upstream (upstream autoprolong) | off (refunded: runs to its expiry, never renewed; ADR 0038) */
  renewal: string;
  /** Our own arithmetic (paid-from + period) when it differs from upstream's expires_on (migration 0015). */
  expected_expires_on: string | null;
  /** Upstream's status as last read (active, stopped, …) and when; null = never confirmed upstream. */
  upstream_status: string | null;
  upstream_checked_at: string | null;
  created_order_id: string;
  created_at: string;
  updated_at: string;
}

/** Billing details (migration 0007) stay optional on the row type: code that creates a customer need not name them. */
type CustomerBillingColumns = "company" | "address" | "country" | "vat_id" | "locale";
/** Password columns (migration 0006) are optional on the row type too: `customers add` creates accounts without them. */
type CustomerAuthColumns = "password_hash" | "email_verified_at" | "password_changed_at";
export type CustomerRow = Omit<Selectable<CustomersTable>, CustomerBillingColumns | CustomerAuthColumns> & Partial<Pick<Selectable<CustomersTable>, CustomerBillingColumns | CustomerAuthColumns>>;
export type LedgerAccountRow = Selectable<LedgerAccountsTable>;
export type LedgerEntryRow = Selectable<LedgerEntriesTable>;
export type LedgerTransactionRow = Selectable<LedgerTransactionsTable>;
export type OrderRow = Selectable<OrdersTable>;
export type OrderEventRow = Selectable<OrderEventsTable>;
export type CustomerModuleRow = Selectable<CustomerModulesTable>;

export type JobState = "queued" | "running" | "done" | "dead" | "cancelled";

/** The durable job queue (src/jobs). Timestamps are ISO text like every other table. */
export interface JobsTable {
  id: string;
  kind: string;
  /** JSON text, validated by the handler's payload schema when the job runs. */
  payload: string;
  idempotency_key: string;
  state: JobState;
  run_at: string;
  /** Claims so far, the one in progress included. */
  attempts: number;
  /** NULL: the handler's maxAttempts applies. */
  max_attempts: number | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** The last failure, redacted and truncated. */
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export type JobRow = Selectable<JobsTable>;

/** What upstream charges the partner per module and period (price sync, migration 0002). */
export interface ModuleCostsTable {
  module_id: string;
  period_months: number;
  /** Rounded up from cost_text when it has more digits than the currency (costs are never understated). */
  cost_minor: number;
  currency: string;
  /** The cost exactly as upstream wrote it, e.g. "950.0000". */
  cost_text: string;
  /** When upstream last listed this cost. */
  synced_at: string;
}

export type PricingRounding = "whole" | "99" | "none";

/** Markup rules: scope "global", or a module id for a rule that replaces the global one for that module. */
export interface PricingRulesTable {
  scope: string;
  module_id: string | null;
  /** Percent markup in basis points (2000 = 20 %); may be negative, above -10000. */
  markup_bp: number;
  /** Fixed markup in minor units of `currency`, added after the percentage. */
  markup_fixed_minor: number;
  rounding: PricingRounding;
  /** The sell currency. */
  currency: string;
  updated_at: string;
}

/** Exchange rates: 1 `base` = `rate` `quote`; rate is exact decimal text, never a float. */
export interface CurrencyRatesTable {
  base: string;
  quote: string;
  rate: string;
  source: "manual" | "ecb";
  /** The date the rate is for (YYYY-MM-DD). */
  as_of: string;
  updated_at: string;
}

/** Things staff must look at (negative_margin, price_sync_failed, …). One open row per kind and subject. */
export interface AlertsTable {
  id: string;
  kind: string;
  /** What it is about, e.g. a module id; null for the system as a whole. */
  subject: string | null;
  message: string;
  created_at: string;
  last_seen_at: string;
  resolved_at: string | null;
  /** "condition" (it cleared by itself) or the staff member / token who resolved it (migration 0015). */
  resolved_by: string | null;
}

/** The partner's client-area balance as last read (migration 0015); one row, id 'partner'. */
export interface UpstreamBalanceTable {
  id: string;
  balance_minor: number | null;
  currency: string | null;
  /** The last attempt to read it. */
  checked_at: string;
  /** The last successful read. */
  read_at: string | null;
  /** Why the last attempt failed (redacted), null when it succeeded. */
  error: string | null;
  /** When a rise of the balance (a top-up) was last noticed. */
  topped_up_at: string | null;
}
export type UpstreamBalanceRow = Selectable<UpstreamBalanceTable>;

export type ModuleCostRow = Selectable<ModuleCostsTable>;
export type PricingRuleRow = Selectable<PricingRulesTable>;
export type CurrencyRateRow = Selectable<CurrencyRatesTable>;
export type AlertRow = Selectable<AlertsTable>;

/** One row per renewal order (migration 0005): which module and term it renews. */
export interface RenewalsTable {
  order_id: string;
  customer_module_id: string;
  /** The expiry this renewal extends; unique per module. */
  term_expires_on: string;
  /** Upstream expiry read right before the latest service.prolong call (exactly-once check). */
  expiry_before_call: string | null;
  created_at: string;
}

/** Reminders of unpaid renewal invoices; rows with sent_at NULL are the e-mail outbox. */
export interface RenewalRemindersTable {
  id: string;
  order_id: string;
  customer_id: string;
  customer_module_id: string;
  stage: "due" | "final";
  amount_minor: number;
  currency: string;
  expires_on: string;
  created_at: string;
  sent_at: string | null;
}

/** The history of a customer's module after its purchase (renewed, expired, moved, fixed by staff). */
export interface CustomerModuleEventsTable {
  id: string;
  customer_module_id: string;
  at: string;
  kind: string;
  /** JSON. */
  detail: string | null;
  actor: string | null;
}

export interface ReconciliationReportsTable {
  id: string;
  /** scheduled | cli | … */
  trigger: string;
  actor: string | null;
  started_at: string;
  finished_at: string;
  status: "clean" | "drift" | "failed";
  upstream_modules: number;
  local_modules: number;
  findings: number;
  error: string | null;
}

export interface ReconciliationFindingsTable {
  id: string;
  report_id: string;
  kind: string;
  severity: "drift" | "info";
  customer_module_id: string | null;
  upstream_service_id: number | null;
  order_id: string | null;
  license_id: number | null;
  tariff_id: number | null;
  local_value: string | null;
  upstream_value: string | null;
  message: string;
}

export type RenewalRow = Selectable<RenewalsTable>;
export type RenewalReminderRow = Selectable<RenewalRemindersTable>;
export type CustomerModuleEventRow = Selectable<CustomerModuleEventsTable>;
export type ReconciliationReportRow = Selectable<ReconciliationReportsTable>;
export type ReconciliationFindingRow = Selectable<ReconciliationFindingsTable>;

/** Stripe Checkout Sessions we created (migration 0008): what we asked for and what became of it. */
export interface StripeCheckoutSessionsTable {
  /** Stripe's id, cs_… */
  id: string;
  purpose: "order" | "top_up";
  order_id: string | null;
  customer_id: string;
  amount_minor: number;
  currency: string;
  /** The customer asked to keep the card for renewals. */
  save_card: number;
  /** Stripe's hosted payment page. */
  url: string;
  /** Where the customer goes after paying (the order's status page, the balance page). */
  return_url: string;
  /** open → credited | mismatch (paid, but not the amount or currency we asked for). */
  state: "open" | "credited" | "mismatch";
  payment_intent_id: string | null;
  /** What happened to the money after the credit. */
  outcome: string | null;
  created_at: string;
  settled_at: string | null;
}

/** Every verified Stripe webhook event: a replayed or duplicated delivery finds its id here. */
export interface StripeEventsTable {
  id: string;
  type: string;
  object_id: string | null;
  outcome: string;
  received_at: string;
}

/** A customer's Stripe customer object and saved card (renewals charge it off-session). */
export interface StripeCustomersTable {
  customer_id: string;
  stripe_customer_id: string;
  payment_method_id: string | null;
  /** "visa •••• 4242", for people. */
  card_label: string | null;
  card_saved_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Off-session charges of a saved card, one per renewal order, recorded before the call. */
export interface StripeChargesTable {
  id: string;
  order_id: string;
  customer_id: string;
  amount_minor: number;
  currency: string;
  state: "pending" | "succeeded" | "failed";
  payment_intent_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** Refunds to card; the balance is debited when recorded and re-credited if Stripe refuses. */
export interface StripeRefundsTable {
  id: string;
  key: string;
  payment_intent_id: string;
  customer_id: string;
  amount_minor: number;
  currency: string;
  reason: string;
  state: "pending" | "succeeded" | "failed";
  stripe_refund_id: string | null;
  error: string | null;
  actor: string | null;
  created_at: string;
  updated_at: string;
}

export type StripeCheckoutSessionRow = Selectable<StripeCheckoutSessionsTable>;
export type StripeEventRow = Selectable<StripeEventsTable>;
export type StripeCustomerRow = Selectable<StripeCustomersTable>;
export type StripeChargeRow = Selectable<StripeChargesTable>;
export type StripeRefundRow = Selectable<StripeRefundsTable>;

/** Gapless invoice numbering (migration 0007): the last sequence issued per series and year. */
export interface InvoiceCountersTable {
  /** invoice | credit_note */
  series: string;
  year: number;
  last: number;
}

/** Invoices and credit notes: inserted once, never updated (src/modules/invoices/README.md). */
export interface InvoicesTable {
  id: string;
  kind: "invoice" | "credit_note";
  number: string;
  series: string;
  year: number;
  seq: number;
  customer_id: string;
  order_id: string | null;
  credited_invoice_id: string | null;
  issued_at: string;
  due_on: string | null;
  currency: string;
  net_minor: number;
  tax_minor: number;
  total_minor: number;
  tax_rate_bp: number;
  tax_name: string;
  reverse_charge: number;
  /** JSON snapshots taken at issue. */
  seller: string;
  buyer: string;
  lines: string;
  notes: string;
  method: string | null;
  reason: string | null;
  actor: string | null;
  /** The language it was issued in (migration 0017); NULL for invoices issued before: English. */
  locale?: string | null;
}

/** A bank transfer we expect: the reference the customer quotes and what it pays for. */
export interface BankTransfersTable {
  id: string;
  reference: string;
  customer_id: string;
  purpose: "invoice" | "top_up";
  invoice_id: string | null;
  order_id: string | null;
  amount_minor: number;
  currency: string;
  created_at: string;
  actor: string | null;
}

export type InvoiceRow = Omit<Selectable<InvoicesTable>, "locale"> & Partial<Pick<Selectable<InvoicesTable>, "locale">>;
export type BankTransferRow = Selectable<BankTransfersTable>;

/** Partner staff who sign in to /admin (migration 0006). */
export interface StaffUsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: "owner" | "staff" | "support";
  /** Encrypted with SECRET_KEY (src/lib/secret-box.ts); NULL: no second factor. */
  totp_secret: string | null;
  /** Encrypted; shown during enrolment until a first code confirms it. */
  totp_pending_secret: string | null;
  /** The last TOTP time step accepted (replay protection). */
  totp_last_step: number | null;
  disabled: number;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  /** 1: e-mail me when a new kind of alert opens (migration 0015). */
  alert_emails: number;
  /** Chosen language, "en" | "ru" (migration 0017); NULL: the partner's default. */
  locale?: string | null;
}

/** Server-side sessions of both realms; the cookie holds an id whose SHA-256 is `id_hash`. */
export interface SessionsTable {
  id_hash: string;
  realm: "customer" | "staff";
  subject_id: string;
  csrf_secret: string;
  pending_second_factor: number;
  created_at: string;
  last_seen_at: string;
  idle_expires_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

/** Single-use e-mailed tokens (verification, password reset), stored as SHA-256. */
export interface AccountTokensTable {
  id: string;
  token_hash: string;
  purpose: "verify_email" | "password_reset";
  realm: "customer" | "staff";
  subject_id: string | null;
  email: string;
  password_hash: string | null;
  next_path: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** Failed sign-ins per account and per address, shared by every node. */
export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: string;
  locked_until: string | null;
  updated_at: string;
}

export type StaffUserRow = Omit<Selectable<StaffUsersTable>, "locale"> & Partial<Pick<Selectable<StaffUsersTable>, "locale">>;
export type SessionRow = Selectable<SessionsTable>;
export type AccountTokenRow = Selectable<AccountTokensTable>;
export type LoginThrottleRow = Selectable<LoginThrottleTable>;

/** Outgoing webhook endpoints (migration 0011, src/modules/webhooks). */
export interface WebhookEndpointsTable {
  id: string;
  /** http(s) only; redirects are never followed. */
  url: string;
  description: string;
  /** The signing secret sealed with SECRET_KEY (src/lib/secret-box.ts, context "webhook_endpoints.secret:<id>"). */
  secret_enc: string;
  /** JSON array of subscribed event types. */
  events: string;
  enabled: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

/** One event for one endpoint, with its delivery state: the delivery log. */
export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** The exact JSON body sent and signed. */
  payload: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  last_status: number | null;
  /** Redacted, truncated. */
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;

/** API tokens (migration 0010, ADR 0017): pb_<id>_<secret>; only the secret's sha256 is kept. */
export interface ApiTokensTable {
  id: string;
  name: string;
  /** For display: pb_<id>_ and the secret's first four characters. */
  prefix: string;
  /** sha256 of the secret, hex. */
  hash: string;
  /** Space-separated scope names. */
  scopes: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Who did what, when, from where (migration 0010). Append-only: triggers refuse UPDATE and DELETE. */
export interface AuditLogTable {
  id: string;
  at: string;
  actor_kind: "staff" | "api_token" | "system" | "cli";
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  /** JSON text, secrets redacted. */
  before: string | null;
  after: string | null;
  ip: string | null;
  request_id: string | null;
}

export type ApiTokenRow = Selectable<ApiTokensTable>;
export type AuditLogRow = Selectable<AuditLogTable>;

/** The e-mail outbox (migration 0009, src/modules/mail). */
export interface MailOutboxTable {
  id: string;
  /** Unique: one message per business fact. */
  key: string;
  to_address: string;
  template: string;
  subject: string;
  /** Sealed with SECRET_KEY (src/lib/secret-box.ts, context "mail_outbox.body_text:<id>"). */
  body_text_enc: string;
  /** Sealed with SECRET_KEY (context "mail_outbox.body_html:<id>"). */
  body_html_enc: string;
  state: MailState;
  attempts: number;
  /** Redacted, truncated. */
  last_error: string | null;
  message_id: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}
export type MailState = "queued" | "sent" | "held" | "failed";
export type MailOutboxRow = Selectable<MailOutboxTable>;

/** Fixed-window counters of the per-address rate limits (migration 0013, src/modules/ratelimit). */
export interface RateLimitCountersTable {
  key: string;
  /** Start of the fixed window, seconds since the epoch. */
  window_start: number;
  hits: number;
}
