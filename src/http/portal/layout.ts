// The frame of every customer portal page (/account/…) and of the checkout: the navigation bar
// with the signed-in customer and the sign-out form, in the page's language. Pages call
// sendPortalPage with the key of their section.
import type { FastifyReply, FastifyRequest } from "fastify";
import { t, type MessageKey } from "../../i18n/t.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { sendAuthPage } from "../auth-pages.ts";
import { pageLocale } from "../locale.ts";
import type { PageFrame } from "../pages.ts";
import { csrfField, currentCustomer } from "../session.ts";

export const PORTAL_SECTIONS: ReadonlyArray<{ key: "modules" | "orders" | "invoices" | "balance" | "details"; href: string; label: MessageKey }> = [
  { key: "modules", href: "/account", label: "nav.account.modules" },
  { key: "orders", href: "/account/orders", label: "nav.account.orders" },
  { key: "invoices", href: "/account/invoices", label: "nav.account.invoices" },
  { key: "balance", href: "/account/balance", label: "nav.account.balance" },
  { key: "details", href: "/account/details", label: "nav.account.details" },
];

export type PortalSection = (typeof PORTAL_SECTIONS)[number]["key"] | "checkout";

export function portalNav(req: FastifyRequest, active: PortalSection): SafeHtml {
  const l = pageLocale(req);
  const me = currentCustomer(req);
  if (!me) {
    return html`<nav class="top" aria-label="${t(l, "nav.account.label")}"><div><span class="brand">${t(l, "nav.account.brand")}</span><a href="/account/login">${t(l, "nav.account.sign_in")}</a></div></nav>`;
  }
  const links = PORTAL_SECTIONS.map(
    (s) => html`<a href="${s.href}"${s.key === active ? html` class="on" aria-current="page"` : ""}>${t(l, s.label)}</a>`,
  );
  return html`<nav class="top" aria-label="${t(l, "nav.account.label")}"><div><a class="brand" href="/account">${t(l, "nav.account.brand")}</a>${links}<form method="post" action="/account/logout">${csrfField(req)}<span class="who">${me.email}</span> <button class="link" type="submit">${t(l, "nav.account.sign_out")}</button></form></div></nav>`;
}

/** Sends a portal page (never cached, never framed) inside the portal frame. */
export function sendPortalPage(req: FastifyRequest, reply: FastifyReply, o: { title: string; section: PortalSection; body: SafeHtml; status?: number; frame?: PageFrame }): FastifyReply {
  return sendAuthPage(reply, o.title, o.body, o.status ?? 200, { nav: portalNav(req, o.section), wide: true, ...o.frame });
}
