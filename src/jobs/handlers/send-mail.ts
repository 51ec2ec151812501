// mail.send: one SMTP attempt for one outbox message. Enqueued in the transaction that queued the
// mail (src/modules/mail). A temporary failure (4xx, timeout, connection refused) is retried with
// the backoff below; a permanent one (5xx) or the last attempt leaves the message `failed` for
// staff. Delivery is at least once: a crash between the server's "250 OK" and recording `sent`
// sends the message again, with the same Message-ID.
import { z } from "zod";
import type { MailService } from "../../modules/mail/mail.service.ts";
import { defineJob, RetryLater, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const SEND_MAIL_BACKOFF = { baseMs: 30_000, maxMs: 30 * 60_000 };

export const sendMailJob = defineJob({
  kind: JOB_KINDS.sendMail,
  payloadSchema: z.object({ mailId: z.string().min(1) }),
  // With the backoff (30 s doubling to 30 min): retries for about two hours, then the message is
  // `failed` and staff send it again with `mail retry` (a relay that queues for days is the SMTP
  // server's job).
  maxAttempts: 10,
  backoff: SEND_MAIL_BACKOFF,
  timeoutMs: 2 * 60_000,
  async handle(payload, ctx: JobContext<{ mail: Pick<MailService, "deliver"> }>) {
    const r = await ctx.deps.mail.deliver(payload.mailId, { finalAttempt: ctx.job.attempt >= ctx.job.maxAttempts });
    if (r.status === "retry") throw new RetryLater(`SMTP: ${r.error}`);
    if (r.status === "failed") ctx.logger.warn({ mail: payload.mailId, error: r.error }, "e-mail failed for good");
    else ctx.logger.info({ mail: payload.mailId, status: r.status }, "e-mail delivery finished");
  },
});
