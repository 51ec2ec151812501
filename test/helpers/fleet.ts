// Real partnerbill worker processes (`partnerbill serve --roles worker`) over a test database,
// pointed at a sandbox over HTTP — what the chaos and multi-node tests start, kill and restart.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Resolves once the process has started its roles (it prints "partnerbill is running"). */
  readonly ready: Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

export function startWorker(env: Record<string, string>): WorkerProcess {
  const dataDir = mkdtempSync(join(tmpdir(), "pb-worker-"));
  const child = spawn(process.execPath, ["bin/partnerbill.js", "serve", "--roles", "worker"], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "warn", SECRET_KEY: "k".repeat(40), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on("data", (d) => {
      stdout += String(d);
      if (stdout.includes("partnerbill is running")) resolve();
    });
    child.on("exit", () => resolve());
  });
  let stderr = "";
  child.stderr?.on("data", (d) => { stderr = (stderr + String(d)).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    ready,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    get stderr() { return stderr; },
  } as WorkerProcess;
}

/** Polls `check` until it returns true or the deadline passes (a failure bound, not a timing claim). */
export async function waitFor(what: string, check: () => Promise<boolean>, deadlineMs: number, everyMs = 250): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A seeded PRNG so a chaos run can be replayed with CHAOS_SEED (the sandbox's own generator). */
export { seededRandom as prng } from "../../src/sandbox/faults.ts";
