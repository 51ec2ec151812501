// order.place: gets a paid order active upstream. Enqueued in the payment's transaction; runs any
// number of times safely — fulfillment decides from the order's state and from what upstream shows
// (src/modules/fulfillment/README.md). The last attempt turns an unprovable outcome into
// needs_attention instead of failing into the dead-letter list.
import { z } from "zod";
import type { FulfillmentService } from "../../modules/fulfillment/fulfillment.service.ts";
import { isAppError } from "../../lib/errors.ts";
import { defineJob, PermanentJobError, RetryLater, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const placeOrderJob = defineJob({
  kind: JOB_KINDS.placeOrder,
  payloadSchema: z.object({ orderId: z.string().min(1) }),
  maxAttempts: 12,
  backoff: { baseMs: 1_000, maxMs: 60_000 },
  timeoutMs: 5 * 60_000,
  async handle(payload, ctx: JobContext<{ fulfillment: Pick<FulfillmentService, "place"> }>) {
    const finalAttempt = ctx.job.attempt >= ctx.job.maxAttempts;
    let r;
    try {
      r = await ctx.deps.fulfillment.place(payload.orderId, { finalAttempt });
    } catch (e) {
      // No such order, or not an order this job can place: retrying cannot help.
      if (isAppError(e) && (e.code === "not_found" || e.code === "invalid_input")) throw new PermanentJobError(e.message, { cause: e });
      throw e;
    }
    if (r.status === "retry") throw new RetryLater(r.reason, r.afterMs);
    ctx.logger.info({ order: payload.orderId, state: r.state }, "order placing finished");
  },
});
