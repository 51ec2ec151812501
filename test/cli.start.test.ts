// What `partnerbill` loads to start: bin/ runs the built JavaScript in dist/, --version answers,
// and --help or a catalog command on SQLite load only what they need — no Stripe SDK, PDF, mail,
// PostgreSQL driver, HTTP client or server code (docs/adr/0032). Timings are in bench/cli-start.ts;
// this asserts the module graph, which is what keeps them low.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BIN, ROOT } from "./helpers/cli.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const HEAVY = ["stripe", "pdf-lib", "@pdf-lib/fontkit", "nodemailer", "pg", "fastify", "@fastify/cookie", "@fastify/formbody", "undici", "@node-rs/argon2"];

/** Runs the CLI and returns its result with the files it loaded (paths relative to the checkout). */
function run(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "pb-start-"));
  dirs.push(dir);
  const record = join(dir, "modules.txt");
  const r = spawnSync(process.execPath, ["--import", "./test/fixtures/record-modules.mjs", BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "", HOME: dir, LOG_LEVEL: "warn", DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, "pb.db")}`, RECORD_MODULES_TO: record, ...env },
  });
  const files = [...new Set(readFileSync(record, "utf8").split("\n").filter(Boolean))]
    .map((u) => decodeURIComponent(new URL(u).pathname))
    .filter((p) => p.startsWith(ROOT + "/"))
    .map((p) => p.slice(ROOT.length + 1));
  const packages = new Set(files.filter((f) => f.startsWith("node_modules/")).map((f) => {
    const parts = f.split("/");
    return parts[1]!.startsWith("@") ? `${parts[1]}/${parts[2]}` : parts[1]!;
  }));
  return { ...r, files, packages };
}

describe("partnerbill start-up", () => {
  it("runs the compiled JavaScript from dist/, never the TypeScript sources", () => {
    const r = run(["--help"]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.files.includes("dist/cli/main.js"), "dist/cli/main.js loaded");
    assert.deepEqual(r.files.filter((f) => f.startsWith("src/") || f.endsWith(".ts")), []);
    assert.ok(!r.packages.has("tsx") && !r.packages.has("typescript"), [...r.packages].join(", "));
  });

  it("prints its version with --version and -V", () => {
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    for (const flag of ["--version", "-V"]) {
      const r = run([flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
  });

  it("loads commander and nothing else from node_modules for --help", () => {
    const r = run(["--help"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: partnerbill/);
    assert.deepEqual([...r.packages], ["commander"]);
  });

  it("lists the catalog on SQLite without the Stripe SDK, PDF, mail, PostgreSQL, HTTP client or server", () => {
    assert.equal(run(["migrate"]).status, 0);
    const r = run(["modules", "list", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as unknown[]).length > 0 || r.stdout.trim() === "[]");
    assert.ok(r.packages.has("better-sqlite3") && r.packages.has("kysely"), [...r.packages].join(", "));
    assert.deepEqual(HEAVY.filter((p) => r.packages.has(p)), [], `loaded: ${[...r.packages].sort().join(", ")}`);
    assert.deepEqual(r.files.filter((f) => f.startsWith("dist/http/")), []);
    // Not the container: the catalog service, what reads the stored client area, and pure *.logic
    // files the configuration validates with (ADR 0043).
    assert.ok(r.files.includes("dist/modules/catalog/catalog.service.js"));
    assert.deepEqual(r.files.filter((f) => f.startsWith("dist/app/container") || f.startsWith("dist/app/wiring/") || f.startsWith("dist/jobs/")), []);
    assert.deepEqual(r.files.filter((f) => f.startsWith("dist/modules/") && !/^dist\/modules\/(catalog|setup|settings)\//.test(f) && !f.endsWith(".logic.js")), []);
  });
});
