// /account/invoices: the customer's invoices and credit notes; one as a printable page of its own
// (/account/invoices/<id>) or as a PDF (/account/invoices/<id>.pdf). One route serves both forms,
// so an id is looked up — and refused — the same way whichever is asked for.
import type { FastifyInstance } from "fastify";
import type { Container } from "../../app/container.ts";
import { t } from "../../i18n/t.ts";
import { html } from "../../lib/html.ts";
import { invoiceStatusText } from "../../modules/invoices/invoice.html.ts";
import { sendInvoicePage } from "../invoice-page.ts";
import { portalNav, sendPortalPage } from "./layout.ts";
import { badge, day, ID_SHAPE, loc, me, money, PORTAL_PAGE, refusalOf, sendPortalNotFound, type IdParams } from "./common.ts";

const STATUS_BADGE: Record<string, "ok" | "warn" | "bad" | "info"> = { paid: "ok", awaiting_payment: "info", overdue: "warn", credited: "bad", cancelled: "bad", issued: "ok" };

export function registerPortalInvoiceRoutes(app: FastifyInstance, c: Container): void {
  app.get("/account/invoices", PORTAL_PAGE, async (req, reply) => {
    const l = loc(req);
    const list = await c.portal.invoices(me(req).id);
    const col = {
      number: t(l, "page.account_invoices.col.number"),
      kind: t(l, "page.account_invoices.col.kind"),
      issued: t(l, "page.account_invoices.col.issued"),
      total: t(l, "page.account_invoices.col.total"),
      status: t(l, "page.account_invoices.col.status"),
      download: t(l, "page.account_invoices.col.download"),
    };
    const rows = list.map(
      (i) =>
        html`<tr><td data-label="${col.number}"><a href="/account/invoices/${i.id}">${i.number}</a></td><td data-label="${col.kind}">${t(l, i.kind === "credit_note" ? "page.account_invoices.kind.credit_note" : "page.account_invoices.kind.invoice")}</td><td data-label="${col.issued}">${day(i.issued_at, l)}</td><td class="num" data-label="${col.total}">${money({ minor: Number(i.total_minor), currency: i.currency }, l)}</td><td data-label="${col.status}">${badge(STATUS_BADGE[i.status] ?? "info", invoiceStatusText(i.status, l))}</td><td data-label="${col.download}"><a href="/account/invoices/${i.id}.pdf" aria-label="${t(l, "page.account_invoices.pdf_label", { format: "PDF", number: i.number })}">${t(l, "page.account_invoices.pdf", { format: "PDF" })}</a></td></tr>`,
    );
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_invoices.title"),
      section: "invoices",
      body: html`<section class="card"><h1>${t(l, "page.account_invoices.title")}</h1>
${list.length === 0
  ? html`<p>${t(l, "page.account_invoices.empty")}</p>`
  : html`<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${col.number}</th><th scope="col">${col.kind}</th><th scope="col">${col.issued}</th><th scope="col" class="num">${col.total}</th><th scope="col">${col.status}</th><th scope="col">${col.download}</th></tr></thead><tbody>${rows}</tbody></table></div>`}</section>`,
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
