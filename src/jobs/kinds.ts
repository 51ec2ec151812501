// Job kinds, declared once. A kind is stored in every job row, so renaming one strands the jobs
// already queued under the old name: add a new kind instead and let the old one drain.
export const JOB_KINDS = {
  /** Deletes done and cancelled jobs past their retention (handlers/cleanup.ts). */
  cleanup: "jobs.cleanup",
  /** Gets a paid order active upstream, exactly once (handlers/place-order.ts). */
  placeOrder: "order.place",
  /** The funds check: the upstream balance, and orders waiting for funds (handlers/resume-awaiting-funds.ts). */
  resumeAwaitingFunds: "orders.resume_awaiting_funds",
  /** Cancels unpaid orders past PENDING_ORDER_TTL_HOURS (handlers/expire-pending-orders.ts). */
  expirePendingOrders: "orders.expire_pending",
  /** Reads upstream costs and recomputes sell prices (handlers/sync-prices.ts). */
  syncPrices: "prices.sync",
  /** Renews a paid renewal upstream with service.prolong, exactly once (handlers/prolong-order.ts). */
  prolongOrder: "order.prolong",
  /** Raises renewal invoices, pays them from balances, reminds, expires (handlers/scan-renewals.ts). */
  scanRenewals: "renewals.scan",
  /** Compares local modules with upstream's list into a stored report (handlers/reconcile.ts). */
  reconcile: "reconcile.daily",
  /** Deletes expired sessions, old account tokens and throttle rows (handlers/cleanup-accounts.ts). */
  cleanupAccounts: "accounts.cleanup",
  /** Sends one e-mail from the outbox over SMTP (handlers/send-mail.ts). */
  sendMail: "mail.send",
  /** Turns unsent renewal reminders into e-mail (handlers/send-renewal-reminders.ts). */
  sendRenewalReminders: "mail.renewal_reminders",
  /** POSTs one signed outgoing webhook delivery (handlers/deliver-webhook.ts). */
  deliverWebhook: "webhook.deliver",
  /** Polls soft.edit until a new license's key appears, stores and mails it (handlers/deliver-license-key.ts). */
  deliverLicenseKey: "license.deliver_key",
} as const;

export type JobKind = (typeof JOB_KINDS)[keyof typeof JOB_KINDS];
