// Backups and restores of the embedded SQLite database, and the pg_dump / pg_restore commands an
// operator runs for PostgreSQL. A backup is one self-contained file (rollback journal, no -wal),
// checked after it is written; a restore puts a checked file in place with a rename and keeps the
// database it replaces. Migrations are forward-only, so a backup whose migrations are not a prefix
// of this release's list (made by a newer release) is refused: this code cannot know its schema.
import { chmodSync, chownSync, closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { AppError, conflict, invalidInput, notFound } from "../lib/errors.ts";
import { redactUrl } from "./database.ts";

/** Kysely's bookkeeping table: one row per migration that ran. */
const MIGRATION_TABLE = "kysely_migration";

export interface SqliteFileReport {
  file: string;
  bytes: number;
  /** "ok", or the first problems `pragma integrity_check` found. */
  integrity: string;
  /** The migrations that ran on it, in order; null when it is not a partnerbill database. */
  migrations: string[] | null;
}

export type MigrationComparison =
  | { status: "current" }
  | { status: "older"; pending: string[] }
  | { status: "newer"; unknown: string[] }
  | { status: "diverged"; missing: string[] };

/** Where a database's migrations stand against this release's (both lists in run order). */
export function compareMigrations(theirs: readonly string[], ours: readonly string[]): MigrationComparison {
  const unknown = theirs.filter((m) => !ours.includes(m));
  if (unknown.length > 0) return { status: "newer", unknown };
  const prefix = ours.slice(0, theirs.length);
  if (prefix.some((m, i) => m !== theirs[i])) return { status: "diverged", missing: prefix.filter((m) => !theirs.includes(m)) };
  const pending = ours.slice(theirs.length);
  return pending.length === 0 ? { status: "current" } : { status: "older", pending };
}

/** The file behind a sqlite: DATABASE_URL, or an error saying what to do on PostgreSQL. */
export function sqliteFileOf(url: string): string {
  if (!url.startsWith("sqlite:")) throw invalidInput(`Not an SQLite DATABASE_URL: ${redactUrl(url)}`);
  const file = url.slice("sqlite:".length);
  if (file === ":memory:") throw invalidInput("An in-memory database cannot be backed up or restored");
  return resolve(file);
}

// Opened read-write even to read: a read-only connection to a WAL database leaves -wal and -shm
// files behind (owned by whoever ran the command), while a read-write one removes them on close
// when it is the last connection. Nothing here writes through these connections except where said.
function open(file: string): SqliteDatabase.Database {
  if (!existsSync(file)) throw notFound(`No database file at ${file}`);
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase(file, { fileMustExist: true });
  } catch (e) {
    // A backup on read-only storage can still be read.
    if ((e as { code?: string }).code !== "SQLITE_CANTOPEN") throw e;
    db = new SqliteDatabase(file, { fileMustExist: true, readonly: true });
  }
  db.pragma("busy_timeout = 5000");
  return db;
}

function migrationsOf(db: SqliteDatabase.Database, file: string): string[] | null {
  try {
    const hasTable = db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(MIGRATION_TABLE) !== undefined;
    if (!hasTable) return null;
    return (db.prepare(`select name from ${MIGRATION_TABLE} order by name`).all() as Array<{ name: string }>).map((r) => r.name);
  } catch (e) {
    if ((e as { code?: string }).code === "SQLITE_NOTADB") throw invalidInput(`${file} is not an SQLite database`);
    throw e;
  }
}

function readReport(db: SqliteDatabase.Database, file: string): SqliteFileReport {
  const migrations = migrationsOf(db, file);
  const rows = db.pragma("integrity_check(20)") as Array<{ integrity_check: string }>;
  return { file, bytes: statSync(file).size, integrity: rows.map((r) => r.integrity_check).join("; "), migrations };
}

/** Integrity and migrations of a database file, without changing its contents. */
export function inspectSqliteFile(file: string): SqliteFileReport {
  const db = open(file);
  try {
    return readReport(db, file);
  } finally {
    db.close();
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The file and its directory entry on disk, so that a rename survives a power cut. */
function durableRename(from: string, to: string): void {
  fsyncPath(from);
  renameSync(from, to);
  fsyncPath(dirname(to));
}

export interface BackupOptions {
  /** Replace `dest` when it exists. */
  force?: boolean;
}

/**
 * Copies the live database at `source` into `dest`, safe while the server runs (other processes
 * keep reading and writing), and checks the copy. The copy is written next to `dest` and renamed
 * into place, so a file at `dest` is always a complete, checked backup.
 */
export async function backupSqlite(source: string, dest: string, opts: BackupOptions = {}): Promise<SqliteFileReport> {
  const target = resolve(dest);
  if (target === resolve(source)) throw invalidInput("The backup file must not be the database itself");
  if (existsSync(target) && !opts.force) throw conflict(`${target} exists; choose another name or pass --force to replace it`);
  if (!existsSync(dirname(target))) throw notFound(`No directory ${dirname(target)} for the backup`);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  rmSync(partial, { force: true });
  const db = open(source);
  try {
    // The live database is not integrity-checked (a full read, while the server runs); the copy is.
    if (migrationsOf(db, source) === null) throw invalidInput(`${source} is not a partnerbill database (it has no ${MIGRATION_TABLE} table)`);
    // SQLite's online backup restarts whenever another connection writes between two of its
    // steps; asking for every page in one step makes the copy one consistent snapshot instead
    // (the server's writes go on meanwhile: under WAL a reader blocks no writer).
    await db.backup(partial, { progress: () => 0x7fffffff });
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  } finally {
    db.close();
  }
  try {
    // Customer data and encrypted secrets: readable by the owner only.
    chmodSync(partial, 0o600);
    const copy = open(partial);
    let report: SqliteFileReport;
    try {
      // One self-contained file: a backup that needs a -wal file beside it is not a backup.
      copy.pragma("journal_mode = DELETE");
      report = readReport(copy, partial);
    } finally {
      copy.close();
    }
    if (report.integrity !== "ok") throw new AppError("internal", `The copy failed its integrity check (${report.integrity}); nothing was written to ${target}`);
    durableRename(partial, target);
    return { ...report, file: target };
  } finally {
    rmSync(partial, { force: true });
  }
}

/** True when another connection (a running partnerbill) has the database open. */
function inUse(file: string): boolean {
  const db = new SqliteDatabase(file, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 0");
    // In exclusive locking mode the first read must lock the whole file, which fails while any
    // other connection — even an idle one — holds it open in WAL mode.
    db.pragma("locking_mode = EXCLUSIVE");
    db.prepare("select count(*) from sqlite_master").get();
    // Nobody else has it: fold its WAL into the file, so that the file set aside is complete.
    db.pragma("wal_checkpoint(TRUNCATE)");
    return false;
  } catch (e) {
    if ((e as { code?: string }).code === "SQLITE_BUSY") return true;
    throw e;
  } finally {
    db.close();
  }
}

export interface RestoreOptions {
  /** This release's migrations, in run order. */
  migrations: readonly string[];
  /** Replace an existing database (it is kept as `<db>.before-restore-<time>`). */
  force?: boolean;
  now: Date;
}

export interface RestoreReport {
  backup: SqliteFileReport;
  /** Where the database that was replaced now is, if there was one. */
  keptAs: string | null;
  /** Migrations the next `serve` or `migrate` will apply to the restored database. */
  pending: string[];
}

/** Returns the migrations this release would still apply; throws when this release cannot use the file. */
export function assertRestorable(report: SqliteFileReport, migrations: readonly string[]): string[] {
  if (report.integrity !== "ok") throw invalidInput(`${report.file} failed its integrity check: ${report.integrity}`);
  if (report.migrations === null) throw invalidInput(`${report.file} is not a partnerbill database (it has no ${MIGRATION_TABLE} table)`);
  const cmp = compareMigrations(report.migrations, migrations);
  if (cmp.status === "newer") {
    throw invalidInput(
      `${report.file} was made by a newer partnerbill release (migrations ${cmp.unknown.join(", ")} are unknown to this one). ` +
        "Migrations only go forward: restore it with that release or a later one.",
    );
  }
  if (cmp.status === "diverged") {
    throw invalidInput(`${report.file} lacks migrations that come before others it has (${cmp.missing.join(", ")}); it was not made by a partnerbill release`);
  }
  return cmp.status === "older" ? cmp.pending : [];
}

/**
 * Replaces the database at `target` with the backup `file`. Refuses a damaged file, a file from a
 * newer release, and a database that a running server has open. The backup is copied next to the
 * target and renamed over it; the database it replaces is renamed aside, never deleted.
 */
export function restoreSqlite(file: string, target: string, opts: RestoreOptions): RestoreReport {
  const source = resolve(file);
  const dest = resolve(target);
  if (source === dest) throw invalidInput("The backup file is the database itself");
  const backup = inspectSqliteFile(source);
  const pending = assertRestorable(backup, opts.migrations);
  const exists = existsSync(dest);
  if (exists && !opts.force) {
    throw conflict(`${dest} already holds a database; pass --force to replace it (it is kept as ${basename(dest)}.before-restore-<time>)`);
  }
  if (exists && inUse(dest)) {
    throw conflict(`${dest} is open in another process — a running partnerbill? Stop it first (systemctl stop partnerbill), then restore`);
  }
  if (!existsSync(dirname(dest))) throw notFound(`No directory ${dirname(dest)} for the database`);
  const owner = statSync(exists ? dest : dirname(dest));
  const partial = join(dirname(dest), `.${basename(dest)}.restore-${process.pid}`);
  rmSync(partial, { force: true });
  try {
    copyFileSync(source, partial);
    chmodSync(partial, 0o600);
    // Restoring as root must not leave a file the service user cannot write.
    if (process.getuid?.() === 0 && owner.uid !== 0) chownSync(partial, owner.uid, owner.gid);
    fsyncPath(partial);
    const aside = `${dest}.before-restore-${opts.now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
    const keptAs = exists ? aside : null;
    if (exists) renameSync(dest, aside);
    // A -wal left beside the path belongs to the database set aside (or to none), never to the
    // restored one, which would read it as its own; the -shm is only an index, rebuilt on open.
    if (existsSync(`${dest}-wal`)) renameSync(`${dest}-wal`, `${aside}-wal`);
    rmSync(`${dest}-shm`, { force: true });
    durableRename(partial, dest);
    return { backup, keptAs, pending };
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * The commands that back up and restore a PostgreSQL database, for an operator to run (partnerbill
 * does not run them: pg_dump must match the server's major version, and most PostgreSQL operators
 * already have their own tooling). The password is never shown: pg_dump reads it from ~/.pgpass
 * or PGPASSWORD.
 */
export function postgresCommands(url: string, file: string): { dump: string; restore: string } {
  const u = new URL(url);
  const schema = /(?:^|\s)-c\s*search_path=([^\s,]+)/.exec(u.searchParams.get("options") ?? "")?.[1];
  u.password = "";
  u.search = "";
  const conn = shellQuote(u.toString());
  const schemaArg = schema ? ` --schema=${shellQuote(schema)}` : "";
  return {
    dump: `pg_dump --format=custom${schemaArg} --file=${shellQuote(file)} ${conn}`,
    restore: `pg_restore --clean --if-exists --no-owner${schemaArg} --dbname=${conn} ${shellQuote(file)}`,
  };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
