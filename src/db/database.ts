// The database factory: one Kysely instance over better-sqlite3 (embedded, one node) or pg (any
// number of nodes). Everything above this file is dialect-neutral; where behaviour must differ
// (row locking, notifications) the `dialect` field says which one is under us.

import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
  type Transaction,
} from "kysely";
import { createRequire } from "node:module";
import type pg from "pg";
import type { DB } from "./schema.ts";

export type Dialect = "sqlite" | "postgres";
export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Either the database or an open transaction: repository methods accept both. */
export type Executor = Kysely<DB> | Transaction<DB>;

export interface Database {
  readonly db: Db;
  readonly dialect: Dialect;
  /** For logs and `doctor`: the URL without any password. */
  readonly displayUrl: string;
  /** The SQLite file (absent for :memory: and PostgreSQL), for the cross-process job wake-ups. */
  readonly file?: string;
  /** The underlying pg pool (PostgreSQL only), for LISTEN/NOTIFY. */
  readonly pgPool?: pg.Pool;
  close(): Promise<void>;
}

// int8 (bigint, count(*)) and numeric come back from pg as strings by default. Our bigints are
// minor units and epoch-free counters that stay within Number.MAX_SAFE_INTEGER, so parse them.
// pg loads only for a PostgreSQL URL: a CLI command on SQLite never pays for it (docs/adr/0032).
const require = createRequire(import.meta.url);
function pgTypesOf(driver: typeof pg) {
  return {
    getTypeParser(oid: number, format?: "text" | "binary") {
      if (oid === 20) return (v: string) => Number.parseInt(v, 10);
      return driver.types.getTypeParser(oid, format as "text");
    },
  };
}

/**
 * SQLite transactions start with BEGIN IMMEDIATE: they take the write lock up front. A deferred
 * BEGIN that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT — busy_timeout cannot
 * help — whenever another process (a worker, the CLI) committed in between. Every transaction of
 * ours may write, so waiting for the lock at the start is the right trade.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

export function createDatabase(url: string, options: { poolSize?: number } = {}): Database {
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length);
    if (file !== ":memory:") mkdirSync(dirname(resolve(file)), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    // WAL lets readers (price list rebuilds, CLI) run beside the writer; busy_timeout makes a
    // second process (the CLI while the server runs) wait for the write lock instead of failing.
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("synchronous = NORMAL");
    const db = new Kysely<DB>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
    return {
      db,
      dialect: "sqlite",
      displayUrl: url,
      ...(file !== ":memory:" && file !== "" ? { file: resolve(file) } : {}),
      close: () => db.destroy(),
    };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const driver = require("pg") as typeof pg;
    const pool = new driver.Pool({ connectionString: url, max: options.poolSize ?? 10, types: pgTypesOf(driver) });
    // An idle client that loses its connection (server restart) must not crash the process.
    pool.on("error", () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: "postgres",
      displayUrl: redactUrl(url),
      pgPool: pool,
      close: () => db.destroy(),
    };
  }
  throw new Error(`Unsupported DATABASE_URL (expected sqlite:<path> or postgres://…): ${redactUrl(url)}`);
}
