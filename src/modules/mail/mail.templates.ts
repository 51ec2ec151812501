// The e-mail templates: one function per message that turns the caller's data into a subject, a
// plain-text body and an HTML body, in the reader's language (ctx.locale; every sentence comes from
// the catalogs in src/i18n/, amounts and dates through Intl). Pure: no clock, no database. Every value in the HTML goes
// through the `html` tagged template (src/lib/html.ts), which escapes it; the text body is plain
// text, so nothing there is markup. Links are absolute, built from PUBLIC_URL: a `url` given as a
// path ("/checkout/ord_…") is joined to it, and anything that is not http(s) is refused.
//
// The data each template reads is listed in src/modules/mail/README.md.
import { html, raw, type SafeHtml } from "../../lib/html.ts";
import { invalidInput } from "../../lib/errors.ts";
import type { MailTemplate } from "./mail.types.ts";
import { FALLBACK_LOCALE, formatDate, formatDateTime, formatMoney, intlTag, t, tHtml, type Locale } from "../../i18n/index.ts";
import { isCurrency } from "../../lib/money.ts";
import { alertInfo, isKnownAlertKind } from "../alerts/alerts.catalog.ts";

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateContext {
  /** Absolute base URL without a trailing slash (config PUBLIC_URL). */
  publicUrl: string;
  /** Who the mail comes from, as people know it ("Example Hosting"). */
  senderName: string;
  /** The reader's language (default English): the recipient's choice, else the partner's default. */
  locale?: Locale;
}

type Data = Record<string, string | number | null | undefined>;

interface Body {
  subject: string;
  /** Paragraphs of the text body. */
  text: string[];
  /** The HTML body's content (inside the layout). */
  html: SafeHtml;
}

/** One line of text: control characters (CR/LF in a subject would be header injection) become spaces. */
function oneLine(v: string): string {
  return v.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

function str(data: Data, name: string, fallback = ""): string {
  const v = data[name];
  if (v === null || v === undefined) return fallback;
  return oneLine(String(v));
}

function required(data: Data, template: MailTemplate, name: string): string {
  const v = str(data, name);
  if (!v) throw invalidInput(`The ${template} e-mail needs "${name}"`);
  return v;
}

/** An absolute http(s) URL: a path is joined to PUBLIC_URL; other schemes are refused. */
function link(ctx: TemplateContext, template: MailTemplate, value: string): string {
  let url: URL;
  try {
    url = value.startsWith("/") ? new URL(ctx.publicUrl + value) : new URL(value);
  } catch {
    throw invalidInput(`The ${template} e-mail got a link that is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalidInput(`The ${template} e-mail got a link that is not http(s)`);
  return url.href;
}

function button(l: Locale, href: string, label: string): SafeHtml {
  return html`<p style="margin:24px 0"><a href="${href}" style="background:#1f6feb;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block">${label}</a></p>
<p style="color:#57606a;font-size:13px">${t(l, "mail.button_fallback")}<br><a href="${href}" style="color:#1f6feb;word-break:break-all">${href}</a></p>`;
}

/** The code of an account link, for a page opened without JavaScript (it asks for it). */
function codeText(l: Locale, code: string): string[] {
  return code ? [`${t(l, "mail.code_hint")}\n${code}`] : [];
}

function codeHtml(l: Locale, code: string): SafeHtml {
  return code ? html`<p style="color:#57606a;font-size:13px">${t(l, "mail.code_hint")} <code style="word-break:break-all">${code}</code></p>` : html``;
}

function greeting(l: Locale, data: Data): string {
  const name = str(data, "name");
  return name ? t(l, "mail.greeting.named", { name }) : t(l, "mail.greeting.anonymous");
}

function orderTable(rows: Array<[string, string]>): SafeHtml {
  return html`<table style="border-collapse:collapse;margin:16px 0">${rows
    .filter(([, v]) => v !== "")
    .map(([k, v]) => html`<tr><th style="text-align:left;padding:4px 16px 4px 0;color:#57606a;font-weight:normal">${k}</th><td style="padding:4px 0">${v}</td></tr>`)}</table>`;
}

function orderLines(rows: Array<[string, string]>): string {
  return rows.filter(([, v]) => v !== "").map(([k, v]) => `${k}: ${v}`).join("\n");
}

/** A whole number from the data, or undefined (hostile or missing values never reach a plural). */
function count(data: Data, name: string): number | undefined {
  const v = data[name];
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === "string" && /^\d{1,6}$/.test(v.trim())) return Number(v);
  return undefined;
}

/** The amount in the reader's language: from amount_minor + currency, else the text given as `amount`. */
function amountOf(l: Locale, data: Data, minorName = "amount_minor", textName = "amount"): string {
  const minor = data[minorName];
  const currency = str(data, "currency");
  if (minor !== null && minor !== undefined && /^-?\d{1,16}$/.test(String(minor)) && isCurrency(currency)) {
    return formatMoney({ minor: Number(minor), currency }, l);
  }
  return str(data, textName);
}

/** The period in the reader's language: from period_months, else the text given as `period`. */
function periodOf(l: Locale, data: Data): string {
  const months = count(data, "period_months");
  return months === undefined ? str(data, "period") : t(l, "period.months", { months });
}

/** A date as the reader writes it ("7 декабря 2026 г."); text that is not a date as it is. */
function dateOf(l: Locale, data: Data, name: string): string {
  return formatDate(str(data, name), l);
}

/** The module's name for messages that say "{named, select, yes {…} other {your module}}". */
function moduleArgs(data: Data): { named: "yes" | "no"; module: string } {
  const module = str(data, "module");
  return { named: module ? "yes" : "no", module };
}

/** Module, license and amount rows shared by the order mails. */
function orderFacts(l: Locale, data: Data): Array<[string, string]> {
  return [
    [t(l, "mail.fact.order"), str(data, "order_id")],
    [t(l, "mail.fact.module"), str(data, "module")],
    [t(l, "mail.fact.license"), str(data, "license")],
    [t(l, "mail.fact.period"), periodOf(l, data)],
    [t(l, "mail.fact.amount"), amountOf(l, data)],
  ];
}

const TEMPLATES: Record<MailTemplate, (data: Data, ctx: TemplateContext, l: Locale) => Body> = {
  // Account links carry their single-use token in the URL's fragment (never sent to a server, so
  // never in a request log); `code` repeats it for a browser without JavaScript, where the page
  // asks for it.
  verify_email(data, ctx, l) {
    const url = link(ctx, "verify_email", required(data, "verify_email", "url"));
    const expiry = t(l, "mail.verify_email.expiry", { hours: count(data, "expires_hours") ?? 24 });
    const code = str(data, "code");
    const lead = t(l, str(data, "reason") === "forgot_no_account" ? "mail.verify_email.lead_no_account" : "mail.verify_email.lead");
    return {
      subject: t(l, "mail.verify_email.subject", { sender: ctx.senderName }),
      text: [greeting(l, data), `${lead}\n${url}`, ...codeText(l, code), expiry],
      html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${button(l, url, t(l, "mail.verify_email.button"))}${codeHtml(l, code)}<p>${expiry}</p>`,
    };
  },

  password_reset(data, ctx, l) {
    const url = link(ctx, "password_reset", required(data, "password_reset", "url"));
    const expiry = t(l, "mail.password_reset.expiry", { minutes: count(data, "expires_minutes") ?? 60 });
    const lead = t(l, "mail.password_reset.lead");
    const code = str(data, "code");
    return {
      subject: t(l, "mail.password_reset.subject", { sender: ctx.senderName }),
      text: [greeting(l, data), `${lead} ${t(l, "mail.password_reset.link")}\n${url}`, ...codeText(l, code), expiry],
      html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${button(l, url, t(l, "mail.password_reset.button"))}${codeHtml(l, code)}<p>${expiry}</p>`,
    };
  },

  receipt(data, ctx, l) {
    const orderId = required(data, "receipt", "order_id");
    const url = link(ctx, "receipt", str(data, "url") || `/checkout/${encodeURIComponent(orderId)}`);
    const facts = orderFacts(l, data);
    const lead = t(l, "mail.receipt.lead", { kind: str(data, "kind") });
    return {
      subject: t(l, "mail.receipt.subject", { ...moduleArgs(data), order: orderId }),
      text: [greeting(l, data), lead, orderLines(facts), `${t(l, "mail.receipt.link")}\n${url}`],
      html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${orderTable(facts)}${button(l, url, t(l, "mail.receipt.button"))}`,
    };
  },

  module_active(data, ctx, l) {
    const orderId = str(data, "order_id");
    const url = link(ctx, "module_active", str(data, "url") || (orderId ? `/checkout/${encodeURIComponent(orderId)}` : "/"));
    const until = dateOf(l, data, "expires_on");
    const facts = [...orderFacts(l, data).slice(0, 4), [t(l, "mail.fact.active_until"), until] as [string, string]];
    const details = `${t(l, "mail.order_details_link")}\n${url}`;
    if (str(data, "kind") === "renewal") {
      const lead = t(l, "mail.module_active.renewed_lead", { ...moduleArgs(data), dated: until ? "yes" : "no", until });
      return {
        subject: t(l, "mail.module_active.renewed_subject", moduleArgs(data)),
        text: [greeting(l, data), lead, orderLines(facts), details],
        html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${orderTable(facts)}${button(l, url, t(l, "mail.order_details"))}`,
      };
    }
    const path = t(l, "mail.module_active.steps_path");
    return {
      subject: t(l, "mail.module_active.subject", moduleArgs(data)),
      text: [greeting(l, data), t(l, "mail.module_active.steps", { path }), orderLines(facts), details],
      html: html`<p>${greeting(l, data)}</p><p>${tHtml(l, "mail.module_active.steps", { path: html`<b>${path}</b>` })}</p>${orderTable(facts)}${button(l, url, t(l, "mail.order_details"))}`,
    };
  },

  // A new license's key (issue 15): mailed once upstream generated it, or when a new key is issued.
  license_key(data, ctx, l) {
    const license = required(data, "license_key", "license");
    const key = required(data, "license_key", "key");
    const url = link(ctx, "license_key", str(data, "url") || "/account");
    const name = str(data, "name");
    const facts: Array<[string, string]> = [
      [t(l, "mail.fact.license"), license],
      [t(l, "mail.license_key.ip"), str(data, "ip")],
      [t(l, "mail.fact.active_until"), dateOf(l, data, "expires_on")],
      [t(l, "mail.license_key.key"), key],
    ];
    const lead = t(l, "mail.license_key.lead", { license, ip: str(data, "ip") });
    return {
      subject: t(l, "mail.license_key.subject", { named: name ? "yes" : "no", name }),
      text: [greeting(l, data), lead, orderLines(facts), `${t(l, "mail.license_key.details")}\n${url}`],
      html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${orderTable(facts)}${button(l, url, t(l, "mail.license_key.details"))}`,
    };
  },

  order_failed(data, ctx, l) {
    const orderId = required(data, "order_failed", "order_id");
    const url = link(ctx, "order_failed", str(data, "url") || `/checkout/${encodeURIComponent(orderId)}`);
    const reason = str(data, "reason");
    const facts = orderFacts(l, data);
    const lead = t(l, "mail.order_failed.lead", { kind: str(data, "kind") });
    const because = reason ? t(l, "mail.order_failed.reason", { reason }) : "";
    return {
      subject: t(l, "mail.order_failed.subject", { ...moduleArgs(data), order: orderId }),
      text: [greeting(l, data), lead, ...(because ? [because] : []), orderLines(facts), `${t(l, "mail.order_details_link")}\n${url}`],
      html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${because ? html`<p>${because}</p>` : ""}${orderTable(facts)}${button(l, url, t(l, "mail.order_details"))}`,
    };
  },

  refund(data, ctx, l) {
    const orderId = required(data, "refund", "order_id");
    const url = link(ctx, "refund", str(data, "url") || `/checkout/${encodeURIComponent(orderId)}`);
    const facts = orderFacts(l, data);
    const amount = amountOf(l, data);
    const lead = t(l, "mail.refund.lead", { known: amount ? "yes" : "no", amount });
    return {
      subject: t(l, "mail.refund.subject", { order: orderId }),
      text: [greeting(l, data), lead, orderLines(facts), `${t(l, "mail.order_details_link")}\n${url}`],
      html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${orderTable(facts)}${button(l, url, t(l, "mail.order_details"))}`,
    };
  },

  renewal_reminder(data, ctx, l) {
    required(data, "renewal_reminder", "expires_on");
    const date = dateOf(l, data, "expires_on");
    const url = link(ctx, "renewal_reminder", str(data, "url") || (str(data, "order_id") ? `/checkout/${encodeURIComponent(str(data, "order_id"))}` : "/"));
    const final = str(data, "stage") === "final";
    const amount = amountOf(l, data);
    const args = { ...moduleArgs(data), date, known: amount ? "yes" : "no", amount };
    const lead = t(l, final ? "mail.renewal_reminder.final_lead" : "mail.renewal_reminder.lead", args);
    const facts = orderFacts(l, data);
    return {
      subject: t(l, final ? "mail.renewal_reminder.final_subject" : "mail.renewal_reminder.subject", args),
      text: [greeting(l, data), lead, orderLines(facts), `${t(l, "mail.renewal_reminder.link")}\n${url}`],
      html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${orderTable(facts)}${button(l, url, t(l, "mail.renewal_reminder.button"))}`,
    };
  },

  module_expired(data, ctx, l) {
    const url = link(ctx, "module_expired", str(data, "url") || "/");
    const facts: Array<[string, string]> = [
      [t(l, "mail.fact.module"), str(data, "module")],
      [t(l, "mail.fact.license"), str(data, "license")],
      [t(l, "mail.fact.expired_on"), dateOf(l, data, "expires_on")],
    ];
    const lead = t(l, "mail.module_expired.lead", moduleArgs(data));
    return {
      subject: t(l, "mail.module_expired.subject", moduleArgs(data)),
      text: [greeting(l, data), lead, orderLines(facts), url],
      html: html`<p>${greeting(l, data)}</p><p>${lead}</p>${orderTable(facts)}<p><a href="${url}">${url}</a></p>`,
    };
  },

  /**
   * To staff who opted in: a new kind of alert opened (one per kind while any of it stays open: a
   * digest, not a storm). The alert's own texts (message, meaning, action) come from the alerts
   * catalog and are English for now (issue 14 localises the console and its alerts).
   */
  staff_alert(data, ctx, l) {
    const kind = required(data, "staff_alert", "kind");
    const url = link(ctx, "staff_alert", str(data, "url") || "/admin");
    // The kind's texts come from the catalogs, in the reader's language. Mail queued by older code
    // carries them (in English) in its data: read there only for a kind this version does not know.
    const known = isKnownAlertKind(kind);
    const info = alertInfo(kind, l);
    const part = (name: "meaning" | "action" | "clears") => (known ? info[name] : str(data, name) || info[name]);
    const openedAt = str(data, "opened_at");
    const facts: Array<[string, string]> = [
      [t(l, "mail.staff_alert.fact.alert"), known ? `${info.title} (${kind})` : kind],
      [t(l, "mail.staff_alert.fact.about"), str(data, "subject")],
      [t(l, "mail.staff_alert.fact.opened"), openedAt && formatDateTime(openedAt, l)],
      [t(l, "mail.staff_alert.fact.open_count"), str(data, "open_count")],
    ];
    const lines = [
      str(data, "message"),
      t(l, "mail.staff_alert.meaning", { text: part("meaning") }),
      t(l, "mail.staff_alert.action", { text: part("action") }),
      t(l, "mail.staff_alert.clears", { text: part("clears") }),
    ].filter((x) => x.trim() !== "");
    const footer = t(l, "mail.staff_alert.footer");
    return {
      subject: t(l, "mail.staff_alert.subject", { known: known ? "yes" : "no", title: info.title, kind }),
      text: [lines.join("\n"), orderLines(facts), `${t(l, "mail.staff_alert.open_alerts")} ${url}`, footer],
      html: html`${lines.map((x) => html`<p>${x}</p>`)}${orderTable(facts)}${button(l, url, t(l, "mail.staff_alert.button"))}<p style="color:#57606a;font-size:13px">${footer}</p>`,
    };
  },
};

function layout(ctx: TemplateContext, l: Locale, subject: string, content: SafeHtml): string {
  return html`<!doctype html>
<html lang="${intlTag(l)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${subject}</title></head>
<body style="margin:0;padding:0;background:#f6f8fa">
<div style="max-width:600px;margin:0 auto;padding:24px;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#24292f;background:#ffffff">
${content}
<p style="margin-top:32px;color:#57606a;font-size:13px">${ctx.senderName}${raw(" · ")}<a href="${ctx.publicUrl}/" style="color:#57606a">${ctx.publicUrl}</a></p>
</div></body></html>
`.value;
}

/** Renders a template; throws invalid_input when the data lacks what the template needs. */
export function renderMail(template: MailTemplate, data: Data, ctx: TemplateContext): RenderedMail {
  const render = TEMPLATES[template];
  if (!render) throw invalidInput(`Unknown e-mail template "${String(template)}"`);
  const l = ctx.locale ?? FALLBACK_LOCALE;
  const body = render(data, ctx, l);
  const subject = oneLine(body.subject);
  const text = `${body.text.join("\n\n")}\n\n-- \n${ctx.senderName}\n${ctx.publicUrl}/\n`;
  return { subject, text, html: layout(ctx, l, subject, body.html) };
}

/** The name mail is signed with: MAIL_FROM's display name, else PUBLIC_URL's host. */
export function senderNameOf(mailFrom: string | undefined, publicUrl: string): string {
  const name = mailFrom ? /^\s*"?([^"<]*?)"?\s*</.exec(mailFrom)?.[1]?.trim() : undefined;
  if (name) return oneLine(name);
  try {
    return new URL(publicUrl).host;
  } catch {
    return "partnerbill";
  }
}
