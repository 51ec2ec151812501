// order.prolong: renews a paid renewal upstream (service.prolong). Enqueued in the payment's
// transaction; runs any number of times safely — prolong decides from the order's state and the
// module's upstream expiry (src/modules/fulfillment/prolong.service.ts). The last attempt turns an
// unprovable outcome into needs_attention instead of failing into the dead-letter list.
import { z } from "zod";
import type { ProlongService } from "../../modules/fulfillment/prolong.service.ts";
import { isAppError } from "../../lib/errors.ts";
import { defineJob, PermanentJobError, RetryLater, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const prolongOrderJob = defineJob({
  kind: JOB_KINDS.prolongOrder,
  payloadSchema: z.object({ orderId: z.string().min(1) }),
  maxAttempts: 12,
  backoff: { baseMs: 1_000, maxMs: 60_000 },
  timeoutMs: 5 * 60_000,
  async handle(payload, ctx: JobContext<{ prolong: Pick<ProlongService, "prolong"> }>) {
    const finalAttempt = ctx.job.attempt >= ctx.job.maxAttempts;
    let r;
    try {
      r = await ctx.deps.prolong.prolong(payload.orderId, { finalAttempt });
    } catch (e) {
      // No such order, or not a renewal: retrying cannot help.
      if (isAppError(e) && (e.code === "not_found" || e.code === "invalid_input")) throw new PermanentJobError(e.message, { cause: e });
      throw e;
    }
    if (r.status === "retry") throw new RetryLater(r.reason, r.afterMs);
    ctx.logger.info({ order: payload.orderId, state: r.state }, "renewal prolonging finished");
  },
});
