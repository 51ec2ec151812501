// `partnerbill mail outbox|show|retry|send-test|reminders`: read the e-mail outbox (the only way to
// see mail when SMTP_URL is not set), send held or failed mail again, and check the SMTP set-up.
import type { Command } from "commander";
import type { MailState } from "../../db/schema.ts";
import { invalidInput } from "../../lib/errors.ts";
import { withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

const STATES: MailState[] = ["queued", "sent", "held", "failed"];

function cut(text: string | null, width: number): string {
  if (!text) return "";
  const flat = text.replace(/\s+/g, " ");
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export function registerMail(program: Command): void {
  const mail = program.command("mail").description("The e-mail outbox: read held mail, send again, test SMTP");

  mail
    .command("outbox")
    .description("List e-mail, newest first (without SMTP_URL every mail stays here as held)")
    .option("--state <state>", `only mail in this state: ${STATES.join(", ")}`)
    .option("--limit <n>", "at most this many (1–1000)", "50")
    .option("--json", "print JSON")
    .action(async (opts: { state?: string; limit: string; json?: boolean }) =>
      withContainer(async (c) => {
        if (opts.state !== undefined && !STATES.includes(opts.state as MailState)) throw invalidInput(`--state must be one of ${STATES.join(", ")}`);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidInput("--limit must be a whole number from 1 to 1000");
        const rows = await c.mail.list({ ...(opts.state ? { state: opts.state as MailState } : {}), limit });
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        if (rows.length === 0) {
          process.stdout.write("No e-mail.\n");
          return;
        }
        printTable(
          ["id", "state", "to", "template", "subject", "created", "tries", "last error"],
          rows.map((m) => [m.id, m.state, m.to_address, m.template, cut(m.subject, 50), m.created_at, String(m.attempts), cut(m.last_error, 50)]),
        );
      }),
    );

  mail
    .command("show <id>")
    .description("Show one e-mail with its text (it may contain single-use links: do not paste it around)")
    .option("--html", "print the HTML body instead of the text")
    .option("--json", "print JSON (both bodies)")
    .action(async (id: string, opts: { html?: boolean; json?: boolean }) =>
      withContainer(async (c) => {
        const m = await c.mail.show(id);
        if (opts.json) {
          process.stdout.write(JSON.stringify(m, null, 2) + "\n");
          return;
        }
        const head = [
          `id:        ${m.id}`,
          `state:     ${m.state}${m.attempts > 0 ? ` (${m.attempts} attempt${m.attempts === 1 ? "" : "s"})` : ""}`,
          `to:        ${m.to_address}`,
          `subject:   ${m.subject}`,
          `template:  ${m.template}`,
          `key:       ${m.key}`,
          `created:   ${m.created_at}`,
          ...(m.sent_at ? [`sent:      ${m.sent_at}${m.message_id ? ` ${m.message_id}` : ""}`] : []),
          ...(m.last_error ? [`error:     ${m.last_error}`] : []),
        ];
        process.stdout.write(`${head.join("\n")}\n\n${opts.html ? m.html : m.text}`);
      }),
    );

  mail
    .command("retry <id>")
    .description("Send a held or failed e-mail again (after setting or fixing SMTP_URL)")
    .action(async (id: string) =>
      withContainer(async (c) => {
        await c.mail.retry(id);
        process.stdout.write(`E-mail ${id} is queued again; a worker (partnerbill serve) sends it.\n`);
      }),
    );

  mail
    .command("send-test <to>")
    .description("Send a test message straight away through SMTP_URL (not through the outbox)")
    .action(async (to: string) =>
      withContainer(async (c) => {
        const r = await c.mail.sendTest(to);
        process.stdout.write(`Sent to ${to.trim()}${r.messageId ? ` (Message-ID ${r.messageId})` : ""}.\n`);
      }),
    );

  mail
    .command("reminders")
    .description("Turn unsent renewal reminders into e-mail now (the scheduler does it every 5 minutes)")
    .action(async () =>
      withContainer(async (c) => {
        const r = await c.mailTriggers.sendRenewalReminders();
        process.stdout.write(`${r.queued} reminder e-mail(s) queued, ${r.skipped} reminder(s) no longer needed.\n`);
      }),
    );
}
