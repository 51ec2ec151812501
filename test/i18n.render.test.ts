// Every e-mail and every invoice and credit note (HTML page and PDF) rendered in every language:
// fails on a missing key (t() throws), an ICU placeholder left unformatted, English left on a
// Russian render (a catalog string, or any Latin word that is not the customer's own data), or
// Cyrillic on an English one; every alert kind's texts likewise. The catalogs themselves are
// checked in src/i18n/catalog.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOCALES, type Locale } from "../src/i18n/locales.ts";
import { CATALOGS } from "../src/i18n/t.ts";
import type { InvoiceDocument } from "../src/modules/invoices/invoices.service.ts";
import { renderInvoiceHtml } from "../src/modules/invoices/invoice.html.ts";
import { renderInvoicePdf } from "../src/modules/invoices/invoice.pdf.ts";
import { creditLines, invoiceNotes, type InvoiceLine, type InvoiceView } from "../src/modules/invoices/invoices.logic.ts";
import { t } from "../src/i18n/t.ts";
import { renderMail } from "../src/modules/mail/mail.templates.ts";
import { MAIL_TEMPLATES } from "../src/modules/mail/mail.types.ts";
import { pdfText } from "./helpers/pdf-text.ts";
import { ENGLISH_FRAGMENTS } from "./helpers/page-language.ts";
import { ALERT_CATALOG, ALERT_TEXT_PARTS, KNOWN_ALERT_KINDS, alertInfo } from "../src/modules/alerts/alerts.catalog.ts";

const CTX = { publicUrl: "https://billing.example.com", senderName: "Example Hosting" };

/** Data of the customer and the order: whatever a render shows of it is not ours to translate. */
const DATA = {
  name: "Anna",
  order_id: "ord_01JDEMO",
  module: "DDoS-GUARD",
  license: "100001 (203.0.113.7)",
  period_months: 12,
  amount_minor: 1_500_000,
  currency: "RUB",
  expires_on: "2027-12-07",
  reason: "Lizenz gesperrt",
  url: "/checkout/ord_01JDEMO",
  key: "0F3A9C2B7D41E8A6C5B90D12",
  ip: "203.0.113.7",
};
/** What an alert e-mail gets besides: a real kind, whose code the mail shows as it is. */
const ALERT = { kind: "upstream_insufficient_funds", subject: "ord_01JDEMO", opened_at: "2026-12-07T10:00:00.000Z", open_count: 2, url: "/admin" };
const OURS_NOT_TO_TRANSLATE = [
  ...Object.values(CTX),
  ...Object.values(DATA).map(String),
  ...Object.values(ALERT).map(String),
  // The button the upstream_insufficient_funds texts name: the staff pages are English until
  // they are translated, so the mail names the button as staff see it.
  ALERT_CATALOG.upstream_insufficient_funds.button,
  "ispmanager", "VAT", "IBAN", "SWIFT", "EC", "UTC", "RUB", "EUR",
  "Hosting GmbH", "Friedrichstr", "Berlin", "DE123456789", "DE89370400440532013000", "COBADEFFXXX", "Commerzbank",
  "billing@hosting.example", "ann@example.com", "Anna Petrova", "INV-2026-000001", "CN-2026-000001", "PB-7KQ2-M4XZ",
];

/** Visible text of an HTML document: no tags, styles or attributes; entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

const ENGLISH = ENGLISH_FRAGMENTS;

function assertSpeaks(locale: Locale, text: string, what: string, alsoOurs: readonly string[] = []): void {
  assert.ok(text.trim().length > 0, `${what}: empty`);
  assert.doesNotMatch(text, /[{}]|\uFFFD/, `${what}: an unformatted placeholder or an unknown glyph`);
  if (locale === "en") {
    assert.doesNotMatch(text, /[А-Яа-яЁё]/, `${what}: Cyrillic in English`);
    return;
  }
  for (const fragment of ENGLISH) assert.ok(!text.includes(fragment), `${what}: English catalog text "${fragment}"`);
  let rest = text.replace(/https?:\/\/\S+/g, " ");
  for (const own of [...OURS_NOT_TO_TRANSLATE, ...alsoOurs].sort((a, b) => b.length - a.length)) rest = rest.split(own).join(" ");
  const latin = rest.match(/[A-Za-z]{3,}/g);
  assert.equal(latin, null, `${what}: Latin words left in ${locale}: ${latin?.join(", ")}`);
  assert.match(text, /[А-Яа-яЁё]{4}/, `${what}: no Russian`);
}

describe("every e-mail in every language", () => {
  for (const locale of LOCALES) {
    for (const template of MAIL_TEMPLATES) {
      for (const variant of [{ kind: "purchase", stage: "due" }, { kind: "renewal", stage: "final" }]) {
        it(`renders ${template} (${variant.kind}) in ${locale}: subject, text and HTML`, () => {
          const data = { ...DATA, ...variant, expires_hours: 24, expires_minutes: 60, ...(template === "staff_alert" ? ALERT : {}) };
          const r = renderMail(template, data, { ...CTX, locale });
          assertSpeaks(locale, r.subject, `${template} subject`);
          assertSpeaks(locale, r.text, `${template} text`);
          assertSpeaks(locale, visibleText(r.html), `${template} html`);
          assert.match(r.html, new RegExp(`<html lang="${locale}">`));
        });
      }
    }
  }

  it("writes Russian amounts, dates and plurals as a Russian clerk would", () => {
    const ru = { ...CTX, locale: "ru" as const };
    const receipt = renderMail("receipt", DATA, ru);
    assert.equal(receipt.subject, "Оплата получена: модуль «DDoS-GUARD» (заказ ord_01JDEMO)");
    assert.match(receipt.text, /Сумма: 15\u00a0000,00\u00a0₽/);
    assert.match(receipt.text, /Срок: 12 месяцев/);
    assert.match(renderMail("receipt", { ...DATA, period_months: 1 }, ru).text, /Срок: 1 месяц\n/);
    assert.match(renderMail("receipt", { ...DATA, period_months: 3 }, ru).text, /Срок: 3 месяца\n/);
    assert.match(renderMail("renewal_reminder", DATA, ru).subject, /срок действия истекает 7 декабря 2027 г\.$/);
    assert.match(renderMail("verify_email", { url: "/v", expires_hours: 24 }, ru).text, /действует 24 часа\./);
    assert.match(renderMail("verify_email", { url: "/v", expires_hours: 5 }, ru).text, /действует 5 часов\./);
    assert.match(renderMail("password_reset", { url: "/r", expires_minutes: 1 }, ru).text, /действует 1 минуту\./);
    assert.equal(renderMail("module_active", { ...DATA, kind: "renewal" }, ru).subject, "Модуль «DDoS-GUARD» продлён");
    assert.equal(renderMail("refund", DATA, { ...CTX, locale: "en" }).text.split("\n\n")[1], "RUB\u00a015,000.00 has been refunded to your balance with us. You can use it for your next order.");
  });

  it("names an alert by its title in the reader's language, with the kind's texts from the catalogs", () => {
    const ru = renderMail("staff_alert", ALERT, { ...CTX, locale: "ru" });
    assert.equal(ru.subject, "Оповещение: Недостаточно средств в клиентской зоне (upstream_insufficient_funds)");
    assert.match(ru.text, /^Что это значит: Оплаченный заказ \(или продление\) ждёт/m);
    assert.match(ru.text, /^Открыто: 7 декабря 2026 г\.,? (в )?10:00 UTC$/m);
    const en = renderMail("staff_alert", ALERT, CTX);
    assert.equal(en.subject, "Alert: Upstream out of funds (upstream_insufficient_funds)");
    assert.match(en.text, /^What to do: Top up the balance in ispmanager’s client area\./m);
    // Mail queued before the texts moved carries them in English: the catalog wins for a known kind…
    assert.doesNotMatch(renderMail("staff_alert", { ...ALERT, meaning: "old text" }, { ...CTX, locale: "ru" }).text, /old text/);
    // …and they are read for a kind this version does not know, whose code is all the subject has.
    const unknown = renderMail("staff_alert", { kind: "retired_kind", meaning: "What it was.", url: "/admin" }, { ...CTX, locale: "ru" });
    assert.equal(unknown.subject, "Оповещение: retired_kind");
    assert.match(unknown.text, /^Что это значит: What it was\.$/m);
    assert.match(unknown.text, /^Что делать: Прочитайте текст оповещения\.$/m);
  });

  it("still reads an amount given as text (mail queued before this change)", () => {
    assert.match(renderMail("receipt", { order_id: "ord_1", amount: "950.00 RUB", period: "1 month" }, CTX).text, /Period: 1 month\nAmount: 950\.00 RUB\n/);
  });
});

describe("every alert kind in every language", () => {
  it("has a title, a meaning, an action and when it clears in every catalog", () => {
    for (const locale of LOCALES) {
      for (const kind of KNOWN_ALERT_KINDS) {
        for (const part of ALERT_TEXT_PARTS) assert.ok(Object.hasOwn(CATALOGS[locale], `alert.${kind}.${part}`), `${locale}: alert.${kind}.${part} is missing`);
      }
    }
    // and no catalog describes a kind that is not declared
    for (const locale of LOCALES) {
      for (const key of Object.keys(CATALOGS[locale])) {
        const kind = /^alert\.(\w+)\.\w+$/.exec(key)?.[1];
        if (kind && kind !== "unknown") assert.ok((KNOWN_ALERT_KINDS as string[]).includes(kind), `${locale}: ${key} describes no declared kind`);
      }
    }
  });

  for (const locale of LOCALES) {
    it(`words every kind in ${locale}, commands and settings kept as they are`, () => {
      for (const kind of KNOWN_ALERT_KINDS) {
        const info = alertInfo(kind, locale);
        for (const part of ALERT_TEXT_PARTS) assertSpeaks(locale, info[part], `${kind} ${part}`, Object.values(ALERT_CATALOG[kind]));
      }
    });
  }

  it("keeps English for the dashboard and the CLI, and a general text for a kind it does not know", () => {
    assert.equal(alertInfo("missing_rate").action, "Enter the rate (`partnerbill pricing rates set`) or enable the ECB feed.");
    assert.deepEqual(alertInfo("retired_kind", "ru"), { title: "retired_kind", meaning: "Оповещение такого вида эта версия не описывает.", action: "Прочитайте текст оповещения.", clears: "Закрывает сотрудник." });
    assert.equal(alertInfo("retired_kind").action, "Read the message.");
  });
});

function invoiceDoc(locale: Locale, kind: "invoice" | "credit_note"): InvoiceDocument {
  const line: InvoiceLine = {
    description: t(locale, "invoice.line", { module: "DDoS-GUARD", months: 12, kind: "purchase", license: 100001 }),
    quantity: 1, unitNet: 1_500_000, net: 1_500_000, taxRateBp: 2000, tax: 300_000, total: 1_800_000,
  };
  const sign = kind === "credit_note" ? -1 : 1;
  const invoice: InvoiceView = {
    id: kind === "invoice" ? "inv_1" : "crn_1",
    kind,
    number: kind === "invoice" ? "INV-2026-000001" : "CN-2026-000001",
    series: kind,
    year: 2026,
    seq: 1,
    customer_id: "cus_1",
    order_id: "ord_01JDEMO",
    credited_invoice_id: kind === "invoice" ? null : "inv_1",
    issued_at: "2026-12-07T10:00:00.000Z",
    due_on: kind === "invoice" ? "2026-12-21" : null,
    currency: "RUB",
    net_minor: sign * 1_500_000,
    tax_minor: sign * 300_000,
    total_minor: sign * 1_800_000,
    tax_rate_bp: 2000,
    tax_name: locale === "ru" ? "НДС" : "VAT",
    reverse_charge: 0,
    seller: { legalName: "Hosting GmbH", address: "Friedrichstr. 1\n10117 Berlin", country: "DE", vatId: "DE123456789", email: "billing@hosting.example", iban: "DE89370400440532013000", bic: "COBADEFFXXX", bankName: "Commerzbank" },
    buyer: { customerId: "cus_1", email: "ann@example.com", name: "Anna Petrova", company: null, address: null, country: "RU", vatId: null },
    lines: kind === "invoice" ? [line] : creditLines([line]),
    notes: kind === "invoice"
      ? invoiceNotes({ reverseCharge: true, taxName: "VAT", rateBp: 0, locale })
      : [t(locale, "invoice.note.credit_note", { number: "INV-2026-000001", date: "7.12.2026", reason: locale === "ru" ? "клиент передумал" : "customer changed their mind" })],
    method: kind === "invoice" ? "bank_transfer" : null,
    reason: null,
    actor: null,
    locale,
  };
  return {
    invoice,
    status: kind === "invoice" ? "awaiting_payment" : "issued",
    related: kind === "invoice" ? null : { id: "inv_1", number: "INV-2026-000001" },
    transferReference: kind === "invoice" ? "PB-7KQ2-M4XZ" : null,
  };
}

describe("every invoice and credit note in every language", () => {
  for (const locale of LOCALES) {
    for (const kind of ["invoice", "credit_note"] as const) {
      it(`renders the ${kind} page and PDF in ${locale}`, async () => {
        const doc = invoiceDoc(locale, kind);
        const page = renderInvoiceHtml(doc);
        assertSpeaks(locale, visibleText(page), `${kind} html`);
        assert.match(page, new RegExp(`<html lang="${locale}">`));
        if (kind === "invoice") assert.ok(page.includes("<strong>PB-7KQ2-M4XZ</strong>"), "the transfer reference, in bold");
        const pdf = await renderInvoicePdf(doc);
        const lines = (await pdfText(pdf)).flat();
        assert.ok(lines.length > 15, `only ${lines.length} lines in the PDF`);
        assertSpeaks(locale, lines.join("\n"), `${kind} pdf`);
      });
    }
  }

  it("prints «Счёт № … от …», Russian amounts and country names in Cyrillic on a Russian invoice", async () => {
    const doc = invoiceDoc("ru", "invoice");
    const page = visibleText(renderInvoiceHtml(doc));
    assert.match(page, /Счёт № INV-2026-000001 от 7 декабря 2026 г\./);
    assert.match(page, /18\u00a0000,00\u00a0₽/);
    assert.match(page, /Германия/);
    assert.match(page, /оплатить до 21 декабря 2026 г\./);
    assert.match(page, /DDoS-GUARD, 12 месяцев \(покупка\), лицензия ispmanager 100001/);
    // Long lines wrap: compare the PDF's text as one run.
    const pdf = (await pdfText(await renderInvoicePdf(doc))).flat().join(" ");
    assert.ok(pdf.includes("Счёт № INV-2026-000001 от 7 декабря 2026 г."), pdf);
    assert.ok(pdf.includes("Всего к оплате 18\u00a0000,00\u00a0₽"), pdf);
    assert.ok(pdf.includes("Назначение платежа: PB-7KQ2-M4XZ"), pdf);
    const credit = (await pdfText(await renderInvoicePdf(invoiceDoc("ru", "credit_note")))).flat().join(" ");
    assert.ok(credit.includes("Кредит-нота № CN-2026-000001 от 7 декабря 2026 г."), credit);
    assert.match(credit, /[-−]18\u00a0000,00\u00a0₽/);
  });

  it("shows an invoice issued before languages existed in English", () => {
    const doc = invoiceDoc("en", "invoice");
    delete (doc.invoice as { locale?: string }).locale;
    assert.match(renderInvoiceHtml(doc), /<h1>Invoice INV-2026-000001<\/h1>/);
  });
});
