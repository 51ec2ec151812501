// accounts.cleanup: deletes expired sessions, old e-mailed tokens and stale login-throttle rows
// (src/modules/accounts). Idempotent: a second run finds nothing more to delete.
import { z } from "zod";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

export const cleanupAccountsJob = defineJob({
  kind: JOB_KINDS.cleanupAccounts,
  payloadSchema: z.object({}),
  maxAttempts: 3,
  backoff: { baseMs: 60_000, maxMs: 15 * 60_000 },
  timeoutMs: 5 * 60_000,
  async handle(_payload, ctx: JobContext<{ cleanup: () => Promise<{ sessions: number; tokens: number; throttle: number }> }>) {
    const deleted = await ctx.deps.cleanup();
    ctx.logger.info(deleted, "expired sessions, tokens and throttle rows deleted");
  },
});
