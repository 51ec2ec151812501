// `partnerbill upstream check`: proves that the client-area credentials work, and shows what the
// account holds (licenses and modules). Every failure is one line that says what to fix; the
// password is taken from the environment or stdin, never from an argument (shell history, ps).
import type { Command } from "commander";
import type { Config } from "../../app/config.ts";
import type { UpstreamCheckInput } from "../../upstream/check.ts";
import { printTable } from "../table.ts";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

interface CheckFlags {
  url?: string;
  user?: string;
  passwordStdin?: boolean;
}

/** The check's input from flags over config, or the one-line reason it cannot run. */
async function resolveInput(flags: CheckFlags): Promise<UpstreamCheckInput | string> {
  const password = flags.passwordStdin ? await readStdin() : undefined;
  const { ConfigError, loadConfig } = await import("../../app/config.ts");
  let config: Config;
  try {
    config = loadConfig(undefined, { UPSTREAM_URL: flags.url, UPSTREAM_USER: flags.user, UPSTREAM_PASSWORD: password });
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  if (config.upstreamBaseUrl === "sandbox") {
    return "UPSTREAM_URL is sandbox, which has no fixed address: start one with `partnerbill sandbox` (or use the one inside `partnerbill serve`) and pass --url with its /billmgr URL";
  }
  if (!config.UPSTREAM_USER) return "no client-area user: set UPSTREAM_USER or pass --user";
  if (!config.UPSTREAM_PASSWORD) return "no client-area password: set UPSTREAM_PASSWORD or pipe it with --password-stdin";
  return { url: config.upstreamBaseUrl, user: config.UPSTREAM_USER, password: config.UPSTREAM_PASSWORD, timeoutMs: config.UPSTREAM_TIMEOUT_MS };
}

export function registerUpstream(program: Command): void {
  const upstream = program.command("upstream").description("Talk to ispmanager's client area (the BILLmanager API)");

  upstream
    .command("check")
    .description("Prove the client-area credentials work and list the account's licenses and modules")
    .option("--url <url>", "API URL, or eu / ru (default: UPSTREAM_URL)")
    .option("--user <email>", "client-area login (default: UPSTREAM_USER)")
    .option("--password-stdin", "read the password from stdin (default: UPSTREAM_PASSWORD)")
    .action(async (flags: CheckFlags) => {
      const input = await resolveInput(flags);
      if (typeof input === "string") {
        process.stderr.write(`upstream check failed: ${input}\n`);
        process.exitCode = 1;
        return;
      }
      const { runUpstreamCheck } = await import("../../upstream/check.ts");
      const r = await runUpstreamCheck(input);
      if (!r.ok) {
        process.stderr.write(`upstream check failed: ${r.reason}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`Licenses (${r.licenses.length}):\n`);
      printTable(["id", "name", "ip", "expires"], r.licenses.map((l) => [String(l.id), l.name, l.ip, l.expiresOn ?? "—"]));
      process.stdout.write(`\nModules (${r.modules.length}):\n`);
      printTable(
        ["id", "license", "tariff", "status", "expires"],
        r.modules.map((m) => [String(m.id), String(m.license), String(m.pricelist), m.status === "unknown" ? `unknown (${m.statusCode})` : m.status, m.expiresOn ?? "—"]),
      );
      process.stdout.write(`\ncredentials OK: ${input.user} at ${new URL(input.url).host}\n`);
    });
}
