// Accounts and sessions (docs/adr/0013-accounts-and-sessions.md): customers get a password and a
// verified e-mail; staff users; server-side sessions of both realms; single-use e-mailed tokens;
// login throttling shared by every node. Forward-only: never edit once released.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time. NULL password: a customer
  // staff created (`customers add`) who has not claimed the account yet (password reset does it).
  await db.schema.alterTable("customers").addColumn("password_hash", "text").execute();
  await db.schema.alterTable("customers").addColumn("email_verified_at", "text").execute();
  await db.schema.alterTable("customers").addColumn("password_changed_at", "text").execute();

  await db.schema
    .createTable("staff_users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('owner', 'staff')`))
    // TOTP secrets are encrypted with SECRET_KEY (src/lib/secret-box.ts). The pending one is the
    // secret shown during enrolment, kept until a first code confirms it.
    .addColumn("totp_secret", "text")
    .addColumn("totp_pending_secret", "text")
    // The last time step a code was accepted for: a code is never accepted twice.
    .addColumn("totp_last_step", "bigint")
    .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("last_login_at", "text")
    .execute();

  await db.schema
    .createTable("sessions")
    // SHA-256 of the id in the cookie: a copy of the database opens no session.
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("realm", "text", (c) => c.notNull().check(sql`realm in ('customer', 'staff')`))
    .addColumn("subject_id", "text", (c) => c.notNull())
    .addColumn("csrf_secret", "text", (c) => c.notNull())
    // 1 while a staff login waits for its TOTP code: such a session opens nothing.
    .addColumn("pending_second_factor", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    // The session ends at the earlier of the two: idle (moves with last_seen_at) and absolute.
    .addColumn("idle_expires_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema.createIndex("sessions_subject_idx").on("sessions").columns(["realm", "subject_id"]).execute();
  await db.schema.createIndex("sessions_expires_idx").on("sessions").column("expires_at").execute();
  await db.schema.createIndex("sessions_idle_idx").on("sessions").column("idle_expires_at").execute();

  await db.schema
    .createTable("account_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    // SHA-256 of the token in the e-mailed link.
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("purpose", "text", (c) => c.notNull().check(sql`purpose in ('verify_email', 'password_reset')`))
    .addColumn("realm", "text", (c) => c.notNull().check(sql`realm in ('customer', 'staff')`))
    // The account, when it exists; a sign-up's verification token has none until it is used.
    .addColumn("subject_id", "text")
    .addColumn("email", "text", (c) => c.notNull())
    // A sign-up's chosen password (argon2id), applied when the link is opened.
    .addColumn("password_hash", "text")
    // Where to send the browser afterwards (a safe relative path).
    .addColumn("next_path", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("used_at", "text")
    .execute();
  await db.schema.createIndex("account_tokens_email_idx").on("account_tokens").columns(["email", "created_at"]).execute();
  await db.schema.createIndex("account_tokens_expires_idx").on("account_tokens").column("expires_at").execute();

  await db.schema
    .createTable("login_throttle")
    // "customer:<e-mail>", "staff:<e-mail>", "ip:<realm>:<address>", "totp:<staff id>".
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("window_started_at", "text", (c) => c.notNull())
    .addColumn("locked_until", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("login_throttle_updated_idx").on("login_throttle").column("updated_at").execute();
}
