// jobs.cleanup: deletes done and cancelled jobs that finished more than `olderThanDays` ago, so
// the jobs table holds recent history and everything still pending, not every job ever run.
// Dead jobs are kept until someone retries them. Idempotent: deleting twice deletes nothing more.
import { z } from "zod";
import { defineJob, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";
import type { JobQueue } from "../queue.ts";

const DAY_MS = 86_400_000;

export const cleanupJob = defineJob({
  kind: JOB_KINDS.cleanup,
  payloadSchema: z.object({ olderThanDays: z.number().int().min(1).max(3650).default(30) }),
  maxAttempts: 3,
  backoff: { baseMs: 60_000, maxMs: 15 * 60_000 },
  timeoutMs: 10 * 60_000,
  async handle(payload, ctx: JobContext<{ queue: Pick<JobQueue, "deleteFinished"> }>) {
    const before = new Date(ctx.now().getTime() - payload.olderThanDays * DAY_MS);
    const deleted = await ctx.deps.queue.deleteFinished(before);
    ctx.logger.info({ deleted, before: before.toISOString() }, "old finished jobs deleted");
  },
});
