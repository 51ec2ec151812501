// /account/invoices: the customer's invoices and credit notes; one as a printable page of its own
// (/account/invoices/<id>) or as a PDF (/account/invoices/<id>.pdf). One route serves both forms,
// so an id is looked up — and refused — the same way whichever is asked for.
import type { FastifyInstance } from "fastify";
import type { Container } from "../../app/container.ts";
import { html } from "../../lib/html.ts";
import { format } from "../../lib/money.ts";
import { INVOICE_STATUS_TEXT } from "../../modules/invoices/invoice.html.ts";
import { sendInvoicePage } from "../invoice-page.ts";
import { portalNav, sendPortalPage } from "./layout.ts";
import { ID_SHAPE, me, PORTAL_PAGE, refusalOf, sendPortalNotFound, type IdParams } from "./common.ts";

export function registerPortalInvoiceRoutes(app: FastifyInstance, c: Container): void {
  app.get("/account/invoices", PORTAL_PAGE, async (req, reply) => {
    const list = await c.portal.invoices(me(req).id);
    const rows = list.map(
      (i) =>
        html`<tr><td><a href="/account/invoices/${i.id}">${i.number}</a></td><td>${i.kind === "credit_note" ? "Credit note" : "Invoice"}</td><td>${i.issued_at.slice(0, 10)}</td><td class="num">${format({ minor: Number(i.total_minor), currency: i.currency })}</td><td>${INVOICE_STATUS_TEXT[i.status] ?? i.status}</td><td><a href="/account/invoices/${i.id}.pdf">PDF</a></td></tr>`,
    );
    return sendPortalPage(req, reply, {
      title: "Invoices",
      section: "invoices",
      body: html`<div class="card"><h1>Invoices</h1>
${list.length === 0
  ? html`<p>No invoices yet. An invoice is issued when you pay for a module or choose to pay by bank transfer.</p>`
  : html`<table><thead><tr><th>Number</th><th>Kind</th><th>Issued</th><th class="num">Total</th><th>Status</th><th></th></tr></thead><tbody>${rows}</tbody></table>`}</div>`,
    });
  });

  app.get<IdParams>("/account/invoices/:id", PORTAL_PAGE, async (req, reply) => {
    const pdf = req.params.id.endsWith(".pdf");
    const id = pdf ? req.params.id.slice(0, -4) : req.params.id;
    if (!ID_SHAPE.test(id)) return sendPortalNotFound(req, reply, "invoices");
    const customerId = me(req).id;
    try {
      reply
        .header("cache-control", "no-store");
      if (pdf) {
        const { pdf: bytes, number } = await c.portal.invoicePdf(customerId, id);
        return reply
          .type("application/pdf")
          .header("content-disposition", `attachment; filename="${number.replace(/[^A-Za-z0-9._-]/g, "_")}.pdf"`)
          .send(Buffer.from(bytes));
      }
      return sendInvoicePage(req, reply, await c.invoices.document(id, customerId), { nav: portalNav(req, "invoices"), pdf: `/account/invoices/${id}.pdf`, back: "/account/invoices" });
    } catch (e) {
      if (refusalOf(e).notFound) return sendPortalNotFound(req, reply, "invoices");
      throw e;
    }
  });
}
