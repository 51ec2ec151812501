// prices.sync (daily): reads upstream module costs and recomputes rule-driven sell prices
// (src/modules/pricing). An upstream failure changes nothing, records an alert and fails the
// attempt, so the queue's retries apply.
import { z } from "zod";
import type { PricingService } from "../../modules/pricing/pricing.service.ts";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const syncPricesJob = defineJob({
  kind: JOB_KINDS.syncPrices,
  payloadSchema: z.object({}).passthrough(),
  maxAttempts: 4,
  backoff: { baseMs: 5 * 60_000, maxMs: 60 * 60_000 },
  timeoutMs: 10 * 60_000,
  async handle(_payload, ctx: JobContext<{ pricing: Pick<PricingService, "syncPrices"> }>) {
    const r = await ctx.deps.pricing.syncPrices();
    ctx.logger.info({ priceListChanged: r.sync.priceListChanged, ratesError: r.ratesError }, "price sync finished");
  },
});
