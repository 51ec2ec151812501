// The layer rules of STYLE.md and docs/ARCHITECTURE.md, checked on every file under src/:
//   - only src/http/ (and the separate sandbox app, src/sandbox/) imports fastify or @fastify/*;
//     in particular src/modules/ never does;
//   - only *.repo.ts, src/db/ (migrations included), src/jobs/queue.ts and src/sandbox/ import
//     kysely; the drivers (better-sqlite3, pg) only src/db/, the queue machinery at the top of
//     src/jobs/ (LISTEN/NOTIFY needs a pg connection; job handlers in src/jobs/handlers/ do not)
//     and src/sandbox/;
//   - only src/app/config.ts reads process.env (the CLI gets its config through loadConfig(),
//     whose default argument is the environment — no other file names process.env at all);
//   - src/lib/ imports nothing but src/lib/ and Node's built-in modules;
//   - nothing in src/ imports from test/ (fakes live in test/, src/ has no test-only branches).
// Imports are found with TypeScript's own pre-processor (static, type-only, re-exports, dynamic
// import(), require); environment reads with its parser.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import ts from "typescript";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

interface SourceFile {
  /** Path from the repository root with forward slashes, e.g. "src/http/app.ts". */
  path: string;
  text: string;
}

function sourceFiles(dir = join(ROOT, "src")): SourceFile[] {
  const out: SourceFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts|cts|js|mjs)$/.test(name)) out.push({ path: relative(ROOT, p).split(sep).join("/"), text: readFileSync(p, "utf8") });
  }
  return out;
}

interface Import {
  specifier: string;
  line: number;
}

function importsOf(f: SourceFile): Import[] {
  const info = ts.preProcessFile(f.text, true, true);
  const lineOf = (pos: number) => f.text.slice(0, pos).split("\n").length;
  return info.importedFiles.map((i) => ({ specifier: i.fileName, line: lineOf(i.pos) }));
}

/** Every place a file reads the environment: process.env, process["env"], const { env } = process, import { env } from "node:process". */
function envReadsOf(f: SourceFile): number[] {
  const sf = ts.createSourceFile(f.path, f.text, ts.ScriptTarget.Latest, true);
  const processNames = new Set(["process"]);
  const lines: number[] = [];
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const isProcess = (e: ts.Expression): boolean =>
    (ts.isIdentifier(e) && processNames.has(e.text)) ||
    (ts.isPropertyAccessExpression(e) && e.name.text === "process" && ts.isIdentifier(e.expression) && ["globalThis", "global"].includes(e.expression.text));
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier) && ["process", "node:process"].includes(n.moduleSpecifier.text)) {
      const b = n.importClause;
      if (b?.name) processNames.add(b.name.text);
      if (b?.namedBindings && ts.isNamespaceImport(b.namedBindings)) processNames.add(b.namedBindings.name.text);
      if (b?.namedBindings && ts.isNamedImports(b.namedBindings)) {
        for (const s of b.namedBindings.elements) if ((s.propertyName ?? s.name).text === "env") lines.push(lineOf(s));
      }
    }
    if (ts.isPropertyAccessExpression(n) && n.name.text === "env" && isProcess(n.expression)) lines.push(lineOf(n));
    if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression) && n.argumentExpression.text === "env" && isProcess(n.expression)) lines.push(lineOf(n));
    if (ts.isVariableDeclaration(n) && n.initializer && isProcess(n.initializer) && ts.isObjectBindingPattern(n.name)) {
      for (const el of n.name.elements) {
        const key = el.propertyName ?? el.name;
        if ((ts.isIdentifier(key) || ts.isStringLiteral(key)) && key.text === "env") lines.push(lineOf(el));
      }
    }
    ts.forEachChild(n, visit);
  };
  // Aliases of node:process are collected before the walk that finds `.env` on them.
  for (const st of sf.statements) if (ts.isImportDeclaration(st)) visit(st);
  lines.length = 0;
  visit(sf);
  return [...new Set(lines)];
}

const isBuiltin = (s: string) => s.startsWith("node:") || builtinModules.includes(s) || builtinModules.includes(s.split("/")[0]!);
const isFastify = (s: string) => /^fastify($|\/|-)/.test(s) || s.startsWith("@fastify/");
const isKysely = (s: string) => s === "kysely" || s.startsWith("kysely/");
const isDriver = (s: string) => ["better-sqlite3", "pg", "pg-pool", "pg-cursor"].includes(s) || s.startsWith("pg/");
const under = (path: string, dir: string) => path.startsWith(dir);
const isTest = (path: string) => /\.test\.ts$/.test(path);

/** Where a relative specifier points, as a repository path ("src/lib/money.ts"). */
function resolveRelative(from: string, specifier: string): string {
  return normalize(join(dirname(from), specifier)).split(sep).join("/");
}

type Rule = (f: SourceFile) => string[];

const fastifyOnlyInHttp: Rule = (f) =>
  under(f.path, "src/http/") || under(f.path, "src/sandbox/")
    ? []
    : importsOf(f).filter((i) => isFastify(i.specifier)).map((i) => `${f.path}:${i.line} imports ${i.specifier}`);

const modulesNeverImportFastify: Rule = (f) =>
  under(f.path, "src/modules/") ? importsOf(f).filter((i) => isFastify(i.specifier)).map((i) => `${f.path}:${i.line} imports ${i.specifier}`) : [];

const sqlOnlyInRepositories: Rule = (f) => {
  const sqlAllowed = f.path.endsWith(".repo.ts") || under(f.path, "src/db/") || f.path === "src/jobs/queue.ts" || under(f.path, "src/sandbox/");
  const driverAllowed = under(f.path, "src/db/") || /^src\/jobs\/[^/]+$/.test(f.path) || under(f.path, "src/sandbox/");
  return importsOf(f)
    .filter((i) => (isKysely(i.specifier) && !sqlAllowed) || (isDriver(i.specifier) && !driverAllowed))
    .map((i) => `${f.path}:${i.line} imports ${i.specifier}`);
};

const envOnlyInConfig: Rule = (f) => (f.path === "src/app/config.ts" ? [] : envReadsOf(f).map((line) => `${f.path}:${line} reads process.env`));

const libStaysSmall: Rule = (f) =>
  under(f.path, "src/lib/")
    ? importsOf(f)
        .filter((i) => (i.specifier.startsWith(".") ? !under(resolveRelative(f.path, i.specifier), "src/lib/") : !isBuiltin(i.specifier)))
        .map((i) => `${f.path}:${i.line} imports ${i.specifier}`)
    : [];

const srcNeverImportsTests: Rule = (f) =>
  importsOf(f)
    .filter((i) => i.specifier.startsWith(".") && under(resolveRelative(f.path, i.specifier), "test/"))
    .map((i) => `${f.path}:${i.line} imports ${i.specifier}`);

function violations(rule: Rule, files: SourceFile[]): string[] {
  return files.flatMap(rule);
}

describe("architecture rules", () => {
  const files = sourceFiles();

  it("finds the source files it checks", () => {
    assert.ok(files.some((f) => f.path === "src/http/app.ts"));
    assert.ok(files.some((f) => f.path === "src/app/config.ts"));
    assert.ok(files.length > 20);
  });

  it("keeps fastify inside src/http (and the sandbox app)", () => {
    assert.deepEqual(violations(fastifyOnlyInHttp, files), []);
  });

  it("keeps fastify out of src/modules", () => {
    assert.deepEqual(violations(modulesNeverImportFastify, files), []);
  });

  it("keeps kysely in repositories, src/db and the job queue, and the drivers in src/db and the queue", () => {
    assert.deepEqual(violations(sqlOnlyInRepositories, files), []);
  });

  it("reads process.env only in src/app/config.ts", () => {
    assert.deepEqual(violations(envOnlyInConfig, files), []);
    assert.ok(envReadsOf(files.find((f) => f.path === "src/app/config.ts")!).length > 0, "config.ts is where the environment is read");
  });

  it("keeps src/lib free of anything but itself and Node's built-ins", () => {
    assert.deepEqual(violations(libStaysSmall, files), []);
  });

  it("never imports test code from src", () => {
    assert.deepEqual(violations(srcNeverImportsTests, files), []);
  });
});

describe("architecture rule checker", () => {
  const file = (path: string, text: string): SourceFile => ({ path, text });

  it("sees every kind of import", () => {
    const f = file("src/modules/x/x.service.ts", [
      'import Fastify from "fastify";',
      'import type { Kysely } from "kysely";',
      'export { sql } from "kysely";',
      'const pg = await import("pg");',
      'import "@fastify/formbody";',
    ].join("\n"));
    assert.deepEqual(importsOf(f).map((i) => `${i.line}:${i.specifier}`), ["1:fastify", "2:kysely", "3:kysely", "4:pg", "5:@fastify/formbody"]);
    assert.equal(fastifyOnlyInHttp(f).length, 2);
    assert.equal(modulesNeverImportFastify(f).length, 2);
    assert.equal(sqlOnlyInRepositories(f).length, 3);
  });

  it("allows kysely where SQL belongs", () => {
    for (const path of ["src/modules/orders/orders.repo.ts", "src/db/migrations/0009_x.ts", "src/jobs/queue.ts", "src/sandbox/store.ts"]) {
      assert.deepEqual(sqlOnlyInRepositories(file(path, 'import { sql } from "kysely";')), [], path);
    }
    assert.equal(sqlOnlyInRepositories(file("src/modules/orders/orders.repo.ts", 'import pg from "pg";')).length, 1);
    assert.equal(sqlOnlyInRepositories(file("src/jobs/worker.ts", 'import { sql } from "kysely";')).length, 1);
    assert.deepEqual(sqlOnlyInRepositories(file("src/jobs/listener.ts", 'import type pg from "pg";')), []);
    assert.equal(sqlOnlyInRepositories(file("src/jobs/handlers/place-order.ts", 'import type pg from "pg";')).length, 1);
  });

  it("sees every way of reading the environment, and not lookalikes", () => {
    const reads = [
      'const a = process.env["USER"];',
      "const b = process.env.HOME;",
      'const c = process["env"];',
      "const { env } = process;",
      'import { env } from "node:process";',
      'import p from "node:process"; const d = p.env;',
      "const e = globalThis.process.env;",
    ];
    for (const text of reads) assert.equal(envReadsOf(file("src/cli/x.ts", text)).length, 1, text);
    const fine = ["process.exitCode = 1;", "process.stdout.write('env');", "// process.env is read in config.ts", 'const s = "process.env";', "loadConfig();"];
    for (const text of fine) assert.deepEqual(envReadsOf(file("src/cli/x.ts", text)), [], text);
  });

  it("lets src/lib import only itself and Node's built-ins", () => {
    assert.deepEqual(libStaysSmall(file("src/lib/a.ts", 'import { x } from "./b.ts";\nimport { randomBytes } from "node:crypto";\nimport fs from "fs";')), []);
    assert.equal(libStaysSmall(file("src/lib/a.ts", 'import { x } from "../app/config.ts";')).length, 1);
    assert.equal(libStaysSmall(file("src/lib/a.ts", 'import { z } from "zod";')).length, 1);
  });

  it("sees an import of test code", () => {
    assert.equal(srcNeverImportsTests(file("src/upstream/client.ts", 'import { fake } from "../../test/fakes/x.ts";')).length, 1);
  });
});
