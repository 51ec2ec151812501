// `npm run bench`: how fast partnerbill serves the price list panels poll, compared with the
// fastest a Node HTTP server can answer the same bytes on this machine.
//
// Two child processes on 127.0.0.1: partnerbill exactly as users run it (`bin/partnerbill.js
// serve` over a throw-away SQLite database with the demo catalog), and a bare node:http server
// (bench/baseline-server.ts) that answers the bytes and headers partnerbill answered. autocannon,
// in this process, loads them in turn — baseline, partnerbill, partnerbill, baseline, … — so that
// noise from other work on the machine falls on both alike. Printed per variant (plain, gzip,
// 304): requests/s, p50/p99 latency, server CPU per request, and partnerbill/baseline ratios.
// docs/BENCHMARKS.md explains the method and records the figures.
import autocannon, { type Result } from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { configSchema } from "../src/app/config.ts";
import type { CapturedAnswer, CapturedAnswers } from "./baseline-server.ts";
import { intOption } from "./args.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const HOST = "127.0.0.1";
/** The URL the seed gives for panels (PROTOCOL.md §2.1). */
const PATH = "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";
const TARGET_RATIO = 0.9;
const TARGET_P99_MS = 10;

type VariantName = "plain" | "gzip" | "304";
type ServerName = "baseline" | "partnerbill";
const VARIANTS: readonly VariantName[] = ["plain", "gzip", "304"];

const HELP = `Usage: npm run bench -- [options]

Loads partnerbill's pricelist.export and a bare node:http server answering the same bytes,
in turn, on 127.0.0.1, and prints requests/s, latency and the ratio between them.

Options:
  --duration <s>      seconds per measured run (default 10)
  --connections <n>   concurrent connections (default 50)
  --rounds <n>        measured runs per server and variant (default 3)
  --warmup <s>        seconds of unmeasured load per server and variant first (default 3)
  --variants <list>   comma-separated: plain,gzip,304 (default all)
  --cpu-prof <dir>    run partnerbill with --cpu-prof and write the profile into <dir>
  --json              print the results as JSON on stdout (progress still goes to stderr)
  -h, --help          this text
`;

interface Options {
  duration: number;
  connections: number;
  rounds: number;
  warmup: number;
  variants: VariantName[];
  cpuProf: string | undefined;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "50" },
      rounds: { type: "string", default: "3" },
      warmup: { type: "string", default: "3" },
      variants: { type: "string", default: VARIANTS.join(",") },
      "cpu-prof": { type: "string" },
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
  const variants = values.variants.split(",").map((s) => s.trim()).filter(Boolean);
  for (const v of variants) {
    if (!VARIANTS.includes(v as VariantName)) throw new Error(`--variants: unknown variant ${v} (known: ${VARIANTS.join(", ")})`);
  }
  if (variants.length === 0) throw new Error("--variants: name at least one variant");
  return {
    duration: int("duration", values.duration, 1, 600),
    connections: int("connections", values.connections, 1, 1000),
    rounds: int("rounds", values.rounds, 1, 20),
    warmup: int("warmup", values.warmup, 0, 60),
    variants: variants as VariantName[],
    cpuProf: values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]),
    json: values.json,
  };
}

const log = (line: string) => process.stderr.write(line + "\n");

// ---- child processes ------------------------------------------------------------------------

interface Server {
  name: ServerName;
  child: ChildProcess;
  port: number;
}

const children = new Set<ChildProcess>();

/** Starts a child and resolves with the port it prints once it listens. */
function startChild(name: ServerName, args: string[], env: NodeJS.ProcessEnv, portLine: RegExp): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 60 s`)), 60_000);
    function fail(e: Error) {
      clearTimeout(timer);
      reject(new Error(`${e.message}\n${output.trim()}`));
    }
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = portLine.exec(output);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        // Keep draining so a chatty child never blocks on a full pipe.
        child.stdout?.resume();
        resolvePort({ name, child, port: Number(m[1]) });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code, signal) => fail(new Error(`${name} exited (${signal ?? code}) before listening`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("exit", () => {
      clearTimeout(kill);
      done();
    });
    child.kill("SIGTERM");
  });
}

/**
 * The child's environment: every partnerbill variable of the caller is dropped (a DATABASE_URL
 * pointing at a real database must never reach the benchmark), then set for a throw-away install.
 */
function partnerbillEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(configSchema.shape)) delete env[key];
  return {
    ...env,
    NODE_ENV: "production",
    PORT: "0",
    HOST,
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${join(dataDir, "partnerbill.db")}`,
    UPSTREAM_URL: "sandbox",
    DEMO_DATA: "true",
    LOG_LEVEL: "warn",
  };
}

/** User + system CPU time a process has used, in ms (Linux /proc; undefined elsewhere). */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5), in USER_HZ ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

// ---- HTTP -----------------------------------------------------------------------------------

/** Headers node:http writes itself; they are not part of what a handler answers. */
const TRANSPORT_HEADERS = new Set(["date", "connection", "keep-alive", "transfer-encoding"]);

function fetchAnswer(port: number, headers: Record<string, string>): Promise<CapturedAnswer> {
  return new Promise((done, reject) => {
    const req = request({ host: HOST, port, path: PATH, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const pairs: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!;
          if (!TRANSPORT_HEADERS.has(name.toLowerCase())) pairs.push([name, res.rawHeaders[i + 1]!]);
        }
        done({ status: res.statusCode ?? 0, headers: pairs, bodyBase64: Buffer.concat(chunks).toString("base64") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("no answer within 10 s")));
    req.end();
  });
}

function sameAnswer(a: CapturedAnswer, b: CapturedAnswer): boolean {
  const norm = (x: CapturedAnswer) => JSON.stringify([x.status, x.headers.map(([k, v]) => [k.toLowerCase(), v]).sort(), x.bodyBase64]);
  return norm(a) === norm(b);
}

interface Variant {
  name: VariantName;
  headers: Record<string, string>;
  expectedStatus: number;
}

function variantsFor(names: VariantName[], etag: string): Variant[] {
  const all: Record<VariantName, Variant> = {
    plain: { name: "plain", headers: {}, expectedStatus: 200 },
    gzip: { name: "gzip", headers: { "accept-encoding": "gzip, deflate, br" }, expectedStatus: 200 },
    "304": { name: "304", headers: { "accept-encoding": "gzip", "if-none-match": etag }, expectedStatus: 304 },
  };
  return names.map((n) => all[n]);
}

let running: { stop(): void } | null = null;

function load(port: number, v: Variant, seconds: number, connections: number): Promise<Result> {
  return new Promise((done, reject) => {
    running = autocannon(
      { url: `http://${HOST}:${port}${PATH}`, connections, duration: seconds, headers: v.headers, timeout: 10 },
      (err, result) => {
        running = null;
        if (err) reject(err);
        else done(result);
      },
    );
  });
}

// ---- measuring ------------------------------------------------------------------------------

interface Run {
  variant: VariantName;
  server: ServerName;
  round: number;
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuUsPerRequest: number | null;
  /** CPU the load generator (this process) used, as a share of one core. */
  clientCpuShare: number;
  unexpected: number;
}

async function measure(s: Server, v: Variant, round: number, opts: Options): Promise<Run> {
  const cpuBefore = cpuMsOf(s.child.pid);
  const clientBefore = process.cpuUsage();
  const r = await load(s.port, v, opts.duration, opts.connections);
  const clientCpu = process.cpuUsage(clientBefore);
  const cpuAfter = cpuMsOf(s.child.pid);
  const requests = r.requests.total;
  const unexpected =
    r.errors + r.timeouts + Object.entries(r.statusCodeStats).reduce((n, [code, { count }]) => (Number(code) === v.expectedStatus ? n : n + count), 0);
  return {
    variant: v.name,
    server: s.name,
    round,
    requests,
    seconds: r.duration,
    rps: requests / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    serverCpuUsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || requests === 0 ? null : ((cpuAfter - cpuBefore) * 1000) / requests,
    clientCpuShare: (clientCpu.user + clientCpu.system) / 1e6 / r.duration,
    unexpected,
  };
}

interface Summary {
  variant: VariantName;
  server: ServerName;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerRequest: number | null;
  clientCpuShare: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Throughput: the mean of the rounds; p50: their median; p99: the worst round (the target is a bound). */
function summarise(runs: Run[], variant: VariantName, server: ServerName): Summary {
  const mine = runs.filter((r) => r.variant === variant && r.server === server);
  const cpu = mine.map((r) => r.serverCpuUsPerRequest).filter((x): x is number => x !== null);
  return {
    variant,
    server,
    rps: mean(mine.map((r) => r.rps)),
    p50Ms: median(mine.map((r) => r.p50Ms)),
    p99Ms: Math.max(...mine.map((r) => r.p99Ms)),
    serverCpuUsPerRequest: cpu.length === mine.length ? mean(cpu) : null,
    clientCpuShare: mean(mine.map((r) => r.clientCpuShare)),
  };
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n");
}

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${HELP}`);
    return 2;
  }

  const tmp = mkdtempSync(join(tmpdir(), "partnerbill-bench-"));
  const cleanup = async () => {
    running?.stop();
    await Promise.all([...children].map(stopChild));
    rmSync(tmp, { recursive: true, force: true });
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`\n${signal}: stopping`);
    void cleanup().then(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  // The bench stops by itself: a hard deadline well past the planned running time.
  const planned = opts.variants.length * 2 * (opts.warmup + opts.rounds * (opts.duration + 1));
  const deadline = setTimeout(() => {
    log(`the benchmark ran past its deadline (${planned + 120} s); stopping`);
    void cleanup().then(() => process.exit(1));
  }, (planned + 120) * 1000);

  try {
    const loadBefore = loadavg();
    log(`load average before: ${loadBefore.map((x) => x.toFixed(2)).join(" ")} (${cpus().length} CPUs)`);
    log(`starting partnerbill (temp data dir ${tmp})`);
    const pbArgs = ["bin/partnerbill.js", "serve"];
    if (opts.cpuProf) pbArgs.unshift("--cpu-prof", `--cpu-prof-dir=${opts.cpuProf}`);
    const partnerbill = await startChild("partnerbill", pbArgs, partnerbillEnv(join(tmp, "data")), /serving on http:\/\/127\.0\.0\.1:(\d+)/);

    const plainAnswer = await fetchAnswer(partnerbill.port, {});
    if (plainAnswer.status !== 200) throw new Error(`partnerbill answered ${plainAnswer.status} to ${PATH}`);
    const etag = plainAnswer.headers.find(([k]) => k.toLowerCase() === "etag")?.[1];
    if (!etag) throw new Error("partnerbill's price list has no ETag");
    const answers: CapturedAnswers = {
      plain: plainAnswer,
      gzip: await fetchAnswer(partnerbill.port, variantsFor(["gzip"], etag)[0]!.headers),
      notModified: await fetchAnswer(partnerbill.port, variantsFor(["304"], etag)[0]!.headers),
    };
    const answersFile = join(tmp, "answers.json");
    writeFileSync(answersFile, JSON.stringify(answers));

    const baseline = await startChild("baseline", ["--import", "tsx", "bench/baseline-server.ts", answersFile], { ...process.env }, /listening (\d+)/);
    const variants = variantsFor(opts.variants, etag);
    for (const v of variants) {
      const [fromPb, fromBase] = await Promise.all([fetchAnswer(partnerbill.port, v.headers), fetchAnswer(baseline.port, v.headers)]);
      if (!sameAnswer(fromPb, fromBase)) throw new Error(`the baseline does not answer the ${v.name} variant like partnerbill`);
      if (fromPb.status !== v.expectedStatus) throw new Error(`partnerbill answered ${fromPb.status} to the ${v.name} variant`);
    }
    const bodyBytes = Buffer.from(answers.plain.bodyBase64, "base64").length;
    const gzipBytes = Buffer.from(answers.gzip.bodyBase64, "base64").length;
    log(`answers match: ${bodyBytes} B document (${gzipBytes} B gzipped)`);

    if (opts.warmup > 0) {
      log(`warming up: ${opts.warmup} s per server and variant`);
      for (const v of variants) for (const s of [baseline, partnerbill]) await load(s.port, v, opts.warmup, opts.connections);
    }

    const runs: Run[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const v of variants) {
        // Alternate who goes first, so a trend in background load does not favour one server.
        const order = (round + variants.indexOf(v)) % 2 === 1 ? [baseline, partnerbill] : [partnerbill, baseline];
        for (const s of order) {
          const r = await measure(s, v, round, opts);
          runs.push(r);
          log(
            `round ${round}/${opts.rounds} ${v.name.padEnd(5)} ${s.name.padEnd(11)} ${fmtInt(r.rps).padStart(7)} req/s` +
              `  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms` +
              (r.serverCpuUsPerRequest === null ? "" : `  ${r.serverCpuUsPerRequest.toFixed(1)} µs CPU/req`) +
              (r.unexpected > 0 ? `  ${r.unexpected} UNEXPECTED ANSWERS/ERRORS` : ""),
          );
        }
      }
    }
    const loadAfter = loadavg();

    const summaries = variants.flatMap((v) => (["baseline", "partnerbill"] as const).map((s) => summarise(runs, v.name, s)));
    // Ratios are taken round by round — each round runs both servers back to back, so a burst of
    // background load mostly hits one pair — and the median of the rounds is reported.
    const comparisons = variants.map((v) => {
      const pb = summaries.find((s) => s.variant === v.name && s.server === "partnerbill")!;
      const pairs = Array.from({ length: opts.rounds }, (_, i) => {
        const inRound = (server: ServerName) => runs.find((r) => r.variant === v.name && r.server === server && r.round === i + 1)!;
        return { base: inRound("baseline"), pb: inRound("partnerbill") };
      });
      const ratio = median(pairs.map((p) => p.pb.rps / p.base.rps));
      const cpu = pairs.filter((p) => p.base.serverCpuUsPerRequest !== null && p.pb.serverCpuUsPerRequest !== null);
      return {
        variant: v.name,
        ratio,
        roundRatios: pairs.map((p) => p.pb.rps / p.base.rps),
        cpuRatio: cpu.length === pairs.length ? median(cpu.map((p) => p.base.serverCpuUsPerRequest! / p.pb.serverCpuUsPerRequest!)) : null,
        partnerbillP99Ms: pb.p99Ms,
        targetMet: ratio >= TARGET_RATIO && pb.p99Ms < TARGET_P99_MS,
      };
    });
    const unexpected = runs.reduce((n, r) => n + r.unexpected, 0);

    const result = {
      url: PATH,
      host: HOST,
      connections: opts.connections,
      durationSeconds: opts.duration,
      rounds: opts.rounds,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.version, loadBefore, loadAfter },
      documentBytes: bodyBytes,
      gzipBytes,
      targets: { ratio: TARGET_RATIO, p99Ms: TARGET_P99_MS },
      summaries,
      comparisons,
      runs,
      unexpected,
    };

    if (opts.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    } else {
      const rows = [["variant", "server", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "client CPU"]];
      for (const s of summaries) {
        rows.push([
          s.variant,
          s.server,
          fmtInt(s.rps),
          String(s.p50Ms),
          String(s.p99Ms),
          s.serverCpuUsPerRequest === null ? "n/a" : s.serverCpuUsPerRequest.toFixed(1),
          `${Math.round(s.clientCpuShare * 100)}%`,
        ]);
      }
      const out = [
        "",
        `pricelist.export on ${HOST}: ${opts.connections} connections, ${opts.rounds} × ${opts.duration} s per server and variant`,
        `machine: ${result.machine.cpus} × ${result.machine.cpuModel}, node ${process.version}`,
        `load average before ${loadBefore.map((x) => x.toFixed(2)).join(" ")}, after ${loadAfter.map((x) => x.toFixed(2)).join(" ")}`,
        `document: ${bodyBytes} B (${gzipBytes} B gzipped)  ${PATH}`,
        "",
        table(rows),
        "",
        ...comparisons.map(
          (c) =>
            `${c.variant.padEnd(5)}  throughput ratio ${c.ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}; rounds ${c.roundRatios.map((x) => x.toFixed(2)).join(" ")})` +
            (c.cpuRatio === null ? "" : `  CPU-per-request ratio ${c.cpuRatio.toFixed(2)}`) +
            `  p99 ${c.partnerbillP99Ms} ms (target < ${TARGET_P99_MS})  ${c.targetMet ? "met" : "NOT MET"}`,
        ),
        ...(unexpected > 0 ? [`${unexpected} requests got an unexpected status or failed — figures are not valid`] : []),
        "",
      ];
      process.stdout.write(out.join("\n"));
    }
    return unexpected > 0 ? 1 : 0;
  } finally {
    clearTimeout(deadline);
    if (!interrupted) await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
