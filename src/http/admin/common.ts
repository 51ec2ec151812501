// What the admin console's pages share: route options (staff only), who is acting (for audit
// entries), links that keep a list's filters, and how a refused action is shown.
import type { FastifyReply, FastifyRequest } from "fastify";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { format, type Money } from "../../lib/money.ts";
import type { StaffMember } from "../../modules/approvals/approvals.service.ts";
import type { StaffAct } from "../../modules/console/console.service.ts";
import { notice } from "../auth-pages.ts";
import { STATUS_OF, sendError } from "../errors.ts";
import { currentStaff, requireStaff } from "../session.ts";

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

export function money(m: Money | null | undefined): string {
  return m ? format(m) : "—";
}

/** An ISO instant as "2026-12-01 10:00 UTC". */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "—";
}

export function badge(text: string): SafeHtml {
  return html`<span class="badge">${text}</span>`;
}

/** The "next page" link of a keyset list (there is no "previous": go back in the browser). */
export function nextLink(path: string, params: Record<string, string | undefined>, next: string | null): SafeHtml {
  return next ? html`<p><a rel="next" href="${href(path, { ...params, after: next })}">Next page →</a></p>` : html``;
}

/** A selected option. */
export function option(value: string, label: string, selected: string): SafeHtml {
  return html`<option value="${value}"${value === selected ? html` selected` : ""}>${label}</option>`;
}

/**
 * Runs a page's work; an AppError (bad input, a refused action) comes back as its notice and HTTP
 * status for the page to show, anything else goes to the error page (500, logged).
 */
export async function attempt<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status: number; message: SafeHtml }> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { ok: false, status: STATUS_OF[e.code], message: notice("error", e.message) };
  }
}

export function fail(req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  return sendError(req, reply, err, "page");
}

/** Nothing any more: the console's styles are in the one stylesheet (src/http/static/app.css). */
export const ADMIN_STYLE = html``;
