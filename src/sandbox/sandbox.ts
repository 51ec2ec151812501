// The sandbox: an emulator of ispmanager's client area (a BILLmanager API) with injectable faults.
// `createSandbox()` opens its SQLite database and returns something that can either listen on its
// own port (`partnerbill sandbox`) or be mounted under a prefix of another fastify app (the
// default `npm start`). Routes: <prefix>/billmgr and <prefix>/manager/billmgr (the API, GET or
// POST), <prefix>/sandbox-control/… (JSON, for tests and demos). See README.md beside this file.
import { setMaxListeners } from "node:events";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { systemClock, type Clock } from "../lib/clock.ts";
import { toDecimal } from "../lib/money.ts";
import { parseOutputFormat, type Element, type OutputFormat } from "../protocol/document.ts";
import { errorDocument } from "../protocol/errors.ts";
import { contentTypeOf, write } from "../protocol/write.ts";
import { BAD_CREDENTIALS, createSandboxApi, param, type CallResult, type Params } from "./billmgr.ts";
import { registerControlRoutes } from "./control.ts";
import type { ExpiryRule } from "./dates.ts";
import { createFaults, DEFAULT_HOLD_MS, type FaultInput } from "./faults.ts";
import { DEMO_ACCOUNTS } from "./seed.ts";
import { openSandboxStore } from "./store.ts";

export { DEMO_ACCOUNTS } from "./seed.ts";
export type { FaultInput } from "./faults.ts";

/** pino's Logger fits; the sandbox logs one line per API call and nothing secret. */
export interface SandboxLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SandboxOptions {
  /** SQLite file of the sandbox (created with its directory), or ":memory:". */
  dbFile: string;
  clock?: Clock;
  /** Seed of the fault rolls (default: random; shown by GET /sandbox-control/faults). */
  seed?: number;
  /** Faults in effect from the start. */
  faults?: FaultInput[];
  logger?: SandboxLogger;
  /** How long after soft.order.param a license's key appears (default DEFAULT_KEY_DELAY_MS). */
  keyDelayMs?: number;
}

/** A license key appears this long after the order [assumed; real keys take seconds to minutes]. */
export const DEFAULT_KEY_DELAY_MS = 3_000;

export const BILLMGR_PATHS = ["/billmgr", "/manager/billmgr"] as const;

const silent: SandboxLogger = { info: () => {}, warn: () => {} };

const PROXY_PAGES: Record<number, string> = { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out" };

/** Form bodies: repeated keys become arrays, like query strings. No prototype, so "__proto__" is just a key. */
function parseForm(body: string): Params {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** Query and form body together; the body wins where both carry a field. */
function paramsOf(req: FastifyRequest): Params {
  const query = (req.query ?? {}) as Params;
  const body = req.body;
  return body && typeof body === "object" && !Array.isArray(body) ? { ...query, ...(body as Params) } : { ...query };
}

function errorTypeOf(d: Element): string | undefined {
  const first = d.children?.[0];
  return first?.name === "error" ? first.attrs?.["type"] : undefined;
}

export function createSandbox(opts: SandboxOptions) {
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? silent;
  const store = openSandboxStore(opts.dbFile, () => clock.now());
  const faults = createFaults({ ...(opts.seed !== undefined ? { seed: opts.seed } : {}), rules: opts.faults ?? [] });
  // The end-date rule of new orders and renewals (calendar months unless the control endpoint says otherwise).
  let expiryRule: ExpiryRule = { rule: "calendar" };
  const expiry = { get: (): ExpiryRule => expiryRule, set: (r: ExpiryRule) => { expiryRule = r; } };
  // How long after an order a license's key appears (soft.edit shows an empty lickey until then).
  let keyDelayMs = opts.keyDelayMs ?? DEFAULT_KEY_DELAY_MS;
  const keyDelay = { get: (): number => keyDelayMs, set: (ms: number) => { keyDelayMs = ms; } };
  const api = createSandboxApi({
    store,
    refuseDebit: (func) => faults.roll("insufficient_funds", func) !== null,
    expiryRule: expiry.get,
    keyDelayMs: keyDelay.get,
  });
  // Aborted on close: injected latencies and held answers end at once instead of keeping the
  // process (or a host app's shutdown) waiting for minutes.
  const closing = new AbortController();
  // Every delayed or held call listens to it; hundreds at once are normal in a chaos run.
  setMaxListeners(0, closing.signal);
  let own: FastifyInstance | undefined;
  let closed = false;

  function sendDoc(reply: FastifyReply, format: OutputFormat, d: Element): FastifyReply {
    return reply.code(200).header("content-type", contentTypeOf(format)).header("cache-control", "no-store").send(write(d, format));
  }

  /** Ends the exchange without any answer: the client sees its connection closed under it. */
  function dropConnection(req: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    req.raw.socket.destroy();
  }

  /**
   * Holds a finished call's answer for `ms` (timeout_after_order). The wait ends early when the
   * client gives up and closes the connection, or when the sandbox closes (the socket is then
   * destroyed); only a client still waiting after `ms` gets the answer.
   */
  async function holdAnswer(req: FastifyRequest, reply: FastifyReply, format: OutputFormat, d: Element, ms: number): Promise<void> {
    reply.hijack();
    const socket: Socket = req.raw.socket;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms);
      const onClosing = () => {
        socket.destroy();
        finish();
      };
      function finish() {
        clearTimeout(timer);
        socket.off("close", finish);
        closing.signal.removeEventListener("abort", onClosing);
        resolve();
      }
      socket.once("close", finish);
      closing.signal.addEventListener("abort", onClosing);
      if (closing.signal.aborted || socket.destroyed) onClosing();
    });
    if (socket.destroyed) return;
    reply.raw.writeHead(200, { "content-type": contentTypeOf(format), "cache-control": "no-store" });
    reply.raw.end(write(d, format));
  }

  function logCall(func: string, r: Partial<CallResult>, fault?: string): void {
    const error = r.doc ? errorTypeOf(r.doc) : undefined;
    log.info(
      {
        func,
        account: r.account,
        ...(error ? { error } : {}),
        ...(r.charged ? { charged: `${toDecimal(r.charged)} ${r.charged.currency}` } : {}),
        ...(fault ? { fault } : {}),
      },
      "sandbox call",
    );
  }

  async function handleBillmgr(req: FastifyRequest, reply: FastifyReply) {
    const p = paramsOf(req);
    const func = param(p, "func")?.trim() ?? "";
    const format = parseOutputFormat(param(p, "out"));

    const delay = faults.latencyMs(func);
    if (delay > 0) {
      try {
        await sleep(delay, undefined, { signal: closing.signal });
      } catch {
        return dropConnection(req, reply);
      }
    }
    // Faults that strike before anything is done.
    const http5xx = faults.roll("http_5xx", func);
    if (http5xx) {
      const status = faults.statusOf(http5xx);
      logCall(func, {}, "http_5xx");
      const title = `${status} ${PROXY_PAGES[status] ?? "Server Error"}`;
      return reply
        .code(status)
        .type("text/html; charset=utf-8")
        .send(`<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`);
    }
    if (faults.roll("auth_failure", func)) {
      logCall(func, { doc: errorDocument(BAD_CREDENTIALS) }, "auth_failure");
      return sendDoc(reply, format, errorDocument(BAD_CREDENTIALS));
    }
    if (faults.roll("error_rate", func)) {
      const d = errorDocument({ type: "xml", object: "sandbox_fault", message: "Injected error (sandbox fault error_rate): nothing was done" });
      logCall(func, { doc: d }, "error_rate");
      return sendDoc(reply, format, d);
    }

    // The call itself; its changes are committed before anything is written back.
    const result = api.call(func, p);

    // Faults that strike after the change was made.
    if (result.changed) {
      const timeout = faults.roll("timeout_after_order", func);
      if (timeout) {
        logCall(func, result, "timeout_after_order");
        return holdAnswer(req, reply, format, result.doc, timeout.ms ?? DEFAULT_HOLD_MS);
      }
      if (faults.roll("reset_after_order", func)) {
        logCall(func, result, "reset_after_order");
        return dropConnection(req, reply);
      }
    }
    logCall(func, result);
    return sendDoc(reply, format, result.doc);
  }

  function state() {
    const accounts = store.accounts();
    const emailOf = new Map(accounts.map((a) => [a.id, a.email]));
    const names = new Map<string, string>();
    for (const region of ["eu", "ru"] as const) for (const t of store.tariffs(region)) names.set(`${region}-${t.id}`, t.name);
    const regionOf = new Map(accounts.map((a) => [a.id, a.region]));
    return {
      accounts: accounts.map((a) => ({
        email: a.email,
        region: a.region,
        currency: a.currency,
        balance: toDecimal({ minor: a.balance_minor, currency: a.currency }),
        balanceMinor: a.balance_minor,
        twoFactor: a.two_factor === 1,
      })),
      tariffs: (["eu", "ru"] as const).flatMap((region) =>
        store.tariffs(region).map((t) => ({
          region,
          id: t.id,
          name: t.name,
          intname: t.intname,
          currency: t.currency,
          costs: Object.fromEntries(
            store
              .tariffPeriods(region)
              .filter((x) => x.tariff_id === t.id)
              .map((x) => [String(x.months), toDecimal({ minor: x.cost_minor, currency: t.currency })]),
          ),
        })),
      ),
      licenses: store.allLicenses().map((l) => ({
        id: l.id,
        account: emailOf.get(l.account_id) ?? null,
        licname: l.licname,
        ip: l.ip,
        lickey: l.lickey,
        pricelist: l.pricelist,
        expiredate: l.expiredate,
        status: api.statusOf(l),
        remoteId: l.remote_id,
        period: l.period,
        trial: l.trial === 1,
        keyReadyAt: l.key_ready_at,
        createdAt: l.created_at,
      })),
      softTariffs: (["eu", "ru"] as const).flatMap((region) =>
        store.softTariffs(region).map((t) => ({
          region,
          id: t.id,
          name: t.name,
          edition: t.edition,
          trial: t.trial === 1,
          currency: t.currency,
          costs: Object.fromEntries(
            store
              .softTariffPeriods(region)
              .filter((x) => x.tariff_id === t.id)
              .map((x) => [String(x.months), toDecimal({ minor: x.cost_minor, currency: t.currency })]),
          ),
        })),
      ),
      modules: store.allServices().map((s) => ({
        id: s.id,
        account: emailOf.get(s.account_id) ?? null,
        license: s.license_id,
        pricelist: s.pricelist,
        name: names.get(`${regionOf.get(s.account_id)}-${s.pricelist}`) ?? null,
        period: s.period,
        autoprolong: s.autoprolong,
        status: api.statusOf(s),
        expiredate: s.expiredate,
        remoteId: s.remote_id,
        createdAt: s.created_at,
        updatedAt: s.updated_at,
      })),
      charges: store.charges().map((c) => ({
        id: c.id,
        account: emailOf.get(c.account_id) ?? null,
        service: c.service_id,
        func: c.func,
        amount: toDecimal({ minor: c.amount_minor, currency: c.currency }),
        amountMinor: c.amount_minor,
        currency: c.currency,
        createdAt: c.created_at,
      })),
      faults: faults.list(),
      expiryRule,
      keyDelayMs,
    };
  }

  async function plugin(app: FastifyInstance): Promise<void> {
    // Own body parsing, the same whether standalone or inside a host app that has its own parsers
    // (this context is encapsulated: the host's parsers are untouched).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, parseForm(body as string)),
    );
    app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: 64 * 1024 }, (_req, body, done) => {
      try {
        done(null, body === "" ? {} : JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error("The body is not valid JSON"), { statusCode: 400 }), undefined);
      }
    });
    app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 64 * 1024 }, (_req, _body, done) => done(null, undefined));
    app.addHook("preClose", (done) => {
      closing.abort();
      done();
    });

    app.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
      const clientError = typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500;
      if (!clientError) log.warn({ err }, "sandbox request failed");
      if (req.url.includes("/sandbox-control/")) {
        return reply
          .code(clientError ? err.statusCode! : 500)
          .send({ error: { code: clientError ? "invalid_input" : "internal", message: clientError ? (err.message ?? "Bad request") : "Internal error" } });
      }
      if (!clientError) return reply.code(500).type("text/plain; charset=utf-8").send("Internal error\n");
      const format = parseOutputFormat(param((req.query ?? {}) as Params, "out"));
      return sendDoc(reply, format, errorDocument({ type: "value", object: "request", message: "The request could not be read" }));
    });

    for (const url of BILLMGR_PATHS) app.route({ method: ["GET", "POST"], url, handler: handleBillmgr });
    registerControlRoutes(app, { store, faults, state, expiry, keyDelay });
  }

  /** Mounts the sandbox's routes on `app` under `prefix` (e.g. "/sandbox"); call before `app.ready()`. */
  async function register(app: FastifyInstance, prefix = ""): Promise<void> {
    await app.register(plugin, { prefix });
  }

  /** Runs the sandbox as its own HTTP server. */
  async function listen(port = 0, host = "127.0.0.1"): Promise<{ url: string; port: number }> {
    if (own) throw new Error("the sandbox is already listening");
    const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true }, forceCloseConnections: true });
    await register(app);
    app.get("/", async (_req, reply) =>
      reply
        .type("text/plain; charset=utf-8")
        .send(
          "partnerbill sandbox: an emulator of ispmanager's client area\n" +
            "  API:      /billmgr  (authinfo=user:password)\n" +
            "  state:    /sandbox-control/state\n" +
            "  faults:   /sandbox-control/faults\n" +
            `  demo login: ${DEMO_ACCOUNTS.eu.email} / ${DEMO_ACCOUNTS.eu.password}\n`,
        ),
    );
    own = app;
    await app.listen({ port, host });
    const addr = app.server.address();
    const boundPort = typeof addr === "object" && addr ? addr.port : port;
    return { url: `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`, port: boundPort };
  }

  /** Stops the own server (if listening) and closes the database. A host app is closed by its owner first. */
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    closing.abort();
    if (own) await own.close();
    store.close();
  }

  return { register, listen, close, state, faults, expiry, keyDelay };
}

export type Sandbox = ReturnType<typeof createSandbox>;
