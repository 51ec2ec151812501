// E-mail: queued in the caller's transaction (the outbox), delivered by a job over SMTP, or held
// in the outbox for staff to read when no SMTP server is configured (docs/adr/0014-email.md).
//
// queue() renders the template at once — the mail says what was true when the business fact was
// committed — and stores the bodies sealed with SECRET_KEY, since they may carry single-use links.
// deliver() is the job's half: one SMTP attempt, its outcome recorded on the row. The SMTP call
// happens outside any transaction.
import type { Db, Executor } from "../../db/database.ts";
import type { MailOutboxRow, MailState } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { conflict, invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { open, seal } from "../../lib/secret-box.ts";
import type { Enqueuer } from "../../ports/queue.ts";
import { renderMail, type TemplateContext } from "./mail.templates.ts";
import type { Locale } from "../../i18n/locales.ts";
import { MAIL_TEMPLATES, type MailQueue, type MailRequest } from "./mail.types.ts";
import type { MailRepo, MailSummary } from "./mail.repo.ts";
import { isPermanentSmtpError, type MailTransport } from "./smtp.transport.ts";

export interface MailMessage extends MailSummary {
  text: string;
  html: string;
}

export type DeliveryOutcome =
  | { status: "sent"; messageId: string | null }
  /** Nothing to do: already sent or failed, or no such message. */
  | { status: "skipped"; state: MailState | "missing" }
  /** No SMTP server configured: the message stays in the outbox for staff. */
  | { status: "held" }
  | { status: "failed"; error: string }
  /** A temporary failure: try again later (the job's backoff). */
  | { status: "retry"; error: string };

/** The longest address we accept (RFC 5321 path limit). */
const MAX_ADDRESS = 254;
// Deliberately simple: one @, no spaces or control characters, a dot in the domain. The SMTP
// server is the judge of the rest; this only keeps header injection and obvious typos out.
const ADDRESS = /^[^\s@<>()\[\]\\,;:"]+@[^\s@<>()\[\]\\,;:"]+\.[^\s@<>()\[\]\\,;:"]+$/;

export function isMailAddress(to: string): boolean {
  return to.length <= MAX_ADDRESS && ADDRESS.test(to);
}

export function createMailService(deps: {
  db: Db;
  mail: MailRepo;
  queue: Enqueuer;
  clock: Clock;
  ids: IdGenerator;
  secretKey: string;
  templates: Omit<TemplateContext, "locale">;
  /** The language of mail to `to` when the request names none: src/modules/mail/mail.locale.ts. */
  localeOf: (ex: Executor, to: string) => Promise<Locale>;
  /** The job kind that delivers one message (src/jobs/handlers/send-mail.ts). */
  sendJobKind: string;
  /** Undefined when SMTP_URL is not set: mail is held in the outbox. */
  transport: MailTransport | undefined;
  /** Error text as stored (redacted, truncated): src/jobs/job.ts describeError. */
  describeError: (e: unknown) => string;
}) {
  const { db, mail, queue, clock, ids, secretKey, transport } = deps;
  const now = () => clock.now().toISOString();
  const textContext = (id: string) => `mail_outbox.body_text:${id}`;
  const htmlContext = (id: string) => `mail_outbox.body_html:${id}`;

  function reveal(row: MailOutboxRow): MailMessage {
    const { body_text_enc, body_html_enc, ...summary } = row;
    return { ...summary, text: open(secretKey, body_text_enc, textContext(row.id)), html: open(secretKey, body_html_enc, htmlContext(row.id)) };
  }

  async function enqueueDelivery(ex: Executor, id: string, attemptKey: string): Promise<void> {
    await queue.enqueue(ex, { kind: deps.sendJobKind, key: `mail.send:${id}:${attemptKey}`, payload: { mailId: id } });
  }

  const service = {
    /**
     * Renders the message and adds it to the outbox in `ex`'s transaction, with its delivery job.
     * A second request with the same key does nothing. Throws invalid_input for a bad address or
     * data the template cannot use — before anything is written.
     */
    async queue(ex: Executor, req: MailRequest): Promise<void> {
      const to = req.to.trim();
      if (!isMailAddress(to)) throw invalidInput("That is not an e-mail address we can send to", { field: "to" });
      if (!(MAIL_TEMPLATES as readonly string[]).includes(req.template)) throw invalidInput(`Unknown e-mail template "${String(req.template)}"`);
      if (req.key !== undefined && (req.key.length === 0 || req.key.length > 200)) throw invalidInput("A mail key is 1 to 200 characters");
      const locale = req.locale ?? (await deps.localeOf(ex, to));
      const rendered = renderMail(req.template, req.data, { ...deps.templates, locale });
      const id = ids.next("mail");
      const at = now();
      const state: MailState = transport ? "queued" : "held";
      const inserted = await mail.insertIfNew(ex, {
        id,
        key: req.key ?? id,
        to_address: to,
        template: req.template,
        subject: rendered.subject,
        body_text_enc: seal(secretKey, rendered.text, textContext(id)),
        body_html_enc: seal(secretKey, rendered.html, htmlContext(id)),
        state,
        attempts: 0,
        last_error: null,
        message_id: null,
        created_at: at,
        updated_at: at,
        sent_at: null,
      });
      if (inserted && state === "queued") await enqueueDelivery(ex, id, "1");
    },

    /** One SMTP attempt for a queued message; records the outcome. `finalAttempt`: a temporary failure is final. */
    async deliver(id: string, opts: { finalAttempt: boolean }): Promise<DeliveryOutcome> {
      const row = await mail.find(db, id);
      if (!row) return { status: "skipped", state: "missing" };
      if (row.state !== "queued") return { status: "skipped", state: row.state };
      if (!transport) {
        // SMTP_URL was removed after the message was queued: keep it for staff.
        await mail.update(db, id, { state: "held", updated_at: now() });
        return { status: "held" };
      }
      const msg = reveal(row);
      const attempts = row.attempts + 1;
      try {
        const info = await transport.send({ to: msg.to_address, subject: msg.subject, text: msg.text, html: msg.html, mailId: id });
        const at = now();
        await mail.update(db, id, { state: "sent", attempts, last_error: null, message_id: info.messageId, sent_at: at, updated_at: at });
        return { status: "sent", messageId: info.messageId };
      } catch (e) {
        const error = deps.describeError(e);
        const final = opts.finalAttempt || isPermanentSmtpError(e);
        await mail.update(db, id, { state: final ? "failed" : "queued", attempts, last_error: error, updated_at: now() });
        return final ? { status: "failed", error } : { status: "retry", error };
      }
    },

    /** Newest first, without bodies. */
    list(filter: { state?: MailState; limit?: number } = {}): Promise<MailSummary[]> {
      const limit = filter.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidInput("limit must be between 1 and 1000");
      return mail.list(db, { ...(filter.state ? { state: filter.state } : {}), limit });
    },

    /** One message with its decrypted bodies (staff only: they may hold single-use links). */
    async show(id: string): Promise<MailMessage> {
      const row = await mail.find(db, id);
      if (!row) throw notFound(`There is no e-mail ${id}`);
      return reveal(row);
    },

    /**
     * Sends a held or failed message again (after SMTP_URL was set or fixed): back to queued with
     * a new delivery job. Both in one transaction.
     */
    async retry(id: string): Promise<void> {
      if (!transport) throw conflict("SMTP_URL is not set: there is no server to send through");
      await db.transaction().execute(async (tx) => {
        const row = await mail.find(tx, id);
        if (!row) throw notFound(`There is no e-mail ${id}`);
        if (row.state !== "held" && row.state !== "failed") throw conflict(`E-mail ${id} is ${row.state}; only held or failed mail is sent again`);
        await mail.requeue(tx, id, now());
        await enqueueDelivery(tx, id, ids.next("try"));
      });
    },

    /** Sends a fixed test message straight away (not through the outbox): does SMTP work? */
    async sendTest(to: string): Promise<{ messageId: string | null }> {
      if (!transport) throw conflict("SMTP_URL is not set: mail is held in the outbox (see `partnerbill mail outbox`)");
      if (!isMailAddress(to.trim())) throw invalidInput("That is not an e-mail address we can send to", { field: "to" });
      const { publicUrl, senderName } = deps.templates;
      const text = `This is a test message from ${senderName} (${publicUrl}/).\n\nIf you can read it, partnerbill can send e-mail.\n`;
      return transport.send({ to: to.trim(), subject: `${senderName}: test message`, text, html: undefined, mailId: ids.next("mail") });
    },
  } satisfies MailQueue & Record<string, unknown>;
  return service;
}

export type MailService = ReturnType<typeof createMailService>;
