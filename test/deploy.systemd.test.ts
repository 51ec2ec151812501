// The shipped systemd units (deploy/*.service, *.timer) as systemd itself reads them
// (`systemd-analyze verify`, and `security` for the exposure rating), plus the settings that make
// partnerbill's operations work: its own user, only its state directory writable, a stop timeout
// longer than serve's own shutdown, the roles serve knows, and an env file partnerbill accepts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { configSchema, loadConfig } from "../src/app/config.ts";
import { ROLES } from "../src/cli/commands/serve.ts";
import { ROOT } from "./helpers/cli.ts";

const DEPLOY = join(ROOT, "deploy");
const UNITS = ["partnerbill.service", "partnerbill-backup.service", "partnerbill-backup.timer"];

/** key → values of one section of a unit file (a key may repeat). */
function section(unit: string, name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = "";
  for (const raw of readFileSync(join(DEPLOY, unit), "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    if (current !== name) continue;
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

function one(s: Map<string, string[]>, key: string): string | undefined {
  const v = s.get(key);
  assert.ok(!v || v.length === 1, `${key} is set ${v?.length} times`);
  return v?.[0];
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The units in a scratch directory; node is wherever this machine has it (verify checks ExecStart). */
function unitsHere(): string {
  const dir = mkdtempSync(join(tmpdir(), "pb-units-"));
  dirs.push(dir);
  for (const u of UNITS) {
    const text = readFileSync(join(DEPLOY, u), "utf8");
    writeFileSync(join(dir, u), existsSync("/usr/bin/node") ? text : text.split("/usr/bin/node").join(process.execPath));
  }
  return dir;
}

function systemdAnalyze(args: string[], cwd: string) {
  const r = spawnSync("systemd-analyze", args, { cwd, encoding: "utf8" });
  if (r.error) assert.fail(`systemd-analyze is needed for this test (Debian: apt-get install systemd; .ci/run installs it): ${r.error.message}`);
  return r;
}

describe("the shipped systemd units", () => {
  it("pass `systemd-analyze verify` without a single warning", () => {
    const dir = unitsHere();
    const r = systemdAnalyze(["verify", ...UNITS.map((u) => `./${u}`)], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), "", "unknown keys and bad values are only warnings to systemd: none allowed");
  });

  it("rate the server's exposure OK in `systemd-analyze security`", () => {
    const dir = unitsHere();
    for (const unit of ["partnerbill.service", "partnerbill-backup.service"]) {
      const r = systemdAnalyze(["security", "--offline=true", `./${unit}`], dir);
      const m = /Overall exposure level for .*: (\d+\.\d) (\w+)/.exec(r.stdout);
      assert.ok(m, r.stdout + r.stderr);
      assert.ok(Number(m[1]) <= 2.0, `${unit}: exposure ${m[1]} ${m[2]}`);
    }
  });

  it("run partnerbill as its own user, able to write its state directory and nothing else", () => {
    const s = section("partnerbill.service", "Service");
    assert.equal(one(s, "User"), "partnerbill");
    assert.equal(one(s, "Group"), "partnerbill");
    assert.equal(one(s, "NoNewPrivileges"), "yes");
    assert.equal(one(s, "ProtectSystem"), "strict");
    assert.equal(one(s, "ProtectHome"), "yes");
    assert.equal(one(s, "PrivateTmp"), "yes");
    assert.equal(one(s, "CapabilityBoundingSet"), "");
    assert.equal(one(s, "UMask"), "0077");
    assert.equal(one(s, "StateDirectory"), "partnerbill");
    assert.equal(one(s, "StateDirectoryMode"), "0700");
    assert.equal(one(s, "ReadWritePaths"), "/var/lib/partnerbill");
    assert.ok(s.get("Environment")?.includes("DATA_DIR=/var/lib/partnerbill"), "DATA_DIR is the writable directory");
    assert.equal(one(s, "EnvironmentFile"), "/etc/partnerbill/partnerbill.env");
    assert.equal(s.get("MemoryDenyWriteExecute"), undefined, "V8's JIT needs writable executable memory");
  });

  it("stop with SIGTERM and wait longer than serve's own shutdown, and restart after a crash", () => {
    const s = section("partnerbill.service", "Service");
    assert.equal(one(s, "KillSignal"), "SIGTERM");
    // serve finishes in-flight work and exits within 15 s of SIGTERM (src/cli/commands/serve.ts).
    assert.ok(Number(one(s, "TimeoutStopSec")) > 15);
    assert.equal(one(s, "Restart"), "on-failure");
    assert.equal(one(section("partnerbill.service", "Install"), "WantedBy"), "multi-user.target");
  });

  it("start the roles serve knows, all of them unless the env file says otherwise", () => {
    const s = section("partnerbill.service", "Service");
    assert.equal(one(s, "ExecStart"), "/usr/bin/node /opt/partnerbill/bin/partnerbill.js serve --roles ${PARTNERBILL_ROLES}");
    assert.ok(s.get("Environment")?.includes(`PARTNERBILL_ROLES=${ROLES.join(",")}`));
  });

  it("back up with `partnerbill backup` into the backup directory, every night", () => {
    const s = section("partnerbill-backup.service", "Service");
    assert.equal(one(s, "User"), "partnerbill");
    assert.match(one(s, "ExecStart") ?? "", /partnerbill\.js backup "\/var\/backups\/partnerbill\/partnerbill-\$\(date -u \+%%Y%%m%%dT%%H%%M%%SZ\)\.db"/);
    assert.equal(one(s, "ReadWritePaths"), "/var/lib/partnerbill /var/backups/partnerbill");
    assert.equal(one(section("partnerbill-backup.timer", "Timer"), "Persistent"), "true");
  });
});

describe("the shipped env file example", () => {
  const lines = readFileSync(join(DEPLOY, "partnerbill.env.example"), "utf8").split("\n");
  const settings = lines.map((l) => /^#?([A-Z][A-Z0-9_]*)=(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);

  it("names only variables partnerbill knows (and the roles systemd reads)", () => {
    const known = new Set([...Object.keys(configSchema.shape), "PARTNERBILL_ROLES"]);
    assert.ok(settings.length > 5);
    assert.deepEqual(settings.map((m) => m[1]!).filter((k) => !known.has(k)), []);
  });

  it("is a configuration partnerbill accepts, with TRUST_PROXY set for nginx on the same machine", () => {
    const env = Object.fromEntries(lines.map((l) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m![1]!, m![2]!]));
    const config = loadConfig(env);
    assert.equal(config.PUBLIC_URL, "https://billing.example.com");
    assert.deepEqual(config.TRUST_PROXY, ["127.0.0.1"]);
    assert.equal(config.HOST, "127.0.0.1");
  });
});

describe("the shipped CLI wrapper (deploy/partnerbill-cli)", () => {
  it("is a valid shell script that runs the CLI as the service user with the service's env file", () => {
    const text = readFileSync(join(DEPLOY, "partnerbill-cli"), "utf8");
    assert.equal(spawnSync("sh", ["-n", join(DEPLOY, "partnerbill-cli")]).status, 0);
    assert.match(text, /runuser -u partnerbill -- \/usr\/bin\/node --env-file=\/etc\/partnerbill\/partnerbill\.env bin\/partnerbill\.js "\$@"/);
    assert.equal(statSync(join(DEPLOY, "partnerbill-cli")).mode & 0o111, 0o111, "executable");
  });

  it("gets its settings from the env file through Node's --env-file, as the wrapper reads it", () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-envfile-"));
    dirs.push(dir);
    const envFile = join(dir, "partnerbill.env");
    writeFileSync(envFile, readFileSync(join(DEPLOY, "partnerbill.env.example"), "utf8").replace("DATA_DIR=/var/lib/partnerbill", `DATA_DIR=${dir}`));
    const r = spawnSync(process.execPath, [`--env-file=${envFile}`, "bin/partnerbill.js", "migrate", "--dry-run"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "" },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Would run:\n  0001_catalog\n/);
    assert.ok(existsSync(join(dir, "partnerbill.db")), "the database is in the env file's DATA_DIR");
  });
});

describe("docs/DEPLOY.md", () => {
  it("says where every shipped file goes", () => {
    const doc = readFileSync(join(ROOT, "docs", "DEPLOY.md"), "utf8");
    const shipped = readdirSync(DEPLOY, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? e.path, e.name).slice(ROOT.length + 1));
    assert.ok(shipped.length >= 7, shipped.join(", "));
    assert.deepEqual(shipped.filter((f) => !doc.includes(f)), []);
  });
});
