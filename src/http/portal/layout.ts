// The frame of every customer portal page (/account/…): the navigation bar with the signed-in
// customer and the sign-out form. Pages call sendPortalPage with the key of their section.
import type { FastifyReply, FastifyRequest } from "fastify";
import { html, type SafeHtml } from "../../lib/html.ts";
import { sendAuthPage } from "../auth-pages.ts";
import { csrfField, currentCustomer } from "../session.ts";

export const PORTAL_SECTIONS = [
  { key: "modules", href: "/account", label: "My modules" },
  { key: "orders", href: "/account/orders", label: "Orders" },
  { key: "invoices", href: "/account/invoices", label: "Invoices" },
  { key: "balance", href: "/account/balance", label: "Balance" },
  { key: "details", href: "/account/details", label: "Billing details" },
] as const;

export type PortalSection = (typeof PORTAL_SECTIONS)[number]["key"] | "checkout";

export function portalNav(req: FastifyRequest, active: PortalSection): SafeHtml {
  const me = currentCustomer(req);
  if (!me) return html`<nav class="top" aria-label="Account"><div><span class="brand">Billing</span><a href="/account/login">Sign in</a></div></nav>`;
  const links = PORTAL_SECTIONS.map(
    (s) => html`<a href="${s.href}"${s.key === active ? html` class="on" aria-current="page"` : ""}>${s.label}</a>`,
  );
  return html`<nav class="top" aria-label="Account"><div><a class="brand" href="/account">Billing</a>${links}<form method="post" action="/account/logout">${csrfField(req)}<span>${me.email}</span> <button class="link" type="submit">Sign out</button></form></div></nav>`;
}

/** Sends a portal page (never cached, never framed) inside the portal frame. */
export function sendPortalPage(req: FastifyRequest, reply: FastifyReply, o: { title: string; section: PortalSection; body: SafeHtml; status?: number }): FastifyReply {
  return sendAuthPage(reply, o.title, o.body, o.status ?? 200, { nav: portalNav(req, o.section), wide: true });
}
