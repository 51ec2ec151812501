// Alerts: conditions staff must look at (a price below cost, a failed sync). One open alert per
// (kind, subject): raising it again refreshes its message and last_seen_at instead of piling up a
// row a day; the feature that raised it resolves it when the condition clears, staff can resolve
// it by hand. `raise` and `resolve` take the caller's executor so that an alert is written in the
// same transaction as the change it is about.
import type { Db, Executor } from "../../db/database.ts";
import type { AlertRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import type { AlertsRepo } from "./alerts.repo.ts";

/** Alert kinds, declared once. Other features add theirs here. */
export const ALERT_KINDS = {
  /** A module's sell price would be (or is) below its upstream cost; subject: module id. */
  negativeMargin: "negative_margin",
  /** A price cannot be checked against its cost: no exchange rate for the pair; subject: module id. */
  missingRate: "missing_rate",
  /** Price sync could not read upstream's price list; nothing was changed. */
  priceSyncFailed: "price_sync_failed",
  /** The ECB reference-rate feed could not be fetched or read. */
  ratesFetchFailed: "rates_fetch_failed",
} as const;

export interface AlertInput {
  kind: string;
  subject: string | null;
  message: string;
}

export function createAlertsService(deps: { db: Db; alerts: AlertsRepo; clock: Clock; ids: IdGenerator }) {
  const { db, alerts, clock, ids } = deps;

  /** Records an alert, or refreshes the open one of the same kind and subject. */
  async function raise(ex: Executor, input: AlertInput): Promise<void> {
    const now = clock.now().toISOString();
    const open = await alerts.findOpen(ex, input.kind, input.subject);
    if (open) {
      await alerts.touch(ex, open.id, input.message, now);
      return;
    }
    await alerts.insert(ex, {
      id: ids.next("al"),
      kind: input.kind,
      subject: input.subject,
      message: input.message,
      created_at: now,
      last_seen_at: now,
      resolved_at: null,
      resolved_by: null,
    });
  }

  /** Resolves the open alerts of these kinds about `subject` (the condition cleared). */
  function resolve(ex: Executor, kinds: readonly string[], subject: string | null): Promise<number> {
    return alerts.resolveOpen(ex, kinds, subject, clock.now().toISOString());
  }

  function list(opts: { all?: boolean; kind?: string; limit?: number } = {}): Promise<AlertRow[]> {
    return alerts.list(db, {
      openOnly: !opts.all,
      limit: opts.limit ?? 100,
      ...(opts.kind !== undefined ? { kind: opts.kind } : {}),
    });
  }

  /** Staff acknowledge an alert. */
  async function resolveById(id: string): Promise<void> {
    const done = await alerts.resolveById(db, id, clock.now().toISOString());
    if (!done) throw notFound(`No open alert with id ${id}`, { alert: id });
  }

  return { raise, resolve, list, resolveById };
}

export type AlertsService = ReturnType<typeof createAlertsService>;
