// Roles and four eyes (docs/adr/0029-roles-four-eyes-webhook-targets.md): a read-only `support`
// staff role, and money actions above a staff member's limit kept as pending approvals for the
// owner to approve or reject. Forward-only: never edit once released.
import { type Kysely, PostgresAdapter, sql } from "kysely";

const OLD_CHECK = "role in ('owner', 'staff')";
const NEW_CHECK = "role in ('owner', 'staff', 'support')";

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table staff_users drop constraint if exists staff_users_role_check`.execute(db);
    await sql.raw(`alter table staff_users add constraint staff_users_role_check check (${NEW_CHECK})`).execute(db);
  } else {
    // SQLite cannot alter a CHECK: the table is rebuilt from its own stored definition (so columns
    // added by any earlier migration are kept, in order) with the wider check, and its indexes recreated.
    const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'staff_users'`.execute(db);
    const create = table.rows[0]?.sql ?? "";
    if (!create.includes(OLD_CHECK)) throw new Error("staff_users: unexpected definition, cannot widen the role check");
    const indexes = await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'staff_users' and sql is not null`.execute(db);
    const rebuilt = create.replace(OLD_CHECK, NEW_CHECK).replace(/^CREATE TABLE\s+("?)staff_users\1/i, 'CREATE TABLE "staff_users_0014"');
    await sql.raw(rebuilt).execute(db);
    await sql`insert into staff_users_0014 select * from staff_users`.execute(db);
    await sql`drop table staff_users`.execute(db);
    await sql`alter table staff_users_0014 rename to staff_users`.execute(db);
    for (const i of indexes.rows) await sql.raw(i.sql).execute(db);
  }

  await db.schema
    .createTable("approvals")
    .addColumn("id", "text", (c) => c.primaryKey())
    // balance_adjustment | order_refund
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'approved', 'rejected')`))
    // What would move: the customer's side of it, in minor units.
    .addColumn("amount_minor", "bigint", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("subject_type", "text", (c) => c.notNull())
    .addColumn("subject_id", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    // The action's input as JSON (e.g. the adjustment form), replayed once at approval.
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("requested_by", "text", (c) => c.notNull())
    .addColumn("requested_label", "text", (c) => c.notNull())
    .addColumn("decided_by", "text")
    .addColumn("decided_label", "text")
    .addColumn("decided_at", "text")
    .addColumn("outcome", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("approvals_state_idx").on("approvals").columns(["state", "created_at"]).execute();
}
