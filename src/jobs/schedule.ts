// Periodic work, registered once: each entry becomes one job per period, however many nodes run
// the scheduler role (./scheduler.ts). Add a line here for a new periodic task, and its handler
// to the registry in src/app/container.ts.
import { JOB_KINDS } from "./kinds.ts";
import type { PeriodicTask } from "./scheduler.ts";

const HOUR_MS = 3_600_000;

export const PERIODIC_TASKS: PeriodicTask[] = [
  // Daily at 03:00 UTC, away from midnight when renewals and reports tend to pile up.
  { kind: JOB_KINDS.cleanup, every: "daily", offsetMs: 3 * HOUR_MS, payload: { olderThanDays: 30 } },
  // Daily at 04:00 UTC: upstream costs and rule-driven prices (src/modules/pricing).
  { kind: JOB_KINDS.syncPrices, every: "daily", offsetMs: 4 * HOUR_MS, payload: {} },
  // Hourly: unpaid orders past their time to live are cancelled.
  { kind: JOB_KINDS.expirePendingOrders, every: "hourly", payload: {} },
  // Every minute: the funds check — the client-area balance, and orders waiting for a top-up (src/modules/funds).
  { kind: JOB_KINDS.resumeAwaitingFunds, every: 60_000, payload: {} },
  // Hourly: renewal invoices, payments from balances, reminders, expiry (src/modules/renewals).
  { kind: JOB_KINDS.scanRenewals, every: "hourly", payload: {} },
  // Daily at 05:00 UTC: local modules against upstream's list (src/modules/reconciliation).
  { kind: JOB_KINDS.reconcile, every: "daily", offsetMs: 5 * HOUR_MS, payload: {} },
  // Hourly: expired sessions, used and expired account tokens, stale login throttles (src/modules/accounts).
  { kind: JOB_KINDS.cleanupAccounts, every: "hourly", payload: {} },
  // Every 5 minutes: renewal reminders recorded by the scan become e-mail (src/modules/mail).
  { kind: JOB_KINDS.sendRenewalReminders, every: 5 * 60_000, payload: {} },
];
