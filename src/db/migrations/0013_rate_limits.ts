// Per-address rate limits shared by every node (docs/adr/0026-rate-limiting.md): one counter row
// per (limit and client address, fixed window). Rows of past windows are deleted as they age.
// Forward-only: never edit once released.
import type { Kysely } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("rate_limit_counters")
    // "<scope>:<client address or IPv6 /64>".
    .addColumn("key", "text", (c) => c.notNull())
    // Start of the fixed window, in seconds since the epoch.
    .addColumn("window_start", "bigint", (c) => c.notNull())
    .addColumn("hits", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("rate_limit_counters_pk", ["key", "window_start"])
    .execute();
  await db.schema.createIndex("rate_limit_counters_window_idx").on("rate_limit_counters").column("window_start").execute();
}

