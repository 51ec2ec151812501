// What the rest of partnerbill needs to know about e-mail: which messages exist and how to ask for
// one. A message is queued inside the caller's transaction (a transactional outbox) and delivered
// later by a job over SMTP — or kept in the outbox for staff when no SMTP server is configured.
import type { Executor } from "../../db/database.ts";
import type { Locale } from "../../i18n/locales.ts";

export const MAIL_TEMPLATES = [
  "verify_email",
  "password_reset",
  "receipt",
  "module_active",
  "order_failed",
  "refund",
  "renewal_reminder",
  "module_expired",
  "staff_alert",
  "license_key",
] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

export interface MailRequest {
  to: string;
  template: MailTemplate;
  /** Values the template shows; escaped when rendered as HTML. */
  data: Record<string, string | number | null>;
  /** One message per business fact: a second request with the same key is ignored. */
  key?: string;
  /** The reader's language; unset: the customer's with that address, else the partner's default. */
  locale?: Locale;
}

export interface MailQueue {
  queue(ex: Executor, mail: MailRequest): Promise<void>;
}
