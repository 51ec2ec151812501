// "Sync now" from the API or the admin console: queues the price-sync job rather than calling
// upstream inside a request. Requests within the same minute share one job (its key), so a
// button pressed twice or a retried API call does not sync twice.
import type { Db } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import type { AuditContext } from "../audit/audit.logic.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { Enqueuer } from "../../ports/queue.ts";

/** `jobKind`: the price-sync job's kind (prices.sync, src/jobs/kinds.ts). */
export function createPriceSyncRequests(deps: { db: Db; queue: Enqueuer; jobKind: string; audit: Pick<AuditService, "record">; clock: Clock }) {
  const { db, queue, audit, clock, jobKind } = deps;

  async function request(ctx: AuditContext): Promise<{ jobId: string; state: string; created: boolean }> {
    const minute = clock.now().toISOString().slice(0, 16);
    return db.transaction().execute(async (tx) => {
      const r = await queue.enqueue(tx, { kind: jobKind, payload: {}, key: `${jobKind}:requested:${minute}` });
      if (r.created) await audit.record(tx, { ...ctx, action: "prices.sync", subject: { type: "job", id: r.job.id }, after: { job: r.job.id, kind: jobKind } });
      return { jobId: r.job.id, state: r.job.state, created: r.created };
    });
  }

  return { request };
}

export type PriceSyncRequests = ReturnType<typeof createPriceSyncRequests>;
