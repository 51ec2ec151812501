// E-mail end to end against a real SMTP server (smtp-server on 127.0.0.1): the outbox row and its
// delivery job commit with the caller's transaction, the mail.send job delivers over SMTP, retries
// temporary refusals, gives up on permanent ones, and never lets the SMTP password out.
import assert from "node:assert/strict";
import { afterEach, beforeEach, it } from "node:test";
import { createTestContainer, TEST_SECRET } from "./helpers/app.ts";
import { runCli } from "./helpers/cli.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { startSmtpServer, type TestSmtpServer } from "./helpers/smtp.ts";
import { SEND_MAIL_BACKOFF } from "../src/jobs/handlers/send-mail.ts";
import { JOB_KINDS } from "../src/jobs/kinds.ts";
import { loadConfig } from "../src/app/config.ts";

const MAIL_ENV = {
  MAIL_FROM: "Example Hosting <billing@example.com>",
  MAIL_REPLY_TO: "support@example.com",
  PUBLIC_URL: "https://billing.example.com",
  SMTP_TIMEOUT_MS: "5000",
};
const RESET = { to: "ann@example.org", template: "password_reset" as const, data: { url: "/account/reset#tok_SINGLE_USE_123", name: "Ann" } };

let smtp: TestSmtpServer;
beforeEach(async () => {
  smtp = await startSmtpServer();
});
afterEach(async () => {
  await smtp.close();
});

describeEachDialect("mail", (ctx) => {
  function setup(env: Record<string, string> = { SMTP_URL: smtp.url }) {
    const t = createTestContainer(ctx(), { ...MAIL_ENV, ...env });
    const worker = t.container.jobs.createWorker({ concurrency: 4 });
    return { ...t, c: t.container, worker };
  }

  it("delivers a queued mail with text and HTML parts and the right headers", async () => {
    const { c, worker } = setup();
    await c.db.transaction().execute((tx) => c.mail.queue(tx, { ...RESET, key: "password_reset:tok_1" }));
    const [queued] = await c.mail.list();
    assert.equal(queued!.state, "queued");
    assert.equal((await c.queue.list({ kind: JOB_KINDS.sendMail })).length, 1);

    assert.equal(await worker.runOnce(), 1);
    assert.equal(smtp.received.length, 1);
    const m = smtp.received[0]!;
    assert.deepEqual(m.envelope, { from: "billing@example.com", to: ["ann@example.org"] });
    assert.equal(m.parsed.from?.text, '"Example Hosting" <billing@example.com>');
    assert.equal(m.parsed.to && !Array.isArray(m.parsed.to) ? m.parsed.to.text : "", "ann@example.org");
    assert.equal(m.parsed.replyTo?.text, "support@example.com");
    assert.equal(m.parsed.subject, "Reset your Example Hosting password");
    assert.equal(m.parsed.messageId, `<${queued!.id}@example.com>`);
    assert.equal(m.parsed.headers.get("auto-submitted"), "auto-generated");
    assert.ok(m.parsed.date instanceof Date);
    assert.match(m.parsed.text ?? "", /https:\/\/billing\.example\.com\/account\/reset#tok_SINGLE_USE_123/);
    assert.match(String(m.parsed.html), /<a href="https:\/\/billing\.example\.com\/account\/reset#tok_SINGLE_USE_123"/);
    assert.match(m.raw, /Content-Type: multipart\/alternative/i);

    const sent = await c.mail.show(queued!.id);
    assert.equal(sent.state, "sent");
    assert.equal(sent.attempts, 1);
    assert.equal(sent.sent_at, "2026-12-01T10:00:00.000Z");
    assert.equal(sent.message_id, `<${queued!.id}@example.com>`);
    // A second run finds nothing to send.
    assert.equal(await worker.runOnce(), 0);
    assert.equal(smtp.received.length, 1);
  });

  it("keeps single-use links encrypted at rest and readable through the service", async () => {
    const { c } = setup();
    await c.db.transaction().execute((tx) => c.mail.queue(tx, RESET));
    const row = await c.db.selectFrom("mail_outbox").selectAll().executeTakeFirstOrThrow();
    assert.doesNotMatch(row.body_text_enc + row.body_html_enc, /tok_SINGLE_USE_123|Ann/);
    assert.match(row.body_text_enc, /^v1\./);
    assert.match((await c.mail.show(row.id)).text, /tok_SINGLE_USE_123/);
    // A sealed body copied to another row does not open there.
    await c.db.transaction().execute((tx) => c.mail.queue(tx, { ...RESET, key: "other" }));
    const other = (await c.mail.list()).find((m) => m.key === "other")!;
    await c.db.updateTable("mail_outbox").set({ body_text_enc: row.body_text_enc }).where("id", "=", other.id).execute();
    await assert.rejects(c.mail.show(other.id));
  });

  it("retries a temporary SMTP refusal with the queue's backoff, then delivers", async () => {
    const { c, clock, worker } = setup();
    smtp.refuseWith = 451;
    await c.db.transaction().execute((tx) => c.mail.queue(tx, RESET));
    assert.equal(await worker.runOnce(), 1);
    const [m] = await c.mail.list();
    assert.equal(m!.state, "queued");
    assert.equal(m!.attempts, 1);
    assert.match(m!.last_error ?? "", /451/);
    const [job] = await c.queue.list({ kind: JOB_KINDS.sendMail });
    assert.equal(job!.state, "queued");
    assert.ok(job!.run_at > clock.now().toISOString(), "the retry waits for the backoff");
    assert.equal(await worker.runOnce(), 0, "not before its time");

    smtp.refuseWith = null;
    clock.advance(SEND_MAIL_BACKOFF.maxMs);
    assert.equal(await worker.runOnce(), 1);
    assert.equal(smtp.received.length, 1);
    const done = await c.mail.show(m!.id);
    assert.equal(done.state, "sent");
    assert.equal(done.attempts, 2);
    assert.equal(done.last_error, null);
  });

  it("marks a permanently refused mail failed without retrying, and sends it again on request", async () => {
    const { c, clock, worker } = setup();
    smtp.refuseWith = 550;
    await c.db.transaction().execute((tx) => c.mail.queue(tx, RESET));
    await worker.runOnce();
    const [m] = await c.mail.list();
    assert.equal(m!.state, "failed");
    assert.match(m!.last_error ?? "", /550/);
    clock.advance(SEND_MAIL_BACKOFF.maxMs * 10);
    assert.equal(await worker.runOnce(), 0, "no retry after a 5xx");
    assert.equal(smtp.received.length, 0);

    smtp.refuseWith = null;
    await c.mail.retry(m!.id);
    assert.equal(await worker.runOnce(), 1);
    assert.equal((await c.mail.show(m!.id)).state, "sent");
    await assert.rejects(c.mail.retry(m!.id), { code: "conflict" });
  });

  it("gives up after the last attempt of a temporary failure", async () => {
    const { c, worker } = setup();
    smtp.refuseWith = 421;
    await c.db.transaction().execute((tx) => c.mail.queue(tx, RESET));
    const [m] = await c.mail.list();
    const outcome = await c.mail.deliver(m!.id, { finalAttempt: true });
    assert.equal(outcome.status, "failed");
    assert.equal((await c.mail.show(m!.id)).state, "failed");
    void worker;
  });

  it("leaves no mail and no job when the transaction rolls back", async () => {
    const { c } = setup();
    await assert.rejects(
      c.db.transaction().execute(async (tx) => {
        await c.mail.queue(tx, RESET);
        throw new Error("the business change failed");
      }),
      /business change failed/,
    );
    assert.equal((await c.mail.list()).length, 0);
    assert.equal((await c.queue.list({ kind: JOB_KINDS.sendMail })).length, 0);
  });

  it("sends a mail once however often its key is queued", async () => {
    const { c, worker } = setup();
    for (let i = 0; i < 3; i++) {
      await c.db.transaction().execute((tx) => c.mail.queue(tx, { ...RESET, key: "password_reset:tok_9" }));
    }
    await Promise.all([1, 2].map(() => c.db.transaction().execute((tx) => c.mail.queue(tx, { ...RESET, key: "password_reset:tok_9" }))));
    assert.equal((await c.mail.list()).length, 1);
    assert.equal((await c.queue.list({ kind: JOB_KINDS.sendMail })).length, 1);
    await worker.runOnce();
    await worker.runOnce();
    assert.equal(smtp.received.length, 1);
  });

  it("refuses a bad address or incomplete data before writing anything", async () => {
    const { c } = setup();
    for (const to of ["not-an-address", "a@b.c\r\nBcc: victim@example.org", "<a@example.org>", ""]) {
      await assert.rejects(c.db.transaction().execute((tx) => c.mail.queue(tx, { ...RESET, to })), { code: "invalid_input" });
    }
    await assert.rejects(c.db.transaction().execute((tx) => c.mail.queue(tx, { ...RESET, data: {} })), { code: "invalid_input" });
    await assert.rejects(c.db.transaction().execute((tx) => c.mail.queue(tx, { ...RESET, data: { url: "javascript:alert(1)" } })), { code: "invalid_input" });
    assert.equal((await c.mail.list()).length, 0);
  });

  it("never lets the SMTP password out: not in job errors, mail errors, logs or CLI output", async () => {
    const password = "Hunter2-very-secret";
    const wrong = `smtp://mailer:${encodeURIComponent(password)}@127.0.0.1:${smtp.port}`;
    const { c, logs, worker } = setup({ SMTP_URL: wrong });
    await c.db.transaction().execute((tx) => c.mail.queue(tx, RESET));
    await worker.runOnce();
    const [m] = await c.mail.list();
    assert.equal(m!.state, "failed", "bad credentials are a 5xx: failed for good");
    assert.match(m!.last_error ?? "", /535|auth/i);
    assert.ok(smtp.authAttempts >= 1);
    await assert.rejects(c.mail.sendTest("ann@example.org"), (e: Error) => !e.message.includes(password));

    const everything = [JSON.stringify(await c.mail.list()), JSON.stringify(await c.queue.list({})), logs.join("")].join("\n");
    assert.ok(everything.length > 100);
    assert.ok(!everything.includes(password), "the SMTP password leaked");
    assert.ok(!everything.includes(encodeURIComponent(password)), "the SMTP password leaked (encoded)");

    const cli = await runCli(["mail", "send-test", "ann@example.org"], { DATABASE_URL: ctx().url, SECRET_KEY: TEST_SECRET, ...MAIL_ENV, SMTP_URL: wrong, LOG_LEVEL: "trace" });
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /error: .*(535|auth)/i);
    assert.ok(!(cli.stdout + cli.stderr).includes(password));
    // A malformed SMTP_URL is reported without repeating it.
    assert.throws(() => loadConfig({ SMTP_URL: `smtp://mailer:${password} @host`, MAIL_FROM: "a@example.com" }), (e: Error) => /SMTP_URL/.test(e.message) && !e.message.includes(password));
  });

  it("retries a connection failure, and its error does not carry the password either", async () => {
    const password = "Hunter2-very-secret";
    const closed = await startSmtpServer();
    await closed.close();
    const { c, logs, worker } = setup({ SMTP_URL: `smtps://mailer:${encodeURIComponent(password)}@127.0.0.1:${closed.port}` });
    await c.db.transaction().execute((tx) => c.mail.queue(tx, RESET));
    await worker.runOnce();
    const [m] = await c.mail.list();
    assert.equal(m!.state, "queued");
    assert.match(m!.last_error ?? "", /ECONNREFUSED/);
    const [job] = await c.queue.list({ kind: JOB_KINDS.sendMail });
    assert.match(job!.last_error ?? "", /ECONNREFUSED/);
    const everything = [JSON.stringify(m), JSON.stringify(job), logs.join("")].join("\n");
    assert.match(everything, /will retry/);
    assert.ok(!everything.includes(password), "the SMTP password leaked");
  });

  it("holds mail without SMTP_URL and shows it to staff through the CLI", async () => {
    const { c, worker } = setup({});
    await c.db.transaction().execute((tx) => c.mail.queue(tx, RESET));
    const [m] = await c.mail.list();
    assert.equal(m!.state, "held");
    assert.equal((await c.queue.list({ kind: JOB_KINDS.sendMail })).length, 0, "nothing to deliver it with");
    assert.equal(await worker.runOnce(), 0);
    await assert.rejects(c.mail.sendTest("ann@example.org"), { code: "conflict" });
    await assert.rejects(c.mail.retry(m!.id), { code: "conflict" });

    const env = { DATABASE_URL: ctx().url, SECRET_KEY: TEST_SECRET, ...MAIL_ENV };
    const list = await runCli(["mail", "outbox", "--limit", "10"], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${m!.id}\\s+held\\s+ann@example\\.org\\s+password_reset`));
    const show = await runCli(["mail", "show", m!.id], env);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /subject: +Reset your Example Hosting password/);
    assert.match(show.stdout, /https:\/\/billing\.example\.com\/account\/reset#tok_SINGLE_USE_123/);
    const html = await runCli(["mail", "show", m!.id, "--html"], env);
    assert.match(html.stdout, /<a href="https:\/\/billing\.example\.com\/account\/reset/);
    const bad = await runCli(["mail", "outbox", "--limit", "0"], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--limit/);
    const missing = await runCli(["mail", "show", "mail_nope"], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no e-mail mail_nope/);

    // Once SMTP is configured, staff send held mail on its way.
    const later = setup();
    await later.c.mail.retry(m!.id);
    await later.worker.runOnce();
    assert.equal((await later.c.mail.show(m!.id)).state, "sent");
    assert.equal(smtp.received.length, 1);
  });

  it("sends a test message straight away with `mail send-test`", async () => {
    const r = await runCli(["mail", "send-test", "ops@example.org"], { DATABASE_URL: ctx().url, SECRET_KEY: TEST_SECRET, ...MAIL_ENV, SMTP_URL: smtp.url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Sent to ops@example\.org/);
    assert.equal(smtp.received.length, 1);
    assert.equal(smtp.received[0]!.parsed.subject, "Example Hosting: test message");
  });
});
