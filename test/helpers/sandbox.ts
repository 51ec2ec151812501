// Starts the sandbox (the emulated ispmanager client area, src/sandbox/) on a free port for a
// test, over an in-memory database unless told otherwise, and gives helpers to call its
// BILLmanager API and its control endpoint over real HTTP.
import { manualClock } from "../../src/lib/clock.ts";
import { createSandbox, DEMO_ACCOUNTS, type FaultInput, type Sandbox } from "../../src/sandbox/sandbox.ts";

export const DEMO_AUTHINFO = `${DEMO_ACCOUNTS.eu.email}:${DEMO_ACCOUNTS.eu.password}`;
export const RU_AUTHINFO = `${DEMO_ACCOUNTS.ru.email}:${DEMO_ACCOUNTS.ru.password}`;

/** A module as the sandbox's state shows it. */
export interface SandboxModule {
  id: number;
  account: string | null;
  license: number;
  pricelist: number;
  period: number;
  autoprolong: number | null;
  status: number;
  expiredate: string | null;
}

export interface TestSandbox {
  sandbox: Sandbox;
  /** The sandbox's own clock (module dates are computed from it). */
  clock: ReturnType<typeof manualClock>;
  /** Base URL of the server, e.g. http://127.0.0.1:12345 */
  url: string;
  /** The API endpoint (what partnerbill's UPSTREAM_URL would be). */
  billmgrUrl: string;
  /** The EU demo account. */
  credentials: { user: string; password: string };
  /** Modules on a license that are not deleted (status 4), oldest first. */
  modulesOf(license: number): SandboxModule[];
  /** POSTs a form to /billmgr; with the EU demo account's authinfo unless `authinfo` or `auth` is given or `noAuth` is set. */
  call(params: Record<string, string>, init?: { signal?: AbortSignal; noAuth?: boolean }): Promise<{ status: number; body: string }>;
  /** The same with out=json, parsed. */
  callJson(params: Record<string, string>): Promise<any>;
  /** A JSON request to /sandbox-control/<path>. */
  control(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

export async function startSandbox(opts: { dbFile?: string; faults?: FaultInput[]; seed?: number; now?: string; keyDelayMs?: number } = {}): Promise<TestSandbox> {
  const clock = manualClock(opts.now ?? "2026-12-01T10:00:00Z");
  const sandbox = createSandbox({
    dbFile: opts.dbFile ?? ":memory:",
    clock,
    seed: opts.seed ?? 1,
    // Keys appear quickly in tests, but not at once: key delivery still has to poll.
    keyDelayMs: opts.keyDelayMs ?? 200,
    ...(opts.faults ? { faults: opts.faults } : {}),
  });
  const { url } = await sandbox.listen(0, "127.0.0.1");
  const billmgrUrl = `${url}/billmgr`;

  async function call(params: Record<string, string>, init: { signal?: AbortSignal; noAuth?: boolean } = {}) {
    const withAuth = init.noAuth || "authinfo" in params || "auth" in params ? params : { authinfo: DEMO_AUTHINFO, ...params };
    const res = await fetch(billmgrUrl, { method: "POST", body: new URLSearchParams(withAuth), ...(init.signal ? { signal: init.signal } : {}) });
    return { status: res.status, body: await res.text() };
  }

  return {
    sandbox,
    clock,
    url,
    billmgrUrl,
    credentials: { user: DEMO_ACCOUNTS.eu.email, password: DEMO_ACCOUNTS.eu.password },
    modulesOf: (license) => (sandbox.state().modules as SandboxModule[]).filter((m) => m.license === license && m.status !== 4),
    call,
    async callJson(params) {
      return JSON.parse((await call({ ...params, out: "json" })).body);
    },
    async control(method, path, body) {
      const res = await fetch(`${url}/sandbox-control${path}`, {
        method,
        ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    stop: () => sandbox.close(),
  };
}

/** Always an array: BILLmanager JSON gives one element as an object and several as an array. */
export function rows<T = any>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
