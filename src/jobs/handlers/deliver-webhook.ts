// webhook.deliver: one signed POST of one webhook delivery (src/modules/webhooks, ADR 0019).
// Enqueued in the transaction that made the change the event reports. A network error, a timeout
// or any non-2xx answer is retried with the backoff below; the last attempt marks the delivery
// `failed` in the delivery log, where staff can send it again. Delivery is at least once: a crash
// after the receiver's 2xx and before recording it sends the same event (same event id) again.
import { z } from "zod";
import type { WebhooksService } from "../../modules/webhooks/webhooks.service.ts";
import { defineJob, RetryLater, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const DELIVER_WEBHOOK_BACKOFF = { baseMs: 30_000, maxMs: 60 * 60_000 };
/** With the backoff (and its jitter): two to three hours of trying before giving up. */
export const DELIVER_WEBHOOK_ATTEMPTS = 10;

export const deliverWebhookJob = defineJob({
  kind: JOB_KINDS.deliverWebhook,
  payloadSchema: z.object({ deliveryId: z.string().min(1) }),
  maxAttempts: DELIVER_WEBHOOK_ATTEMPTS,
  backoff: DELIVER_WEBHOOK_BACKOFF,
  timeoutMs: 60_000,
  async handle(payload, ctx: JobContext<{ webhooks: Pick<WebhooksService, "deliver"> }>) {
    const r = await ctx.deps.webhooks.deliver(payload.deliveryId, { finalAttempt: ctx.job.attempt >= ctx.job.maxAttempts, signal: ctx.signal });
    // Ids only: an endpoint URL can carry a receiver's own token in its query.
    if (r.status === "retry") throw new RetryLater(`webhook delivery ${payload.deliveryId}: ${r.error}`);
    if (r.status === "failed") ctx.logger.warn({ delivery: payload.deliveryId, error: r.error }, "webhook delivery failed for good");
    else ctx.logger.info({ delivery: payload.deliveryId, status: r.status }, "webhook delivery finished");
  },
});
