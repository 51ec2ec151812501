// The HTTP client for ispmanager's client area (a BILLmanager API, PROTOCOL.md §3).
//
// - Every call is a POST of an application/x-www-form-urlencoded body carrying authinfo, func,
//   out=xml, lang=en and the func's parameters. Credentials travel only in that body: never in the
//   URL, a log line, an event or an error message (./errors.ts scrubs upstream text as well).
// - The answer is read by its content: XML (asked for — every vendor example shows it) or either
//   JSON flavour. A BILLmanager error document decides the failure whatever the HTTP status, since
//   no source says which status comes with one (PROTOCOL.md §5).
// - One deadline per call (timeoutMs) covers connecting, sending and reading the whole answer.
// - Nothing is retried here. A money-spending call with an unknown outcome must be followed by a
//   look-up, not a repeat, and that decision belongs to the caller (fulfillment).
// - TLS certificates are always verified; there is no option to turn that off.
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";
import type { Agent } from "undici";

// undici loads with the first call, not with every process that builds a container (docs/adr/0032).
const require = createRequire(import.meta.url);
const undici = () => require("undici") as typeof import("undici");
import type { Logger } from "../ports/logger.ts";
import { invalidInput } from "../lib/errors.ts";
import type { Element } from "../protocol/document.ts";
import {
  readLicenseForm,
  readLicenseList,
  readLicenseOrderAnswer,
  readNewKey,
  readModuleForm,
  readOk,
  readOrderAnswer,
  readPriceList,
  readProlongAnswer,
  readBalance,
} from "./answers.ts";
import { readAnswer, readModulesOf, type AnswerReading, type OffThreadTask } from "./answer-reading.ts";
import { readOffThread } from "./answer-pool.ts";
import { UpstreamError, billmgrError, createScrubber } from "./errors.ts";
import { TRIAL_PERIOD } from "./types.ts";
import type {
  OrderLicenseInput,
  OrderModuleInput,
  UpstreamCallEvent,
  UpstreamClient,
  UpstreamErrorReason,
} from "./types.ts";

export interface UpstreamClientOptions {
  /** The API URL, e.g. https://api-eu.ispmanager.com/billmgr (config.upstreamBaseUrl). */
  baseUrl: string;
  user: string;
  password: string;
  /** Deadline of one call, connect to last byte (UPSTREAM_TIMEOUT_MS). */
  timeoutMs: number;
  /** Each call is logged at debug: func, params, duration, outcome — never credentials or bodies. */
  logger?: Logger;
  /** Reports every call (order timelines, metrics). A throwing hook is logged and ignored. */
  onCall?: (event: UpstreamCallEvent) => void;
}

/** Upper bound of an answer we read; a module list of 20,000 modules is about 5 MB. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/**
 * Answers at least this large are read in a worker thread when the call allows it (lists): about
 * 100 modules, a few milliseconds of parsing on this thread, below the worker's hand-over cost.
 */
export const OFF_THREAD_BYTES = 32 * 1024;

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

export type UpstreamHttpClient = UpstreamClient & {
  /** Closes the kept-alive connections. */
  close(): Promise<void>;
};

export function createUpstreamClient(opts: UpstreamClientOptions): UpstreamHttpClient {
  const url = new URL(opts.baseUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalidInput("The upstream URL must be http(s)");
  if (url.username || url.password) throw invalidInput("The upstream URL must not carry credentials; use UPSTREAM_USER and UPSTREAM_PASSWORD");
  if (url.search) throw invalidInput("The upstream URL must not carry a query string");
  if (!Number.isSafeInteger(opts.timeoutMs) || opts.timeoutMs < 1) throw invalidInput("The upstream timeout must be a positive number of milliseconds");
  const target = url.toString();
  const host = url.host;
  const scrub = createScrubber(opts.user, opts.password);
  const authinfo = `${opts.user}:${opts.password}`;
  const log = opts.logger?.child({ component: "upstream" });

  let agent: Agent | undefined;
  const newAgent = () => new (undici().Agent)({
    connect: { timeout: opts.timeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    // Short keep-alive: a POST written onto a connection the server has just closed fails with an
    // unknown outcome, so idle connections are not kept long.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
  });

  function report(event: UpstreamCallEvent): void {
    if (event.outcome === "done") log?.debug({ upstream: event }, "upstream call");
    else log?.debug({ upstream: event }, "upstream call failed");
    if (!opts.onCall) return;
    try {
      opts.onCall(event);
    } catch (e) {
      log?.warn({ err: e }, "upstream onCall hook threw; ignored");
    }
  }

  function transportError(func: string, e: unknown, deadlineHit: boolean): UpstreamError {
    const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = err.code ?? err.cause?.code ?? "";
    // Node 24 appends advice about --use-system-ca to TLS errors; an operator cannot act on a
    // runtime flag from here, and it would crowd out the part that says what failed.
    const text = scrub(String(err.cause?.message ?? err.message ?? e))
      .replace(/; if the root CA is installed locally, try running Node\.js with --use-system-ca$/, "")
      .slice(0, 200);
    const detail = code && !text.includes(code) ? `${code}: ${text}` : text;
    const make = (kind: "timeout" | "connection" | "unparsable", message: string, reason?: UpstreamErrorReason) =>
      new UpstreamError({ kind, func, message, detail, ...(reason ? { reason } : {}) });
    if (deadlineHit || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
      return make("timeout", `no complete answer from ${host} within ${opts.timeoutMs} ms`);
    }
    if (code === "UND_ERR_CONNECT_TIMEOUT") return make("timeout", `could not connect to ${host} within ${opts.timeoutMs} ms`, "connect_timeout");
    if (code === "ECONNREFUSED") return make("connection", `connection to ${host} refused`, "refused");
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return make("connection", `host ${url.hostname} not found (DNS)`, "dns");
    if (TLS_CODES.test(code)) return make("connection", `TLS failure with ${host} (${detail})`, "tls");
    if (code === "UND_ERR_RES_EXCEEDED_MAX_SIZE") return make("unparsable", `answer larger than ${MAX_ANSWER_BYTES} bytes`);
    return make("connection", `connection to ${host} broke (${detail})`, "reset");
  }

  /**
   * One call: POST, read, parse, and turn a BILLmanager error document into an UpstreamError.
   * `read` converts the document into the typed result; its AnswerError means "unparsable".
   */
  async function call<T>(func: string, params: Record<string, string>, spendsMoney: boolean, read: (doc: Element) => T, offThread?: OffThreadTask): Promise<T> {
    const started = performance.now();
    let httpStatus: number | null = null;
    const finish = (error?: UpstreamError): void => {
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      report({
        func,
        params,
        spendsMoney,
        durationMs,
        httpStatus,
        outcome: error ? error.outcome : "done",
        ...(error ? { kind: error.kind, message: error.message, ...(error.reason ? { reason: error.reason } : {}) } : {}),
      });
    };

    const form = new URLSearchParams({ authinfo, func, out: "xml", lang: "en", ...params }).toString();
    // Loading undici (first call only) happens before the deadline starts: it is not the network.
    agent ??= newAgent();
    const { request } = undici();
    const controller = new AbortController();
    let deadlineHit = false;
    const timer = setTimeout(() => {
      deadlineHit = true;
      controller.abort();
    }, opts.timeoutMs);

    let body: Buffer;
    try {
      const res = await request(target, {
        method: "POST",
        dispatcher: agent,
        signal: controller.signal,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "text/xml, application/xml, application/json;q=0.9, */*;q=0.1",
          "user-agent": "partnerbill",
        },
        body: form,
      });
      httpStatus = res.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_ANSWER_BYTES) {
          res.body.destroy();
          throw Object.assign(new Error("answer too large"), { code: "UND_ERR_RES_EXCEEDED_MAX_SIZE" });
        }
        chunks.push(chunk as Buffer);
      }
      body = Buffer.concat(chunks);
    } catch (e) {
      const error = transportError(func, e, deadlineHit);
      finish(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }

    const status = httpStatus;
    // A large list is read in the worker thread (ADR 0043): the event loop only hands it over.
    let reading: AnswerReading<T>;
    if (offThread && body.length >= OFF_THREAD_BYTES) {
      // Buffer.concat gave the answer a memory block of its own (above the pool size), so it is
      // handed over as it is; otherwise a copy is.
      const own = body.byteOffset === 0 && body.buffer.byteLength === body.length ? new Uint8Array(body.buffer, 0, body.length) : Uint8Array.from(body);
      reading = await readOffThread<T>(own, offThread);
    } else {
      reading = readAnswer(body.toString("utf8"), read);
    }
    let error: UpstreamError;
    if (reading.kind === "billmgr") {
      const b = reading.error;
      error = billmgrError(func, { type: scrub(b.type), object: scrub(b.object), msg: scrub(b.msg) }, status);
    } else if (reading.kind === "internal") {
      // A bug of ours while reading a complete answer: upstream may well have acted, so the
      // caller must still get an UpstreamError with an unknown outcome, never a bare exception.
      log?.error({ err: reading.message, func }, "reading an upstream answer failed");
      error = new UpstreamError({ kind: "unparsable", func, message: "the answer could not be read (internal error; logged)", httpStatus: status });
    } else if (reading.kind === "document_error" && status < 500) {
      error = new UpstreamError({
        kind: "unparsable",
        func,
        message: `unreadable answer${status !== 200 ? ` (HTTP ${status})` : ""}: ${scrub(reading.message)}`,
        httpStatus: status,
        ...(reading.dtd ? { reason: "dtd" as const } : {}),
      });
    } else if (status >= 500) {
      error = new UpstreamError({ kind: "server_error", func, message: `${host} answered HTTP ${status}`, httpStatus: status });
    } else if (status < 200 || status >= 300) {
      error = new UpstreamError({ kind: "unparsable", func, message: `unexpected HTTP ${status} from ${host}`, reason: "http_status", httpStatus: status });
    } else if (reading.kind === "ok") {
      finish();
      return reading.result;
    } else {
      error = new UpstreamError({ kind: "unparsable", func, message: `unreadable answer${status !== 200 ? ` (HTTP ${status})` : ""}: ${scrub(reading.message)}`, httpStatus: status });
    }
    finish(error);
    throw error;
  }

  const licenseIp = (ip: string): string => {
    const v = ip.trim();
    if (isIP(v) === 0) throw invalidInput("The license IP must be an IPv4 or IPv6 address");
    return v;
  };

  const id = (n: number, what: string): string => {
    if (!Number.isSafeInteger(n) || n <= 0) throw invalidInput(`${what} must be a positive integer`);
    return String(n);
  };

  return {
    async priceList(o = {}) {
      const params: Record<string, string> = { itemtype: "addition" };
      if (o.pricelist !== undefined) params["pricelist"] = id(o.pricelist, "pricelist");
      const { tariffs, skipped } = await call("pricelist.export", params, false, readPriceList);
      if (skipped.length > 0) log?.warn({ skipped }, "upstream tariffs in currencies partnerbill does not know were left out");
      return tariffs;
    },

    async orderModule(input: OrderModuleInput) {
      const period = id(input.period, "period");
      if (input.autoprolong != null && input.autoprolong !== input.period) {
        // Upstream silently ignores a mismatched autoprolong [doc]; refuse it here instead.
        throw invalidInput("autoprolong must equal period (or be null)");
      }
      const params: Record<string, string> = {
        item: id(input.license, "license"),
        pricelist: id(input.pricelist, "pricelist"),
        period,
        autoprolong: input.autoprolong != null ? String(input.autoprolong) : "null",
        skipbasket: "on",
        sok: "ok",
      };
      if (input.remoteId) params["remoteid"] = input.remoteId;
      return call("addition.order.param", params, true, readOrderAnswer);
    },

    async readModule(elid) {
      const e = id(elid, "elid");
      return call("addition.edit", { elid: e }, false, (doc) => readModuleForm(doc, elid));
    },

    async rebindModule(elid, license) {
      await call("addition.edit", { elid: id(elid, "elid"), item: id(license, "license"), sok: "ok" }, true, readOk);
    },

    async prolong(elid, period) {
      return call("service.prolong", { elid: id(elid, "elid"), period: id(period, "period"), sok: "ok" }, true, readProlongAnswer);
    },

    async deleteModule(elid) {
      await call("addition.delete", { elid: id(elid, "elid") }, false, readOk);
    },

    async listModules(filter = {}) {
      // Upstream documents no filter for the list: it is filtered here, as it is read (ADR 0043).
      const license = filter.license === undefined ? null : Number(id(filter.license, "license"));
      return call("addition", {}, false, readModulesOf(license), { reader: "modules", license });
    },

    async listLicenses() {
      return call("soft", {}, false, readLicenseList);
    },

    async readLicense(elid) {
      const e = id(elid, "elid");
      return call("soft.edit", { elid: e }, false, (doc) => readLicenseForm(doc, elid));
    },

    async readBalance() {
      return call("subaccount", {}, false, readBalance);
    },

    async softPriceList(o = {}) {
      const params: Record<string, string> = { itemtype: "soft" };
      if (o.pricelist !== undefined) params["pricelist"] = id(o.pricelist, "pricelist");
      const { tariffs, skipped } = await call("pricelist.export", params, false, (doc) => readPriceList(doc, { trials: true }));
      if (skipped.length > 0) log?.warn({ skipped }, "upstream license tariffs in currencies partnerbill does not know were left out");
      return tariffs;
    },

    async orderLicense(input: OrderLicenseInput) {
      const period = input.period === TRIAL_PERIOD ? String(TRIAL_PERIOD) : id(input.period, "period");
      if (input.autoprolong != null && input.autoprolong !== input.period) throw invalidInput("autoprolong must equal period (or be null)");
      const params: Record<string, string> = {
        pricelist: id(input.pricelist, "pricelist"),
        period,
        ip: licenseIp(input.ip),
        autoprolong: input.autoprolong != null ? String(input.autoprolong) : "null",
        skipbasket: "on",
        clicked_button: "finish",
        sok: "ok",
      };
      if (input.name) params["licname"] = input.name;
      if (input.remoteId) params["remoteid"] = input.remoteId;
      return call("soft.order.param", params, true, readLicenseOrderAnswer);
    },

    async changeLicense(elid, change) {
      const params: Record<string, string> = { elid: id(elid, "elid"), sok: "ok" };
      if (change.ip !== undefined) params["ip"] = licenseIp(change.ip);
      if (change.name !== undefined) params["licname"] = change.name;
      await call("soft.edit", params, true, readOk);
    },

    async newLicenseKey(elid) {
      return call("soft.edit", { elid: id(elid, "elid"), clicked_button: "newkey", sok: "ok" }, true, readNewKey);
    },

    async checkLicenseIp(input) {
      const period = input.period === TRIAL_PERIOD ? String(TRIAL_PERIOD) : id(input.period, "period");
      await call("soft.checkip", { pricelist: id(input.pricelist, "pricelist"), period, ip: licenseIp(input.ip) }, false, readOk);
    },

    async deleteLicense(elid) {
      await call("soft.delete", { elid: id(elid, "elid"), sok: "ok" }, true, readOk);
    },

    async close() {
      await agent?.close();
    },
  };
}
