// renewals.scan (hourly): raises renewal invoices RENEWAL_NOTICE_DAYS before expiry, pays them from
// balances, records reminders, expires modules left unpaid past their date, and resumes renewals
// waiting for upstream funds (src/modules/renewals). It looks at the state of the world, so a
// missed or repeated run changes nothing but timing.
import { z } from "zod";
import type { RenewalService } from "../../modules/renewals/renewals.service.ts";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const scanRenewalsJob = defineJob({
  kind: JOB_KINDS.scanRenewals,
  payloadSchema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 60_000, maxMs: 10 * 60_000 },
  timeoutMs: 15 * 60_000,
  async handle(_payload, ctx: JobContext<{ renewals: Pick<RenewalService, "scan"> }>) {
    const s = await ctx.deps.renewals.scan();
    const { failures, ...counts } = s;
    if (failures.length > 0) ctx.logger.warn({ ...counts, failures: failures.slice(0, 20) }, "renewal scan finished; some modules failed and are tried again next run");
    else ctx.logger.info(counts, "renewal scan finished");
  },
});
