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
  customers: CustomersTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_entries: LedgerEntriesTable;
  orders: OrdersTable;
  order_events: OrderEventsTable;
  customer_modules: CustomerModulesTable;
  jobs: JobsTable;
  renewals: RenewalsTable;
  renewal_reminders: RenewalRemindersTable;
  customer_module_events: CustomerModuleEventsTable;
  reconciliation_reports: ReconciliationReportsTable;
  reconciliation_findings: ReconciliationFindingsTable;
}

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
}

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
  /** charge (we charge, then service.prolong) | upstream (upstream autoprolong) */
  renewal: string;
  created_order_id: string;
  created_at: string;
  updated_at: string;
}

export type CustomerRow = Selectable<CustomersTable>;
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
}

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
