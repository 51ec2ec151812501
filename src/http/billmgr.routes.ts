// /billmgr and /manager/billmgr: the BILLmanager-style endpoint ispmanager panels call
// (PROTOCOL.md §2). GET with a query string or POST with a form body (the body wins where both
// carry a field). func=pricelist.export is served from the prebuilt cache as bytes; everything
// else answers a BILLmanager error document in the requested format. Nothing here can produce a
// 5xx from input, and every echoed value goes through the document writers' escaping.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { errorDocument, truncateEcho, type BillmgrError } from "../protocol/errors.ts";
import { parseOutputFormat } from "../protocol/document.ts";
import { contentTypeOf, write } from "../protocol/write.ts";
import { param, parsePriceListQuery, type Params } from "../modules/catalog/pricelist.logic.ts";
import type { RenderedDocument } from "../modules/catalog/pricelist.service.ts";

export const BILLMGR_PATHS = ["/billmgr", "/manager/billmgr"] as const;

function paramsOf(req: FastifyRequest): Params {
  const query = (req.query ?? {}) as Params;
  const body = req.body;
  if (body && typeof body === "object" && !Array.isArray(body)) return { ...query, ...(body as Params) };
  return query;
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const m = /(?:^|,)\s*gzip\s*(?:;\s*q\s*=\s*([0-9.]+))?/i.exec(header);
  return m !== null && (m[1] === undefined || Number(m[1]) > 0);
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

export function sendDocument(req: FastifyRequest, reply: FastifyReply, d: RenderedDocument): FastifyReply {
  reply.header("etag", d.etag).header("cache-control", "no-cache").header("vary", "Accept-Encoding").header("x-content-type-options", "nosniff");
  if (etagMatches(req.headers["if-none-match"], d.etag)) return reply.code(304).send();
  reply.header("content-type", d.contentType);
  if (acceptsGzip(req.headers["accept-encoding"])) return reply.header("content-encoding", "gzip").send(d.gzip);
  return reply.send(d.body);
}

function sendBillmgrError(reply: FastifyReply, params: Params, e: BillmgrError): FastifyReply {
  const format = parseOutputFormat(param(params, "out"));
  return reply
    .code(200)
    .header("content-type", contentTypeOf(format))
    .header("x-content-type-options", "nosniff")
    .header("cache-control", "no-store")
    .send(write(errorDocument(e), format));
}

export function registerBillmgrRoutes(app: FastifyInstance, c: Container): void {
  async function handle(req: FastifyRequest, reply: FastifyReply) {
    const params = paramsOf(req);
    const func = param(params, "func")?.trim();

    if (func === "pricelist.export") {
      const q = parsePriceListQuery(params);
      if ("type" in q) return sendBillmgrError(reply, params, q);
      c.metrics.pricelistRequests.inc({ out: q.out });
      const d = c.priceList.get(q);
      return sendDocument(req, reply, d instanceof Promise ? await d : d);
    }
    if (func === undefined || func === "") {
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
