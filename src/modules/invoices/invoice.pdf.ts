// The PDF of an invoice or credit note, drawn with pdf-lib (pure JavaScript). Text is set in
// DejaVu Sans, embedded as a subset, so that any name or address a customer types (Cyrillic,
// accents) prints as typed — the PDF standard fonts know only Western European letters. The
// document's title and subject carry the number, for archives that index PDFs. Words, amounts and
// dates are in the document's language (invoice.html.ts invoiceLocale), like its HTML page.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { PDFFont, PDFPage, RGB } from "pdf-lib";
import { countryName, formatMoney, formatNumber, formatPercentBp, t, type Locale } from "../../i18n/index.ts";
import { invoiceLocale, invoiceStatusText, invoiceSubtitle, invoiceTitle } from "./invoice.html.ts";
import type { InvoiceDocument } from "./invoices.logic.ts";

const require = createRequire(import.meta.url);
let fonts: { regular: Uint8Array; bold: Uint8Array } | undefined;
function fontBytes() {
  fonts ??= {
    regular: readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf")),
    bold: readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf")),
  };
  return fonts;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 50;

/** Splits text into lines that fit `width` at `size` (words kept whole unless longer than a line). */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) <= width || !line) line = next;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

export async function renderInvoicePdf(doc: InvoiceDocument, locale: Locale = invoiceLocale(doc)): Promise<Uint8Array> {
  const l = locale;
  const inv = doc.invoice;
  const title = invoiceTitle(doc, l);
  // pdf-lib and fontkit are loaded on the first PDF: most processes never render one.
  const [{ PDFDocument, rgb }, { default: fontkit }] = await Promise.all([import("pdf-lib"), import("@pdf-lib/fontkit")]);
  const GREY = rgb(0.42, 0.46, 0.52);
  const INK = rgb(0.11, 0.14, 0.19);
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  const { regular, bold } = fontBytes();
  const font = await pdf.embedFont(regular, { subset: true });
  const strong = await pdf.embedFont(bold, { subset: true });
  pdf.setTitle(title);
  pdf.setSubject(inv.number);
  pdf.setAuthor(inv.seller.legalName || "partnerbill");
  pdf.setCreator("partnerbill");
  pdf.setProducer("partnerbill");
  pdf.setLanguage(l);
  const issued = new Date(inv.issued_at);
  pdf.setCreationDate(issued);
  pdf.setModificationDate(issued);

  let page: PDFPage = pdf.addPage([A4.width, A4.height]);
  let y = A4.height - MARGIN;
  const m = (minor: number) => formatMoney({ minor, currency: inv.currency }, l);
  const rate = (bp: number) => formatPercentBp(bp, l);
  const country = (code: string | null) => (code ? countryName(code, l) ?? code : null);
  const newPageIfNeeded = (need: number) => {
    if (y - need >= MARGIN) return;
    page = pdf.addPage([A4.width, A4.height]);
    y = A4.height - MARGIN;
  };
  const text = (t: string, x: number, opts: { size?: number; f?: PDFFont; color?: RGB; width?: number } = {}) => {
    const size = opts.size ?? 10;
    const f = opts.f ?? font;
    for (const line of wrap(t, f, size, opts.width ?? A4.width - MARGIN - x)) {
      newPageIfNeeded(size + 4);
      page.drawText(line, { x, y: y - size, size, font: f, color: opts.color ?? INK });
      y -= size + 4;
    }
  };
  const right = (t: string, xRight: number, size = 10, f: PDFFont = font) => {
    page.drawText(t, { x: xRight - f.widthOfTextAtSize(t, size), y: y - size, size, font: f, color: INK });
  };

  text(title, MARGIN, { size: 20, f: strong });
  y -= 2;
  text(invoiceSubtitle(doc, l), MARGIN, { color: GREY });
  text(invoiceStatusText(doc.status, l), MARGIN, { color: GREY });
  y -= 14;

  // Seller and buyer side by side.
  const top = y;
  const col = (A4.width - 2 * MARGIN) / 2;
  const s = inv.seller;
  const b = inv.buyer;
  const party = (x: number, label: string, lines: Array<string | null | undefined>) => {
    y = top;
    text(label, x, { color: GREY, width: col - 10 });
    lines.filter((l): l is string => !!l).forEach((l, i) => text(l, x, { f: i === 0 ? strong : font, width: col - 10 }));
    return y;
  };
  const vat = (id: string | null) => (id ? t(l, "invoice.vat_id", { id }) : null);
  const afterSeller = party(MARGIN, t(l, "invoice.from"), [s.legalName || t(l, "invoice.seller_not_set"), s.address, country(s.country), vat(s.vatId), s.registrationNo ? t(l, "page.settings.invoice_registration_no", { number: s.registrationNo }) : null, s.email]);
  const afterBuyer = party(MARGIN + col, t(l, "invoice.to"), [b.company || b.name || b.email, b.company ? b.name : null, b.address, country(b.country), vat(b.vatId), b.email]);
  y = Math.min(afterSeller, afterBuyer) - 20;

  // Lines.
  const xQty = MARGIN + 270;
  const xNet = MARGIN + 340;
  const xTax = MARGIN + 420;
  const xTotal = A4.width - MARGIN;
  const header = () => {
    page.drawText(t(l, "invoice.col.description"), { x: MARGIN, y: y - 9, size: 9, font: strong, color: GREY });
    right(t(l, "invoice.col.quantity"), xQty, 9, strong);
    right(t(l, "invoice.col.net"), xNet, 9, strong);
    right(inv.tax_name, xTax, 9, strong);
    right(t(l, "invoice.col.total"), xTotal, 9, strong);
    y -= 16;
  };
  header();
  for (const line of inv.lines) {
    newPageIfNeeded(40);
    const rowTop = y;
    right(formatNumber(line.quantity, l), xQty);
    right(m(line.net), xNet);
    right(`${rate(line.taxRateBp)} ${m(line.tax)}`, xTax);
    right(m(line.total), xTotal);
    text(line.description, MARGIN, { width: 200 });
    y = Math.min(y, rowTop - 14) - 6;
  }
  page.drawLine({ start: { x: MARGIN, y }, end: { x: xTotal, y }, thickness: 0.5, color: GREY });
  y -= 10;
  for (const [label, amount, f] of [
    [t(l, "invoice.net"), m(inv.net_minor), font],
    [`${inv.tax_name} ${rate(inv.tax_rate_bp)}`, m(inv.tax_minor), font],
    [t(l, "invoice.total"), m(inv.total_minor), strong],
  ] as const) {
    newPageIfNeeded(16);
    right(label, xNet, 10, f);
    right(amount, xTotal, 10, f);
    y -= 15;
  }
  y -= 10;
  for (const n of inv.notes) text(n, MARGIN, { size: 9 });

  if (doc.transferReference && (doc.status === "awaiting_payment" || doc.status === "overdue")) {
    y -= 10;
    text(t(l, "invoice.transfer.title"), MARGIN, { f: strong });
    text(t(l, "invoice.transfer.amount", { amount: m(inv.total_minor) }), MARGIN);
    if (s.iban) text(t(l, "invoice.transfer.iban", { iban: s.iban }), MARGIN);
    if (s.bic) text(t(l, "invoice.transfer.bic", { bic: s.bic }), MARGIN);
    if (s.bankName) text(t(l, "invoice.transfer.bank", { bank: s.bankName }), MARGIN);
    text(t(l, "invoice.transfer.beneficiary", { name: s.legalName }), MARGIN);
    text(t(l, "invoice.transfer.reference", { reference: doc.transferReference }), MARGIN, { f: strong });
  }
  return pdf.save();
}
