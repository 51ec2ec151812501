// What the admin console's pages share: route options (staff only), who is acting (for audit
// entries), links that keep a list's filters, and how a refused action is shown.
import type { FastifyReply, FastifyRequest } from "fastify";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import type { Money } from "../../lib/money.ts";
import { CATALOGS, t, type MessageKey, type MessageValues } from "../../i18n/t.ts";
import { formatDateTime, formatMoney } from "../../i18n/format.ts";
import type { Locale } from "../../i18n/locales.ts";
import { pageLocale } from "../locale.ts";
import type { StaffMember } from "../../modules/approvals/approvals.service.ts";
import type { StaffAct } from "../../modules/console/console.service.ts";
import { notice } from "../auth-pages.ts";
import { STATUS_OF, sendError } from "../errors.ts";
import { csrfField, currentStaff, requireStaff } from "../session.ts";
import { sendAdminPage, type AdminSection } from "./layout.ts";

/** A page every signed-in staff member may open (owners included). */
export const STAFF_PAGE = { config: { surface: "page" as const }, preHandler: requireStaff() };

export type Query = { Querystring: Record<string, string | string[] | undefined> };
export type Params<K extends string> = { Params: Record<K, string> };
export type Form = { Body: Record<string, unknown> | undefined };

/** Who is acting, for audit entries (id, e-mail, address, request) and ledgers/timelines ("staff:<e-mail>"). */
export function staffAct(req: FastifyRequest): StaffAct {
  const me = currentStaff(req)!;
  return { ctx: { actor: { kind: "staff", id: me.id, label: me.email }, ip: req.ip, requestId: req.id }, actor: `staff:${me.email}` };
}

/** The signed-in staff member as the approvals service sees them: id, role and how they act. */
export function staffMember(req: FastifyRequest): StaffMember {
  const me = currentStaff(req)!;
  return { id: me.id, role: me.role, act: staffAct(req) };
}

/** One text value of a query parameter ('' when absent; the first when repeated). */
export function param(q: Record<string, string | string[] | undefined>, name: string): string {
  const v = q[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
}

/** The `limit` query parameter, for the services to check ({} when absent). */
export function limitParam(q: Record<string, string | string[] | undefined>): { limit?: number } {
  const v = param(q, "limit");
  return v === "" ? {} : { limit: /^\d{1,4}$/.test(v) ? Number(v) : Number.NaN };
}

/** `path?a=1&b=2` with the empty values left out. */
export function href(path: string, params: Record<string, string | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) sp.set(k, v);
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}

/** The page's language (docs/adr/0036-i18n.md). */
export function loc(req: FastifyRequest): Locale {
  return pageLocale(req);
}

/** A catalog text in the page's language. */
export function tr(req: FastifyRequest, key: MessageKey, values?: MessageValues): string {
  return t(pageLocale(req), key, values);
}

/** The catalog text of `prefix + value` (a state, a kind) when there is one, else the value itself. */
export function word(l: Locale, prefix: string, value: string): string {
  const key = `${prefix}${value}`;
  return Object.hasOwn(CATALOGS.en, key) ? t(l, key as MessageKey) : value;
}

export function money(m: Money | null | undefined, l: Locale = "en"): string {
  return m ? formatMoney(m, l) : "—";
}

/** An ISO instant with its time of day, in the page's language ("7 декабря 2026 г., 10:00 UTC"). */
export function when(iso: string | null | undefined, l: Locale = "en"): string {
  return iso ? formatDateTime(iso, l) : "—";
}

/** A status word: ok (green), warn, bad (red), info. */
export function badge(text: string, kind: "ok" | "warn" | "bad" | "info" | "" = ""): SafeHtml {
  return html`<span class="badge${kind ? ` ${kind}` : ""}">${text}</span>`;
}

const STATE_TONE: Record<string, "ok" | "warn" | "bad" | "info"> = {
  active: "ok",
  paid: "info",
  placing: "info",
  pending_payment: "info",
  needs_attention: "warn",
  awaiting_funds: "warn",
  manual_queue: "warn",
  rejected: "bad",
  refunded: "bad",
  cancelled: "bad",
  expired: "bad",
  deleted: "bad",
};

/** An order's or module's state as a coloured badge in the page's language. */
export function stateBadge(l: Locale, state: string): SafeHtml {
  return badge(word(l, "console.state.", state), STATE_TONE[state] ?? "");
}

/** The "next page" link of a keyset list (there is no "previous": go back in the browser). */
export function nextLink(path: string, params: Record<string, string | undefined>, next: string | null, l: Locale = "en"): SafeHtml {
  return next ? html`<p><a rel="next" href="${href(path, { ...params, after: next })}">${t(l, "console.next_page")}</a></p>` : html``;
}

/** A customer named for people: the name (or e-mail) linking to the customer, the e-mail muted beside it. */
export function customerLink(u: { id: string; email: string; name?: string | null } | undefined, id: string | null): SafeHtml {
  if (!id) return html`—`;
  if (!u) return html`<a href="/admin/customers/${id}">${id}</a>`;
  return u.name ? html`<a href="/admin/customers/${u.id}">${u.name}</a><br><span class="muted">${u.email}</span>` : html`<a href="/admin/customers/${u.id}">${u.email}</a>`;
}

/**
 * The second step of a destructive or money-moving action (docs/adr/0039): the effect in words and
 * the real POST button; the first step's fields ride along hidden. Nothing has changed yet.
 */
export function confirmPage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { section: AdminSection; title: string; effect: SafeHtml | string; action: string; fields?: Record<string, string>; button: string; back: string; danger?: boolean; extra?: SafeHtml },
): FastifyReply {
  const l = loc(req);
  const hidden = Object.entries(o.fields ?? {}).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  const body = html`<h1>${o.title}</h1><section class="card confirm"><h2>${t(l, "console.confirm.heading")}</h2><p>${o.effect}</p>${o.extra ?? ""}
<form method="post" action="${o.action}">${csrfField(req)}${hidden}<input type="hidden" name="confirm" value="yes">
<p><button type="submit"${o.danger === false ? "" : html` class="danger"`}>${o.button}</button> <a class="button secondary" href="${o.back}">${t(l, "console.confirm.back")}</a></p></form>
<p class="muted">${t(l, "console.confirm.nothing_yet")}</p></section>`;
  return sendAdminPage(req, reply, { title: o.title, section: o.section, body });
}

/** True when the form came from its confirmation step. */
export function confirmed(body: unknown): boolean {
  const v = (body as Record<string, unknown> | undefined)?.["confirm"];
  return v === "yes";
}

/** A selected option. */
export function option(value: string, label: string, selected: string): SafeHtml {
  return html`<option value="${value}"${value === selected ? html` selected` : ""}>${label}</option>`;
}

/**
 * Runs a page's work; an AppError (bad input, a refused action) comes back as its notice and HTTP
 * status for the page to show, anything else goes to the error page (500, logged). Services speak
 * English (for the API and the logs): a page in another language leads with the refusal's kind in
 * its own words and keeps the service's detail beside it, marked as English.
 */
export async function attempt<T>(work: () => Promise<T>, l: Locale = "en"): Promise<{ ok: true; value: T } | { ok: false; status: number; message: SafeHtml; code: string }> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { ok: false, status: STATUS_OF[e.code], message: refusal(l, e.code, e.message), code: e.code };
  }
}

/** A service's refusal as a notice in the page's language. */
export function refusal(l: Locale, code: string, message: string): SafeHtml {
  // A message already in the page's language (a page's own check, money input) stands alone.
  if (l === "en" || (l === "ru" && /[А-Яа-яЁё]/.test(message))) return notice("error", message);
  return html`<p class="notice error" role="alert">${word(l, "console.refused.", code)} <span lang="en">${message}</span></p>`;
}

export function fail(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  return sendError(req, reply, err, "page");
}

/** Nothing any more: the console's styles are in the one stylesheet (src/http/static/app.css). */
export const ADMIN_STYLE = html``;
