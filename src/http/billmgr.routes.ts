// /billmgr and /manager/billmgr: the BILLmanager-style endpoint ispmanager panels call
// (PROTOCOL.md §2). GET with a query string or POST with a form body (the body wins where both
// carry a field). func=pricelist.export is served from the prebuilt cache as bytes; everything
// else answers a BILLmanager error document in the requested format. Nothing here can produce a
// 5xx from input, and every echoed value goes through the document writers' escaping.
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { errorDocument, truncateEcho, type BillmgrError } from "../protocol/errors.ts";
import { parseOutputFormat, type OutputFormat } from "../protocol/document.ts";
import { contentTypeOf, write } from "../protocol/write.ts";
import { param, parsePriceListQuery, type Params, type PriceListQuery } from "../modules/catalog/pricelist.logic.ts";
import type { RenderedDocument } from "../modules/catalog/pricelist.service.ts";
import { handleBuyRedirect, isBuyRedirect } from "./checkout.routes.ts";

export const BILLMGR_PATHS = ["/billmgr", "/manager/billmgr"] as const;

function paramsOf(req: FastifyRequest): Params {
  const query = (req.query ?? {}) as Params;
  const body = req.body;
  if (body && typeof body === "object" && !Array.isArray(body)) return { ...query, ...(body as Params) };
  return query;
}

// Panels of one partner send the same Accept-Encoding again and again; remembering the last
// verdict saves the regular expression on the hot path.
let lastAcceptEncoding: string | undefined;
let lastAcceptsGzip = false;

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  if (header === lastAcceptEncoding) return lastAcceptsGzip;
  const m = /(?:^|,)\s*gzip\s*(?:;\s*q\s*=\s*([0-9.]+))?/i.exec(header);
  lastAcceptsGzip = m !== null && (m[1] === undefined || Number(m[1]) > 0);
  lastAcceptEncoding = header;
  return lastAcceptsGzip;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  // A revalidating client sends back the ETag it was given: answer that without splitting.
  if (header === etag) return true;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

/** One way to answer a document request: status, every header, and the bytes. */
interface Answer {
  readonly status: 200 | 304;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
}

interface Answers {
  readonly plain: Answer;
  readonly gzip: Answer;
  readonly notModified: Answer;
}

// The three answers of a document are built once, next to the document: a document lives until
// the catalog changes, and the WeakMap lets its answers go with it.
const answersOf = new WeakMap<RenderedDocument, Answers>();

function answersFor(d: RenderedDocument): Answers {
  let a = answersOf.get(d);
  if (a) return a;
  const common = { etag: d.etag, "cache-control": "no-cache", vary: "Accept-Encoding", "x-content-type-options": "nosniff" };
  a = {
    notModified: { status: 304, headers: common, body: undefined },
    plain: {
      status: 200,
      headers: { ...common, "content-type": d.contentType, "content-length": String(d.body.length) },
      body: d.body,
    },
    gzip: {
      status: 200,
      headers: { ...common, "content-type": d.contentType, "content-encoding": "gzip", "content-length": String(d.gzip.length) },
      body: d.gzip,
    },
  };
  answersOf.set(d, a);
  return a;
}

function chooseAnswer(d: RenderedDocument, ifNoneMatch: string | undefined, acceptEncoding: string | undefined): Answer {
  const a = answersFor(d);
  if (etagMatches(ifNoneMatch, d.etag)) return a.notModified;
  return acceptsGzip(acceptEncoding) ? a.gzip : a.plain;
}

export function sendDocument(req: FastifyRequest, reply: FastifyReply, d: RenderedDocument): FastifyReply {
  const a = chooseAnswer(d, req.headers["if-none-match"], req.headers["accept-encoding"]);
  reply.code(a.status).headers(a.headers);
  return a.body === undefined ? reply.send() : reply.send(a.body);
}

/** Raw query strings longer than this are never remembered (they cannot be a panel's poll). */
const FAST_PATH_MAX_QUERY = 512;
/** How many distinct raw query strings the fast path remembers; the oldest is forgotten first. */
export const FAST_PATH_MAX_QUERIES = 256;

/** Answers counted before they are applied to the metrics (see `flush`). */
const FAST_PATH_MAX_PENDING = 1024;

/**
 * The price list as panels poll it — GET /billmgr?<query> without a body — answered from the
 * node:http request listener, before fastify builds a request, runs hooks and routes. It answers
 * only a raw query string that the fastify route below has already answered as pricelist.export
 * (so parsing stays in one place), and only while that document is built; anything else,
 * including every request while the server is closing, goes to fastify unchanged. The answer is
 * the same `Answer` the route sends, byte for byte (test/billmgr.fast-path.test.ts).
 * docs/adr/0003-price-list-fast-path.md says why this exists.
 *
 * Its answers count in the same metrics as the route's, but in batches: a prom-client call per
 * poll cost more CPU than the poll itself. `flush()` applies what is pending; it runs before every
 * scrape of /metrics (src/http/app.ts) and whenever FAST_PATH_MAX_PENDING answers are waiting.
 */
export function createPriceListFastPath(c: Pick<Container, "priceList" | "metrics">, securityHeaders: Readonly<Record<string, string>> = {}) {
  // Each answer's header object (built once per document and variant) with the security headers
  // in front, built once per answer: nothing is merged per poll.
  const withSecurity = new WeakMap<object, Record<string, string | number>>();
  const headersOf = (h: Record<string, string | number>) => {
    let merged = withSecurity.get(h);
    if (!merged) {
      // As node's setHeader-then-writeHead would: a name both carry keeps the security header's
      // place and takes the answer's spelling and value.
      const byLower = new Map<string, [string, string | number]>(Object.entries(securityHeaders).map(([k, v]) => [k.toLowerCase(), [k, v]]));
      for (const [k, v] of Object.entries(h)) byLower.set(k.toLowerCase(), [k, v]);
      merged = Object.fromEntries(byLower.values());
      withSecurity.set(h, merged);
    }
    return merged;
  };
  // Raw query string → parsed query. Bounded: hostile clients can only push panels' queries out,
  // which sends those back through fastify until they are learned again.
  const known = new Map<string, PriceListQuery>();
  let open = true;

  let answered200 = 0;
  let answered304 = 0;
  const byFormat: Record<OutputFormat, number> = { xml: 0, json: 0, sjson: 0, bjson: 0 };
  const durations: number[] = [];

  function learn(req: FastifyRequest, q: PriceListQuery): void {
    if (!open || req.method !== "GET" || req.body !== undefined) return;
    const i = req.url.indexOf("?");
    if (i < 0) return;
    const raw = req.url.slice(i + 1);
    if (raw.length > FAST_PATH_MAX_QUERY || known.has(raw)) return;
    if (known.size >= FAST_PATH_MAX_QUERIES) known.delete(known.keys().next().value!);
    known.set(raw, q);
  }

  /** Answers the request and returns true, or returns false having touched nothing. */
  function serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (!open || req.method !== "GET") return false;
    const url = req.url ?? "";
    const start = url.startsWith("/billmgr?") ? 9 : url.startsWith("/manager/billmgr?") ? 17 : -1;
    if (start < 0) return false;
    const h = req.headers;
    // A request with a body is fastify's to read (and the body could carry fields).
    if (h["content-length"] !== undefined || h["transfer-encoding"] !== undefined) return false;
    const q = known.get(url.slice(start));
    if (q === undefined) return false;
    const started = performance.now();
    const d = c.priceList.getBuilt(q);
    if (d === undefined) return false;
    const a = chooseAnswer(d, h["if-none-match"], h["accept-encoding"]);
    res.writeHead(a.status, headersOf(a.headers));
    res.end(a.body);
    if (a.status === 304) answered304++;
    else answered200++;
    byFormat[q.out]++;
    durations.push((performance.now() - started) / 1000);
    if (durations.length >= FAST_PATH_MAX_PENDING) flush();
    return true;
  }

  /** Applies the pending answers to the metrics. */
  function flush(): void {
    if (durations.length === 0) return;
    const m = c.metrics;
    if (answered200 > 0) m.httpRequests.inc({ surface: "billmgr", status: "2xx" }, answered200);
    if (answered304 > 0) m.httpRequests.inc({ surface: "billmgr", status: "3xx" }, answered304);
    for (const out of Object.keys(byFormat) as OutputFormat[]) {
      if (byFormat[out] > 0) m.pricelistRequests.inc({ out }, byFormat[out]);
      byFormat[out] = 0;
    }
    m.pricelistCache.inc({ result: "hit" }, durations.length);
    const labels = { surface: "billmgr" };
    for (const seconds of durations) m.httpDuration.observe(labels, seconds);
    answered200 = 0;
    answered304 = 0;
    durations.length = 0;
  }

  /** Stops answering (the server is closing: fastify answers 503 from now on). */
  function close(): void {
    open = false;
    known.clear();
    flush();
  }

  return { learn, serve, flush, close };
}

export type PriceListFastPath = ReturnType<typeof createPriceListFastPath>;

function sendBillmgrError(reply: FastifyReply, params: Params, e: BillmgrError): FastifyReply {
  const format = parseOutputFormat(param(params, "out"));
  return reply
    .code(200)
    .header("content-type", contentTypeOf(format))
    .header("x-content-type-options", "nosniff")
    .header("cache-control", "no-store")
    .send(write(errorDocument(e), format));
}

export function registerBillmgrRoutes(app: FastifyInstance, c: Container, fastPath?: PriceListFastPath): void {
  async function handle(req: FastifyRequest, reply: FastifyReply) {
    const params = paramsOf(req);
    const func = param(params, "func")?.trim();

    if (func === "pricelist.export") {
      const q = parsePriceListQuery(params);
      if ("type" in q) return sendBillmgrError(reply, params, q);
      c.metrics.pricelistRequests.inc({ out: q.out });
      const d = c.priceList.get(q);
      fastPath?.learn(req, q);
      return sendDocument(req, reply, d instanceof Promise ? await d : d);
    }
    if (func === undefined || func === "") {
      // A browser sent by the panel's Buy button (PROTOCOL.md §2.4) carries no func.
      if (isBuyRedirect(params)) return handleBuyRedirect(req, reply, c, params);
      return sendBillmgrError(reply, params, { type: "missed", object: "func", message: "Function not specified (func)" });
    }
    return sendBillmgrError(reply, params, {
      type: "missed",
      object: "func",
      value: func,
      message: `Unknown function ${truncateEcho(func)}`,
    });
  }

  for (const url of BILLMGR_PATHS) {
    app.route({ method: ["GET", "POST"], url, config: { surface: "billmgr" }, handler: handle });
  }
}
