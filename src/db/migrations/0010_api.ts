// The JSON API's tokens and the audit log (ADR 0017). Forward-only: never edit once released.
import { PostgresAdapter, sql, type Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("api_tokens")
    // tok_…: the id is part of the token (pb_<id>_<secret>), so a request finds its row by key.
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    // What lists show: pb_<id>_ and the secret's first four characters. Never the secret.
    .addColumn("prefix", "text", (c) => c.notNull())
    // sha256 of the secret, hex. The secret itself is shown once at creation and kept nowhere.
    .addColumn("hash", "text", (c) => c.notNull())
    // Space-separated scope names (catalog:read prices:write …).
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("actor_kind", "text", (c) => c.notNull().check(sql`actor_kind in ('staff', 'api_token', 'system', 'cli')`))
    // staff id, token id, OS user of the CLI; label: a readable name at the time (e-mail, token name).
    .addColumn("actor_id", "text")
    .addColumn("actor_label", "text")
    // <subject>.<verb>, e.g. price.set, order.cancel, customer.credit, api_token.create
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("subject_type", "text", (c) => c.notNull())
    .addColumn("subject_id", "text", (c) => c.notNull())
    // JSON text, secrets redacted by key name before they get here.
    .addColumn("before", "text")
    .addColumn("after", "text")
    .addColumn("ip", "text")
    .addColumn("request_id", "text")
    .execute();
  // Newest first, keyset on (at, id); the filters of the admin page and the API each have an index.
  await db.schema.createIndex("audit_log_at_idx").on("audit_log").columns(["at", "id"]).execute();
  await db.schema.createIndex("audit_log_subject_idx").on("audit_log").columns(["subject_type", "subject_id", "at", "id"]).execute();
  await db.schema.createIndex("audit_log_actor_idx").on("audit_log").columns(["actor_kind", "actor_id", "at", "id"]).execute();
  await db.schema.createIndex("audit_log_action_idx").on("audit_log").columns(["action", "at", "id"]).execute();

  // Append-only in the database too, not only by having no code path that changes a row: an
  // UPDATE or DELETE fails whoever sends it (a future retention job must drop these on purpose).
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only'; end $$`.execute(db);
    await sql`create trigger audit_log_no_change before update or delete on audit_log
      for each row execute function audit_log_append_only()`.execute(db);
  } else {
    await sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
  }
}
