// What the customer portal's pages (and the checkout) share: the route options (a page, signed-in
// customers only), the one "not found" page every foreign or unknown id gets, how a refused action
// becomes a readable message in the reader's language, and the words for states, periods, dates.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { OrderRow } from "../../db/schema.ts";
import { formatDate, formatDateTime, formatMoney } from "../../i18n/format.ts";
import type { Locale } from "../../i18n/locales.ts";
import { t, type MessageKey } from "../../i18n/t.ts";
import { isAppError, type AppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { isCurrency, parseDecimal, type Money } from "../../lib/money.ts";
import { STATUS_OF } from "../errors.ts";
import { pageLocale } from "../locale.ts";
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

/** The page's language (docs/adr/0036-i18n.md). */
export const loc = pageLocale;

/**
 * The same answer for an id that does not exist and for one that belongs to someone else: the
 * page must not tell which (docs/adr/0021-customer-portal.md).
 */
export function sendPortalNotFound(req: FastifyRequest, reply: FastifyReply, section: PortalSection): FastifyReply {
  const l = loc(req);
  return sendPortalPage(req, reply, {
    title: t(l, "portal.not_found.title"),
    section,
    status: 404,
    body: html`<section class="card error"><h1>${t(l, "portal.not_found.title")}</h1><p>${t(l, "portal.not_found.text")}</p><p><a href="/account">${t(l, "portal.back_to_modules")}</a></p></section>`,
  });
}

export interface Refusal {
  status: number;
  /** The service's own (English) message: for logs, and what a page maps from. */
  message: string;
  notFound: boolean;
  code: string;
  details: Record<string, unknown>;
}

/** A business refusal (bad input, wrong state, short balance, upstream down) as status and text; anything else rethrown. */
export function refusalOf(e: unknown): Refusal {
  if (!isAppError(e) || e.code === "internal" || e.code === "config_invalid") throw e;
  // Upstream being down or refusing is not a fault of this page: "try again later" (409), as on
  // the checkout pages; a 5xx stays for our own faults.
  const status = e.code === "upstream_unavailable" || e.code === "upstream_rejected" ? 409 : STATUS_OF[e.code];
  return { status, message: e.message, notFound: e.code === "not_found", code: e.code, details: (e as AppError).details ?? {} };
}

/**
 * A refusal in the reader's words when the page knows no better one: a message the service wrote
 * for people in their language (money input: `details.messageKey`), else a sentence per kind of
 * refusal. English readers get the service's own sentence, which is the most precise one.
 */
export function refusalText(r: Refusal, l: Locale): string {
  if (l === "en") return r.message;
  const key = r.details["messageKey"];
  if (typeof key === "string" && key.startsWith("money_input.")) return r.message;
  switch (r.code) {
    case "invalid_input": return t(l, "portal.error.invalid_input");
    case "insufficient_funds": return t(l, "portal.error.insufficient_funds");
    case "upstream_unavailable":
    case "upstream_rejected": return t(l, "portal.error.upstream");
    case "forbidden":
    case "unauthenticated": return t(l, "portal.error.not_allowed");
    default: return t(l, "portal.error.conflict");
  }
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

/** A moment with its time of day (UTC) in the reader's language; "—" when there is none. */
export function when(iso: string | null | undefined, l: Locale): string {
  return iso ? formatDateTime(iso, l) : t(l, "portal.none");
}

/** A calendar date in the reader's language; "—" when there is none. */
export function day(iso: string | null | undefined, l: Locale): string {
  return iso ? formatDate(iso, l) : t(l, "portal.none");
}

export function money(m: Money, l: Locale): string {
  return formatMoney(m, l);
}

/**
 * Money that a service wrote in its fixed, language-free form ("11.90 EUR": timeline notes, error
 * details) read back, so that a page can word it for its reader; undefined for anything else.
 */
export function fixedMoney(text: unknown): Money | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^(-?\d{1,15}(?:\.\d{1,4})?) ([A-Z]{3})$/.exec(text);
  if (!m || !isCurrency(m[2]!)) return undefined;
  try {
    return parseDecimal(m[1]!, m[2]!);
  } catch {
    return undefined;
  }
}

export function periodText(months: number, l: Locale): string {
  return t(l, "period.months", { months });
}

export function kindText(kind: string, l: Locale): string {
  return t(l, kind === "renewal" ? "portal.kind.renewal" : "portal.kind.purchase");
}

const ORDER_STATES = ["pending_payment", "paid", "placing", "active", "needs_attention", "awaiting_funds", "manual_queue", "rejected", "refunded", "cancelled"] as const;

/** An order's state in the customer's words; a refunded active order says so, with its end date. */
export function orderStateText(o: Pick<OrderRow, "state" | "refunded_at" | "upstream_expires_on">, l: Locale): string {
  if (o.state === "active" && o.refunded_at) {
    return o.upstream_expires_on ? t(l, "portal.order_state.active_refunded", { date: formatDate(o.upstream_expires_on, l) }) : t(l, "portal.order_state.active_refunded_undated");
  }
  return (ORDER_STATES as readonly string[]).includes(o.state) ? t(l, `portal.order_state.${o.state}` as MessageKey) : t(l, "portal.order_state.unknown");
}

/** The badge colour of an order state. */
export function orderBadge(o: Pick<OrderRow, "state" | "refunded_at">): "ok" | "warn" | "bad" | "info" {
  if (o.state === "active") return o.refunded_at ? "warn" : "ok";
  if (o.state === "rejected" || o.state === "cancelled" || o.state === "refunded") return "bad";
  if (o.state === "pending_payment") return "info";
  return "warn";
}

const MODULE_STATES = ["active", "expired", "deleted"] as const;

/** A customer module's state; an active module whose renewal a refund switched off says until when it runs. */
export function moduleStateText(m: { state: string; renewal: string; expires_on: string | null }, l: Locale): string {
  if (m.state === "active" && m.renewal === "off") return t(l, "portal.module_state.refunded", { date: day(m.expires_on, l) });
  return (MODULE_STATES as readonly string[]).includes(m.state) ? t(l, `portal.module_state.${m.state}` as MessageKey) : t(l, "portal.module_state.unknown");
}

export function moduleBadge(m: { state: string; renewal: string }): "ok" | "warn" | "bad" {
  if (m.state === "active") return m.renewal === "off" ? "warn" : "ok";
  return "bad";
}

/** How a module renews, in words. */
export function renewalText(m: { renewal: string; period_months: number }, l: Locale): string {
  if (m.renewal === "charge") return t(l, "portal.renews_every", { months: m.period_months });
  if (m.renewal === "off") return t(l, "portal.renews_off");
  return t(l, "portal.renews_upstream");
}

/** A `<span class="badge …">`. */
export function badge(kind: "ok" | "warn" | "bad" | "info", text: string): SafeHtml {
  return html`<span class="badge ${kind}">${text}</span>`;
}

/**
 * A form field per the design conventions: label, control, optional hint, inline error with
 * aria-invalid/aria-describedby. `control` gets the id and the describing attributes.
 */
export function fieldBlock(o: { id: string; label: string; hint?: string; error?: string; control: (attrs: SafeHtml) => SafeHtml }): SafeHtml {
  const described = [o.hint ? `${o.id}-hint` : "", o.error ? `${o.id}-error` : ""].filter((x) => x !== "").join(" ");
  const attrs = html` id="${o.id}"${described ? html` aria-describedby="${described}"` : ""}${o.error ? html` aria-invalid="true"` : ""}`;
  return html`<div class="field"><label for="${o.id}">${o.label}</label>${o.control(attrs)}${o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ""}${o.error ? html`<p class="field-error" id="${o.id}-error">${o.error}</p>` : ""}</div>`;
}

/** Ids in URLs have this shape; anything else is "not found" without a database look-up. */
export const ID_SHAPE = /^[a-z]{2,8}_[0-9a-z]{1,40}$/;
