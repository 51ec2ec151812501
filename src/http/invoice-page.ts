// An invoice or credit note as a page of the site: the portal's or the console's navigation, a way
// back, the PDF and a Print button above the document; on paper only the document (print styles
// in app.css hide the rest). The frame speaks the reader's language, the document the language it
// was issued in (docs/adr/0036-i18n.md). Print works without JavaScript through the browser's own
// menu; the button is a tiny script of our own (CSP: scripts from this site only).
import type { FastifyReply, FastifyRequest } from "fastify";
import { t } from "../i18n/t.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { invoiceTitle, renderInvoiceSheet } from "../modules/invoices/invoice.html.ts";
import type { InvoiceDocument } from "../modules/invoices/invoices.service.ts";
import { PRINT_SCRIPT_PATH } from "./assets.ts";
import { sendAuthPage } from "./auth-pages.ts";
import { pageLocale } from "./locale.ts";

export interface InvoicePageOptions {
  /** The portal's or the console's navigation bar. */
  nav: SafeHtml;
  /** Where the document can be downloaded as a PDF. */
  pdf: string;
  /** The list it was opened from (the portal's invoices); none in the console, whose nav leads on. */
  back?: string;
}

export function sendInvoicePage(req: FastifyRequest, reply: FastifyReply, doc: InvoiceDocument, o: InvoicePageOptions): FastifyReply {
  const l = pageLocale(req);
  // The <title> belongs to the frame (one language per page title); the sheet below keeps the
  // language it was issued in and says so with its own `lang`.
  const title = invoiceTitle(doc, l);
  const body = html`<div class="doc-actions" role="group" aria-label="${t(l, "page.document.actions")}">${
    o.back ? html`<a class="back" href="${o.back}">← ${t(l, "page.document.back")}</a>` : ""
  }<a class="button secondary" href="${o.pdf}">${t(l, "page.document.pdf", { format: "PDF" })}</a><button type="button" class="secondary" data-print hidden>${t(l, "page.document.print")}</button></div>
${renderInvoiceSheet(doc)}`;
  return sendAuthPage(reply, title, body, 200, { nav: o.nav, wide: true, head: html`<script src="${PRINT_SCRIPT_PATH}" defer></script>` });
}
