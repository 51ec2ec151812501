// The frame of every admin console page: the navigation bar, the signed-in staff user and the
// sign-out form. Pages call sendAdminPage with the key of their section; owner-only sections are
// shown to owners only (the routes enforce it with requireStaff("owner")).
import type { FastifyReply, FastifyRequest } from "fastify";
import { html, raw, type SafeHtml } from "../../lib/html.ts";
import { sendAuthPage } from "../auth-pages.ts";
import { csrfField, currentStaff } from "../session.ts";
import { t } from "../../i18n/t.ts";
import type { Locale } from "../../i18n/locales.ts";
import { pageLocale } from "../locale.ts";

export const ADMIN_SECTIONS = [
  { key: "dashboard", href: "/admin" },
  { key: "orders", href: "/admin/orders" },
  { key: "manual", href: "/admin/manual" },
  { key: "customers", href: "/admin/customers" },
  { key: "invoices", href: "/admin/invoices" },
  { key: "transfers", href: "/admin/transfers" },
  { key: "catalog", href: "/admin/catalog" },
  { key: "rates", href: "/admin/rates" },
  { key: "ledger", href: "/admin/ledger" },
  { key: "jobs", href: "/admin/jobs" },
  { key: "audit", href: "/admin/audit" },
  { key: "approvals", href: "/admin/approvals" },
  { key: "webhooks", href: "/admin/webhooks", owner: true },
  { key: "tokens", href: "/admin/tokens", owner: true },
  { key: "staff", href: "/admin/staff", owner: true },
  { key: "settings", href: "/admin/settings", owner: true },
] as const;

export type AdminSection = (typeof ADMIN_SECTIONS)[number]["key"] | "account";

/** The navigation label of a section in the page's language. */
export function sectionLabel(l: Locale, key: (typeof ADMIN_SECTIONS)[number]["key"]): string {
  return t(l, `console.nav.${key}`);
}

export function adminNav(req: FastifyRequest, active: AdminSection): SafeHtml {
  const me = currentStaff(req);
  const l = pageLocale(req);
  const links = ADMIN_SECTIONS.filter((s) => !("owner" in s) || me?.role === "owner").map(
    (s) => html`<a href="${s.href}"${s.key === active ? html` class="on" aria-current="page"` : ""}>${sectionLabel(l, s.key)}</a>`,
  );
  return html`<nav class="top" aria-label="${t(l, "console.nav.label")}"><div><a class="brand" href="/admin">partnerbill</a>${links}${
    me
      ? html`<form method="post" action="/admin/logout">${csrfField(req)}<a href="/admin/totp"${active === "account" ? html` class="on"` : ""}>${me.email}</a> <button class="link" type="submit">${t(l, "console.nav.sign_out")}</button></form>`
      : ""
  }</div></nav>`;
}

/** Sends an admin page (never cached, never framed) inside the console frame. */
export function sendAdminPage(req: FastifyRequest, reply: FastifyReply, o: { title: string; section: AdminSection; body: SafeHtml; status?: number }): FastifyReply {
  // Support staff only read: the page's forms that would change something are left out (the
  // routes refuse them anyway, requireStaff in ../session.ts).
  const body = currentStaff(req)?.role === "support" ? withoutPostForms(o.body) : o.body;
  return sendAuthPage(reply, o.title, body, o.status ?? 200, { nav: adminNav(req, o.section), wide: true });
}

/** The page without its POST forms (forms do not nest; the sign-out form is in the nav, not the body). */
function withoutPostForms(body: SafeHtml): SafeHtml {
  return raw(body.toString().replace(/<form\b[^>]*\bmethod="post"[^>]*>[\s\S]*?<\/form>/gi, ""));
}
