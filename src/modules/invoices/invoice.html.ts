// The printable page of an invoice or credit note: a whole HTML document of its own (the browser's
// "Print" gives the paper copy). Everything shown comes from the invoice's snapshots, escaped, in
// the language the document was issued in (invoices.locale) unless the caller asks for another.
import { html, raw, type SafeHtml } from "../../lib/html.ts";
import { CATALOGS, countryName, formatDate, formatMoney, formatNumber, formatPercentBp, intlTag, t, tHtml, toLocale, type Locale, type MessageKey } from "../../i18n/index.ts";
import type { InvoiceDocument } from "./invoices.logic.ts";

/** An invoice's status in words (English), for the pages that list or show invoices. */
export const INVOICE_STATUS_TEXT: Record<string, string> = Object.fromEntries(
  (["paid", "awaiting_payment", "overdue", "credited", "cancelled", "issued"] as const).map((st) => [st, t("en", `invoice.status.${st}`)]),
);

/** The status in words in `locale`. */
export function invoiceStatusText(status: string, locale: Locale): string {
  const key = `invoice.status.${status}`;
  return Object.hasOwn(CATALOGS[locale], key) ? t(locale, key as MessageKey) : status;
}

/** The language the document is shown in: the one it was issued in (its lines and notes are in it). */
export function invoiceLocale(doc: InvoiceDocument): Locale {
  return toLocale(doc.invoice.locale) ?? "en";
}

/** "Invoice INV-2026-000001" / "Счёт № INV-2026-000001 от 7 декабря 2026 г.". */
export function invoiceTitle(doc: InvoiceDocument, locale: Locale): string {
  const inv = doc.invoice;
  return t(locale, inv.kind === "credit_note" ? "invoice.credit_note_title" : "invoice.title", { number: inv.number, date: formatDate(inv.issued_at, locale) });
}

/** The line under the title: issued, due, the related document. */
export function invoiceSubtitle(doc: InvoiceDocument, locale: Locale): string {
  const inv = doc.invoice;
  const parts = [t(locale, "invoice.issued", { date: formatDate(inv.issued_at, locale) })];
  if (inv.due_on) parts.push(t(locale, "invoice.due", { date: formatDate(inv.due_on, locale) }));
  if (doc.related) parts.push(t(locale, inv.kind === "credit_note" ? "invoice.corrects" : "invoice.credited_by", { number: doc.related.number }));
  return parts.join(" · ");
}

/**
 * The invoice's look, scoped to body.invoice. Browsers get it as part of the app's one stylesheet
 * (src/http/assets.ts appends it), linked; a file written by the CLI carries it inline.
 */
export const INVOICE_CSS = `
body.invoice{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;margin:0;background:#f5f7fa}
.sheet{max-width:820px;margin:30px auto;background:#fff;color:#1d2430;padding:40px 48px;border:1px solid #dfe4ea;font-size:14px;line-height:1.45}
.sheet h1{font-size:26px;margin:0 0 4px}.sheet .muted{color:#545e6d}.parties{display:flex;gap:40px;margin:28px 0}
.parties>div{flex:1;min-width:0;overflow-wrap:anywhere}.lines{border-collapse:collapse;width:100%;margin:20px 0}
.lines th,.lines td{text-align:left;padding:7px 8px;border-bottom:1px solid #e5e9ef;vertical-align:top}
.lines .n{text-align:right;white-space:nowrap}.sheet .totals{width:auto;margin-left:auto;border-collapse:collapse}.totals td{border:0;padding:3px 8px}.totals .grand td{font-weight:700;font-size:16px}
.status{display:inline-block;padding:2px 10px;border-radius:12px;background:#eef1f5;font-size:13px}
.notes p{margin:6px 0}.pay{background:#f7f9fb;border:1px solid #e5e9ef;padding:12px 16px;border-radius:6px;overflow-wrap:anywhere}
address{font-style:normal;white-space:pre-line}
@media (max-width:640px){
.sheet{margin:0;padding:20px 16px}.sheet h1{font-size:22px}.parties{flex-direction:column;gap:16px;margin:20px 0}
.lines thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.lines,.lines tbody,.lines tr,.lines td{display:block;width:100%}
.lines tr{border-bottom:1px solid #c9d1db;padding:6px 0}
.lines td{display:flex;justify-content:space-between;gap:12px;border:0;padding:3px 0;white-space:normal}
.lines td[data-label]::before{content:attr(data-label);font-weight:600;color:#545e6d;text-align:left}
.lines td:first-child{display:block;font-weight:600}.lines td:first-child::before{content:none}
}
@media print{body.invoice{background:#fff}.sheet{border:0;margin:0;padding:0;max-width:none}.noprint{display:none}}
`;

function multiline(text: string | null): SafeHtml {
  return html`<address>${text ?? ""}</address>`;
}

/**
 * `stylesheet`: the URL of a stylesheet with INVOICE_CSS, for pages served to browsers (whose
 * Content-Security-Policy forbids inline styles); without it the document carries its style
 * inline, for a file on disk. `locale`: the language shown (the one it was issued in by default).
 */
export function renderInvoiceHtml(doc: InvoiceDocument, stylesheet?: string, locale: Locale = invoiceLocale(doc)): string {
  const title = invoiceTitle(doc, locale);
  return html`<!doctype html>
<html lang="${intlTag(locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>${stylesheet === undefined ? html`<style>${raw(INVOICE_CSS)}</style>` : html`<link rel="stylesheet" href="${stylesheet}">`}</head>
<body class="invoice">${renderInvoiceSheet(doc, locale)}</body></html>`.toString();
}

/**
 * The document itself (<div class="sheet">, its title the <h1>), marked with its language: a page
 * of the site wraps it in its frame (src/http/invoice-page.ts); renderInvoiceHtml makes a file of it.
 */
export function renderInvoiceSheet(doc: InvoiceDocument, locale: Locale = invoiceLocale(doc)): SafeHtml {
  const l = locale;
  const inv = doc.invoice;
  const m = (minor: number) => formatMoney({ minor, currency: inv.currency }, l);
  const rate = (bp: number) => formatPercentBp(bp, l);
  const country = (code: string | null) => (code ? countryName(code, l) ?? code : "");
  const title = invoiceTitle(doc, l);
  const s = inv.seller;
  const b = inv.buyer;
  const col = {
    quantity: t(l, "invoice.col.quantity"),
    net: t(l, "invoice.col.net"),
    tax: inv.tax_name,
    total: t(l, "invoice.col.total"),
  };
  return html`<div class="sheet" lang="${intlTag(l)}">
  <h1>${title}</h1>
  <div class="muted">${invoiceSubtitle(doc, l)}</div>
  <p><span class="status">${invoiceStatusText(doc.status, l)}</span></p>
  <div class="parties">
    <div><div class="muted">${t(l, "invoice.from")}</div><strong>${s.legalName || t(l, "invoice.seller_not_set")}</strong>${multiline(s.address)}${s.country ? html`<div>${country(s.country)}</div>` : ""}${s.vatId ? html`<div>${t(l, "invoice.vat_id", { id: s.vatId })}</div>` : ""}${s.registrationNo ? html`<div>${t(l, "page.settings.invoice_registration_no", { number: s.registrationNo })}</div>` : ""}${s.email ? html`<div>${s.email}</div>` : ""}</div>
    <div><div class="muted">${t(l, "invoice.to")}</div><strong>${b.company || b.name || b.email}</strong>${b.company && b.name ? html`<div>${b.name}</div>` : ""}${multiline(b.address)}${b.country ? html`<div>${country(b.country)}</div>` : ""}${b.vatId ? html`<div>${t(l, "invoice.vat_id", { id: b.vatId })}</div>` : ""}<div>${b.email}</div></div>
  </div>
  <table class="lines">
    <thead><tr><th>${t(l, "invoice.col.description")}</th><th class="n">${t(l, "invoice.col.quantity")}</th><th class="n">${t(l, "invoice.col.net")}</th><th class="n">${inv.tax_name}</th><th class="n">${t(l, "invoice.col.total")}</th></tr></thead>
    <tbody>${inv.lines.map(
      (line) => html`<tr><td>${line.description}</td><td class="n" data-label="${col.quantity}">${formatNumber(line.quantity, l)}</td><td class="n" data-label="${col.net}">${m(line.net)}</td><td class="n" data-label="${col.tax}">${rate(line.taxRateBp)} · ${m(line.tax)}</td><td class="n" data-label="${col.total}">${m(line.total)}</td></tr>`,
    )}</tbody>
  </table>
  <table class="totals">
    <tr><td>${t(l, "invoice.net")}</td><td class="n">${m(inv.net_minor)}</td></tr>
    <tr><td>${inv.tax_name} ${rate(inv.tax_rate_bp)}</td><td class="n">${m(inv.tax_minor)}</td></tr>
    <tr class="grand"><td>${t(l, "invoice.total")}</td><td class="n">${m(inv.total_minor)}</td></tr>
  </table>
  <div class="notes">${inv.notes.map((n) => html`<p>${n}</p>`)}</div>
  ${doc.transferReference && (doc.status === "awaiting_payment" || doc.status === "overdue")
    ? html`<div class="pay"><strong>${t(l, "invoice.transfer.title")}</strong><div>${t(l, "invoice.transfer.amount", { amount: m(inv.total_minor) })}</div>${s.iban ? html`<div>${t(l, "invoice.transfer.iban", { iban: s.iban })}</div>` : ""}${s.bic ? html`<div>${t(l, "invoice.transfer.bic", { bic: s.bic })}</div>` : ""}${s.bankName ? html`<div>${t(l, "invoice.transfer.bank", { bank: s.bankName })}</div>` : ""}<div>${t(l, "invoice.transfer.beneficiary", { name: s.legalName })}</div><div>${tHtml(l, "invoice.transfer.reference", { reference: html`<strong>${doc.transferReference}</strong>` })}</div></div>`
    : ""}
</div>`;
}
