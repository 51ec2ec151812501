// Card payments through Stripe (docs/adr/0016-stripe.md): the Checkout Sessions we created, every
// webhook event we accepted (so a replay changes nothing), customers' saved cards, off-session
// charges for renewals and refunds to card. Forward-only: never edit once released.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("stripe_checkout_sessions")
    // Stripe's id, cs_…
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`purpose in ('order', 'top_up')`))
    .addColumn("order_id", "text", (c) => c.references("orders.id"))
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    // What we asked Stripe to charge: a completed session for anything else credits nothing.
    .addColumn("amount_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("save_card", "integer", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("return_url", "text", (c) => c.notNull())
    // open → credited (money on the balance) | mismatch (paid, not what we asked: staff look)
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('open', 'credited', 'mismatch')`))
    .addColumn("payment_intent_id", "text")
    // What happened to the money after the credit: the order it paid, or why it stayed on the balance.
    .addColumn("outcome", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("settled_at", "text")
    .execute();
  await db.schema.createIndex("stripe_checkout_sessions_order_idx").on("stripe_checkout_sessions").columns(["order_id", "created_at"]).execute();
  await db.schema.createIndex("stripe_checkout_sessions_customer_idx").on("stripe_checkout_sessions").columns(["customer_id", "created_at"]).execute();

  // Every verified webhook event, stored in the transaction that acted on it: the primary key
  // makes a duplicated or replayed delivery a no-op.
  await db.schema
    .createTable("stripe_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("object_id", "text")
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("received_at", "text", (c) => c.notNull())
    .execute();

  // A customer's Stripe customer object and the card saved for renewals (none until they opt in).
  await db.schema
    .createTable("stripe_customers")
    .addColumn("customer_id", "text", (c) => c.primaryKey().references("customers.id"))
    .addColumn("stripe_customer_id", "text", (c) => c.notNull().unique())
    .addColumn("payment_method_id", "text")
    .addColumn("card_label", "text")
    .addColumn("card_saved_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  // Off-session charges of a saved card (renewals): one per renewal order, recorded before the call.
  await db.schema
    .createTable("stripe_charges")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("order_id", "text", (c) => c.notNull().unique().references("orders.id"))
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    // pending (intent recorded, outcome unknown) → succeeded | failed
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'succeeded', 'failed')`))
    .addColumn("payment_intent_id", "text")
    .addColumn("error", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  // Refunds to card: the balance is debited when the refund is recorded (before the call), and
  // credited back if Stripe refuses it.
  await db.schema
    .createTable("stripe_refunds")
    .addColumn("id", "text", (c) => c.primaryKey())
    // The caller's idempotency key (one refund per business fact).
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("payment_intent_id", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull().references("customers.id"))
    .addColumn("amount_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'succeeded', 'failed')`))
    .addColumn("stripe_refund_id", "text")
    .addColumn("error", "text")
    .addColumn("actor", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("stripe_refunds_payment_idx").on("stripe_refunds").column("payment_intent_id").execute();
}
