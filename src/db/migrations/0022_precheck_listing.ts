// What the pre-payment check saw upstream (docs/adr/0043-one-listing-per-order.md): when it listed
// the account's modules, and the ids of the modules of the order's license and tariff it found.
// Placing the order within a short window after it records those ids as the modules known before
// the intent instead of listing the whole account a second time. NULL: never checked (manual mode,
// orders from before this migration). Forward-only: never edit once released.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").addColumn("precheck_at", "text").execute();
  await db.schema.alterTable("orders").addColumn("precheck_known_ids", "text").execute();
}
