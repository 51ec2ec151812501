// `partnerbill serve` as a real child process: started with the environment a test gives it, on a
// free port (PORT=0), its stdout kept (start-up banner, JSON log lines) so tests can read what it
// logged. Used by the backup, deploy (nginx) and multi-node tests.
import assert from "node:assert/strict";
import { startCli } from "./cli.ts";

export interface ServeProcess {
  /** http://127.0.0.1:<port> of the web role ("" when the process runs no web role). */
  readonly url: string;
  readonly port: number;
  /** Everything printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines printed so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** SIGTERM, then the exit; SIGKILL if it has not exited within 20 s. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: the process dies at once, mid-whatever (a crashed node). */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `partnerbill serve` and waits until it prints that it is serving (or running, without web). */
export async function startServe(env: Record<string, string>, opts: { roles?: string; deadlineMs?: number } = {}): Promise<ServeProcess> {
  const args = ["serve", ...(opts.roles ? ["--roles", opts.roles] : [])];
  const child = startCli(args, { PORT: "0", HOST: "127.0.0.1", ...env });
  child.stdin.end();
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + (opts.deadlineMs ?? 30_000);
  let url = "";
  let port = 0;
  for (;;) {
    const m = /partnerbill is serving on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
    if (m && m[2] !== "0") {
      url = m[1]!;
      port = Number(m[2]);
      break;
    }
    if (/partnerbill is running \(roles:/.test(out)) break;
    if (child.exitCode !== null || child.signalCode !== null) assert.fail(`partnerbill serve exited early (${child.exitCode ?? child.signalCode})\n${out}\n${err}`);
    if (Date.now() > deadline) {
      await stop();
      assert.fail(`partnerbill serve did not start within ${opts.deadlineMs ?? 30_000} ms\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    stop,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return exited;
    },
  };
}
