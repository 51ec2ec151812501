// `partnerbill serve` as a real process over real HTTP: it starts on a free port (PORT=0) with a
// fresh SQLite database and demo prices, answers panels and operators, sees a price the CLI sets
// while it runs, and stops cleanly on SIGTERM.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { runCli, startCli } from "./helpers/cli.ts";

const EXPORT = "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method: "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Sends a request line as written, for paths an HTTP client library would encode. */
function rawGet(base: string, target: string): Promise<string> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname, () => socket.end(`GET ${target} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`));
    let data = "";
    socket.on("data", (d: Buffer) => (data += d.toString("utf8")));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

/** Polls `check` until it returns true or the deadline passes (no fixed sleeps). */
async function eventually(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) assert.fail(`${what}: not within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("partnerbill serve", () => {
  it("serves the price list, health, readiness and metrics, sees CLI changes, and stops on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "pb-serve-"));
    const env = { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", CATALOG_POLL_MS: "200", LOG_LEVEL: "warn" };
    const server = startCli(["serve"], env);
    server.stdin.end();
    let stdout = "";
    let stderr = "";
    server.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    server.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      server.on("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      let base = "";
      await eventually("the server prints its URL", 30_000, async () => {
        const m = /partnerbill is serving on (http:\/\/127\.0\.0\.1:(\d+))/.exec(stdout);
        if (server.exitCode !== null) assert.fail(`serve exited early with ${server.exitCode}\n${stdout}\n${stderr}`);
        if (m && m[2] !== "0") base = m[1]!;
        return base !== "";
      });
      assert.match(stdout, new RegExp(`price list: +${base.replace(/[.]/g, "\\.")}/billmgr\\?func=pricelist\\.export`));

      const list = await get(base, EXPORT);
      assert.equal(list.status, 200);
      assert.equal(list.headers["content-type"], "text/xml; charset=UTF-8");
      assert.match(list.body.toString(), /<id>23221<\/id>.*<period cost="11\.9000" type="month" length="1">monthly<\/period>/);
      const zipped = await get(base, EXPORT, { "accept-encoding": "gzip" });
      assert.equal(zipped.headers["content-encoding"], "gzip");
      assert.deepEqual(gunzipSync(zipped.body), list.body);
      const manager = await get(base, EXPORT.replace("/billmgr", "/manager/billmgr"));
      assert.deepEqual(manager.body, list.body);
      assert.equal((await get(base, EXPORT, { "if-none-match": String(list.headers["etag"]) })).status, 304);

      const health = await get(base, "/healthz");
      assert.equal(health.status, 200);
      assert.deepEqual(JSON.parse(health.body.toString()), { status: "ok", version: JSON.parse(readFileSync("package.json", "utf8")).version });
      const ready = await get(base, "/readyz");
      assert.equal(ready.status, 200);
      assert.equal((JSON.parse(ready.body.toString()) as { status: string }).status, "ready");
      const metrics = (await get(base, "/metrics")).body.toString();
      assert.match(metrics, /^partnerbill_pricelist_cache_total\{result="rebuild"\} [1-9]/m);
      assert.match(metrics, /^partnerbill_pricelist_cache_total\{result="hit"\} [1-9]/m);
      assert.match(metrics, /^partnerbill_http_requests_total\{surface="billmgr",status="2xx"\} [1-9]/m);

      const hostile = await rawGet(base, "/<script>alert(1)</script>");
      assert.match(hostile, /^HTTP\/1\.1 404 /);
      assert.match(hostile, /Nothing here: GET \/&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      assert.doesNotMatch(hostile, /<script/);

      const set = await runCli(["prices", "set", "23221", "--period", "1", "--amount", "12.50", "--currency", "EUR"], env);
      assert.equal(set.code, 0, set.stderr);
      await eventually("the running server shows the price the CLI set", 10_000, async () =>
        /<id>23221<\/id>.*cost="12\.5000" type="month" length="1"/.test((await get(base, EXPORT)).body.toString()),
      );

      server.kill("SIGTERM");
      const { code, signal } = await exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr);
      assert.doesNotMatch(stderr, /error/i);
    } finally {
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
