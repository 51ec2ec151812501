// E-mail (docs/adr/0014-email.md): queued in the caller's transaction (the outbox), sent by the
// mail.send job; without SMTP_URL it is held in the outbox for staff to read. Order and module
// mails (receipt, module_active, …) come from domain events; renewal reminders from the
// renewal_reminders outbox (the mail.renewal_reminders job).
import type { Core } from "./core.ts";
import { JOB_KINDS } from "../../jobs/kinds.ts";
import { describeError } from "../../jobs/job.ts";
import { createMailRepo } from "../../modules/mail/mail.repo.ts";
import { createMailService } from "../../modules/mail/mail.service.ts";
import { senderNameOf } from "../../modules/mail/mail.templates.ts";
import { createRecipientLocale } from "../../modules/mail/mail.locale.ts";
import { createMailTriggers } from "../../modules/mail/mail.triggers.ts";
import { createSmtpTransport } from "../../modules/mail/smtp.transport.ts";
import { settingsFrom } from "../../modules/settings/settings.logic.ts";

export function wireMail(core: Core) {
  const { config, db, repos, queue, clock, ids } = core;
  const transport = config.SMTP_URL
    ? createSmtpTransport({ url: config.SMTP_URL, from: config.MAIL_FROM ?? "", replyTo: config.MAIL_REPLY_TO, timeoutMs: config.SMTP_TIMEOUT_MS })
    : undefined;
  const mail = createMailService({
    db,
    mail: createMailRepo(),
    queue,
    clock,
    ids,
    secretKey: core.secretKey,
    templates: { publicUrl: config.PUBLIC_URL, senderName: senderNameOf(config.MAIL_FROM, config.PUBLIC_URL) },
    localeOf: createRecipientLocale({ customers: repos.customers, defaultLocale: async (ex) => settingsFrom(await repos.settings.all(ex)).defaultLocale }),
    sendJobKind: JOB_KINDS.sendMail,
    transport,
    describeError,
  });
  const mailTriggers = createMailTriggers({
    db,
    mail,
    customers: repos.customers,
    catalog: repos.catalog,
    orders: repos.orders,
    renewals: repos.renewals,
    clock,
    warn: core.warn,
  });
  core.events.on(mailTriggers.onEvent);
  return { mail, mailTriggers, close: () => transport?.close() };
}
