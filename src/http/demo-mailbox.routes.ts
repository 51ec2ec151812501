// The demo mailbox (docs/adr/0020-checkout.md): in demo mode with no SMTP server, e-mail is held
// in the outbox, so a newcomer on a laptop could never click the link that confirms their sign-up.
// These pages list the held mail and show one message with its links made clickable. They exist
// only in demo mode (the built-in sandbox as upstream, demo data on) and without SMTP_URL;
// anywhere else /demo/mailbox is the ordinary 404 — held mail can carry single-use links.
import type { FastifyInstance } from "fastify";
import type { Container } from "../app/container.ts";
import { notFound } from "../lib/errors.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { sendAuthPage } from "./auth-pages.ts";
import { sendError } from "./errors.ts";

export const DEMO_MAILBOX_PATH = "/demo/mailbox";

const PAGE = { config: { surface: "page" as const } };
const MAIL_ID = /^mail_[a-z0-9]{6,40}$/;

export function demoMailboxEnabled(c: Container): boolean {
  return c.demo.enabled() && !c.config.SMTP_URL;
}

/** A line for pages that just sent mail: where to read it in demo mode (nothing otherwise). */
export function demoMailboxNote(c: Container): SafeHtml {
  if (!demoMailboxEnabled(c)) return html``;
  return html`<p class="notice" id="demo-mailbox-note">Demo mode: no e-mail leaves this machine. Read the messages partnerbill would send in the <a href="${DEMO_MAILBOX_PATH}">demo mailbox</a>.</p>`;
}

const BANNER = html`<p class="notice"><b>Demo mode only.</b> partnerbill runs against its built-in sandbox with demo data and no SMTP server, so e-mail is kept here instead of being sent. With SMTP_URL set, or with a real ispmanager client area, this page does not exist.</p>`;

/** The mail's text with links to this site made clickable — relative, so they open on the address in use. */
function withLinks(text: string, publicUrl: string): SafeHtml {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  return html`${parts.map((p, i) => {
    if (i % 2 === 0) return p;
    const local = p.startsWith(`${publicUrl}/`) ? p.slice(publicUrl.length) : null;
    return local ? html`<a href="${local}">${p}</a>` : p;
  })}`;
}

export function registerDemoMailboxRoutes(app: FastifyInstance, c: Container): void {
  if (!demoMailboxEnabled(c)) return;

  app.get(DEMO_MAILBOX_PATH, PAGE, async (req, reply) => {
    try {
      const mails = await c.mail.list({ state: "held", limit: 50 });
      const rows = mails.map(
        (m) => html`<tr><td>${m.created_at.slice(0, 19).replace("T", " ")} UTC</td><td>${m.to_address}</td><td><a href="${DEMO_MAILBOX_PATH}/${m.id}">${m.subject}</a></td></tr>`,
      );
      return sendAuthPage(
        reply,
        "Demo mailbox",
        html`<div class="card"><h1>Demo mailbox</h1>${BANNER}
${mails.length === 0
  ? html`<p>No e-mail yet. Sign up on a checkout page and the confirmation message appears here.</p>`
  : html`<table id="mails"><tr><th>When</th><th>To</th><th>Subject</th></tr>${rows}</table>`}
<p class="muted">Newest first. This page does not refresh by itself: reload it after signing up.</p></div>`,
      );
    } catch (e) {
      return sendError(req, reply, e, "page");
    }
  });

  app.get<{ Params: { id: string } }>(`${DEMO_MAILBOX_PATH}/:id`, PAGE, async (req, reply) => {
    try {
      const m = MAIL_ID.test(req.params.id) ? await c.mail.show(req.params.id).catch(() => undefined) : undefined;
      if (!m || m.state !== "held") throw notFound("There is no such message in the demo mailbox.");
      return sendAuthPage(
        reply,
        m.subject,
        html`<div class="card"><h1>${m.subject}</h1>${BANNER}
<table><tr><th>To</th><td>${m.to_address}</td></tr><tr><th>When</th><td>${m.created_at.slice(0, 19).replace("T", " ")} UTC</td></tr></table>
<pre id="mail-text" class="wrap">${withLinks(m.text, c.config.PUBLIC_URL)}</pre>
<p><a href="${DEMO_MAILBOX_PATH}">Back to the demo mailbox</a></p></div>`,
      );
    } catch (e) {
      return sendError(req, reply, e, "page");
    }
  });
}
