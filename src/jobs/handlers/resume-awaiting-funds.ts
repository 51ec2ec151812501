// orders.resume_awaiting_funds (periodic, every minute): the funds check. It reads the partner's
// client-area balance (when orders wait, else every 10 minutes), keeps the low-balance alert true,
// and sends orders that upstream refused for lack of funds for another attempt — each after its
// short, growing backoff, and all of them at once when a top-up is seen
// (src/modules/funds/funds.service.ts). The refusal was certain ("not done"), so a new attempt
// cannot double anything, and fulfillment still checks upstream before acting. Each order gets its
// own job of its kind (order.place for purchases, order.prolong for renewals), keyed by this run,
// so the work spreads over every worker.
import { z } from "zod";
import type { FundsService } from "../../modules/funds/funds.service.ts";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const resumeAwaitingFundsJob = defineJob({
  kind: JOB_KINDS.resumeAwaitingFunds,
  payloadSchema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 10_000, maxMs: 60_000 },
  async handle(_payload, ctx: JobContext<{ funds: Pick<FundsService, "check"> }>) {
    const r = await ctx.deps.funds.check(ctx.job.key);
    if (r.resumed.length > 0) ctx.logger.info({ orders: r.resumed.length, toppedUp: r.toppedUp }, "orders awaiting upstream funds sent for another attempt");
  },
});
