// `npm run bench:orders-list`: the staff orders list at 1,000,000 orders (issue 6), on SQLite and
// PostgreSQL. For each case it times the real use case (OrderService.listOrders: keyset pages,
// docs/adr/0018-orders-list.md) and, side by side, the baseline most lists are built as: the same
// page through LIMIT/OFFSET plus a total count ("page N of M"). Cases:
//
//   first page        no filter, newest 50
//   deep page         no filter, the 50 after the ~900,000th order (cursor / OFFSET 900000)
//   state (common)    state = active (most orders)
//   state (rare)      state = needs_attention (0.1 % of orders: the index must find them, not a scan)
//   open states       manual_queue + needs_attention + awaiting_funds together (the staff's to-do view)
//   license search    q = a license number
//   e-mail search     q = a customer's e-mail (the customer is looked up, then their orders)
//
// The seeded databases are kept between runs (SQLite: tmp/bench/orders-list-<n>.db; PostgreSQL: the
// schema bench_orders_list_<n> in --pg), because seeding is the slow part; --reseed rebuilds them.
// Seeding is SQL that generates the rows in the database (a recursive CTE, generate_series), in
// chunks of 100,000, through the migrated schema with every index in place. Progress goes to
// stderr, the table to stdout; docs/BENCHMARKS.md ("Orders list") records results. Not part of
// `npm test`.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { loadConfig } from "../src/app/config.ts";
import { createContainer, type Container } from "../src/app/container.ts";
import { createLogger } from "../src/app/logger.ts";
import { createDatabase, type Database, type Dialect } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import type { DB } from "../src/db/schema.ts";
import { intOption } from "./args.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SECRET = "bench-secret-key-bench-secret-key-0123456789";
const PAGE = 50;
const CUSTOMERS = 50_000;
const MODULES = 20;
/** One order every 90 s, two sharing each timestamp (so the id tie-break is exercised): ~4.3 years. */
const BASE_EPOCH_S = Date.UTC(2022, 0, 1) / 1000;
const TARGET_P95_MS = 50;
const DIALECTS: Dialect[] = ["sqlite", "postgres"];

const HELP = `Usage: npm run bench:orders-list -- [options]

Times the orders list (keyset pages) against OFFSET + count at --orders orders.

Options:
  --dialects <list>      sqlite,postgres (default both)
  --orders <n>           orders to seed (default 1000000)
  --runs <n>             timed runs per case for the keyset list (default 300)
  --baseline-runs <n>    timed runs per case for the OFFSET baseline (default 30: it is slow)
  --pg <url>             PostgreSQL database for the bench schema
                         (default postgres://postgres@127.0.0.1:5432/test)
  --reseed               drop the kept databases and seed again
  --explain              print the query plan of each case's keyset query
  -h, --help             this text
`;

interface Options {
  dialects: Dialect[];
  orders: number;
  runs: number;
  baselineRuns: number;
  pgUrl: string;
  reseed: boolean;
  explain: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      dialects: { type: "string", default: DIALECTS.join(",") },
      orders: { type: "string", default: "1000000" },
      runs: { type: "string", default: "300" },
      "baseline-runs": { type: "string", default: "30" },
      pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
      reseed: { type: "boolean", default: false },
      explain: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const dialects = values.dialects.split(",").map((s) => s.trim()).filter(Boolean);
  for (const d of dialects) if (!DIALECTS.includes(d as Dialect)) throw new Error(`--dialects: unknown ${d} (known: ${DIALECTS.join(", ")})`);
  return {
    dialects: dialects as Dialect[],
    orders: intOption("orders", values.orders, 10_000, 10_000_000),
    runs: intOption("runs", values.runs, 10, 100_000),
    baselineRuns: intOption("baseline-runs", values["baseline-runs"], 1, 100_000),
    pgUrl: values.pg,
    reseed: values.reseed,
    explain: values.explain,
  };
}

const log = (line: string) => process.stderr.write(line + "\n");

// ---- seeding --------------------------------------------------------------------------------

/**
 * The n-th order's columns as SQL over an integer `i` (1-based), the same on both databases up to
 * the time formatting. Distribution: 80 % active, 7 % cancelled, 4 % pending_payment, 3 % refunded,
 * 3 % rejected … and 0.1 % each of needs_attention, manual_queue, awaiting_funds; 10 % renewals.
 */
function orderColumns(time: string): string {
  return `
    'ord_' || substr('000000000000' || i, -12, 12),
    case when i % 10 = 0 then 'renewal' else 'purchase' end,
    case
      when i % 1000 = 7 then 'needs_attention'
      when i % 1000 = 8 then 'manual_queue'
      when i % 1000 = 9 then 'awaiting_funds'
      when i % 100 < 80 then 'active'
      when i % 100 < 87 then 'cancelled'
      when i % 100 < 91 then 'pending_payment'
      when i % 100 < 94 then 'refunded'
      when i % 100 < 97 then 'rejected'
      else 'placing' end,
    case when i % 100 between 87 and 90 then null else 'cus_' || substr('000000000000' || ((i * 7919) % ${CUSTOMERS}), -12, 12) end,
    'eu-' || (30000 + i % ${MODULES}),
    30000 + i % ${MODULES},
    100000 + (i * 31) % 300000,
    '192.0.2.1', 1, 95000, 'RUB', 'automatic', null, null, null, null, null, null, 0, null, 0,
    ${time}, ${time}, null, null`;
}

const ORDER_COLUMNS =
  "id, kind, state, customer_id, module_id, tariff_id, license_id, ip, period_months, price_minor, currency, fulfillment, browser_key, customer_module_id, upstream_service_id, upstream_expires_on, intent_at, intent_known_ids, upstream_attempts, reason, version, created_at, updated_at, paid_at, activated_at";

async function seed(db: Kysely<DB>, dialect: Dialect, orders: number): Promise<void> {
  const now = new Date().toISOString();
  log(`  seeding ${MODULES} modules, ${CUSTOMERS} customers, ${orders} orders…`);
  for (let m = 0; m < MODULES; m++) {
    await db.insertInto("modules").values({
      id: `eu-${30000 + m}`, region: "eu", tariff_id: 30000 + m, name: `Module ${m}`, intname: `mod${m}`, addition_intname: `mod${m}`,
      enabled: 1, upstream_available: 1, sort_order: m, created_at: now, updated_at: now,
    }).execute();
  }
  const started = Date.now();
  const chunk = 100_000;
  if (dialect === "sqlite") {
    const series = (from: number, to: number) => `with recursive n(i) as (select ${from} union all select i + 1 from n where i < ${to})`;
    await sql.raw(`insert into customers (id, email, name, created_at, updated_at) ${series(0, CUSTOMERS - 1)}
      select 'cus_' || substr('000000000000' || i, -12, 12), 'customer' || i || '@example.com', null, '${now}', '${now}' from n`).execute(db);
    const time = `strftime('%Y-%m-%dT%H:%M:%fZ', ${BASE_EPOCH_S} + (i / 2) * 180, 'unixepoch')`;
    for (let from = 1; from <= orders; from += chunk) {
      const to = Math.min(orders, from + chunk - 1);
      await db.transaction().execute((tx) => sql.raw(`insert into orders (${ORDER_COLUMNS}) ${series(from, to)} select ${orderColumns(time)} from n`).execute(tx));
      log(`    ${to} orders (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  } else {
    await sql.raw(`insert into customers (id, email, name, created_at, updated_at)
      select 'cus_' || lpad(i::text, 12, '0'), 'customer' || i || '@example.com', null, '${now}', '${now}' from generate_series(0, ${CUSTOMERS - 1}) as g(i)`).execute(db);
    const time = `to_char(to_timestamp(${BASE_EPOCH_S} + (i / 2) * 180) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    for (let from = 1; from <= orders; from += chunk) {
      const to = Math.min(orders, from + chunk - 1);
      // substr(…, -12, 12) is SQLite's "last 12"; PostgreSQL says lpad.
      const cols = orderColumns(time).replaceAll("substr('000000000000' || i, -12, 12)", "lpad(i::text, 12, '0')").replaceAll(
        `substr('000000000000' || ((i * 7919) % ${CUSTOMERS}), -12, 12)`,
        `lpad(((i::bigint * 7919) % ${CUSTOMERS})::text, 12, '0')`,
      );
      await sql.raw(`insert into orders (${ORDER_COLUMNS}) select ${cols} from generate_series(${from}, ${to}) as g(i)`).execute(db);
      log(`    ${to} orders (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    await sql`analyze`.execute(db);
  }
  log(`  seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function orderCount(db: Kysely<DB>): Promise<number> {
  try {
    const r = await db.selectFrom("orders").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return Number(r.n);
  } catch {
    return -1;
  }
}

/** The kept, seeded database of this dialect and size: reused when complete, else built. */
async function seededDatabase(dialect: Dialect, o: Options): Promise<{ database: Database; url: string }> {
  let url: string;
  if (dialect === "sqlite") {
    const file = join(ROOT, "tmp", "bench", `orders-list-${o.orders}.db`);
    mkdirSync(dirname(file), { recursive: true });
    if (o.reseed) for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
    url = `sqlite:${file}`;
    if (existsSync(file)) log(`  reusing ${file}`);
  } else {
    const schema = `bench_orders_list_${o.orders}`;
    const admin = new pg.Client({ connectionString: o.pgUrl });
    await admin.connect();
    if (o.reseed) await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.query(`create schema if not exists ${schema}`);
    await admin.end();
    const u = new URL(o.pgUrl);
    u.searchParams.set("options", `-c search_path=${schema}`);
    url = u.toString();
  }
  let database = createDatabase(url, { poolSize: 2 });
  await migrateToLatest(database.db);
  const n = await orderCount(database.db);
  if (n !== o.orders) {
    if (n > 0) {
      // A half-seeded database (an interrupted run): start it over.
      log(`  found ${n} orders, not ${o.orders}: seeding again`);
      await database.close();
      return seededDatabase(dialect, { ...o, reseed: true });
    }
    await seed(database.db, dialect, o.orders);
  } else {
    log(`  ${n} orders already seeded`);
  }
  return { database, url };
}

// ---- cases ----------------------------------------------------------------------------------

interface Case {
  name: string;
  /** The use case, as the admin page and the API call it. */
  keyset: () => Promise<unknown>;
  /** The same page through LIMIT/OFFSET plus a total count. */
  baseline: () => Promise<unknown>;
  /** The keyset query's SQL (for --explain). */
  plan: () => Promise<string>;
}

async function buildCases(c: Container, dialect: Dialect, orders: number): Promise<Case[]> {
  const db = c.db;
  const deepOffset = Math.floor(orders * 0.9);
  // The cursor a reader would hold after ~900,000 rows: the key of the row just before the page.
  const before = await db.selectFrom("orders").select(["created_at", "id"]).orderBy("created_at", "desc").orderBy("id", "desc").offset(deepOffset - 1).limit(1).executeTakeFirstOrThrow();
  const deepCursor = Buffer.from(JSON.stringify([before.created_at, before.id])).toString("base64url");
  const license = 100000 + (424242 * 31) % 300000;
  const email = "customer4242@example.com";
  const customerId = `cus_${"4242".padStart(12, "0")}`;

  type Filter = { states?: string[]; license?: number; customer?: string };
  const offsetPage = async (f: Filter, offset: number) => {
    let q = db.selectFrom("orders").selectAll();
    let count = db.selectFrom("orders").select((eb) => eb.fn.countAll<number>().as("n"));
    if (f.states) { q = q.where("state", "in", f.states); count = count.where("state", "in", f.states); }
    if (f.license) { q = q.where("license_id", "=", f.license); count = count.where("license_id", "=", f.license); }
    if (f.customer) {
      const cust = await db.selectFrom("customers").select("id").where("email", "=", f.customer).executeTakeFirstOrThrow();
      q = q.where("customer_id", "=", cust.id);
      count = count.where("customer_id", "=", cust.id);
    }
    const [rows, total] = await Promise.all([q.orderBy("created_at", "desc").orderBy("id", "desc").limit(PAGE).offset(offset).execute(), count.executeTakeFirstOrThrow()]);
    return { rows, total };
  };
  const explain = async (f: Parameters<Container["repos"]["orders"]["page"]>[1], after: { createdAt: string; id: string } | null) => {
    const compiled = c.repos.orders.pageQuery(db, f, after, PAGE + 1).compile();
    const prefix = dialect === "sqlite" ? "explain query plan " : "explain ";
    const r = await sql.raw<Record<string, unknown>>(prefix + inline(compiled.sql, compiled.parameters)).execute(db);
    return r.rows.map((row) => (dialect === "sqlite" ? String(row["detail"]) : String(row["QUERY PLAN"]))).join("\n");
  };
  const deepKey = { createdAt: before.created_at, id: before.id };
  return [
    { name: "first page", keyset: () => c.orders.listOrders({ limit: PAGE }), baseline: () => offsetPage({}, 0), plan: () => explain({ states: [] }, null) },
    { name: `deep page (after ${deepOffset.toLocaleString("en")})`, keyset: () => c.orders.listOrders({ limit: PAGE, after: deepCursor }), baseline: () => offsetPage({}, deepOffset), plan: () => explain({ states: [] }, deepKey) },
    { name: "state = active", keyset: () => c.orders.listOrders({ limit: PAGE, state: "active" }), baseline: () => offsetPage({ states: ["active"] }, 0), plan: () => explain({ states: ["active"] }, null) },
    { name: "state = needs_attention", keyset: () => c.orders.listOrders({ limit: PAGE, state: "needs_attention" }), baseline: () => offsetPage({ states: ["needs_attention"] }, 0), plan: () => explain({ states: ["needs_attention"] }, null) },
    {
      name: "3 open states",
      keyset: () => c.orders.listOrders({ limit: PAGE, states: ["manual_queue", "needs_attention", "awaiting_funds"] }),
      baseline: () => offsetPage({ states: ["manual_queue", "needs_attention", "awaiting_funds"] }, 0),
      plan: () => explain({ states: ["manual_queue", "needs_attention", "awaiting_funds"] }, null),
    },
    { name: "search: license", keyset: () => c.orders.listOrders({ limit: PAGE, q: String(license) }), baseline: () => offsetPage({ license }, 0), plan: () => explain({ states: [], licenseId: license }, null) },
    { name: "search: customer e-mail", keyset: () => c.orders.listOrders({ limit: PAGE, q: email }), baseline: () => offsetPage({ customer: email }, 0), plan: () => explain({ states: [], customerId }, null) },
  ];
}

function inline(text: string, params: readonly unknown[]): string {
  let i = 0;
  const lit = (v: unknown) => (typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
  // PostgreSQL: $1, $2 …; SQLite: ?
  return text.includes("$1") ? text.replace(/\$(\d+)/g, (_, n: string) => lit(params[Number(n) - 1])) : text.replace(/\?/g, () => lit(params[i++]));
}

// ---- statistics -----------------------------------------------------------------------------

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Stats { p50: number; p95: number; p99: number }

async function time(fn: () => Promise<unknown>, runs: number): Promise<Stats> {
  for (let i = 0; i < Math.min(10, runs); i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p95: pct(ms, 95), p99: pct(ms, 99) };
}

const f1 = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")} (${cpus().length} CPUs)`);
  const rows: string[] = [];
  let missed = false;
  for (const dialect of o.dialects) {
    log(`${dialect}:`);
    const { database, url } = await seededDatabase(dialect, o);
    const c = createContainer({
      config: loadConfig({ DATA_DIR: join(ROOT, "tmp", "bench"), DATABASE_URL: url, LOG_LEVEL: "silent" }),
      database,
      secretKey: SECRET,
      logger: createLogger("silent"),
    });
    try {
      const cases = await buildCases(c, dialect, o.orders);
      for (const k of cases) {
        if (o.explain) log(`  plan of "${k.name}":\n${(await k.plan()).replace(/^/gm, "    ")}`);
        const ks = await time(k.keyset, o.runs);
        const base = await time(k.baseline, o.baselineRuns);
        const target = k.name.startsWith("first") || k.name.startsWith("deep");
        if (target && ks.p95 >= TARGET_P95_MS) missed = true;
        const line = `| ${dialect} | ${k.name} | ${f1(ks.p50)} | ${f1(ks.p95)} | ${f1(ks.p99)} | ${f1(base.p50)} | ${f1(base.p95)} | ${f1(base.p99)} | ${(base.p95 / ks.p95).toFixed(1)}× |`;
        log(line);
        rows.push(line);
      }
    } finally {
      await c.close();
      await database.close();
    }
  }
  process.stdout.write(
    [
      `Orders list at ${o.orders.toLocaleString("en")} orders — keyset (${o.runs} runs) vs OFFSET + count (${o.baselineRuns} runs), ms; load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`,
      "",
      "| db | case | keyset p50 | p95 | p99 | OFFSET+count p50 | p95 | p99 | p95 ratio |",
      "|---|---|---:|---:|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      missed ? `TARGET MISSED: p95 of the first or deep page is ${TARGET_P95_MS} ms or more` : `targets met: p95 < ${TARGET_P95_MS} ms for the first and the deep page`,
      "",
    ].join("\n"),
  );
  return missed ? 1 : 0;
}

process.exitCode = await main();
