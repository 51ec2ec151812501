// Languages (docs/adr/0036-i18n.md): each customer's and staff user's chosen language, and the
// language an invoice or credit note was issued in (its lines and notes are snapshots in that
// language, so the document is shown in it). NULL: never chosen — the partner's default setting
// `locale.default` applies; for invoices issued before this migration, English. Values are
// checked by the code ("en" | "ru"), not by a CHECK, so a language can be added without a
// migration. Forward-only: never edit once released.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("customers").addColumn("locale", "text").execute();
  await db.schema.alterTable("staff_users").addColumn("locale", "text").execute();
  await db.schema.alterTable("invoices").addColumn("locale", "text").execute();
}
