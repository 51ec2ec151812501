// reconcile.daily: compares the modules customers own here with the client area's list and stores
// a report with alerts per kind of drift (src/modules/reconciliation). It changes nothing staff
// have not asked for. A run that cannot read upstream stores a failed report, raises an alert and
// fails the attempt, so the queue tries again.
import { z } from "zod";
import type { ReconciliationService } from "../../modules/reconciliation/reconciliation.service.ts";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const reconcileJob = defineJob({
  kind: JOB_KINDS.reconcile,
  payloadSchema: z.object({}).passthrough(),
  maxAttempts: 3,
  backoff: { baseMs: 10 * 60_000, maxMs: 60 * 60_000 },
  timeoutMs: 15 * 60_000,
  async handle(_payload, ctx: JobContext<{ reconciliation: Pick<ReconciliationService, "run"> }>) {
    const { report } = await ctx.deps.reconciliation.run({ trigger: "scheduled" });
    if (report.status === "failed") throw new Error(`reconciliation could not read upstream: ${report.error ?? "unknown error"}`);
    ctx.logger.info({ report: report.id, status: report.status, findings: report.findings }, "reconciliation finished");
  },
});
