// A refund of an active order (docs/adr/0038-portal-checkout-refunds.md): the order stays `active`
// — the module exists upstream and runs until its expiry — and records when it was refunded, so
// that the console and the portal say "refunded" without reading the ledger. The customer's module
// gets renewal `off` (no renewal is raised, charged or prolonged; it expires on its date). NULL:
// never refunded. Forward-only: never edit once released.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("orders").addColumn("refunded_at", "text").execute();
}
