// NUL characters (U+0000) are refused at the edge, before any handler or database sees them:
// PostgreSQL cannot store or even compare a text containing one (it fails the query, which would
// answer 500), and no field of partnerbill has a use for one. A request carrying one in its path,
// query, cookies or body gets a 400 in its surface's own form (a BILLmanager error document on
// /billmgr) and changes nothing (docs/adr/0027-http-edge.md). Raw NULs in headers never get this
// far: node's HTTP parser refuses them.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { invalidInput } from "../lib/errors.ts";

const NUL = "\u0000";
const MESSAGE = "The request contains a NUL character (U+0000), which no field accepts";

/** True when the value, or any string or key nested in it, contains a NUL. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes(NUL);
  if (value === null || typeof value !== "object" || depth > 32) return false;
  if (Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) return value.some((v) => hasNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes(NUL) || hasNul(v, depth + 1));
}

/** The URL spelled with a NUL: raw, or percent-encoded (also inside a doubly decoded segment). */
function urlHasNul(url: string): boolean {
  return url.includes(NUL) || /%00/i.test(url);
}

function cookiesHaveNul(req: FastifyRequest): boolean {
  return hasNul(req.cookies) || (req.headers.cookie ?? "").includes(NUL);
}

export function registerNulGuard(app: FastifyInstance): void {
  // onRequest runs after @fastify/cookie parsed the cookies; the body is not read yet.
  app.addHook("onRequest", async (req) => {
    if (urlHasNul(req.url) || cookiesHaveNul(req)) throw invalidInput(MESSAGE);
  });
  app.addHook("preValidation", async (req) => {
    if (hasNul(req.body) || hasNul(req.query) || hasNul(req.params)) throw invalidInput(MESSAGE);
  });
}
