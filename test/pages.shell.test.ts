// The public pages in both languages (issue 14, docs/adr/0036-i18n.md, 0037-design-system.md): the
// home page, sign-in / sign-up / password pages, error pages, the demo mailbox and the invoice
// page's frame. A Russian render has Russian words, no English catalog text and no stray Latin;
// forms keep what was typed and show their errors under the field, in the reader's language; a
// sign-up remembers its page's language on the new customer and mails in it.
import assert from "node:assert/strict";
import { it } from "node:test";
import { createTestApp } from "./helpers/app.ts";
import { followLink, mailedLink } from "./helpers/account-links.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { assertRussianPage } from "./helpers/page-language.ts";
import { buildPortalWorld } from "./helpers/portal.ts";
import { WebClient } from "./helpers/web-client.ts";

const PASSWORD = "correct horse battery";

function russian(web: WebClient): WebClient {
  web.cookies.set("locale", "ru");
  return web;
}

describeEachDialect("public pages in Russian and English", (ctx) => {
  it("shows the home page with the account, the console and the demo panel, in both languages", async () => {
    const { app, c } = await createTestApp(ctx());
    const en = await new WebClient(app).get("/");
    assert.equal(en.statusCode, 200);
    assert.match(en.body, /<h1>Billing for ispmanager modules<\/h1>/);
    for (const href of ["/account", "/admin", "/demo/panel"]) assert.match(en.body, new RegExp(`<li><a href="${href}">`), href);
    const ru = await russian(new WebClient(app)).get("/");
    assertRussianPage(ru.body, "home", [c.config.PUBLIC_URL, c.config.UPSTREAM_URL, c.config.UPSTREAM_REGION.toUpperCase(), "billmgr", "func=pricelist.export", "itemtype=addition", "onlyavailable=on", "out=xml"]);
    assert.match(ru.body, /<a href="\/account">Личный кабинет<span>/);
    assert.match(ru.body, /<a href="\/admin">Панель управления<span>/);
  });

  it("speaks Russian on every sign-in, sign-up and password page, and keeps what was typed on an error", async () => {
    const { app, c } = await createTestApp(ctx());
    const web = russian(new WebClient(app));
    for (const path of ["/account/login", "/account/signup", "/account/forgot", "/account/verify", "/account/reset"]) {
      const page = await web.get(path);
      assert.equal(page.statusCode, 200, path);
      assertRussianPage(page.body, path);
    }

    // A malformed address: the message under the field, the field marked, what was typed kept.
    const bad = await web.submit("/account/signup", "/account/signup", { email: "anna.example.com" });
    assert.equal(bad.statusCode, 400);
    assertRussianPage(bad.body, "sign-up with a bad address", ["anna.example.com"]);
    assert.match(bad.body, /<input id="email" name="email" type="email" value="anna\.example\.com"[^>]* aria-invalid="true" aria-describedby="email-error">/);
    assert.match(bad.body, /<p class="field-error" id="email-error">Укажите адрес электронной почты, например name@example\.com\.<\/p>/);
    const badForgot = await web.submit("/account/forgot", "/account/forgot", { email: "x" });
    assert.equal(badForgot.statusCode, 400);
    assert.match(badForgot.body, /value="x"[^>]* aria-invalid="true"/);

    // Wrong password: Russian, the address kept.
    const wrong = await web.submit("/account/login", "/account/login", { email: "nobody@example.com", password: "not the password" });
    assert.equal(wrong.statusCode, 401);
    assertRussianPage(wrong.body, "wrong password");
    assert.match(wrong.body, /Неверный адрес электронной почты или пароль\./);
    assert.match(wrong.body, /value="nobody@example\.com"/);

    // An expired or made-up link.
    const expired = await web.submit("/account/verify", "/account/verify", { token: "A".repeat(43) });
    assert.equal(expired.statusCode, 400);
    assertRussianPage(expired.body, "expired link");

    // The sign-up itself: the page, the mail, the password page and the new customer in Russian.
    const sent = await web.submit("/account/signup", "/account/signup", { email: "anna@example.com" });
    assert.equal(sent.statusCode, 200);
    assertRussianPage(sent.body, "check your mail");
    const mail = (await c.mail.list({ limit: 10 })).find((m) => m.to_address === "anna@example.com")!;
    assert.match(mail.subject, /[А-Яа-яЁё]{4}/, `the verify_email mail is Russian: ${mail.subject}`);
    const link = await mailedLink(c, "anna@example.com", "verify_email");
    await web.get(link.path);
    const form = await web.post(link.path, { token: link.token });
    assertRussianPage(form.body, "choose a password");
    assert.match(form.body, /Не менее 10 символов\./);
    const short = await web.post(link.path, { token: link.token, password: "short" });
    assert.equal(short.statusCode, 400);
    assertRussianPage(short.body, "too short a password");
    assert.match(short.body, /<p class="field-error" id="password-error">Пароль должен содержать не менее 10 символов\.<\/p>/);
    assert.match(short.body, /aria-invalid="true" aria-describedby="password-hint password-error"/);
    assert.equal((await followLink(web, link, PASSWORD)).statusCode, 303);
    const stored = await c.db.selectFrom("customers").select("locale").where("email", "=", "anna@example.com").executeTakeFirstOrThrow();
    assert.equal(stored.locale, "ru", "the new customer keeps the language they signed up in");

    // Locked out after too many failures: the wait in Russian words, with a correct plural.
    const other = russian(new WebClient(app, "203.0.113.99"));
    let locked;
    for (let i = 0; i < 6; i++) locked = await other.submit("/account/login", "/account/login", { email: "anna@example.com", password: "wrong password" });
    assert.equal(locked!.statusCode, 429);
    assertRussianPage(locked!.body, "locked");
    assert.match(locked!.body, /Подождите 15 минут и попробуйте снова\./);
  });

  it("mails in the page's language: an English sign-up gets an English mail", async () => {
    const { app, c } = await createTestApp(ctx());
    const web = new WebClient(app);
    await web.submit("/account/signup", "/account/signup", { email: "bob@example.com" });
    const mail = (await c.mail.list({ limit: 10 })).find((m) => m.to_address === "bob@example.com")!;
    assert.doesNotMatch(mail.subject, /[А-Яа-яЁё]/);
    await followLink(web, await mailedLink(c, "bob@example.com", "verify_email"), PASSWORD);
    const stored = await c.db.selectFrom("customers").select("locale").where("email", "=", "bob@example.com").executeTakeFirstOrThrow();
    assert.equal(stored.locale, "en");
  });

  it("answers errors with a page in the reader's language that leads home", async () => {
    const { app } = await createTestApp(ctx());
    const web = russian(new WebClient(app));
    const missing = await web.get("/no/such/page");
    assert.equal(missing.statusCode, 404);
    assertRussianPage(missing.body, "404");
    assert.match(missing.body, /<title>Страница не найдена · partnerbill<\/title>/);
    assert.match(missing.body, /<a class="button" href="\/">На главную<\/a>/);
    assert.doesNotMatch(missing.body, /no\/such\/page/, "the Russian page does not echo the English service sentence");

    await web.get("/account/login");
    const forged = await web.post("/account/login", { email: "a@example.com", password: "x" }, "not-the-token");
    assert.equal(forged.statusCode, 403);
    assertRussianPage(forged.body, "403");
    assert.match(forged.body, /Форма устарела или отправлена не с этого сайта/);
    assert.match(forged.body, /href="\/">На главную/);

    const en = await new WebClient(app).get("/no/such/page");
    assert.match(en.body, /<a class="button" href="\/">Go to the home page<\/a>/);
    // The public header: the brand leads home, the account and the language switch are there.
    assert.match(en.body, /<nav class="top" aria-label="Site"><div><a class="brand" href="\/">partnerbill<\/a><a href="\/account">My account<\/a><form class="lang"/);
  });

  it("says how long to wait after too many requests, in the reader's language and plural", async () => {
    const { app } = await createTestApp(ctx(), { RATE_LIMIT_FORGOT: "1" });
    const web = russian(new WebClient(app));
    assert.equal((await web.submit("/account/forgot", "/account/forgot", { email: "a@example.com" })).statusCode, 200);
    const limited = await web.submit("/account/forgot", "/account/forgot", { email: "a@example.com" });
    assert.equal(limited.statusCode, 429);
    assertRussianPage(limited.body, "429");
    assert.match(limited.body, /Попробуйте снова через \d+ (минуту|минуты|минут|секунду|секунды|секунд)\./);
    assert.match(limited.body, /<title>Слишком много запросов · partnerbill<\/title>/);
  });

  it("shows the demo mailbox in Russian", async () => {
    const { app } = await createTestApp(ctx());
    const web = russian(new WebClient(app));
    const empty = await web.get("/demo/mailbox");
    assert.equal(empty.statusCode, 200);
    assertRussianPage(empty.body, "empty mailbox");
    await web.submit("/account/signup", "/account/signup", { email: "anna@example.com" });
    const box = await web.get("/demo/mailbox");
    assertRussianPage(box.body, "mailbox", ["anna@example.com"]);
    assert.match(box.body, /<table class="data" id="mails">/);
    assert.match(box.body, /<td data-label="Когда">1 декабря 2026 г\.[ ,в]+10:00 UTC<\/td>/);
    const open = /href="(\/demo\/mailbox\/mail_[a-z0-9]+)"/.exec(box.body)![1]!;
    const mail = await web.get(open);
    assert.equal(mail.statusCode, 200);
    assert.match(mail.body, /Вернуться в демо-почту/);
    const none = await web.get("/demo/mailbox/mail_nothere");
    assert.equal(none.statusCode, 404);
    assert.match(none.body, /В демо-почте нет такого письма\./);
  });

  it("frames an invoice with the portal's navigation, a way back, PDF and Print, in the reader's language", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.21");
    const page = await ann.web.get(`/account/invoices/${ann.invoiceId}`);
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers["cache-control"], "no-store");
    assert.match(page.body, /<nav class="top" aria-label="[^"]+"><div><a class="brand" href="\/account">/, "the portal's navigation");
    assert.match(page.body, /<a class="back" href="\/account\/invoices">← Back to invoices<\/a>/);
    assert.ok(page.body.includes(`<a class="button secondary" href="/account/invoices/${ann.invoiceId}.pdf">Download PDF</a>`));
    assert.match(page.body, /<button type="button" class="secondary" data-print hidden>Print<\/button>/);
    assert.match(page.body, /<script src="\/assets\/print\.[0-9a-f]{16}\.js" defer><\/script>/);
    assert.equal(page.body.match(/<h1>/g)?.length, 1, "one heading: the document's title");
    assert.match(page.body, /<div class="sheet" lang="en">/);
    const script = await ann.web.get(/<script src="([^"]+)"/.exec(page.body)![1]!);
    assert.equal(script.statusCode, 200);
    assert.match(script.body, /window\.print\(\)/);

    ann.web.cookies.set("locale", "ru");
    const ru = await ann.web.get(`/account/invoices/${ann.invoiceId}`);
    assert.match(ru.body, /<html lang="ru">/);
    assert.match(ru.body, /К списку счетов/);
    assert.match(ru.body, />Скачать PDF</);
    assert.match(ru.body, />Печать</);
    // The document itself stays in the language it was issued in.
    assert.match(ru.body, /<div class="sheet" lang="en">\s*<h1>Invoice /);

    // Staff see the same document inside the console, with its PDF.
    await w.c.staffAuth.add({ email: "clerk@partner.example", role: "staff", password: PASSWORD });
    const staff = new WebClient(w.app, "203.0.113.40");
    assert.equal((await staff.submit("/admin/login", "/admin/login", { email: "clerk@partner.example", password: PASSWORD })).statusCode, 303);
    const inConsole = await staff.get(`/admin/invoices/${ann.invoiceId}`);
    assert.equal(inConsole.statusCode, 200);
    assert.match(inConsole.body, /<nav class="top" aria-label="[^"]+"><div><a class="brand" href="\/admin">/, "the console's navigation");
    assert.ok(inConsole.body.includes(`href="/admin/invoices/${ann.invoiceId}/pdf">Download PDF</a>`));
    assert.doesNotMatch(inConsole.body, /class="back"/);
  });
});
