#!/usr/bin/env node
// `npm test`: runs every *.test.ts under src/ and test/ with Node's own test runner (tsx loads
// TypeScript). Pass file paths to run only those: `npm test -- test/billmgr.test.ts`.
// Node 20 has no glob support in --test, hence this small finder.
//
// It builds dist/ first (incremental: seconds when nothing changed), because the tests that start
// `partnerbill` as a process run bin/partnerbill.js, which runs the built JavaScript. With
// TEST_AGAINST=dist the tests' own imports of src/ load dist/ too (scripts/against-dist.mjs): the
// whole suite then runs the code users run.
import { spawnSync } from "node:child_process";
import { cpSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

// Tests that run fleets of processes against the sandbox (chaos, several nodes) measure nothing,
// but they need the machine to themselves to finish in reasonable time: they run after the rest,
// one file at a time.
const HEAVY = new Set(["test/chaos.test.ts", "test/two-nodes.test.ts", "test/chaos.licenses.test.ts"]);

// A test that hangs (a deadlock, a handle never closed) fails after this long instead of holding
// CI until its time runs out. Generous: the slowest tests (chaos, browsers) take about a minute.
const TEST_TIMEOUT_MS = 10 * 60_000;

function build() {
  const r = spawnSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error("npm test: the build (tsc -p tsconfig.build.json) failed");
    process.exit(r.status ?? 1);
  }
  // The static assets (stylesheet, scripts) as `npm run build` copies them: the tests that start
  // `serve` from dist/ must get this tree's app.css, not a stale one (or none).
  cpSync(join("src", "http", "static"), join("dist", "http", "static"), { recursive: true });
}

const AGAINST_DIST = process.env.TEST_AGAINST === "dist" ? ["--import", "./scripts/against-dist.mjs"] : [];

function run(files, concurrency) {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", ...AGAINST_DIST, "--test", `--test-concurrency=${concurrency}`, `--test-timeout=${TEST_TIMEOUT_MS}`, "--test-reporter=spec", ...files],
    { stdio: "inherit", env: { ...process.env, NODE_ENV: "test" } },
  );
  return r.status ?? 1;
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args : [...find("src"), ...find("test")].sort();
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}
build();
const light = files.filter((f) => !HEAVY.has(f.replaceAll("\\", "/")));
const heavy = files.filter((f) => HEAVY.has(f.replaceAll("\\", "/")));
const concurrency = process.env.TEST_CONCURRENCY ?? "3";
let status = light.length > 0 ? run(light, concurrency) : 0;
if (heavy.length > 0) status = run(heavy, "1") || status;
process.exit(status);
