// Sending one message over SMTP with nodemailer. The SMTP_URL carries credentials: it is parsed
// here into options and never logged, and every error that leaves this file has the password (and
// the URL's user:password part) removed from its text, since errors end up in job rows and logs.
import type { Transporter } from "nodemailer";
import { invalidInput } from "../../lib/errors.ts";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string | undefined;
  /** The outbox id: the Message-ID is derived from it, so a retry after an unclear outcome
   * (timeout after the data was sent) carries the same Message-ID and can be recognised. */
  mailId: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<{ messageId: string | null }>;
  close(): void;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** smtps://: TLS from the first byte; smtp://: STARTTLS when the server offers it. */
  secure: boolean;
  user: string | undefined;
  password: string | undefined;
}

/** Parses smtp://user:pass@host:port or smtps://…; the error never repeats the URL. */
export function parseSmtpUrl(text: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput("SMTP_URL is not a URL (expected smtp://user:password@host:587 or smtps://user:password@host:465)");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw invalidInput("SMTP_URL must start with smtp:// or smtps://");
  if (!url.hostname) throw invalidInput("SMTP_URL has no host");
  const secure = url.protocol === "smtps:";
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      throw invalidInput("SMTP_URL has a badly percent-encoded user or password");
    }
  };
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    secure,
    user: url.username ? decode(url.username) : undefined,
    password: url.password ? decode(url.password) : undefined,
  };
}

/** The SMTP_URL without its password, for logs and `doctor`. */
export function displaySmtpUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = "***";
    return url.href;
  } catch {
    return "(not a URL)";
  }
}

/**
 * True when the server refused for good: a 5xx reply (unknown mailbox, message rejected, bad
 * credentials). 4xx replies, timeouts and connection failures are worth another try.
 */
export function isPermanentSmtpError(e: unknown): boolean {
  const code = (e as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

/** An SMTP failure with its text cleaned of credentials; keeps responseCode for the retry decision. */
export class SmtpError extends Error {
  constructor(
    message: string,
    readonly responseCode: number | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "SmtpError";
  }
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("***");
  return out;
}

export function createSmtpTransport(opts: { url: string; from: string; replyTo?: string | undefined; timeoutMs: number }): MailTransport {
  const s = parseSmtpUrl(opts.url);
  const secrets = [opts.url, s.password ?? "", s.password ? encodeURIComponent(s.password) : "", s.password ? Buffer.from(s.password).toString("base64") : ""]
    .filter((v) => v.length >= 3);
  // nodemailer is loaded on the first message: most processes (the CLI, web-only nodes) never send.
  let transporter: Transporter | undefined;
  let closed = false;
  const transporterOf = async (): Promise<Transporter> => {
    if (transporter) return transporter;
    const { default: nodemailer } = await import("nodemailer");
    transporter = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.secure,
      ...(s.user !== undefined ? { auth: { user: s.user, pass: s.password ?? "" } } : {}),
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
      logger: false,
      debug: false,
    });
    if (closed) transporter.close();
    return transporter;
  };
  const fromDomain = /@([^>\s]+)>?\s*$/.exec(opts.from)?.[1] ?? "partnerbill.invalid";

  return {
    async send(mail) {
      try {
        const info = await (await transporterOf()).sendMail({
          from: opts.from,
          to: mail.to,
          ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
          subject: mail.subject,
          text: mail.text,
          ...(mail.html !== undefined ? { html: mail.html } : {}),
          messageId: `<${mail.mailId}@${fromDomain}>`,
          // RFC 3834: a machine sent this; vacation responders should not answer it.
          headers: { "Auto-Submitted": "auto-generated" },
        });
        return { messageId: typeof info.messageId === "string" ? info.messageId : null };
      } catch (e) {
        const err = e as { message?: unknown; responseCode?: unknown; code?: unknown };
        const message = scrub(typeof err.message === "string" ? err.message : String(e), secrets);
        throw new SmtpError(
          message,
          typeof err.responseCode === "number" ? err.responseCode : undefined,
          typeof err.code === "string" ? err.code : undefined,
        );
      }
    },
    close() {
      closed = true;
      transporter?.close();
    },
  };
}
