// The only code that reads and writes renewals, renewal reminders and customer module events, and
// the queries over orders and customer_modules that renewals and moves need.
import type { Executor } from "../../db/database.ts";
import type { CustomerModuleEventRow, CustomerModuleRow, OrderRow, RenewalReminderRow, RenewalRow } from "../../db/schema.ts";
import { RENEWAL_OPEN_STATES } from "./renewals.logic.ts";

export function createRenewalsRepo() {
  return {
    async insertRenewal(ex: Executor, row: RenewalRow): Promise<void> {
      await ex.insertInto("renewals").values(row).execute();
    },

    findRenewal(ex: Executor, orderId: string): Promise<RenewalRow | undefined> {
      return ex.selectFrom("renewals").selectAll().where("order_id", "=", orderId).executeTakeFirst();
    },

    findRenewalOfTerm(ex: Executor, customerModuleId: string, termExpiresOn: string): Promise<RenewalRow | undefined> {
      return ex
        .selectFrom("renewals")
        .selectAll()
        .where("customer_module_id", "=", customerModuleId)
        .where("term_expires_on", "=", termExpiresOn)
        .executeTakeFirst();
    },

    async setExpiryBeforeCall(ex: Executor, orderId: string, expiry: string | null): Promise<void> {
      await ex.updateTable("renewals").set({ expiry_before_call: expiry }).where("order_id", "=", orderId).execute();
    },

    /** The renewal order of this module that is not finished (unpaid, or paid and under way). */
    openRenewalOrder(ex: Executor, customerModuleId: string): Promise<OrderRow | undefined> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("kind", "=", "renewal")
        .where("customer_module_id", "=", customerModuleId)
        .where("state", "in", RENEWAL_OPEN_STATES)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .executeTakeFirst();
    },

    /** The latest renewal order of this module that became active and was created at or after `since`. */
    recentActiveRenewal(ex: Executor, customerModuleId: string, since: string): Promise<OrderRow | undefined> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("kind", "=", "renewal")
        .where("customer_module_id", "=", customerModuleId)
        .where("state", "=", "active")
        .where("created_at", ">=", since)
        .orderBy("created_at", "desc")
        .executeTakeFirst();
    },

    /**
     * Active modules partnerbill renews by charging (or whose renewal a refund switched off), expiring on or before `horizon`, soonest
     * first, a page at a time after `after` (keyset paging: rows stay in the set until renewed or
     * expired, so an offset would skip or repeat them).
     */
    modulesToRenew(ex: Executor, horizon: string, limit: number, after?: { expiresOn: string; id: string }): Promise<CustomerModuleRow[]> {
      let q = ex
        .selectFrom("customer_modules")
        .selectAll()
        .where("state", "=", "active")
        // "off" (refunded, ADR 0038): read only to expire it on its date.
        .where("renewal", "in", ["charge", "off"])
        .where("expires_on", "is not", null)
        .where("expires_on", "<=", horizon);
      if (after) {
        q = q.where((eb) => eb.or([eb("expires_on", ">", after.expiresOn), eb.and([eb("expires_on", "=", after.expiresOn), eb("id", ">", after.id)])]));
      }
      return q
        .orderBy("expires_on")
        .orderBy("id")
        .limit(limit)
        .execute();
    },

    renewalOrders(ex: Executor, f: { states: readonly string[]; limit?: number }): Promise<OrderRow[]> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("kind", "=", "renewal")
        .where("state", "in", f.states)
        .orderBy("created_at")
        .orderBy("id")
        .limit(f.limit ?? 1000)
        .execute();
    },

    /** Inserts a reminder unless one of this order and stage exists; true when it is new. */
    async insertReminder(ex: Executor, row: RenewalReminderRow): Promise<boolean> {
      const r = await ex
        .insertInto("renewal_reminders")
        .values(row)
        .onConflict((oc) => oc.columns(["order_id", "stage"]).doNothing())
        .returning("id")
        .executeTakeFirst();
      return r !== undefined;
    },

    reminders(ex: Executor, f: { orderId?: string; customerModuleId?: string; unsentOnly?: boolean } = {}): Promise<RenewalReminderRow[]> {
      let q = ex.selectFrom("renewal_reminders").selectAll();
      if (f.orderId) q = q.where("order_id", "=", f.orderId);
      if (f.customerModuleId) q = q.where("customer_module_id", "=", f.customerModuleId);
      if (f.unsentOnly) q = q.where("sent_at", "is", null);
      return q.orderBy("created_at").orderBy("id").execute();
    },

    /** Reminders not delivered yet (the outbox the mail module drains), oldest first. */
    unsentReminders(ex: Executor, limit: number): Promise<RenewalReminderRow[]> {
      return ex.selectFrom("renewal_reminders").selectAll().where("sent_at", "is", null).orderBy("created_at").orderBy("id").limit(limit).execute();
    },

    /** Marks a reminder delivered; false when it already was (another node got there first). */
    async markReminderSent(ex: Executor, id: string, at: string): Promise<boolean> {
      const r = await ex.updateTable("renewal_reminders").set({ sent_at: at }).where("id", "=", id).where("sent_at", "is", null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** active → expired, only if it is still active; false when someone else changed it first. */
    async expireModule(ex: Executor, id: string, now: string): Promise<boolean> {
      const r = await ex
        .updateTable("customer_modules")
        .set({ state: "expired", updated_at: now })
        .where("id", "=", id)
        .where("state", "=", "active")
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async insertModuleEvent(ex: Executor, row: CustomerModuleEventRow): Promise<void> {
      await ex.insertInto("customer_module_events").values(row).execute();
    },

    moduleEvents(ex: Executor, customerModuleId: string): Promise<CustomerModuleEventRow[]> {
      return ex
        .selectFrom("customer_module_events")
        .selectAll()
        .where("customer_module_id", "=", customerModuleId)
        .orderBy("at")
        .orderBy("id")
        .execute();
    },
  };
}

export type RenewalsRepo = ReturnType<typeof createRenewalsRepo>;
