// The staff commands as an operator runs them (`node bin/partnerbill.js …` in a child process) over
// a test database of each dialect and the sandbox over HTTP: reconcile, show the report, accept
// upstream's expiry; list a customer's modules, move one, show its history.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { runCli } from "./helpers/cli.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { buildWorld } from "./helpers/renewals.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

let sb: TestSandbox;
const dirs: string[] = [];
before(async () => { sb = await startSandbox(); });
after(async () => {
  await sb.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describeEachDialect("partnerbill reconcile, customers modules, modules move", (ctx) => {
  it("reconciles, shows the report, accepts upstream's expiry, lists and moves a customer's module", async () => {
    const t = ctx();
    const w = await buildWorld(t, sb);
    const [a, b, c] = w.account.licenses;
    const drifting = await w.buy(a!.id);
    const movable = await w.buy(b!.id);
    await sb.control("POST", `/modules/${drifting.upstream_service_id}`, { expiredate: "2027-03-01" });

    const dir = mkdtempSync(join(tmpdir(), "pb-cli-rcn-"));
    dirs.push(dir);
    const env = { DATABASE_URL: t.url, DATA_DIR: dir, UPSTREAM_URL: sb.billmgrUrl, UPSTREAM_USER: w.account.credentials.user, UPSTREAM_PASSWORD: w.account.credentials.password };
    const cli = (...args: string[]) => runCli(args, env);

    const run = await cli("reconcile");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Reconciliation rcn_\S+ \(cli, cli:\S+\) at \S+: drift — 1 finding\(s\); 2 active module\(s\) here, 2 upstream$/m);
    assert.match(run.stdout, new RegExp(`^drift\\s+expiry_drift\\s+${drifting.id}\\s+${drifting.upstream_service_id}\\s+${a!.id}\\s+2027-01-01\\s+2027-03-01`, "m"));

    const shown = await cli("reconcile", "show", "--json");
    assert.equal(shown.code, 0, shown.stderr);
    const report = JSON.parse(shown.stdout) as { report: { status: string }; findings: Array<{ kind: string; customer_module_id: string }> };
    assert.equal(report.report.status, "drift");
    assert.deepEqual(report.findings.map((f) => [f.kind, f.customer_module_id]), [["expiry_drift", drifting.id]]);

    const accepted = await cli("reconcile", "accept-expiry", drifting.id);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, /expires 2027-01-01 → active, license \d+, expires 2027-03-01\.$/m);
    assert.equal((await w.c.customerModules.get(drifting.id)).expires_on, "2027-03-01");

    const listed = await cli("customers", "modules", "ann@example.com");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${drifting.id}\\s+active\\s+23221\\s+${a!.id}\\s`, "m"));
    assert.match(listed.stdout, new RegExp(`^${movable.id}\\s+active\\s+23221\\s+${b!.id}\\s`, "m"));

    const refused = await cli("modules", "move", movable.id, "--license", "999999");
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /not in the partner's client-area account/);

    const moved = await cli("modules", "move", movable.id, "--license", String(c!.id), "--ip", c!.ip);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(moved.stdout, `Module ${movable.id} moved from license ${b!.id} to ${c!.id} (${c!.ip}).\n`);
    assert.equal(w.upstreamModule(Number(movable.upstream_service_id)).license, c!.id);

    const history = await cli("customers", "module", movable.id);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^\S+\s+moved\s+cli:\S+\s+\{"from":/m);
  });
});
