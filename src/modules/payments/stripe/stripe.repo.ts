// The only code that reads and writes the stripe_* tables (migration 0008).
import type { Executor } from "../../../db/database.ts";
import type {
  StripeChargeRow,
  StripeCheckoutSessionRow,
  StripeCustomerRow,
  StripeEventRow,
  StripeRefundRow,
} from "../../../db/schema.ts";

export function createStripeRepo() {
  return {
    async insertSession(ex: Executor, row: StripeCheckoutSessionRow): Promise<void> {
      await ex.insertInto("stripe_checkout_sessions").values(row).execute();
    },

    findSession(ex: Executor, id: string): Promise<StripeCheckoutSessionRow | undefined> {
      return ex.selectFrom("stripe_checkout_sessions").selectAll().where("id", "=", id).executeTakeFirst();
    },

    findSessionByPaymentIntent(ex: Executor, paymentIntentId: string): Promise<StripeCheckoutSessionRow | undefined> {
      return ex.selectFrom("stripe_checkout_sessions").selectAll().where("payment_intent_id", "=", paymentIntentId).executeTakeFirst();
    },

    /** The newest open session for this purchase or top-up, to send a second click to the same page. */
    findOpenSession(ex: Executor, f: { orderId: string | null; customerId: string; amountMinor: number; currency: string; saveCard: number; createdAfter: string }): Promise<StripeCheckoutSessionRow | undefined> {
      let q = ex
        .selectFrom("stripe_checkout_sessions")
        .selectAll()
        .where("customer_id", "=", f.customerId)
        .where("state", "=", "open")
        .where("amount_minor", "=", f.amountMinor)
        .where("currency", "=", f.currency)
        .where("save_card", "=", f.saveCard)
        .where("created_at", ">", f.createdAfter);
      q = f.orderId === null ? q.where("order_id", "is", null).where("purpose", "=", "top_up") : q.where("order_id", "=", f.orderId);
      return q.orderBy("created_at", "desc").executeTakeFirst();
    },

    listSessions(ex: Executor, f: { orderId?: string; customerId?: string } = {}): Promise<StripeCheckoutSessionRow[]> {
      let q = ex.selectFrom("stripe_checkout_sessions").selectAll();
      if (f.orderId !== undefined) q = q.where("order_id", "=", f.orderId);
      if (f.customerId !== undefined) q = q.where("customer_id", "=", f.customerId);
      return q.orderBy("created_at").orderBy("id").execute();
    },

    /** Moves an open session to credited or mismatch; false when it was no longer open. */
    async settleSession(ex: Executor, id: string, patch: { state: "credited" | "mismatch"; payment_intent_id: string | null; outcome: string; settled_at: string }): Promise<boolean> {
      const r = await ex.updateTable("stripe_checkout_sessions").set(patch).where("id", "=", id).where("state", "=", "open").executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Records an event id; false when it was already there (a duplicate or replayed delivery). */
    async insertEvent(ex: Executor, row: StripeEventRow): Promise<boolean> {
      const r = await ex.insertInto("stripe_events").values(row).onConflict((oc) => oc.column("id").doNothing()).returning("id").executeTakeFirst();
      return r !== undefined;
    },

    findEvent(ex: Executor, id: string): Promise<StripeEventRow | undefined> {
      return ex.selectFrom("stripe_events").selectAll().where("id", "=", id).executeTakeFirst();
    },

    findCustomer(ex: Executor, customerId: string): Promise<StripeCustomerRow | undefined> {
      return ex.selectFrom("stripe_customers").selectAll().where("customer_id", "=", customerId).executeTakeFirst();
    },

    /** Records the customer's Stripe customer object unless one is recorded already. */
    async insertCustomer(ex: Executor, row: StripeCustomerRow): Promise<void> {
      await ex.insertInto("stripe_customers").values(row).onConflict((oc) => oc.column("customer_id").doNothing()).execute();
    },

    async saveCard(ex: Executor, customerId: string, card: { payment_method_id: string; card_label: string | null; at: string }): Promise<void> {
      await ex
        .updateTable("stripe_customers")
        .set({ payment_method_id: card.payment_method_id, card_label: card.card_label, card_saved_at: card.at, updated_at: card.at })
        .where("customer_id", "=", customerId)
        .execute();
    },

    async forgetCard(ex: Executor, customerId: string, at: string): Promise<boolean> {
      const r = await ex
        .updateTable("stripe_customers")
        .set({ payment_method_id: null, card_label: null, card_saved_at: null, updated_at: at })
        .where("customer_id", "=", customerId)
        .where("payment_method_id", "is not", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Records the intent to charge; false when this order already has a charge. */
    async insertCharge(ex: Executor, row: StripeChargeRow): Promise<boolean> {
      const r = await ex.insertInto("stripe_charges").values(row).onConflict((oc) => oc.column("order_id").doNothing()).returning("id").executeTakeFirst();
      return r !== undefined;
    },

    findChargeOfOrder(ex: Executor, orderId: string): Promise<StripeChargeRow | undefined> {
      return ex.selectFrom("stripe_charges").selectAll().where("order_id", "=", orderId).executeTakeFirst();
    },

    findCharge(ex: Executor, id: string): Promise<StripeChargeRow | undefined> {
      return ex.selectFrom("stripe_charges").selectAll().where("id", "=", id).executeTakeFirst();
    },

    findChargeByPaymentIntent(ex: Executor, paymentIntentId: string): Promise<StripeChargeRow | undefined> {
      return ex.selectFrom("stripe_charges").selectAll().where("payment_intent_id", "=", paymentIntentId).executeTakeFirst();
    },

    async finishCharge(ex: Executor, id: string, patch: { state: "succeeded" | "failed"; payment_intent_id: string | null; error: string | null; updated_at: string }): Promise<boolean> {
      const r = await ex.updateTable("stripe_charges").set(patch).where("id", "=", id).where("state", "=", "pending").executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async insertRefund(ex: Executor, row: StripeRefundRow): Promise<void> {
      await ex.insertInto("stripe_refunds").values(row).execute();
    },

    findRefundByKey(ex: Executor, key: string): Promise<StripeRefundRow | undefined> {
      return ex.selectFrom("stripe_refunds").selectAll().where("key", "=", key).executeTakeFirst();
    },

    /** Refunds of a payment that are not failed (pending ones count: their money is already out). */
    async refundedOf(ex: Executor, paymentIntentId: string): Promise<number> {
      const r = await ex
        .selectFrom("stripe_refunds")
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("amount_minor"), eb.lit(0)).as("total"))
        .where("payment_intent_id", "=", paymentIntentId)
        .where("state", "!=", "failed")
        .executeTakeFirstOrThrow();
      return Number(r.total);
    },

    async finishRefund(ex: Executor, id: string, patch: { state: "succeeded" | "failed"; stripe_refund_id: string | null; error: string | null; updated_at: string }): Promise<boolean> {
      const r = await ex.updateTable("stripe_refunds").set(patch).where("id", "=", id).where("state", "=", "pending").executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}

export type StripeRepo = ReturnType<typeof createStripeRepo>;
