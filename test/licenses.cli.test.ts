// `partnerbill licenses …` as an operator runs it (a child process) over a test database of each
// dialect and the sandbox over HTTP: the tariff table, enable, list, change-ip, newkey, and the
// audited key reveal.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { SOFT_TARIFF_IDS } from "../src/sandbox/seed.ts";
import { runCli } from "./helpers/cli.ts";
import { licenseContainer } from "./helpers/licenses.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

const EU = SOFT_TARIFF_IDS.eu;
let sb: TestSandbox;
const dirs: string[] = [];
let ipN = 100;
before(async () => { sb = await startSandbox({ keyDelayMs: 0 }); });
after(async () => {
  await sb.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describeEachDialect("partnerbill licenses", (ctx) => {
  it("lists tariffs, enables one, lists customers' licenses, changes an IP, issues a new key and reveals it (audited)", async () => {
    const t = ctx();
    const { c } = await licenseContainer(t, sb, { UPSTREAM_TIMEOUT_MS: "2000" });
    const customer = await c.customers.add({ email: `cli-lic-${ipN}@example.com` });
    await c.customers.credit(customer.id, { amount: "500", currency: "EUR", reason: "test", actor: "test" });
    const ip = `192.0.2.${ipN++}`;
    const order = await c.orders.intakeLicense({ tariff: EU.pro, period: 12, ip }, null);
    await c.orders.payFromBalance(order.id, customer.id, "test");
    assert.equal((await c.fulfillment.place(order.id)).status, "done");
    const lic = (await c.licenses.list())[0]!;

    const dir = mkdtempSync(join(tmpdir(), "pb-cli-lic-"));
    dirs.push(dir);
    const env = { DATABASE_URL: t.url, DATA_DIR: dir, UPSTREAM_URL: sb.billmgrUrl, UPSTREAM_USER: sb.credentials.user, UPSTREAM_PASSWORD: sb.credentials.password };
    const cli = (...args: string[]) => runCli(args, env);

    const tariffs = await cli("licenses", "tariffs");
    assert.equal(tariffs.code, 0, tariffs.stderr);
    assert.match(tariffs.stdout, new RegExp(`^${EU.pro}\\s+ispmanager 6 Pro\\s+pro\\s+no\\s+yes\\s+12\\.00 EUR / 120\\.00 EUR\\s+15\\.00 EUR\\s+150\\.00 EUR\\s+yes$`, "m"));
    assert.match(tariffs.stdout, new RegExp(`^${EU.lite}\\s+ispmanager 6 Lite\\s+lite\\s+no\\s+no\\s+6\\.00 EUR / 60\\.00 EUR\\s+—\\s+—\\s+no$`, "m"));
    assert.match(tariffs.stdout, new RegExp(`^${EU.liteTrial}\\s+ispmanager 6 Lite trial\\s+lite\\s+yes\\s+no`, "m"));
    const enabled = await cli("licenses", "enable", String(EU.host));
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.match(enabled.stdout, /ispmanager 6 Host \(55229\) is enabled\./);
    const wrong = await cli("licenses", "enable", "23221");
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /is a module, not a license tariff/);

    const list = await cli("licenses", "list", "--json");
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as Array<{ upstreamId: number; ip: string }>).map((l) => [l.upstreamId, l.ip]), [[lic.upstreamId, ip]]);

    const to = `192.0.2.${ipN++}`;
    const moved = await cli("licenses", "change-ip", String(lic.upstreamId), to);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(moved.stdout.trim(), `License ${lic.upstreamId} is now on ${to}.`);
    const bad = await cli("licenses", "change-ip", lic.id, "127.0.0.1");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a public address/);

    const key = await cli("licenses", "newkey", lic.id);
    assert.equal(key.code, 0, key.stderr);
    const shown = await cli("licenses", "show", lic.id, "--reveal-key");
    assert.equal(shown.code, 0, shown.stderr);
    const upstream = sb.sandbox.state().licenses.find((l) => l.id === lic.upstreamId)!;
    assert.equal((JSON.parse(shown.stdout) as { key: string }).key, upstream.lickey);
    assert.equal(upstream.ip, to);
    const plain = await cli("licenses", "show", lic.id);
    assert.doesNotMatch(plain.stdout, new RegExp(upstream.lickey));
    const actions = (await c.db.selectFrom("audit_log").select(["action", "actor_kind"]).where("subject_id", "=", lic.id).execute()).map((r) => `${r.action}/${r.actor_kind}`).sort();
    assert.deepEqual(actions, ["license.change_ip/cli", "license.key_reveal/cli", "license.new_key/cli"]);
    await c.close();
  });
});
