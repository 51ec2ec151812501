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
//   - nothing in src/ imports from test/ (fakes live in test/, src/ has no test-only branches);
//   - the layers of docs/ARCHITECTURE.md: a folder of src/ imports only folders below it (LAYERS),
//     so src/modules/ never imports src/jobs/, src/app/ or src/http/ (they reach the queue, the
//     metrics and the logger through src/ports/);
//   - no import cycles between files of src/ (type-only imports count: a cycle of types is still
//     two files that cannot be understood one without the other).
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

/**
 * The layers, lowest first. A file may import files of its own folder (src/<folder>/) and of
 * folders in lower layers; never a folder of its own layer or above.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["lib"],
  ["db", "i18n", "protocol"],
  ["ports"],
  ["upstream", "sandbox"],
  ["modules", "conformance"],
  ["jobs"],
  ["app"],
  ["http"],
  ["cli"],
];

const layerOf = (folder: string): number => LAYERS.findIndex((l) => l.includes(folder));
/** "src/modules/orders/x.ts" → "modules"; a file directly in src/ → "". */
const folderOf = (path: string): string => (/^src\/([^/]+)\//.exec(path)?.[1] ?? "");

const importsGoDown: Rule = (f) => {
  const from = folderOf(f.path);
  if (!from) return [];
  return importsOf(f)
    .filter((i) => i.specifier.startsWith("."))
    .flatMap((i) => {
      const to = folderOf(resolveRelative(f.path, i.specifier));
      if (!to || to === from) return [];
      const [a, b] = [layerOf(from), layerOf(to)];
      return a < 0 || b < 0 || b >= a ? [`${f.path}:${i.line} imports ${i.specifier} (${from} may not import ${to})`] : [];
    });
};

/** Import cycles among `files` (tests left out), each as the files on it, the smallest first. */
function importCycles(files: SourceFile[]): string[][] {
  const known = new Set(files.map((f) => f.path));
  const edges = new Map<string, string[]>();
  for (const f of files) {
    edges.set(f.path, [...new Set(importsOf(f).filter((i) => i.specifier.startsWith(".")).map((i) => resolveRelative(f.path, i.specifier)).filter((p) => known.has(p)))]);
  }
  // Tarjan's strongly connected components: a component of two or more files is a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || edges.get(v)!.includes(v)) cycles.push(component.sort());
    }
  };
  for (const p of known) if (!index.has(p)) visit(p);
  return cycles;
}

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

  it("names a layer for every folder of src/", () => {
    const folders = [...new Set(files.map((f) => folderOf(f.path)).filter(Boolean))];
    assert.deepEqual(folders.filter((d) => layerOf(d) < 0), []);
  });

  it("imports only downwards: modules never import jobs/, app/ or http/", () => {
    assert.deepEqual(violations(importsGoDown, files), []);
  });

  it("has no import cycles", () => {
    assert.deepEqual(importCycles(files.filter((f) => !isTest(f.path))), []);
  });

  it("wires each module in its own short file under src/app/wiring/", () => {
    const wiring = files.filter((f) => under(f.path, "src/app/wiring/"));
    assert.ok(wiring.length >= 10, "one wiring file per module");
    const long = [...wiring, files.find((f) => f.path === "src/app/container.ts")!].filter((f) => f.text.split("\n").length > 200).map((f) => f.path);
    assert.deepEqual(long, []);
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

  it("sees an import that goes up a layer, or across to a folder of the same layer", () => {
    assert.equal(importsGoDown(file("src/modules/orders/orders.service.ts", 'import { JOB_KINDS } from "../../jobs/kinds.ts";')).length, 1);
    assert.equal(importsGoDown(file("src/modules/catalog/x.ts", 'import type { Metrics } from "../../app/metrics.ts";')).length, 1);
    assert.equal(importsGoDown(file("src/upstream/client.ts", 'import type { Logger } from "../app/logger.ts";')).length, 1);
    assert.equal(importsGoDown(file("src/db/x.ts", 'import { t } from "../i18n/index.ts";')).length, 1);
    assert.deepEqual(importsGoDown(file("src/modules/orders/orders.service.ts", 'import type { Enqueuer } from "../../ports/queue.ts";\nimport { x } from "../catalog/catalog.logic.ts";\nimport { y } from "../../lib/money.ts";')), []);
    assert.deepEqual(importsGoDown(file("src/app/wiring/jobs.ts", 'import { bindJob } from "../../jobs/job.ts";')), []);
  });

  it("finds a cycle, also through type-only imports, and not a chain", () => {
    const a = file("src/http/a.ts", 'import type { B } from "./b.ts";');
    const b = file("src/http/b.ts", 'import { c } from "./c.ts";');
    const c = file("src/http/c.ts", 'import { a } from "./a.ts";');
    assert.deepEqual(importCycles([a, b, c]), [["src/http/a.ts", "src/http/b.ts", "src/http/c.ts"]]);
    assert.deepEqual(importCycles([a, b, file("src/http/c.ts", 'import { z } from "zod";')]), []);
  });

  it("sees an import of test code", () => {
    assert.equal(srcNeverImportsTests(file("src/upstream/client.ts", 'import { fake } from "../../test/fakes/x.ts";')).length, 1);
  });
});
