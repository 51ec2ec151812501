// `npm run bench:orders`: how fast a paid order becomes active upstream, and how placing scales
// with worker processes (issue 4). Three measurements, all on 127.0.0.1:
//
//   latency     one order at a time (spaced by a random pause, so nothing queues): paid → active
//               per order, read from the database (orders.paid_at → activated_at). The sandbox
//               answers at once, then after 200 ms (a latency fault on every function). Cases:
//               SQLite and PostgreSQL with one real worker process (`serve --roles worker`) beside
//               this process, which takes the payments as the web role would; and SQLite with the
//               worker inside this process — the one-process topology SQLite is meant for.
//   throughput  PostgreSQL, sandbox at 200 ms: a burst of paid orders drained by one, then by two
//               worker processes (same WORKER_CONCURRENCY each), in alternating rounds. By default
//               the burst is paid before the workers start and orders/s = orders / (last
//               activated_at − the first worker's start); `--burst live` pays while the workers run
//               and counts from the first paid_at (see throughputRun for why both exist).
//   list        what fulfillment's `addition` call (listModules: every module of the account,
//               before each order) costs as the account grows: answer size, time, parse share.
//
// Payments go through the real use case (OrderService.payFromBalance: pre-check upstream, then one
// transaction that debits the balance and enqueues order.place). Every run gets a fresh database
// (test/helpers/db.ts) and a fresh sandbox (test/helpers/sandbox.ts) whose licenses are created
// through its control endpoint. Progress goes to stderr; figures to stdout. docs/BENCHMARKS.md
// ("Fulfillment (issue 4)") explains the method and records results. Not part of `npm test`.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { configSchema, loadConfig } from "../src/app/config.ts";
import { createContainer, type Container } from "../src/app/container.ts";
import { createLogger } from "../src/app/logger.ts";
import type { Dialect } from "../src/db/database.ts";
import { randomIds } from "../src/lib/ids.ts";
import { createUpstreamClient } from "../src/upstream/client.ts";
import { createTestDatabase, type TestDatabase } from "../test/helpers/db.ts";
import { prng } from "../test/helpers/fleet.ts";
import { startSandbox, type TestSandbox } from "../test/helpers/sandbox.ts";
import { intOption } from "./args.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SECRET = "bench-secret-key-bench-secret-key-0123456789";
/** Dr.Web Lite in the sandbox's EU catalog: the cheapest module, so the demo balance lasts. */
const TARIFF = 55361;
const FIRST_LICENSE = 800000;
/** Orders paid and activated before the measured ones (connections, JIT), not counted. */
const WARMUP_ORDERS = 3;
const TARGET_P50_MS = 100;
/** WORKER_CONCURRENCY when --concurrency is not given: what a node runs out of the box. */
const DEFAULT_CONCURRENCY = loadConfig({}).WORKER_CONCURRENCY;
const TARGET_RATIO = 1.7;
const CASES = ["latency", "throughput", "list"] as const;
type CaseName = (typeof CASES)[number];
const BURSTS = ["queued", "live"] as const;
type Burst = (typeof BURSTS)[number];

const HELP = `Usage: npm run bench:orders -- [options]

Measures paid → active latency (SQLite and PostgreSQL, sandbox answering at once and after
--upstream-ms) and orders/s with one and two worker processes on PostgreSQL.

Options:
  --latency-orders <n>  orders per latency case, one at a time (default 40)
  --orders <n>          orders per throughput burst (default 300)
  --concurrency <n>     WORKER_CONCURRENCY of each worker (default ${DEFAULT_CONCURRENCY}, the product's default)
  --rounds <n>          throughput rounds; each runs one and two workers, order alternating (default 2)
  --burst <mode>        queued: pay every order, then start the workers (default);
                        live: start the workers, then pay (window from the first payment)
  --upstream-ms <ms>    the slow upstream's latency (default 200)
  --list-sizes <list>   account sizes (modules) for the list cost (default 100,1000,5000)
  --cases <list>        comma-separated: ${CASES.join(",")} (default all)
  --json                print the results as JSON on stdout (progress still goes to stderr)
  -h, --help            this text
`;

interface Options {
  latencyOrders: number;
  orders: number;
  concurrency: number;
  rounds: number;
  burst: Burst;
  upstreamMs: number;
  listSizes: number[];
  cases: CaseName[];
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      "latency-orders": { type: "string", default: "40" },
      orders: { type: "string", default: "300" },
      concurrency: { type: "string", default: String(DEFAULT_CONCURRENCY) },
      rounds: { type: "string", default: "2" },
      burst: { type: "string", default: "queued" },
      "upstream-ms": { type: "string", default: "200" },
      "list-sizes": { type: "string", default: "100,1000,5000" },
      cases: { type: "string", default: CASES.join(",") },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const int = intOption;
  const cases = values.cases.split(",").map((s) => s.trim()).filter(Boolean);
  for (const c of cases) if (!CASES.includes(c as CaseName)) throw new Error(`--cases: unknown case ${c} (known: ${CASES.join(", ")})`);
  if (cases.length === 0) throw new Error("--cases: name at least one case");
  if (!BURSTS.includes(values.burst as Burst)) throw new Error(`--burst must be one of ${BURSTS.join(", ")}`);
  const listSizes = values["list-sizes"].split(",").map((s) => int("list-sizes", s.trim(), 1, 20_000));
  return {
    latencyOrders: int("latency-orders", values["latency-orders"], 1, 1000),
    orders: int("orders", values.orders, 10, 5000),
    concurrency: int("concurrency", values.concurrency, 1, 256),
    rounds: int("rounds", values.rounds, 1, 10),
    burst: values.burst as Burst,
    upstreamMs: int("upstream-ms", values["upstream-ms"], 1, 5000),
    listSizes: [...new Set(listSizes)].sort((a, b) => a - b),
    cases: cases as CaseName[],
    json: values.json,
  };
}

const log = (line: string) => process.stderr.write(line + "\n");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Everything a run started, undone in reverse order at its end, on a signal or at the deadline. */
const cleanups: (() => Promise<void>)[] = [];
async function unwindTo(mark: number): Promise<void> {
  while (cleanups.length > mark) {
    try {
      await cleanups.pop()!();
    } catch (e) {
      log(`cleanup: ${(e as Error).message}`);
    }
  }
}
const cleanupAll = () => unwindTo(0);
/** Registers an undo step and returns a function that runs it now (once). */
function onCleanup(fn: () => Promise<void>): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    const i = cleanups.indexOf(once);
    if (i >= 0) cleanups.splice(i, 1);
    await fn();
  };
  cleanups.push(once);
  return once;
}

// ---- statistics -----------------------------------------------------------------------------

/** Nearest-rank percentile of a sorted list. */
function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const median = (xs: number[]) => pct([...xs].sort((a, b) => a - b), 50);

/** User + system CPU time a process has used, in ms (Linux /proc; undefined elsewhere). */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

// ---- worker processes -----------------------------------------------------------------------

interface Worker {
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A real worker node: `bin/partnerbill.js serve --roles worker`. Every partnerbill variable of the
 * caller is dropped first (a DATABASE_URL pointing at a real database must never reach the
 * benchmark). Resolves once the worker has started (it prints "partnerbill is running").
 */
function startWorker(t: TestDatabase, sb: TestSandbox, concurrency: number, dataDir: string): Promise<Worker> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(configSchema.shape)) delete env[key];
  Object.assign(env, {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    DATA_DIR: mkdtempSync(join(dataDir, "worker-")),
    DATABASE_URL: t.url,
    SECRET_KEY: SECRET,
    UPSTREAM_URL: sb.billmgrUrl,
    UPSTREAM_USER: sb.credentials.user,
    UPSTREAM_PASSWORD: sb.credentials.password,
    UPSTREAM_TIMEOUT_MS: "10000",
    WORKER_CONCURRENCY: String(concurrency),
    LOG_LEVEL: "warn",
  });
  const child = spawn(process.execPath, ["bin/partnerbill.js", "serve", "--roles", "worker"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.kill("SIGTERM");
    await exited;
    clearTimeout(kill);
  });
  return new Promise((ready, reject) => {
    const timer = setTimeout(() => fail(new Error("the worker did not start within 60 s")), 60_000);
    function fail(e: Error) {
      clearTimeout(timer);
      reject(new Error(`${e.message}\n${output.trim().slice(-2000)}`));
    }
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString();
      if (output.includes("partnerbill is running")) {
        clearTimeout(timer);
        ready({ child, stop });
      }
    });
    child.stderr!.on("data", (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    });
    child.once("exit", (code, signal) => fail(new Error(`the worker exited (${signal ?? code}) before it started`)));
  });
}

// ---- set-up ---------------------------------------------------------------------------------

interface Stage {
  t: TestDatabase;
  sb: TestSandbox;
  c: Container;
  orderIds: string[];
  customers: string[];
}

/**
 * A fresh database and sandbox with `n` pending orders, one license each (created through the
 * sandbox's control endpoint), and customers with the money to pay them.
 */
async function stage(dialect: Dialect, n: number, dataDir: string, customerCount: number): Promise<Stage> {
  const t = await createTestDatabase(dialect);
  onCleanup(() => t.dispose());
  const sb = await startSandbox({ seed: 4 });
  onCleanup(() => sb.stop());
  const c = createContainer({
    config: loadConfig({ DATA_DIR: dataDir, DATABASE_URL: t.url, LOG_LEVEL: "silent", UPSTREAM_TIMEOUT_MS: "10000" }),
    database: t.database,
    secretKey: SECRET,
    ids: randomIds,
    logger: createLogger("silent"),
    upstreamUrl: sb.billmgrUrl,
    upstreamCredentials: sb.credentials,
  });
  onCleanup(() => c.close());
  await c.catalog.setPrice(String(TARIFF), { period: 1, amount: "10.00", currency: "EUR" }, { source: "cli" });
  const customers: string[] = [];
  const perCustomer = Math.ceil(n / customerCount);
  for (let i = 0; i < customerCount; i++) {
    const email = `bench${i}@example.com`;
    const cust = await c.customers.add({ email });
    await c.customers.credit(cust.id, { amount: String(10 * perCustomer), currency: "EUR", reason: "bench", actor: "bench" });
    customers.push(email);
  }
  const orderIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const license = FIRST_LICENSE + i;
    const r = await sb.control("POST", "/licenses", { account: sb.credentials.user, id: license, ip: `10.${Math.floor(i / 250)}.${i % 250}.1` });
    if (r.status !== 201) throw new Error(`the sandbox refused license ${license}: ${r.status} ${JSON.stringify(r.json)}`);
    const { order } = await c.orders.intake({ license: String(license), module_id: String(TARIFF) }, null);
    orderIds.push(order.id);
  }
  return { t, sb, c, orderIds, customers };
}

function setUpstreamLatency(sb: TestSandbox, ms: number): void {
  sb.sandbox.faults.clear();
  if (ms > 0) sb.sandbox.faults.add({ kind: "latency", ms });
}

async function waitUntil(what: string, check: () => Promise<boolean>, deadlineMs: number, everyMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${deadlineMs} ms`);
    await sleep(everyMs);
  }
}

const msBetween = (from: string, to: string) => Date.parse(to) - Date.parse(from);

// ---- latency --------------------------------------------------------------------------------

interface LatencyResult {
  case: string;
  dialect: Dialect;
  worker: "process" | "in-process";
  upstreamMs: number;
  orders: number;
  notActive: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** paid → placing (queue wait, claim, the `addition` list call) and placing → active (the order call, activation). */
  p50ToPlacingMs: number;
  p50PlacingToActiveMs: number;
}

async function latencyCase(dialect: Dialect, worker: "process" | "in-process", upstreamMs: number, opts: Options, dataDir: string): Promise<LatencyResult> {
  const label = `${dialect}, ${worker === "process" ? "1 worker process" : "worker in the paying process"}, upstream ${upstreamMs} ms`;
  log(`latency: ${label}`);
  const n = WARMUP_ORDERS + opts.latencyOrders;
  const mark = cleanups.length;
  try {
    const { t, sb, c, orderIds, customers } = await stage(dialect, n, dataDir, 1);
    if (worker === "process") {
      await startWorker(t, sb, opts.concurrency, dataDir);
    } else {
      const w = c.jobs.createWorker({ concurrency: opts.concurrency });
      await w.start();
      onCleanup(async () => void (await w.stop()));
    }
    setUpstreamLatency(sb, upstreamMs);
    // Seeded: the same pauses between orders on every run.
    const random = prng(4);
    for (const id of orderIds) {
      await c.orders.payFromBalance(id, customers[0]!, "bench");
      await waitUntil(`order ${id} to become active`, async () => {
        const o = await c.orders.find(id);
        if (o && o.state !== "paid" && o.state !== "placing" && o.state !== "active") throw new Error(`order ${id} ended ${o.state}: ${o.reason}`);
        return o?.state === "active";
      }, 60_000, 5);
      // A pause of random length, so a payment lands at any moment of the worker's poll cycle.
      await sleep(Math.floor(random() * 1000));
    }
    const total: number[] = [];
    const toPlacing: number[] = [];
    const placingToActive: number[] = [];
    let notActive = 0;
    for (const id of orderIds.slice(WARMUP_ORDERS)) {
      const o = (await c.orders.find(id))!;
      if (o.state !== "active" || !o.paid_at || !o.activated_at) {
        notActive++;
        continue;
      }
      total.push(msBetween(o.paid_at, o.activated_at));
      const placing = (await c.orders.timeline(id)).filter((e) => e.to_state === "placing").at(-1);
      if (placing) {
        toPlacing.push(msBetween(o.paid_at, placing.at));
        placingToActive.push(msBetween(placing.at, o.activated_at));
      }
    }
    const sorted = [...total].sort((a, b) => a - b);
    const r: LatencyResult = {
      case: label,
      dialect,
      worker,
      upstreamMs,
      orders: total.length,
      notActive,
      p50Ms: pct(sorted, 50),
      p95Ms: pct(sorted, 95),
      p99Ms: pct(sorted, 99),
      maxMs: sorted.at(-1) ?? NaN,
      p50ToPlacingMs: median(toPlacing),
      p50PlacingToActiveMs: median(placingToActive),
    };
    log(`  p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms (paid → placing p50 ${r.p50ToPlacingMs} ms, placing → active p50 ${r.p50PlacingToActiveMs} ms)`);
    return r;
  } finally {
    await unwindTo(mark);
  }
}

// ---- throughput -----------------------------------------------------------------------------

interface ThroughputRun {
  workers: number;
  round: number;
  burst: Burst;
  orders: number;
  notActive: number;
  /** The measured window: first paid_at (live) or the first worker's start (queued) → last activated_at. */
  seconds: number;
  ordersPerSecond: number;
  /** live: how long the payments took to go in; queued: how far apart the workers started. */
  spreadSeconds: number;
  /** Worker CPU per order (all worker processes together, from their start to the last order). */
  workerCpuMsPerOrder: number | null;
  /** CPU of this process per order over the same span: the sandbox answering (and, live, the payments). */
  benchCpuMsPerOrder: number;
  placeAttempts: number;
  /** Per order: placing → active, and the `addition.order.param` call within it (its timeline note). */
  p50PlacingToActiveMs: number;
  p50OrderCallMs: number;
}

/** Runs `fn` over `items` with at most `width` at once. */
async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

/**
 * One burst drained by `workers` worker processes. `queued`: every order is paid first, with no
 * worker running; then the workers start together and the window runs from the first worker's
 * start to the last activation — only fulfillment is measured. `live`: the workers run first and
 * the payments stream in (64 at once); the window is first paid_at → last activated_at. On a small
 * machine the payments (each pre-checks upstream) and the sandbox compete with the workers for
 * CPU, so `live` measures the harness as much as the workers.
 */
async function throughputRun(workers: number, round: number, burst: Burst, opts: Options, dataDir: string): Promise<ThroughputRun> {
  log(`throughput (${burst}): round ${round}, ${workers} worker process(es), ${opts.orders} orders, upstream ${opts.upstreamMs} ms`);
  const mark = cleanups.length;
  try {
    // Several customers, so the payments' row locks on a customer do not serialise the burst.
    const { t, sb, c, orderIds, customers } = await stage("postgres", opts.orders, dataDir, 8);
    const payAll = () => pool(orderIds, 64, async (id, i) => {
      await c.orders.payFromBalance(id, customers[i % customers.length]!, "bench");
    });
    const startAll = async () => {
      const started = await Promise.all(Array.from({ length: workers }, async () => {
        const w = await startWorker(t, sb, opts.concurrency, dataDir);
        return { w, at: Date.now(), cpu: cpuMsOf(w.child.pid) };
      }));
      return started;
    };
    let started: Awaited<ReturnType<typeof startAll>>;
    let benchCpu: NodeJS.CpuUsage;
    if (burst === "queued") {
      // Paid while nobody places: the pre-checks may as well get quick answers.
      await payAll();
      setUpstreamLatency(sb, opts.upstreamMs);
      benchCpu = process.cpuUsage();
      started = await startAll();
    } else {
      started = await startAll();
      setUpstreamLatency(sb, opts.upstreamMs);
      benchCpu = process.cpuUsage();
      await payAll();
    }
    await waitUntil("every order to leave paid/placing", async () => {
      const s = await c.orders.countByState();
      return (s["paid"] ?? 0) + (s["placing"] ?? 0) + (s["pending_payment"] ?? 0) === 0;
    }, 600_000, 100);
    const cpuAfter = started.map((s) => cpuMsOf(s.w.child.pid));
    const benchUsed = process.cpuUsage(benchCpu);
    for (const s of started) await s.w.stop();
    const rows = await Promise.all(orderIds.map((id) => c.orders.find(id)));
    const active = rows.filter((o) => o?.state === "active" && o.paid_at && o.activated_at);
    const paidAt = rows.map((o) => Date.parse(o!.paid_at!));
    const readyAt = started.map((s) => s.at);
    const from = burst === "queued" ? Math.min(...readyAt) : Math.min(...paidAt);
    const lastActive = Math.max(...active.map((o) => Date.parse(o!.activated_at!)));
    const seconds = (lastActive - from) / 1000;
    const cpu = started.every((s, i) => s.cpu !== undefined && cpuAfter[i] !== undefined)
      ? started.reduce((sum, s, i) => sum + cpuAfter[i]! - s.cpu!, 0) / orderIds.length
      : null;
    const jobs = await c.queue.list({ kind: "order.place", limit: 100_000 });
    const placingToActive: number[] = [];
    const orderCall: number[] = [];
    for (const o of active) {
      const tl = await c.orders.timeline(o!.id);
      const placing = tl.filter((e) => e.to_state === "placing").at(-1);
      if (placing) placingToActive.push(msBetween(placing.at, o!.activated_at!));
      const call = tl.find((e) => e.kind === "upstream_call" && e.detail?.["func"] === "addition.order.param" && e.detail?.["outcome"] === "done");
      if (typeof call?.detail?.["durationMs"] === "number") orderCall.push(call.detail["durationMs"]);
    }
    const r: ThroughputRun = {
      workers,
      round,
      burst,
      orders: active.length,
      notActive: rows.length - active.length,
      seconds,
      ordersPerSecond: active.length / seconds,
      spreadSeconds: burst === "queued" ? (Math.max(...readyAt) - Math.min(...readyAt)) / 1000 : (Math.max(...paidAt) - Math.min(...paidAt)) / 1000,
      workerCpuMsPerOrder: cpu,
      benchCpuMsPerOrder: (benchUsed.user + benchUsed.system) / 1000 / orderIds.length,
      placeAttempts: jobs.reduce((n, j) => n + j.attempts, 0),
      p50PlacingToActiveMs: median(placingToActive),
      p50OrderCallMs: median(orderCall),
    };
    const spread = burst === "queued" ? `workers started within ${r.spreadSeconds.toFixed(2)} s` : `payments went in within ${r.spreadSeconds.toFixed(2)} s`;
    log(`  ${r.ordersPerSecond.toFixed(1)} orders/s (${r.orders} in ${r.seconds.toFixed(2)} s; ${spread}; worker CPU ${cpu === null ? "?" : cpu.toFixed(1)} ms/order, this process ${r.benchCpuMsPerOrder.toFixed(1)} ms/order; ${r.placeAttempts} place attempts; placing → active p50 ${r.p50PlacingToActiveMs} ms, of which the order call ${r.p50OrderCallMs} ms)`);
    return r;
  } finally {
    await unwindTo(mark);
  }
}

// ---- list cost ------------------------------------------------------------------------------

interface ListCost {
  modules: number;
  answerBytes: number;
  /** One `addition` call through partnerbill's client: request, sandbox rendering, parsing. */
  p50CallMs: number;
  /** The same request without parsing (raw HTTP): the rest of p50CallMs is the client's parsing. */
  p50RawMs: number;
}

async function listCost(opts: Options): Promise<ListCost[]> {
  log("list: the cost of fulfillment's `addition` call as the account grows");
  const mark = cleanups.length;
  const sb = await startSandbox({ seed: 4 });
  onCleanup(() => sb.stop());
  const client = createUpstreamClient({ baseUrl: sb.billmgrUrl, ...sb.credentials, timeoutMs: 30_000 });
  onCleanup(() => client.close());
  try {
    // A few licenses carry all the modules (upstream allows the same tariff twice on a license).
    for (let i = 0; i < 10; i++) await sb.control("POST", "/licenses", { account: sb.credentials.user, id: FIRST_LICENSE + i, ip: `10.9.${i}.1` });
    await sb.control("POST", `/accounts/${sb.credentials.user}/balance`, { amount: "1000000.00" });
    const out: ListCost[] = [];
    let have = (await client.listModules()).length;
    for (const size of opts.listSizes) {
      const need = Array.from({ length: Math.max(0, size - have) }, (_, i) => i);
      await pool(need, 16, async (i) => {
        await client.orderModule({ license: FIRST_LICENSE + (i % 10), pricelist: TARIFF, period: 1 });
      });
      have = Math.max(have, size);
      const calls: number[] = [];
      const raws: number[] = [];
      let bytes = 0;
      const body = new URLSearchParams({ authinfo: `${sb.credentials.user}:${sb.credentials.password}`, func: "addition", out: "xml", lang: "en" });
      for (let k = 0; k < 15; k++) {
        let t0 = performance.now();
        const mods = await client.listModules();
        calls.push(performance.now() - t0);
        if (mods.length !== have) throw new Error(`expected ${have} modules upstream, the list has ${mods.length}`);
        t0 = performance.now();
        const res = await fetch(sb.billmgrUrl, { method: "POST", body });
        bytes = (await res.arrayBuffer()).byteLength;
        raws.push(performance.now() - t0);
      }
      const r: ListCost = { modules: have, answerBytes: bytes, p50CallMs: median(calls), p50RawMs: median(raws) };
      log(`  ${r.modules} modules: ${(r.answerBytes / 1024).toFixed(0)} KiB answer, ${r.p50CallMs.toFixed(1)} ms per call (${r.p50RawMs.toFixed(1)} ms without parsing)`);
      out.push(r);
    }
    return out;
  } finally {
    await unwindTo(mark);
  }
}

// ---- main -----------------------------------------------------------------------------------

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const tmp = mkdtempSync(join(tmpdir(), "partnerbill-bench-orders-"));
  const finish = async (code: number) => {
    await cleanupAll();
    rmSync(tmp, { recursive: true, force: true });
    process.exit(code);
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping`);
    void finish(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  // The benchmark stops by itself: a hard deadline far past the planned running time.
  const has = (c: CaseName) => opts.cases.includes(c);
  const plannedS =
    (has("latency") ? 6 * (WARMUP_ORDERS + opts.latencyOrders) * (1.5 + (2 * opts.upstreamMs) / 1000) : 0) +
    (has("throughput") ? opts.rounds * 2 * (30 + opts.orders * 0.5) : 0) +
    (has("list") ? 60 + opts.listSizes.at(-1)! / 50 : 0);
  const deadlineS = Math.ceil(plannedS * 2 + 120);
  const deadline = setTimeout(() => {
    log(`the benchmark ran past its deadline (${deadlineS} s); stopping`);
    void finish(1);
  }, deadlineS * 1000);
  deadline.unref();

  const loadBefore = loadavg();
  log(`load average before: ${loadBefore.map((x) => x.toFixed(2)).join(" ")} (${cpus().length} CPUs); deadline ${deadlineS} s`);
  const latency: LatencyResult[] = [];
  const runs: ThroughputRun[] = [];
  let list: ListCost[] = [];
  try {
    if (has("latency")) {
      for (const upstreamMs of [0, opts.upstreamMs]) {
        latency.push(await latencyCase("sqlite", "process", upstreamMs, opts, tmp));
        latency.push(await latencyCase("sqlite", "in-process", upstreamMs, opts, tmp));
        latency.push(await latencyCase("postgres", "process", upstreamMs, opts, tmp));
      }
    }
    if (has("throughput")) {
      // ABBA order (1, 2, 2, 1, …) so that drift in the machine's load falls on both alike.
      for (let round = 1; round <= opts.rounds; round++) {
        for (const w of round % 2 === 1 ? [1, 2] : [2, 1]) runs.push(await throughputRun(w, round, opts.burst, opts, tmp));
      }
    }
    if (has("list")) list = await listCost(opts);
  } catch (e) {
    log(`error: ${(e as Error).stack ?? e}`);
    await cleanupAll();
    rmSync(tmp, { recursive: true, force: true });
    return 1;
  }
  rmSync(tmp, { recursive: true, force: true });
  const loadAfter = loadavg();
  log(`load average after: ${loadAfter.map((x) => x.toFixed(2)).join(" ")}`);

  const rate = (w: number) => {
    const mine = runs.filter((r) => r.workers === w);
    return mine.length ? mine.reduce((s, r) => s + r.ordersPerSecond, 0) / mine.length : NaN;
  };
  const throughput = runs.length
    ? { burst: opts.burst, oneWorker: rate(1), twoWorkers: rate(2), ratio: rate(2) / rate(1), target: TARGET_RATIO, upstreamMs: opts.upstreamMs, concurrency: opts.concurrency, runs }
    : null;
  const atOnce = latency.filter((r) => r.upstreamMs === 0);
  const result = {
    machine: { cpus: cpus().length, loadBefore, loadAfter },
    options: opts,
    latency: { targetP50Ms: TARGET_P50_MS, cases: latency },
    throughput,
    list,
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    return 0;
  }
  const out: string[] = [];
  if (latency.length) {
    out.push(`paid → active, one order at a time (${opts.latencyOrders} per case, worker concurrency ${opts.concurrency}):`, "");
    out.push(table([
      ["case", "p50 ms", "p95 ms", "p99 ms", "max ms", "→placing p50", "placing→active p50", "not active"],
      ...latency.map((r) => [r.case, String(r.p50Ms), String(r.p95Ms), String(r.p99Ms), String(r.maxMs), String(r.p50ToPlacingMs), String(r.p50PlacingToActiveMs), String(r.notActive)]),
    ]));
    out.push("", `target p50 < ${TARGET_P50_MS} ms with upstream answering at once: ${atOnce.map((r) => `${r.dialect}/${r.worker} ${r.p50Ms < TARGET_P50_MS ? "met" : "MISSED"}`).join(", ")}`, "");
  }
  if (throughput) {
    out.push(`orders/s on PostgreSQL, upstream ${opts.upstreamMs} ms, ${opts.orders} orders per burst (${opts.burst}), WORKER_CONCURRENCY ${opts.concurrency} per worker:`, "");
    out.push(table([
      ["run", "orders/s", "seconds", opts.burst === "queued" ? "workers' start spread (s)" : "payments in (s)", "worker CPU ms/order", "sandbox CPU ms/order", "place attempts", "not active"],
      ...runs.map((r) => [`round ${r.round}, ${r.workers} worker(s)`, r.ordersPerSecond.toFixed(1), r.seconds.toFixed(2), r.spreadSeconds.toFixed(2), r.workerCpuMsPerOrder === null ? "?" : r.workerCpuMsPerOrder.toFixed(1), r.benchCpuMsPerOrder.toFixed(1), String(r.placeAttempts), String(r.notActive)]),
    ]));
    out.push("", `one worker ${throughput.oneWorker.toFixed(1)} orders/s, two workers ${throughput.twoWorkers.toFixed(1)} orders/s: ×${throughput.ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}: ${throughput.ratio >= TARGET_RATIO ? "met" : "MISSED"})`, "");
  }
  if (list.length) {
    out.push("the `addition` list call fulfillment makes before every order, by account size (upstream answering at once):", "");
    out.push(table([
      ["modules", "answer KiB", "call p50 ms", "without parsing ms"],
      ...list.map((r) => [String(r.modules), (r.answerBytes / 1024).toFixed(0), r.p50CallMs.toFixed(1), r.p50RawMs.toFixed(1)]),
    ]));
    out.push("");
  }
  out.push(`load average: before ${loadBefore.map((x) => x.toFixed(2)).join(" ")}, after ${loadAfter.map((x) => x.toFixed(2)).join(" ")} (${cpus().length} CPUs)`);
  process.stdout.write(out.join("\n") + "\n");
  return 0;
}

const code = await main();
await cleanupAll();
process.exit(code);
