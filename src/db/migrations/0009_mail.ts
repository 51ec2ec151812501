// E-mail: the transactional outbox. A message is rendered when it is queued and inserted in the
// caller's transaction, so a mail exists exactly when the business fact that calls for it was
// committed (docs/adr/0014-email.md). Forward-only: never edit once released.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("mail_outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    // One message per business fact ("receipt:ord_…"); a second queue() with the key is ignored.
    .addColumn("key", "text", (c) => c.notNull().unique())
    .addColumn("to_address", "text", (c) => c.notNull())
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    // Bodies may hold single-use links (password reset): sealed with SECRET_KEY
    // (src/lib/secret-box.ts, context "mail_outbox.body_text:<id>" / "mail_outbox.body_html:<id>").
    .addColumn("body_text_enc", "text", (c) => c.notNull())
    .addColumn("body_html_enc", "text", (c) => c.notNull())
    // queued: a delivery job will send it; held: no SMTP server configured, staff read it;
    // sent: the SMTP server accepted it; failed: refused for good (5xx) or out of attempts.
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('queued', 'sent', 'held', 'failed')`))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    // The Message-ID the SMTP server accepted (for support: "did my mail go out?").
    .addColumn("message_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("sent_at", "text")
    .execute();
  await db.schema.createIndex("mail_outbox_created_idx").on("mail_outbox").columns(["created_at", "id"]).execute();
  await db.schema.createIndex("mail_outbox_state_idx").on("mail_outbox").columns(["state", "created_at", "id"]).execute();
}
