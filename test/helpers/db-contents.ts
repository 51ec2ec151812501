// What a database holds, in a form two databases can be compared by: every row of every table and
// the schema (tables, columns, indexes, constraints), on either dialect. Used to prove that an
// upgraded or restored database equals the one it should.
import { sql } from "kysely";
import type { Database } from "../../src/db/database.ts";

export type Rows = Record<string, Array<Record<string, unknown>>>;

/** Application tables in creation order (parents before children); Kysely's own are left out. */
export async function tableNames(d: Database): Promise<string[]> {
  const r =
    d.dialect === "sqlite"
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by rowid`.execute(d.db)
      : await sql<{ name: string }>`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind = 'r' order by c.oid`.execute(d.db);
  return r.rows.map((x) => x.name).filter((n) => !n.startsWith("kysely_"));
}

function canonical(row: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k]]));
}

/** Every row of every application table, each table's rows in a stable order. */
export async function allRows(d: Database): Promise<Rows> {
  const out: Rows = {};
  for (const t of await tableNames(d)) {
    const r = await sql<Record<string, unknown>>`select * from ${sql.table(t)}`.execute(d.db);
    out[t] = r.rows.map((row) => ({ ...row })).sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));
  }
  return out;
}

/** `rows` with each row cut down to the columns `like` has: what an older schema knew. */
export function project(rows: Rows, like: Rows): Rows {
  const out: Rows = {};
  for (const [t, old] of Object.entries(like)) {
    const cols = old[0] ? Object.keys(old[0]) : [];
    out[t] = (rows[t] ?? [])
      .map((r) => Object.fromEntries(cols.map((c) => [c, r[c]])))
      .sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));
  }
  return out;
}

/** Tables, columns, indexes and constraints, with nothing that differs between two copies. */
export async function schemaOf(d: Database): Promise<unknown> {
  if (d.dialect === "sqlite") {
    const r = await sql<{ type: string; name: string; tbl_name: string; sql: string | null }>`
      select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' order by type, name`.execute(d.db);
    return r.rows;
  }
  const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(d.db)).rows[0]!.s;
  const columns = await sql`select table_name, column_name, ordinal_position, data_type, is_nullable, column_default
    from information_schema.columns where table_schema = current_schema() order by table_name, ordinal_position`.execute(d.db);
  const indexes = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef
    from pg_indexes where schemaname = current_schema() order by indexname`.execute(d.db);
  const constraints = await sql<{ conname: string; def: string }>`select c.conname, pg_get_constraintdef(c.oid) as def
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = current_schema() order by c.conname`.execute(d.db);
  return {
    columns: columns.rows,
    indexes: indexes.rows.map((i) => ({ ...i, indexdef: i.indexdef.split(`${schema}.`).join("<schema>.") })),
    constraints: constraints.rows,
  };
}
