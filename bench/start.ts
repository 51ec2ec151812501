// `npm run bench:start`: how fast partnerbill starts and how much memory it holds, side by side with
// the node baselines on this machine (docs/BENCHMARKS.md, docs/adr/0032).
//   CLI:    `partnerbill --help` against `node -e 0`; `partnerbill modules list` (SQLite) against --help.
//   server: `partnerbill serve` on a fresh SQLite file until /readyz answers 200, against a bare
//           node:http server started the same way until it answers; then the resident memory of
//           partnerbill idle with the demo data, 3 s and 13 s after the price list has been served once.
// Each figure is the median of --runs runs (default 7), the two sides alternating run by run.
// Options: --runs <n>, --json. Talks to 127.0.0.1 only; every child gets a throw-away DATA_DIR.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { intOption } from "./args.ts";

const argv = process.argv.slice(2);
const RUNS = argv.includes("--runs") ? intOption("runs", argv[argv.indexOf("--runs") + 1] ?? "", 1, 100) : 7;
const JSON_OUT = argv.includes("--json");
const BIN = join(import.meta.dirname, "..", "bin", "partnerbill.js");
const BARE = `require("node:http").createServer((q, s) => s.end("ok")).listen(0, "127.0.0.1", function () { console.log("listening " + this.address().port); });`;

const dirs: string[] = [];
function freshEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "pb-bench-start-"));
  dirs.push(dir);
  // Only what partnerbill needs: nothing of the caller's partnerbill settings reaches the bench.
  return { PATH: process.env["PATH"] ?? "", HOME: dir, DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, "pb.db")}`, LOG_LEVEL: "warn", PORT: "0", SANDBOX_PORT: "0" };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function timeRun(args: string[], env: Record<string, string>): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** Starts a server, waits for the line naming its port, then polls `path` until it answers 200. */
async function startServer(args: string[], env: Record<string, string>, portLine: RegExp, path: string): Promise<{ ms: number; child: ChildProcess; base: string }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s: ${out}`)), 60_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = portLine.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  while ((await get(base + path)) !== 200) await new Promise((r) => setTimeout(r, 2));
  return { ms: performance.now() - t0, child, base };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 20_000).unref();
  });
}

const r = { nodeE0: [] as number[], help: [] as number[], list: [] as number[], bare: [] as number[], serve: [] as number[], rss: [] as number[], rssLater: [] as number[], bareRss: [] as number[] };
const log = (s: string) => process.stderr.write(s + "\n");
try {
  const listEnv = freshEnv();
  timeRun([BIN, "migrate"], listEnv);
  for (let i = 0; i < RUNS; i++) {
    log(`run ${i + 1}/${RUNS}`);
    r.nodeE0.push(timeRun(["-e", "0"], freshEnv()));
    r.help.push(timeRun([BIN, "--help"], freshEnv()));
    r.list.push(timeRun([BIN, "modules", "list"], listEnv));
    const order = i % 2 === 0 ? ["bare", "serve"] : ["serve", "bare"];
    for (const which of order) {
      if (which === "bare") {
        const s = await startServer(["-e", BARE], freshEnv(), /listening (\d+)/, "/");
        r.bare.push(s.ms);
        r.bareRss.push(rssMiB(s.child.pid!));
        await stop(s.child);
      } else {
        const s = await startServer([BIN, "serve"], freshEnv(), /partnerbill is serving on http:\/\/127\.0\.0\.1:(\d+)/, "/readyz");
        r.serve.push(s.ms);
        // Idle with the demo data: the price list served once, then 3 s of nothing.
        await get(s.base + "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml");
        await new Promise((res) => setTimeout(res, 3000));
        r.rss.push(rssMiB(s.child.pid!));
        // …and 10 s later, when the start-up jobs (price sync, reconciliation) have surely finished.
        await new Promise((res) => setTimeout(res, 10_000));
        r.rssLater.push(rssMiB(s.child.pid!));
        await stop(s.child);
      }
    }
  }
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)])) as Record<keyof typeof r, number>;
const rows: [string, string, string, string][] = [
  ["partnerbill --help", `${m.help.toFixed(0)} ms`, `node -e 0: ${m.nodeE0.toFixed(0)} ms`, `${(m.help / m.nodeE0).toFixed(2)}× (target ≤ 4×)`],
  ["partnerbill modules list (SQLite)", `${m.list.toFixed(0)} ms`, `--help: ${m.help.toFixed(0)} ms`, `${(m.list / m.help).toFixed(2)}× (target ≤ 2×)`],
  ["partnerbill serve, ready (fresh SQLite)", `${m.serve.toFixed(0)} ms`, `bare node:http: ${m.bare.toFixed(0)} ms`, `${(m.serve / m.bare).toFixed(2)}× (target ≤ 8×)`],
  ["partnerbill serve, idle RSS (demo data)", `${m.rss.toFixed(0)} MiB`, `bare node:http: ${m.bareRss.toFixed(0)} MiB`, `target ≤ 120 MiB`],
  ["  …13 s after the price list", `${m.rssLater.toFixed(0)} MiB`, "", ""],
];
if (JSON_OUT) process.stdout.write(JSON.stringify({ runs: RUNS, medians: m, all: r }, null, 2) + "\n");
else {
  process.stdout.write(`medians of ${RUNS} runs, node ${process.version}\n`);
  for (const row of rows) process.stdout.write(`  ${row[0].padEnd(42)} ${row[1].padStart(8)}   ${row[2].padEnd(26)} ${row[3]}\n`);
}
