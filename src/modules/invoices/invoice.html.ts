// The printable page of an invoice or credit note: a whole HTML document of its own (the browser's
// "Print" gives the paper copy). Everything shown comes from the invoice's snapshots, escaped.
import { html, raw, type SafeHtml } from "../../lib/html.ts";
import { format } from "../../lib/money.ts";
import { formatRate } from "./invoices.logic.ts";
import type { InvoiceDocument } from "./invoices.service.ts";

/** An invoice's status in words, for every page that lists or shows invoices. */
export const INVOICE_STATUS_TEXT: Record<string, string> = {
  paid: "Paid",
  awaiting_payment: "Awaiting payment",
  overdue: "Overdue",
  credited: "Cancelled by credit note",
  cancelled: "Cancelled",
  issued: "Issued",
};

/**
 * The invoice's look, scoped to body.invoice. Browsers get it as part of the app's one stylesheet
 * (src/http/assets.ts appends it), linked; a file written by the CLI carries it inline.
 */
export const INVOICE_CSS = `
body.invoice{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;margin:0;background:#f5f7fa}
.sheet{max-width:820px;margin:30px auto;background:#fff;padding:40px 48px;border:1px solid #dfe4ea}
.sheet h1{font-size:26px;margin:0 0 4px}.parties{display:flex;gap:40px;margin:28px 0}
.parties>div{flex:1}.lines{border-collapse:collapse;width:100%;margin:20px 0}
.lines th,.lines td{text-align:left;padding:7px 8px;border-bottom:1px solid #e5e9ef;vertical-align:top}
.lines .n{text-align:right;white-space:nowrap}.sheet .totals{width:auto;margin-left:auto}.totals td{border:0;padding:3px 8px}.totals .grand td{font-weight:700;font-size:16px}
.status{display:inline-block;padding:2px 10px;border-radius:12px;background:#eef1f5;font-size:13px}
.notes p{margin:6px 0}.pay{background:#f7f9fb;border:1px solid #e5e9ef;padding:12px 16px;border-radius:6px}
address{font-style:normal;white-space:pre-line}
@media print{body.invoice{background:#fff}.sheet{border:0;margin:0;padding:0}.noprint{display:none}}
`;

function multiline(text: string | null): SafeHtml {
  return html`<address>${text ?? ""}</address>`;
}

/**
 * `stylesheet`: the URL of a stylesheet with INVOICE_CSS, for pages served to browsers (whose
 * Content-Security-Policy forbids inline styles); without it the document carries its style
 * inline, for a file on disk.
 */
export function renderInvoiceHtml(doc: InvoiceDocument, stylesheet?: string): string {
  const inv = doc.invoice;
  const m = (minor: number) => format({ minor, currency: inv.currency });
  const isCredit = inv.kind === "credit_note";
  const title = isCredit ? `Credit note ${inv.number}` : `Invoice ${inv.number}`;
  const s = inv.seller;
  const b = inv.buyer;
  const body = html`<div class="sheet">
  <h1>${title}</h1>
  <div class="muted">Issued ${inv.issued_at.slice(0, 10)}${inv.due_on ? html` · due ${inv.due_on}` : ""}${doc.related ? html` · ${isCredit ? "corrects invoice" : "credit note"} ${doc.related.number}` : ""}</div>
  <p><span class="status">${INVOICE_STATUS_TEXT[doc.status] ?? doc.status}</span></p>
  <div class="parties">
    <div><div class="muted">From</div><strong>${s.legalName || "(seller name not set)"}</strong>${multiline(s.address)}${s.country ? html`<div>${s.country}</div>` : ""}${s.vatId ? html`<div>VAT ${s.vatId}</div>` : ""}${s.email ? html`<div>${s.email}</div>` : ""}</div>
    <div><div class="muted">To</div><strong>${b.company || b.name || b.email}</strong>${b.company && b.name ? html`<div>${b.name}</div>` : ""}${multiline(b.address)}${b.country ? html`<div>${b.country}</div>` : ""}${b.vatId ? html`<div>VAT ${b.vatId}</div>` : ""}<div>${b.email}</div></div>
  </div>
  <table class="lines">
    <thead><tr><th>Description</th><th class="n">Qty</th><th class="n">Net</th><th class="n">${inv.tax_name}</th><th class="n">Total</th></tr></thead>
    <tbody>${inv.lines.map(
      (l) => html`<tr><td>${l.description}</td><td class="n">${l.quantity}</td><td class="n">${m(l.net)}</td><td class="n">${formatRate(l.taxRateBp)} · ${m(l.tax)}</td><td class="n">${m(l.total)}</td></tr>`,
    )}</tbody>
  </table>
  <table class="totals">
    <tr><td>Net</td><td class="n">${m(inv.net_minor)}</td></tr>
    <tr><td>${inv.tax_name} ${formatRate(inv.tax_rate_bp)}</td><td class="n">${m(inv.tax_minor)}</td></tr>
    <tr class="grand"><td>Total</td><td class="n">${m(inv.total_minor)}</td></tr>
  </table>
  <div class="notes">${inv.notes.map((n) => html`<p>${n}</p>`)}</div>
  ${doc.transferReference && (doc.status === "awaiting_payment" || doc.status === "overdue")
    ? html`<div class="pay"><strong>Pay by bank transfer</strong><div>Amount: ${m(inv.total_minor)}</div>${s.iban ? html`<div>IBAN: ${s.iban}</div>` : ""}${s.bic ? html`<div>BIC: ${s.bic}</div>` : ""}${s.bankName ? html`<div>Bank: ${s.bankName}</div>` : ""}<div>Beneficiary: ${s.legalName}</div><div>Reference: <strong>${doc.transferReference}</strong> (quote it so that we can match your payment)</div></div>`
    : ""}
</div>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title>${stylesheet === undefined ? html`<style>${raw(INVOICE_CSS)}</style>` : html`<link rel="stylesheet" href="${stylesheet}">`}</head>
<body class="invoice">${body}</body></html>`.toString();
}
