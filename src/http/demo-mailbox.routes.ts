// The demo mailbox (docs/adr/0020-checkout.md): in demo mode with no SMTP server, e-mail is held
// in the outbox, so a newcomer on a laptop could never click the link that confirms their sign-up.
// These pages list the held mail and show one message with its links made clickable. They exist
// only in demo mode (the built-in sandbox as upstream, demo data on) and without SMTP_URL;
// anywhere else /demo/mailbox is the ordinary 404 — held mail can carry single-use links.
import type { FastifyInstance } from "fastify";
import type { Container } from "../app/container.ts";
import { notFound } from "../lib/errors.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { formatDateTime } from "../i18n/format.ts";
import type { Locale } from "../i18n/locales.ts";
import { t, tHtml } from "../i18n/t.ts";
import { sendAuthPage } from "./auth-pages.ts";
import { pageLocale } from "./locale.ts";
import { sendError } from "./errors.ts";

export const DEMO_MAILBOX_PATH = "/demo/mailbox";

const PAGE = { config: { surface: "page" as const } };
const MAIL_ID = /^mail_[a-z0-9]{6,40}$/;

export function demoMailboxEnabled(c: Container): boolean {
  return c.demo.enabled() && !c.config.SMTP_URL;
}

/** A line for pages that just sent mail: where to read it in demo mode (nothing otherwise). */
export function demoMailboxNote(c: Container, locale: Locale = "en"): SafeHtml {
  if (!demoMailboxEnabled(c)) return html``;
  const link = html`<a href="${DEMO_MAILBOX_PATH}">${t(locale, "page.mailbox.note_link")}</a>`;
  return html`<p class="notice" id="demo-mailbox-note">${tHtml(locale, "page.mailbox.note", { mailbox: link })}</p>`;
}

function banner(l: Locale): SafeHtml {
  return html`<p class="notice"><b>${t(l, "page.mailbox.banner_title")}</b> ${tHtml(l, "page.mailbox.banner", { env: html`<code>SMTP_URL</code>` })}</p>`;
}

/**
 * The language a held message is written in (WCAG 3.1.2: a part in another language is marked):
 * the outbox keeps no locale column, and of the two languages only Russian is written in Cyrillic.
 */
function mailLang(subject: string): Locale {
  return /[А-Яа-яЁё]/.test(subject) ? "ru" : "en";
}

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
      const l = pageLocale(req);
      const mails = await c.mail.list({ state: "held", limit: 50 });
      const col = { when: t(l, "page.mailbox.col.when"), to: t(l, "page.mailbox.col.to"), subject: t(l, "page.mailbox.col.subject") };
      const rows = mails.map(
        (m) => html`<tr><td data-label="${col.when}">${formatDateTime(m.created_at, l)}</td><td data-label="${col.to}">${m.to_address}</td><td data-label="${col.subject}"><a href="${DEMO_MAILBOX_PATH}/${m.id}" lang="${mailLang(m.subject)}">${m.subject}</a></td></tr>`,
      );
      const title = t(l, "page.mailbox.title");
      return sendAuthPage(
        reply,
        title,
        html`<div class="card"><h1>${title}</h1>${banner(l)}
${mails.length === 0
  ? html`<p>${t(l, "page.mailbox.empty")}</p>`
  : html`<div class="table-wrap"><table class="data" id="mails"><thead><tr><th>${col.when}</th><th>${col.to}</th><th>${col.subject}</th></tr></thead><tbody>${rows}</tbody></table></div>`}
<p class="muted">${t(l, "page.mailbox.newest_first")}</p></div>`,
      );
    } catch (e) {
      return sendError(req, reply, e, "page");
    }
  });

  app.get<{ Params: { id: string } }>(`${DEMO_MAILBOX_PATH}/:id`, PAGE, async (req, reply) => {
    try {
      const l = pageLocale(req);
      const m = MAIL_ID.test(req.params.id) ? await c.mail.show(req.params.id).catch(() => undefined) : undefined;
      if (!m || m.state !== "held") throw notFound("There is no such message in the demo mailbox.", { messageKey: "page.mailbox.not_found" });
      // The message is in its reader's language, which may not be this page's.
      return sendAuthPage(
        reply,
        m.subject,
        html`<div class="card"><h1 lang="${mailLang(m.subject)}">${m.subject}</h1>${banner(l)}
<dl class="facts"><dt>${t(l, "page.mailbox.col.to")}</dt><dd>${m.to_address}</dd><dt>${t(l, "page.mailbox.col.when")}</dt><dd>${formatDateTime(m.created_at, l)}</dd></dl>
<pre id="mail-text" class="wrap" lang="${mailLang(m.subject)}">${withLinks(m.text, c.config.PUBLIC_URL)}</pre>
<p><a href="${DEMO_MAILBOX_PATH}">${t(l, "page.mailbox.back")}</a></p></div>`,
      );
    } catch (e) {
      return sendError(req, reply, e, "page");
    }
  });
}
