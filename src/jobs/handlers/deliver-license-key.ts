// license.deliver_key: polls soft.edit until a new license's key appears, then stores (encrypted)
// and mails it (src/modules/licenses). Enqueued in the transaction that activates the license
// order, so it survives restarts like every job. Bounded: the backoff grows from 2 s to 5 min, and
// after the last attempt staff get a license_key_missing alert instead of silent waiting.
import { z } from "zod";
import type { LicensesService } from "../../modules/licenses/licenses.service.ts";
import { isAppError } from "../../lib/errors.ts";
import { defineJob, PermanentJobError, RetryLater, type JobContext } from "../job.ts";
import { JOB_KINDS } from "../kinds.ts";

/** With the backoff: about two hours of polling before a person is asked to look. */
export const DELIVER_LICENSE_KEY_ATTEMPTS = 30;

export const deliverLicenseKeyJob = defineJob({
  kind: JOB_KINDS.deliverLicenseKey,
  payloadSchema: z.object({ customerLicenseId: z.string().min(1) }),
  maxAttempts: DELIVER_LICENSE_KEY_ATTEMPTS,
  backoff: { baseMs: 2_000, maxMs: 5 * 60_000 },
  timeoutMs: 60_000,
  async handle(payload, ctx: JobContext<{ licenses: Pick<LicensesService, "deliverKey"> }>) {
    let r;
    try {
      r = await ctx.deps.licenses.deliverKey(payload.customerLicenseId, { finalAttempt: ctx.job.attempt >= ctx.job.maxAttempts });
    } catch (e) {
      if (isAppError(e) && e.code === "not_found") throw new PermanentJobError(e.message, { cause: e });
      throw e;
    }
    if (r.status === "retry") throw new RetryLater(r.reason);
    ctx.logger.info({ license: payload.customerLicenseId, key: r.key }, "license key delivery finished");
  },
});
