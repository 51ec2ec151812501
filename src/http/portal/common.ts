// What the customer portal's pages share: the route options (a page, signed-in customers only),
// the one "not found" page every foreign or unknown id gets, and how a refused action becomes a
// readable message on the page it came from.
import type { FastifyReply, FastifyRequest } from "fastify";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { STATUS_OF } from "../errors.ts";
import { currentCustomer, requireCustomer, type SignedInCustomer } from "../session.ts";
import { sendPortalPage, type PortalSection } from "./layout.ts";

/** Route options of every portal page: a page route that sends anyone not signed in to sign-in. */
export const PORTAL_PAGE = { config: { surface: "page" as const }, preHandler: requireCustomer };

export type IdParams = { Params: { id: string } };
export type Query = { Querystring: Record<string, string | undefined> };
export type Form = { Body: Record<string, unknown> | undefined };

/** The signed-in customer (requireCustomer ran before the handler). */
export function me(req: FastifyRequest): SignedInCustomer {
  const c = currentCustomer(req);
  if (!c) throw new Error("portal handler ran without a signed-in customer");
  return c;
}

/**
 * The same answer for an id that does not exist and for one that belongs to someone else: the
 * page must not tell which (docs/adr/0021-customer-portal.md).
 */
export function sendPortalNotFound(req: FastifyRequest, reply: FastifyReply, section: PortalSection): FastifyReply {
  return sendPortalPage(req, reply, {
    title: "Not found",
    section,
    status: 404,
    body: html`<div class="card error"><h1>Not found</h1><p>There is nothing here for your account. The link may be old or mistyped.</p><p><a href="/account">Back to your modules</a></p></div>`,
  });
}

export interface Refusal {
  status: number;
  message: string;
  notFound: boolean;
}

/** A business refusal (bad input, wrong state, short balance, upstream down) as status and text; anything else rethrown. */
export function refusalOf(e: unknown): Refusal {
  if (!isAppError(e) || e.code === "internal" || e.code === "config_invalid") throw e;
  // Upstream being down or refusing is not a fault of this page: "try again later" (409), as on
  // the checkout pages; a 5xx stays for our own faults.
  const status = e.code === "upstream_unavailable" || e.code === "upstream_rejected" ? 409 : STATUS_OF[e.code];
  return { status, message: e.message, notFound: e.code === "not_found" };
}

/** A notice paragraph (errors are announced to screen readers). */
export function notice(kind: "error" | "ok", text: string | SafeHtml): SafeHtml {
  return html`<p class="notice ${kind}" role="${kind === "error" ? "alert" : "status"}">${text}</p>`;
}

/** Fixed texts shown after a redirect (`?done=…`): nothing from the query is echoed. */
export function doneNotice(req: FastifyRequest, texts: Record<string, string>): SafeHtml {
  const key = (req.query as Record<string, unknown> | undefined)?.["done"];
  const text = typeof key === "string" && Object.hasOwn(texts, key) ? texts[key] : undefined;
  return text ? notice("ok", text) : html``;
}

export function see(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header("location", location).header("cache-control", "no-store").send();
}

/** "2026-12-01 10:00" (UTC) from an ISO timestamp. */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : "—";
}

export const ORDER_STATE_TEXT: Record<string, string> = {
  pending_payment: "Awaiting payment",
  paid: "Paid",
  placing: "Ordering the module from ispmanager",
  active: "Active",
  needs_attention: "Paid — our staff are checking the order",
  awaiting_funds: "Paid — the order will be placed shortly",
  manual_queue: "Paid — our staff will activate the module shortly",
  rejected: "Rejected",
  refunded: "Refunded to your balance",
  cancelled: "Cancelled",
};

export const MODULE_STATE_TEXT: Record<string, string> = {
  active: "Active",
  expired: "Expired",
  deleted: "Deleted",
};

export function periodText(months: number): string {
  return months === 12 ? "12 months" : months === 1 ? "1 month" : `${months} months`;
}

/** Ids in URLs have this shape; anything else is "not found" without a database look-up. */
export const ID_SHAPE = /^[a-z]{2,8}_[0-9a-z]{1,40}$/;
