// Static assets (src/http/static/): one stylesheet and the few scripts pages need, served at
// content-hashed URLs (/assets/app.<hash>.css) with a year-long immutable cache — a new release
// changes the hash, so browsers never use a stale copy. Pages link them instead of carrying inline
// <style> or <script>, which the Content-Security-Policy forbids (docs/adr/0027-http-edge.md).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { notFound } from "../lib/errors.ts";
import { INVOICE_CSS } from "../modules/invoices/invoice.html.ts";

const TYPES = { css: "text/css; charset=utf-8", js: "text/javascript; charset=utf-8" } as const;

interface Asset {
  path: string;
  body: Buffer;
  type: string;
  etag: string;
}

function load(file: `${string}.${keyof typeof TYPES}`, append = ""): Asset {
  const body = Buffer.concat([readFileSync(new URL(`./static/${file}`, import.meta.url)), Buffer.from(append)]);
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
  const dot = file.lastIndexOf(".");
  const ext = file.slice(dot + 1) as keyof typeof TYPES;
  return { path: `/assets/${file.slice(0, dot)}.${hash}.${ext}`, body, type: TYPES[ext], etag: `"${hash}"` };
}

const ASSETS = { stylesheet: load("app.css", INVOICE_CSS), setupScript: load("setup.js"), printScript: load("print.js"), statusScript: load("status.js") };

/** The URL of the one stylesheet every page links. */
export const STYLESHEET_PATH = ASSETS.stylesheet.path;
/** The URL of the set-up wizard's script. */
export const SETUP_SCRIPT_PATH = ASSETS.setupScript.path;
/** The URL of the invoice page's Print button script. */
export const PRINT_SCRIPT_PATH = ASSETS.printScript.path;
/** The URL of the order status page's script that follows the order (instead of a meta refresh). */
export const STATUS_SCRIPT_PATH = ASSETS.statusScript.path;

export function registerAssetRoutes(app: FastifyInstance): void {
  const byPath = new Map(Object.values(ASSETS).map((a) => [a.path, a]));
  app.get<{ Params: { file: string } }>("/assets/:file", { config: { surface: "page" } }, async (req, reply) => {
    const a = byPath.get(`/assets/${req.params.file}`);
    // Another hash is another release's file: not found, so that no cache keeps it for a year.
    if (!a) throw notFound("There is no such file.");
    reply.header("cache-control", "public, max-age=31536000, immutable").header("etag", a.etag).type(a.type);
    if (req.headers["if-none-match"] === a.etag) return reply.code(304).send();
    return reply.send(a.body);
  });
}
