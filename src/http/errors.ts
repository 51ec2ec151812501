// The one place that maps an error code to an HTTP status and to each surface's own format:
// a BILLmanager error document on /billmgr, JSON with a stable code on /api and for machines,
// a readable page for browsers. Messages of unexpected errors are never shown.
import type { FastifyReply, FastifyRequest } from "fastify";
import { isAppError, type ErrorCode } from "../lib/errors.ts";
import { errorDocument, type BillmgrErrorType } from "../protocol/errors.ts";
import { parseOutputFormat } from "../protocol/document.ts";
import { contentTypeOf, write } from "../protocol/write.ts";
import { errorPage } from "./pages.ts";
import { pageLocale } from "./locale.ts";
import { CATALOGS, t, type MessageKey, type MessageValues } from "../i18n/t.ts";
import { safeJson } from "./json.ts";

export const STATUS_OF: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  illegal_transition: 409,
  insufficient_funds: 402,
  rate_limited: 429,
  upstream_rejected: 502,
  upstream_unavailable: 503,
  config_invalid: 500,
  internal: 500,
};

const BILLMGR_TYPE_OF: Partial<Record<ErrorCode, BillmgrErrorType>> = {
  invalid_input: "value",
  unauthenticated: "auth",
  forbidden: "access",
  conflict: "exists",
  not_found: "missed",
};

export type Surface = "billmgr" | "api" | "page" | "ops";

export function surfaceOf(url: string): Surface {
  const path = url.split("?", 1)[0] ?? "";
  // The router ignores a trailing slash, so /billmgr/ is the billmgr surface and its errors
  // (unreadable body, body too large) must be error documents too, not HTML pages.
  const route = path.length > 1 ? path.replace(/\/+$/, "") : path;
  if (route === "/billmgr" || route === "/manager/billmgr") return "billmgr";
  if (path.startsWith("/api/")) return "api";
  if (route === "/healthz" || route === "/readyz" || route === "/metrics") return "ops";
  return "page";
}

interface Described {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Turns anything thrown into a status, a code and a message fit to show. */
export function describeError(err: unknown): Described {
  if (isAppError(err)) return { status: STATUS_OF[err.code], code: err.code, message: err.message };
  const e = err as { statusCode?: number; code?: string; message?: string };
  // Fastify's own client errors (bad body, bad content type, body too large, bad URL).
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const message =
      e.statusCode === 413 ? "Request body is too large" :
      e.statusCode === 415 ? "Unsupported content type" :
      "The request could not be read";
    return { status: e.statusCode, code: "invalid_input", message };
  }
  return { status: 500, code: "internal", message: "Internal error; it has been logged" };
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, surface: Surface = surfaceOf(req.url)): FastifyReply {
  const d = describeError(err);
  if (d.status >= 500) req.log.error({ err }, "request failed");
  const retryAfter = isAppError(err) ? err.details?.["retryAfterSeconds"] : undefined;
  if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
  if (surface === "billmgr") {
    // Panels decide by the body (PROTOCOL.md §2.3); the status of a BILLmanager error is not
    // documented, so input errors answer 200 like the error documents of the billmgr routes; a
    // rate limit answers 429, for the browsers of the Buy redirect and any proxy in between.
    const q = (req.query ?? {}) as Record<string, unknown>;
    const format = parseOutputFormat(typeof q["out"] === "string" ? q["out"] : undefined);
    const body = write(
      errorDocument({ type: BILLMGR_TYPE_OF[d.code] ?? "xml", object: d.code, message: d.message }),
      format,
    );
    return reply.status(d.status >= 500 ? 500 : d.status === 429 ? 429 : 200).type(contentTypeOf(format)).send(body);
  }
  if (surface === "api" || surface === "ops") {
    return reply.status(d.status).type("application/json; charset=utf-8").send(safeJson({ error: { code: d.code, message: d.message } }));
  }
  return reply.status(d.status).type("text/html; charset=utf-8").send(errorPage(req, d.status, d.message, localizedMessage(req, err)));
}

/**
 * The error's message in the page's language, when the error names a catalog message
 * (`details.messageKey`, with `details.values`): services keep English messages for the API and
 * the logs, and say which message a person should read.
 */
function localizedMessage(req: FastifyRequest, err: unknown): string | undefined {
  if (!isAppError(err)) return undefined;
  const key = err.details?.["messageKey"];
  if (typeof key !== "string" || !Object.hasOwn(CATALOGS.en, key)) return undefined;
  const values = err.details?.["values"];
  return t(pageLocale(req), key as MessageKey, typeof values === "object" && values !== null ? (values as MessageValues) : undefined);
}
