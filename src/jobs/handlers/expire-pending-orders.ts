// orders.expire_pending (hourly): Buy clicks that never became payments are cancelled after
// PENDING_ORDER_TTL_HOURS, so the order list shows the truth. A payment racing the expiry wins:
// the cancellation only applies to an order still as it was read.
import { z } from "zod";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const expirePendingOrdersJob = defineJob({
  kind: JOB_KINDS.expirePendingOrders,
  payloadSchema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 60_000, maxMs: 10 * 60_000 },
  async handle(_payload, ctx: JobContext<{ orders: Pick<OrderService, "expirePending">; ttlHours: number }>) {
    const n = await ctx.deps.orders.expirePending(ctx.deps.ttlHours);
    if (n > 0) ctx.logger.info({ cancelled: n }, "unpaid orders past their time to live cancelled");
  },
});
