// `partnerbill sandbox`: run the emulator of ispmanager's client area on its own port, with demo
// data and the faults given as flags (more can be set at runtime through /sandbox-control/faults).
import { Command, InvalidArgumentError } from "commander";
import type { FaultInput } from "../../sandbox/sandbox.ts";
import { invalidInput } from "../../lib/errors.ts";
import { configOrExit } from "../runtime.ts";

function fraction(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("must be a number from 0 to 1");
  return n;
}

function wholeNumber(v: string): number {
  if (!/^\d{1,9}$/.test(v.trim())) throw new InvalidArgumentError("must be a whole number");
  return Number(v);
}

function faultJson(v: string, previous: FaultInput[]): FaultInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new InvalidArgumentError("must be JSON, e.g. '{\"kind\":\"http_5xx\",\"count\":3}'");
  }
  // Checked against the rule schema when the command runs (zod loads with the sandbox, not at start).
  return [...previous, parsed as FaultInput];
}

async function checkedFaults(faults: FaultInput[]): Promise<FaultInput[]> {
  const { faultInputSchema } = await import("../../sandbox/faults.ts");
  return faults.map((f) => {
    const r = faultInputSchema.safeParse(f);
    if (!r.success) throw invalidInput(`--fault ${JSON.stringify(f)}: ${r.error.issues.map((i) => `${i.path.join(".") || "fault"}: ${i.message}`).join("; ")}`);
    return r.data;
  });
}

interface Options {
  port: number;
  host: string;
  db?: string;
  latency?: number;
  latencyJitter?: number;
  errorRate?: number;
  http5xx?: number;
  timeoutAfterOrder?: number;
  resetAfterOrder?: number;
  insufficientFunds?: number | true;
  authFailure?: number | true;
  fault: FaultInput[];
  seed?: number;
}

/** The fault rules the flags ask for, in a fixed order. */
export function faultsFromFlags(o: Options): FaultInput[] {
  const rules: FaultInput[] = [];
  if (o.latency !== undefined || o.latencyJitter !== undefined) {
    rules.push({ kind: "latency", ms: o.latency ?? 0, ...(o.latencyJitter !== undefined ? { jitter: o.latencyJitter } : {}) });
  }
  const chance = (p: number | true | undefined) => (p === true ? {} : { probability: p });
  if (o.errorRate !== undefined) rules.push({ kind: "error_rate", probability: o.errorRate });
  if (o.http5xx !== undefined) rules.push({ kind: "http_5xx", probability: o.http5xx });
  if (o.timeoutAfterOrder !== undefined) rules.push({ kind: "timeout_after_order", probability: o.timeoutAfterOrder });
  if (o.resetAfterOrder !== undefined) rules.push({ kind: "reset_after_order", probability: o.resetAfterOrder });
  if (o.insufficientFunds !== undefined) rules.push({ kind: "insufficient_funds", ...chance(o.insufficientFunds) });
  if (o.authFailure !== undefined) rules.push({ kind: "auth_failure", ...chance(o.authFailure) });
  return [...rules, ...o.fault];
}

export function registerSandbox(program: Command): void {
  program
    .command("sandbox")
    .description("Run the emulator of ispmanager's client area (BILLmanager API) with demo data and injectable faults")
    .option("--port <n>", "TCP port (0 picks a free one)", wholeNumber, 8090)
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--db <file>", "SQLite file of the sandbox (default: DATA_DIR/sandbox.db)")
    .option("--latency <ms>", "delay every call by this many milliseconds", wholeNumber)
    .option("--latency-jitter <ms>", "…plus up to this many more, drawn per call", wholeNumber)
    .option("--error-rate <p>", "answer this fraction of calls with an error document, doing nothing", fraction)
    .option("--http-5xx <p>", "answer this fraction of calls with HTTP 500/502/503, doing nothing", fraction)
    .option("--timeout-after-order <p>", "for this fraction of orders and renewals: make it, then hold the answer for 10 minutes", fraction)
    .option("--reset-after-order <p>", "for this fraction of orders and renewals: make it, then close the connection unanswered", fraction)
    .option("--insufficient-funds [p]", "refuse debits as if the balance were too low (always, or this fraction)", fraction)
    .option("--auth-failure [p]", "answer every call (or this fraction) with an authentication error", fraction)
    .option("--fault <json>", "a fault rule as JSON, repeatable (see src/sandbox/README.md)", faultJson, [])
    .option("--seed <n>", "seed of the fault rolls, to replay a run (default: random)", wholeNumber)
    .action(async (o: Options) => {
      const config = await configOrExit();
      const fault = await checkedFaults(o.fault);
      const [{ createLogger }, { createSandbox, DEMO_ACCOUNTS }] = await Promise.all([import("../../app/logger.ts"), import("../../sandbox/sandbox.ts")]);
      const dbFile = o.db ?? `${config.DATA_DIR.replace(/\/+$/, "")}/sandbox.db`;
      const logger = createLogger(config.LOG_LEVEL).child({ component: "sandbox" });
      const sandbox = createSandbox({ dbFile, faults: faultsFromFlags({ ...o, fault }), logger, ...(o.seed !== undefined ? { seed: o.seed } : {}) });
      const { url } = await sandbox.listen(o.port, o.host);
      const { seed, rules } = sandbox.faults.list();
      process.stdout.write(
        [
          "",
          `sandbox (emulated ispmanager client area) on ${url}`,
          `  API:       ${url}/billmgr   (also /manager/billmgr)`,
          `  database:  ${dbFile}`,
          `  logins:    ${DEMO_ACCOUNTS.eu.email} / ${DEMO_ACCOUNTS.eu.password} (EU, EUR)`,
          `             ${DEMO_ACCOUNTS.ru.email} / ${DEMO_ACCOUNTS.ru.password} (RU, RUB)`,
          `             ${DEMO_ACCOUNTS.twoFactor.email} (two-factor auth: the API refuses it)`,
          `  control:   ${url}/sandbox-control/state · ${url}/sandbox-control/faults`,
          `  faults:    ${rules.length === 0 ? "none" : rules.map((r) => r.kind).join(", ")} (seed ${seed})`,
          `  use it:    UPSTREAM_URL=${url}/billmgr UPSTREAM_USER=${DEMO_ACCOUNTS.eu.email} UPSTREAM_PASSWORD=${DEMO_ACCOUNTS.eu.password} partnerbill serve`,
          "",
        ].join("\n"),
      );
      const shutdown = async () => {
        await sandbox.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void shutdown());
      process.once("SIGTERM", () => void shutdown());
    });
}
