// The e-mail templates: one function per message that turns the caller's data into a subject, a
// plain-text body and an HTML body. Pure: no clock, no database. Every value in the HTML goes
// through the `html` tagged template (src/lib/html.ts), which escapes it; the text body is plain
// text, so nothing there is markup. Links are absolute, built from PUBLIC_URL: a `url` given as a
// path ("/checkout/ord_…") is joined to it, and anything that is not http(s) is refused.
//
// The data each template reads is listed in src/modules/mail/README.md.
import { html, raw, type SafeHtml } from "../../lib/html.ts";
import { invalidInput } from "../../lib/errors.ts";
import type { MailTemplate } from "./mail.types.ts";

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

function button(href: string, label: string): SafeHtml {
  return html`<p style="margin:24px 0"><a href="${href}" style="background:#1f6feb;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block">${label}</a></p>
<p style="color:#57606a;font-size:13px">If the button does not work, copy this address into your browser:<br><a href="${href}" style="color:#1f6feb;word-break:break-all">${href}</a></p>`;
}

/** The code of an account link, for a page opened without JavaScript (it asks for it). */
function codeText(code: string): string[] {
  return code ? [`If the page asks for a code, paste this one:\n${code}`] : [];
}

function codeHtml(code: string): SafeHtml {
  return code ? html`<p style="color:#57606a;font-size:13px">If the page asks for a code, paste this one: <code style="word-break:break-all">${code}</code></p>` : html``;
}

function greeting(data: Data): string {
  const name = str(data, "name");
  return name ? `Hello ${name},` : "Hello,";
}

function orderTable(rows: Array<[string, string]>): SafeHtml {
  return html`<table style="border-collapse:collapse;margin:16px 0">${rows
    .filter(([, v]) => v !== "")
    .map(([k, v]) => html`<tr><th style="text-align:left;padding:4px 16px 4px 0;color:#57606a;font-weight:normal">${k}</th><td style="padding:4px 0">${v}</td></tr>`)}</table>`;
}

function orderLines(rows: Array<[string, string]>): string {
  return rows.filter(([, v]) => v !== "").map(([k, v]) => `${k}: ${v}`).join("\n");
}

const ISPMANAGER_STEPS_TEXT =
  "The module is active on your ispmanager license. To see it at once, open ispmanager → Main menu → License management → Update license information. Otherwise the panel picks it up with its daily license refresh.";
const ISPMANAGER_STEPS_HTML = html`<p>The module is active on your ispmanager license. To see it at once, open ispmanager → <b>Main menu → License management → Update license information</b>. Otherwise the panel picks it up with its daily license refresh.</p>`;

/** Module, license and amount rows shared by the order mails. */
function orderFacts(data: Data): Array<[string, string]> {
  return [
    ["Order", str(data, "order_id")],
    ["Module", str(data, "module")],
    ["ispmanager license", str(data, "license")],
    ["Period", str(data, "period")],
    ["Amount", str(data, "amount")],
  ];
}

const TEMPLATES: Record<MailTemplate, (data: Data, ctx: TemplateContext) => Body> = {
  // Account links carry their single-use token in the URL's fragment (never sent to a server, so
  // never in a request log); `code` repeats it for a browser without JavaScript, where the page
  // asks for it.
  verify_email(data, ctx) {
    const url = link(ctx, "verify_email", required(data, "verify_email", "url"));
    const hours = str(data, "expires_hours", "24");
    const code = str(data, "code");
    const lead = str(data, "reason") === "forgot_no_account"
      ? "Someone (we hope you) asked for a password link for this address, but it has no account here yet. To create one, open this link and choose your password:"
      : "Please confirm your e-mail address: open this link and choose your password.";
    return {
      subject: `Confirm your e-mail address for ${ctx.senderName}`,
      text: [greeting(data), `${lead}\n${url}`, ...codeText(code), `The link works for ${hours} hours. If you did not ask for it, ignore this message: no account is created.`],
      html: html`<p>${greeting(data)}</p><p>${lead}</p>${button(url, "Confirm e-mail address")}${codeHtml(code)}<p>The link works for ${hours} hours. If you did not ask for it, ignore this message: no account is created.</p>`,
    };
  },

  password_reset(data, ctx) {
    const url = link(ctx, "password_reset", required(data, "password_reset", "url"));
    const minutes = str(data, "expires_minutes", "60");
    const code = str(data, "code");
    return {
      subject: `Reset your ${ctx.senderName} password`,
      text: [greeting(data), `Someone (we hope you) asked to reset the password of this account. Choose a new password here:\n${url}`, ...codeText(code), `The link works once, for ${minutes} minutes. If you did not ask for it, ignore this message: your password stays as it is.`],
      html: html`<p>${greeting(data)}</p><p>Someone (we hope you) asked to reset the password of this account.</p>${button(url, "Choose a new password")}${codeHtml(code)}<p>The link works once, for ${minutes} minutes. If you did not ask for it, ignore this message: your password stays as it is.</p>`,
    };
  },

  receipt(data, ctx) {
    const orderId = required(data, "receipt", "order_id");
    const url = link(ctx, "receipt", str(data, "url") || `/checkout/${encodeURIComponent(orderId)}`);
    const facts = orderFacts(data);
    const lead = str(data, "kind") === "renewal"
      ? "Thank you: we have received your payment and are renewing the module now."
      : "Thank you: we have received your payment and are ordering the module now.";
    return {
      subject: `Payment received: ${str(data, "module", "your module")} (order ${orderId})`,
      text: [greeting(data), lead, orderLines(facts), `Follow the order here:\n${url}`],
      html: html`<p>${greeting(data)}</p><p>${lead}</p>${orderTable(facts)}${button(url, "Order status")}`,
    };
  },

  module_active(data, ctx) {
    const orderId = str(data, "order_id");
    const url = link(ctx, "module_active", str(data, "url") || (orderId ? `/checkout/${encodeURIComponent(orderId)}` : "/"));
    const facts = [...orderFacts(data).filter(([k]) => k !== "Amount"), ["Active until", str(data, "expires_on")] as [string, string]];
    if (str(data, "kind") === "renewal") {
      const lead = `${str(data, "module", "Your module")} has been renewed${str(data, "expires_on") ? ` until ${str(data, "expires_on")}` : ""}. Nothing needs doing in ispmanager.`;
      return {
        subject: `${str(data, "module", "Your module")} renewed`,
        text: [greeting(data), lead, orderLines(facts), `Order details:\n${url}`],
        html: html`<p>${greeting(data)}</p><p>${lead}</p>${orderTable(facts)}${button(url, "Order details")}`,
      };
    }
    return {
      subject: `${str(data, "module", "Your module")} is active`,
      text: [greeting(data), ISPMANAGER_STEPS_TEXT, orderLines(facts), `Order details:\n${url}`],
      html: html`<p>${greeting(data)}</p>${ISPMANAGER_STEPS_HTML}${orderTable(facts)}${button(url, "Order details")}`,
    };
  },

  order_failed(data, ctx) {
    const orderId = required(data, "order_failed", "order_id");
    const url = link(ctx, "order_failed", str(data, "url") || `/checkout/${encodeURIComponent(orderId)}`);
    const reason = str(data, "reason");
    const facts = orderFacts(data);
    const lead = `We could not ${str(data, "kind") === "renewal" ? "renew" : "activate"} your module. The amount you paid is returned to your balance with us (a separate message confirms the refund).`;
    return {
      subject: `We could not activate ${str(data, "module", "your module")} (order ${orderId})`,
      text: [greeting(data), lead, ...(reason ? [`Reason: ${reason}`] : []), orderLines(facts), `Order details:\n${url}`],
      html: html`<p>${greeting(data)}</p><p>${lead}</p>${reason ? html`<p>Reason: ${reason}</p>` : ""}${orderTable(facts)}${button(url, "Order details")}`,
    };
  },

  refund(data, ctx) {
    const orderId = required(data, "refund", "order_id");
    const url = link(ctx, "refund", str(data, "url") || `/checkout/${encodeURIComponent(orderId)}`);
    const facts = orderFacts(data);
    const amount = str(data, "amount");
    const lead = `${amount ? `${amount} has` : "Your payment has"} been refunded to your balance with us. You can use it for your next order.`;
    return {
      subject: `Refund for order ${orderId}`,
      text: [greeting(data), lead, orderLines(facts), `Order details:\n${url}`],
      html: html`<p>${greeting(data)}</p><p>${lead}</p>${orderTable(facts)}${button(url, "Order details")}`,
    };
  },

  renewal_reminder(data, ctx) {
    const module = str(data, "module", "your module");
    const expires = required(data, "renewal_reminder", "expires_on");
    const url = link(ctx, "renewal_reminder", str(data, "url") || (str(data, "order_id") ? `/checkout/${encodeURIComponent(str(data, "order_id"))}` : "/"));
    const final = str(data, "stage") === "final";
    const amount = str(data, "amount");
    const lead = final
      ? `${module} expires on ${expires} and its renewal is not paid yet. Pay now to keep it running.`
      : `${module} expires on ${expires}. We could not pay its renewal${amount ? ` of ${amount}` : ""} from your balance: please pay it before then.`;
    const facts = orderFacts(data);
    return {
      subject: final ? `Last reminder: ${module} expires on ${expires}` : `Renewal due: ${module} expires on ${expires}`,
      text: [greeting(data), lead, orderLines(facts), `Pay the renewal here:\n${url}`],
      html: html`<p>${greeting(data)}</p><p>${lead}</p>${orderTable(facts)}${button(url, "Pay the renewal")}`,
    };
  },

  module_expired(data, ctx) {
    const module = str(data, "module", "Your module");
    const url = link(ctx, "module_expired", str(data, "url") || "/");
    const facts: Array<[string, string]> = [["Module", str(data, "module")], ["ispmanager license", str(data, "license")], ["Expired on", str(data, "expires_on")]];
    const lead = `${module} has expired and is no longer active on your ispmanager license. To use it again, buy it from the Modules page in ispmanager.`;
    return {
      subject: `${module} has expired`,
      text: [greeting(data), lead, orderLines(facts), url],
      html: html`<p>${greeting(data)}</p><p>${lead}</p>${orderTable(facts)}<p><a href="${url}">${url}</a></p>`,
    };
  },

  /** To staff who opted in: a new kind of alert opened (one per kind while any of it stays open: a digest, not a storm). */
  staff_alert(data, ctx) {
    const kind = required(data, "staff_alert", "kind");
    const url = link(ctx, "staff_alert", str(data, "url") || "/admin");
    const facts: Array<[string, string]> = [
      ["Alert", kind],
      ["About", str(data, "subject")],
      ["Opened", str(data, "opened_at")],
      ["Open alerts of this kind", str(data, "open_count")],
    ];
    const lines = [str(data, "message"), `What it means: ${str(data, "meaning")}`, `What to do: ${str(data, "action")}`, `It closes by itself when: ${str(data, "clears")}`];
    return {
      subject: `Alert: ${kind}`,
      text: [lines.join("\n"), orderLines(facts), `Open alerts: ${url}`, "You get one e-mail per kind of alert while alerts of that kind stay open. Turn these e-mails off on your staff page."],
      html: html`${lines.map((l) => html`<p>${l}</p>`)}${orderTable(facts)}${button(url, "Open the dashboard")}<p style="color:#57606a;font-size:13px">You get one e-mail per kind of alert while alerts of that kind stay open. Turn these e-mails off on your staff page.</p>`,
    };
  },
};

function layout(ctx: TemplateContext, subject: string, content: SafeHtml): string {
  return html`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${subject}</title></head>
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
  const body = render(data, ctx);
  const subject = oneLine(body.subject);
  const text = `${body.text.join("\n\n")}\n\n-- \n${ctx.senderName}\n${ctx.publicUrl}/\n`;
  return { subject, text, html: layout(ctx, subject, body.html) };
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
