// mail.renewal_reminders (every 5 minutes): turns the renewal reminders the renewals scan records
// (renewal_reminders rows with sent_at NULL) into e-mail, each in one transaction that sets sent_at
// and queues the mail (src/modules/mail/mail.triggers.ts). A repeated run finds nothing to do.
import { z } from "zod";
import type { MailTriggers } from "../../modules/mail/mail.triggers.ts";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const sendRenewalRemindersJob = defineJob({
  kind: JOB_KINDS.sendRenewalReminders,
  payloadSchema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 30_000, maxMs: 5 * 60_000 },
  timeoutMs: 5 * 60_000,
  async handle(_payload, ctx: JobContext<{ triggers: Pick<MailTriggers, "sendRenewalReminders"> }>) {
    const r = await ctx.deps.triggers.sendRenewalReminders();
    if (r.queued + r.skipped > 0) ctx.logger.info(r, "renewal reminders turned into e-mail");
  },
});
