// orders.resume_awaiting_funds (periodic): orders that upstream refused for lack of funds are
// tried again — the refusal was certain ("not done"), so a new attempt cannot double anything,
// and fulfillment still checks upstream before acting. Each order gets its own job of its kind
// (order.place for purchases, order.prolong for renewals), keyed by this run, so the work spreads
// over every worker.
import { z } from "zod";
import type { Executor } from "../../db/database.ts";
import { fulfillmentJobOf, type OrderService } from "../../modules/orders/orders.service.ts";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";
import type { JobQueue } from "../queue.ts";

export const resumeAwaitingFundsJob = defineJob({
  kind: JOB_KINDS.resumeAwaitingFunds,
  payloadSchema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 10_000, maxMs: 60_000 },
  async handle(_payload, ctx: JobContext<{ db: Executor; orders: Pick<OrderService, "list">; queue: Pick<JobQueue, "enqueue"> }>) {
    const waiting = await ctx.deps.orders.list({ state: "awaiting_funds", limit: 1000 });
    for (const o of waiting) {
      const job = fulfillmentJobOf(o);
      await ctx.deps.queue.enqueue(ctx.deps.db, { kind: job.kind, payload: { orderId: o.id }, key: `${job.key}:resume:${ctx.job.key}` });
    }
    if (waiting.length > 0) ctx.logger.info({ orders: waiting.length }, "orders awaiting upstream funds sent for another attempt");
  },
});
