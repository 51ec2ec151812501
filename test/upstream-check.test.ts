// `partnerbill upstream check`: one clear line per failure, tables and "credentials OK" on success.
// In-process against the sandbox (and a TLS fake) for every failure, plus the real CLI in a child
// process for the exit codes, --password-stdin and what it prints.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { runUpstreamCheck, type UpstreamCheckInput } from "../src/upstream/check.ts";
import { startFakeBillmgrTls } from "./fakes/billmgr-server.ts";
import { selfSignedCertificate } from "./fakes/self-signed.ts";
import { DEMO_ACCOUNTS, startSandbox, type RecordedSandbox } from "./helpers/upstream-sandbox.ts";

const EU = DEMO_ACCOUNTS.eu;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function cli(args: string[], stdin: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/partnerbill.js", ...args], {
      env: { ...process.env, UPSTREAM_URL: "", UPSTREAM_USER: "", UPSTREAM_PASSWORD: "", LOG_LEVEL: "silent", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe("partnerbill upstream check", () => {
  let s: RecordedSandbox;
  let input: UpstreamCheckInput;

  before(async () => {
    s = await startSandbox();
    input = { url: s.url, user: EU.email, password: EU.password, timeoutMs: 5_000 };
  });
  afterEach(() => s.sandbox.faults.clear());
  after(async () => {
    await s.close();
  });

  it("lists the account's licenses and modules when the credentials work", async () => {
    const r = await runUpstreamCheck(input);
    assert.ok(r.ok, r.ok ? "" : r.reason);
    assert.deepEqual(r.licenses.map((l) => l.id), [100001, 100002, 100003, 100004, 100005]);
    assert.deepEqual(r.modules, []);
  });

  const reasons: [string, () => Promise<Partial<UpstreamCheckInput>>, RegExp][] = [
    ["a wrong password", async () => ({ password: "not-the-password" }), /^wrong user or password: .* refused the login of demo@partner\.example/],
    ["an account with two-factor auth", async () => ({ user: DEMO_ACCOUNTS.twoFactor.email, password: DEMO_ACCOUNTS.twoFactor.password }), /two-factor authentication enabled, and the API cannot log in with it/],
    ["an unreachable host", async () => ({ url: `http://127.0.0.1:${await freePort()}/billmgr` }), /^cannot reach 127\.0\.0\.1:\d+: connection refused/],
    ["a URL that is not a BILLmanager API", async () => ({ url: s.url.replace("/billmgr", "/") }), /does not answer like a BILLmanager API .*should end in \/billmgr/],
  ];
  for (const [what, override, expected] of reasons) {
    it(`says so in one line for ${what}`, async () => {
      const r = await runUpstreamCheck({ ...input, ...(await override()) });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.match(r.reason, expected);
      assert.ok(!r.reason.includes("\n"));
    });
  }

  it("says so in one line for a timeout", async () => {
    s.sandbox.faults.add({ kind: "latency", ms: 5_000, count: 1 });
    const r = await runUpstreamCheck({ ...input, timeoutMs: 500 });
    assert.equal(r.ok, false);
    // On a loaded machine even connecting can take the whole 500 ms; both say "timeout".
    if (!r.ok) assert.match(r.reason, /^timeout: (no answer from|could not connect to) 127\.0\.0\.1:\d+ within 500 ms \(UPSTREAM_TIMEOUT_MS\)$/);
  });

  it("says so in one line for a TLS failure, and does not skip the certificate check", async () => {
    const tls = await startFakeBillmgrTls(selfSignedCertificate());
    try {
      const r = await runUpstreamCheck({ url: tls.url, user: tls.state.user, password: tls.state.password, timeoutMs: 2_000 });
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, /^TLS failure with localhost:\d+: DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate \(partnerbill never skips certificate checks\)$/);
      assert.equal(tls.requests.length, 0);
    } finally {
      await tls.close();
    }
  });

  it("prints tables and 'credentials OK' from the command line, the password read from stdin", async () => {
    const r = await cli(["upstream", "check", "--url", s.url, "--user", EU.email, "--password-stdin"], `${EU.password}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Licenses \(5\):\nid\s+name\s+ip\s+expires\n/);
    assert.match(r.stdout, /100001\s+ispmanager 6 Lite\s+203\.0\.113\.11\s+\d{4}-\d{2}-\d{2}/);
    assert.match(r.stdout, /Modules \(\d+\):\nid\s+license\s+tariff\s+status\s+expires\n/);
    assert.match(r.stdout, /credentials OK: demo@partner\.example at 127\.0\.0\.1:\d+\n$/);
    assert.ok(!r.stdout.includes(EU.password) && !r.stderr.includes(EU.password));
  });

  it("fails with exit code 1 and one line on stderr from the command line", async () => {
    const wrong = await cli(["upstream", "check", "--url", s.url, "--password-stdin"], "wrong-password", { UPSTREAM_USER: EU.email });
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout, "");
    assert.match(wrong.stderr, /^upstream check failed: wrong user or password: [^\n]*\n$/);
    assert.ok(!wrong.stderr.includes("wrong-password"));

    const sandbox = await cli(["upstream", "check"], "", { UPSTREAM_URL: "sandbox" });
    assert.equal(sandbox.code, 1);
    assert.match(sandbox.stderr, /^upstream check failed: UPSTREAM_URL is sandbox, .* pass --url with its \/billmgr URL\n$/);
  });
});
