// Customer account pages: sign up, confirm the e-mail address, sign in, sign out, forgot and reset
// the password. The portal itself (/account and below) is in ./portal/. Server-rendered forms that
// work without JavaScript; every POST carries the CSRF token (src/http/session.ts). The answers
// never tell whether an e-mail address has an account (src/modules/accounts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { isAppError } from "../lib/errors.ts";
import { CATALOGS, t, tHtml, type MessageKey, type MessageValues } from "../i18n/t.ts";
import type { Locale } from "../i18n/locales.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { safeNext } from "../modules/accounts/accounts.logic.ts";
import { emailField, field, inputField, notice, passwordField, redirect, sendAuthPage } from "./auth-pages.ts";
import { pageLocale } from "./locale.ts";
import { demoMailboxNote } from "./demo-mailbox.routes.ts";
import { csrfField, currentCustomer, endSession, startSession } from "./session.ts";

const PAGE = { config: { surface: "page" as const } };

type Query = { Querystring: Record<string, string | undefined> };
type Form = { Body: Record<string, unknown> | undefined };


function nextField(next: string): SafeHtml {
  return next === "/account" ? html`` : html`<input type="hidden" name="next" value="${next}">`;
}

function withNext(path: string, next: string): string {
  return next === "/account" ? path : `${path}?next=${encodeURIComponent(next)}`;
}

/**
 * A known problem with the input (bad e-mail, weak password) in the reader's language, and which
 * field it belongs to; anything else rethrown.
 */
function inputProblem(e: unknown, locale: Locale): { field: "email" | "password" | null; message: string } {
  if (!isAppError(e) || e.code !== "invalid_input") throw e;
  const key = e.details?.["messageKey"];
  if (typeof key !== "string" || !Object.hasOwn(CATALOGS.en, key)) return { field: null, message: e.message };
  const values = e.details?.["values"] as MessageValues | undefined;
  return { field: key.startsWith("form.email.") ? "email" : key.startsWith("form.password.") ? "password" : null, message: t(locale, key as MessageKey, values) };
}

/** The script that moves an e-mailed token from the link's fragment into the page's form. */
export const LINK_SCRIPT_PATH = "/account/link.js";

// The token of an e-mailed link is in the URL's fragment ("…/account/verify#<token>"), which the
// browser never sends: no request log can hold it. This script (no inline script: the pages' CSP
// allows only scripts of this site) copies it into the form, removes it from the address bar and
// submits — which only shows the password form, so a mail scanner that runs scripts spends
// nothing. Without JavaScript the page asks for the code printed in the mail.
const LINK_SCRIPT = `(function () {
  var form = document.getElementById("link-form");
  var token = location.hash.replace(/^#/, "");
  if (!form || !/^[A-Za-z0-9_-]{43}$/.test(token)) return;
  if (history.replaceState) history.replaceState(null, "", location.pathname);
  form.elements.namedItem("token").value = token;
  form.submit();
})();
`;

export function registerAccountRoutes(app: FastifyInstance, c: Container): void {
  const nextOf = (value: unknown): string => safeNext(value, "/account", c.config.PUBLIC_URL);

  interface FormState {
    next: string;
    email?: string;
    message?: SafeHtml;
    /** An inline error under the e-mail field. */
    emailError?: string;
    status?: number;
  }

  function loginPage(req: FastifyRequest, reply: FastifyReply, o: FormState) {
    const l = pageLocale(req);
    return sendAuthPage(
      reply,
      t(l, "page.signin.title"),
      html`<div class="card"><h1>${t(l, "page.signin.title")}</h1>${o.message ?? ""}
<form method="post" action="/account/login">${csrfField(req)}${nextField(o.next)}
${emailField(o.email ?? "", true, { locale: l })}
${passwordField("password", t(l, "form.password.label"), "current-password", false, { locale: l })}
<p><button type="submit">${t(l, "page.signin.submit")}</button></p>
</form>
<p><a href="${withNext("/account/forgot", o.next)}">${t(l, "page.signin.forgot")}</a> · ${t(l, "page.signin.new_here")} <a href="${withNext("/account/signup", o.next)}">${t(l, "page.signin.create")}</a></p></div>`,
      o.status,
    );
  }

  function signupPage(req: FastifyRequest, reply: FastifyReply, o: FormState) {
    const l = pageLocale(req);
    return sendAuthPage(
      reply,
      t(l, "page.signup.title"),
      html`<div class="card"><h1>${t(l, "page.signup.title")}</h1>${o.message ?? ""}
<form method="post" action="/account/signup">${csrfField(req)}${nextField(o.next)}
${emailField(o.email ?? "", true, { locale: l, ...(o.emailError ? { error: o.emailError } : {}) })}
<p class="muted">${t(l, "page.signup.hint")}</p>
<p><button type="submit">${t(l, "page.signup.submit")}</button></p>
</form>
<p>${t(l, "page.signup.have_account")} <a href="${withNext("/account/login", o.next)}">${t(l, "page.signup.sign_in")}</a></p></div>`,
      o.status,
    );
  }

  function checkMailPage(req: FastifyRequest, reply: FastifyReply, text: SafeHtml) {
    const title = t(pageLocale(req), "page.check_mail.title");
    return sendAuthPage(reply, title, html`<div class="card"><h1>${title}</h1>${text}</div>`);
  }

  function expiredPage(req: FastifyRequest, reply: FastifyReply) {
    const l = pageLocale(req);
    const title = t(l, "page.link.expired.title");
    const whatNow = tHtml(l, "page.link.expired.what_now", {
      signin: html`<a href="/account/login">${t(l, "page.link.expired.signin")}</a>`,
      forgot: html`<a href="/account/forgot">${t(l, "page.link.expired.forgot")}</a>`,
      signup: html`<a href="/account/signup">${t(l, "page.link.expired.signup")}</a>`,
    });
    return sendAuthPage(reply, title, html`<div class="card error"><h1>${title}</h1><p>${t(l, "page.link.expired.text")}</p><p>${whatNow}</p></div>`, 400);
  }

  // ---- sign up ---------------------------------------------------------------------------------

  app.get<Query>("/account/signup", PAGE, async (req, reply) => {
    const next = nextOf(req.query.next);
    if (currentCustomer(req)) return redirect(reply, next);
    return signupPage(req, reply, { next });
  });

  app.post<Form>("/account/signup", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    const next = nextOf(field(req.body, "next"));
    const email = field(req.body, "email");
    try {
      // Only the address: a password sent with it (an old form, or a stranger) is ignored. The
      // mail is written in this page's language.
      const r = await c.customerAuth.signUp({ email, next, locale: l });
      // The same page whether or not the address already has an account.
      return checkMailPage(
        req,
        reply,
        html`<p>${tHtml(l, "page.check_mail.signup", { email: html`<b>${r.email}</b>` })}</p>
<p class="muted">${tHtml(l, "page.check_mail.nothing", { again: html`<a href="${withNext("/account/signup", next)}">${t(l, "page.check_mail.again")}</a>` })}</p>
${demoMailboxNote(c, l)}`,
      );
    } catch (e) {
      const p = inputProblem(e, l);
      return signupPage(req, reply, { next, email, status: 400, ...(p.field === "email" ? { emailError: p.message } : { message: notice("error", p.message) }) });
    }
  });

  // ---- e-mailed links: confirm the address (sign-up) and choose a new password (reset) -----------
  // A link opens a page whose form POSTs the token (from the link's fragment, by LINK_SCRIPT, or
  // pasted from the mail); that POST shows the password form, and the password form's POST uses the
  // token. Nothing is spent by opening a link, and the token is in no URL.

  app.get(LINK_SCRIPT_PATH, PAGE, async (_req, reply) =>
    reply.type("text/javascript; charset=utf-8").header("cache-control", "public, max-age=3600").send(LINK_SCRIPT),
  );

  const LINKS = {
    verify_email: { path: "/account/verify", title: "page.verify.title", button: "page.verify.button", lead: "page.verify.lead" },
    password_reset: { path: "/account/reset", title: "page.reset.title", button: "page.reset.button", lead: "page.reset.lead" },
  } as const satisfies Record<string, { path: string; title: MessageKey; button: MessageKey; lead: MessageKey }>;
  type LinkPurpose = keyof typeof LINKS;

  function openLinkPage(req: FastifyRequest, reply: FastifyReply, purpose: LinkPurpose, o: { message?: SafeHtml; status?: number } = {}) {
    const l = pageLocale(req);
    const p = LINKS[purpose];
    const title = t(l, p.title);
    return sendAuthPage(
      reply,
      title,
      html`<div class="card"><h1>${title}</h1>${o.message ?? ""}
<form method="post" action="${p.path}" id="link-form">${csrfField(req)}
${inputField({ id: "token", label: t(l, "page.link.code"), autocomplete: "off", spellcheck: false, required: true, maxlength: 64 })}
<p><button type="submit">${t(l, "page.link.continue")}</button></p></form>
<p class="muted">${t(l, "page.link.help")}</p></div>
<script src="${LINK_SCRIPT_PATH}" defer></script>`,
      o.status,
    );
  }

  function passwordPage(req: FastifyRequest, reply: FastifyReply, purpose: LinkPurpose, o: { token: string; email: string; error?: string; message?: SafeHtml; status?: number }) {
    const l = pageLocale(req);
    const p = LINKS[purpose];
    const title = t(l, p.title);
    return sendAuthPage(
      reply,
      title,
      html`<div class="card"><h1>${title}</h1>${o.message ?? ""}<p>${t(l, p.lead)} ${tHtml(l, "page.link.for", { email: html`<b>${o.email}</b>` })}</p>
<form method="post" action="${p.path}">${csrfField(req)}<input type="hidden" name="token" value="${o.token}">
<input type="hidden" name="username" autocomplete="username" value="${o.email}">
${passwordField("password", t(l, "form.password.new_label"), "new-password", true, { locale: l, ...(o.error ? { error: o.error } : {}) })}
<p><button type="submit">${t(l, p.button)}</button></p></form></div>`,
      o.status,
    );
  }

  for (const purpose of ["verify_email", "password_reset"] as const) {
    const path = LINKS[purpose].path;
    // Any ?token=… of an old-style link is ignored (and redacted from request logs).
    app.get(path, PAGE, async (req, reply) => openLinkPage(req, reply, purpose));

    app.post<Form>(path, PAGE, async (req, reply) => {
      const l = pageLocale(req);
      const token = field(req.body, "token").trim();
      const live = await c.customerAuth.peekToken(token, purpose);
      if (!live) return expiredPage(req, reply);
      // The first POST (from the link's page) only shows the password form.
      if (req.body?.["password"] === undefined) return passwordPage(req, reply, purpose, { token, email: live.email });
      try {
        const input = { token, password: field(req.body, "password") };
        // A new customer starts with the language this page was read in.
        const r = purpose === "verify_email" ? await c.customerAuth.completeSignUp({ ...input, locale: l }) : await c.customerAuth.resetPassword(input);
        if (!r.ok) return expiredPage(req, reply);
        // Other sessions of this customer ended; this browser gets a new one.
        await startSession(req, reply, "customer", r.customerId);
        return redirect(reply, nextOf(r.next));
      } catch (e) {
        const p = inputProblem(e, l);
        return passwordPage(req, reply, purpose, { token, email: live.email, status: 400, ...(p.field === "password" ? { error: p.message } : { message: notice("error", p.message) }) });
      }
    });
  }

  // ---- sign in / out ----------------------------------------------------------------------------

  app.get<Query>("/account/login", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    const next = nextOf(req.query.next);
    if (currentCustomer(req)) return redirect(reply, next);
    const message =
      req.query.signed_out !== undefined ? notice("ok", t(l, "page.signin.signed_out")) :
      req.query.reset !== undefined ? notice("ok", t(l, "page.signin.password_changed")) :
      undefined;
    return loginPage(req, reply, { next, ...(message ? { message } : {}) });
  });

  app.post<Form>("/account/login", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    const next = nextOf(field(req.body, "next"));
    const email = field(req.body, "email");
    const r = await c.customerAuth.signIn({ email, password: field(req.body, "password"), ip: req.ip });
    if (r.ok) {
      await startSession(req, reply, "customer", r.customerId);
      return redirect(reply, next);
    }
    if (r.reason === "locked") {
      reply.header("retry-after", String(Math.ceil(r.retryAfterMs / 1000)));
      const wait = t(l, "period.minutes", { minutes: Math.max(1, Math.ceil(r.retryAfterMs / 60_000)) });
      return loginPage(req, reply, { next, email, status: 429, message: notice("error", t(l, "page.signin.locked", { wait })) });
    }
    return loginPage(req, reply, { next, email, status: 401, message: notice("error", t(l, "page.signin.wrong")) });
  });

  app.get("/account/logout", PAGE, async (req, reply) => {
    if (!currentCustomer(req)) return redirect(reply, "/account/login");
    const l = pageLocale(req);
    return sendAuthPage(
      reply,
      t(l, "page.signout.title"),
      html`<div class="card"><h1>${t(l, "page.signout.title")}</h1><form method="post" action="/account/logout">${csrfField(req)}<p><button type="submit">${t(l, "page.signout.button")}</button></p></form></div>`,
    );
  });

  app.post("/account/logout", PAGE, async (req, reply) => {
    await endSession(req, reply);
    return redirect(reply, "/account/login?signed_out=1");
  });

  // ---- forgotten password -----------------------------------------------------------------------

  function forgotPage(req: FastifyRequest, reply: FastifyReply, o: FormState) {
    const l = pageLocale(req);
    return sendAuthPage(
      reply,
      t(l, "page.forgot.title"),
      html`<div class="card"><h1>${t(l, "page.forgot.title")}</h1>${o.message ?? ""}
<p>${t(l, "page.forgot.lead")}</p>
<form method="post" action="/account/forgot">${csrfField(req)}${nextField(o.next)}
${emailField(o.email ?? "", true, { locale: l, ...(o.emailError ? { error: o.emailError } : {}) })}
<p><button type="submit">${t(l, "page.forgot.submit")}</button></p></form>
<p><a href="${withNext("/account/login", o.next)}">${t(l, "page.forgot.back")}</a></p></div>`,
      o.status,
    );
  }

  app.get<Query>("/account/forgot", PAGE, async (req, reply) => forgotPage(req, reply, { next: nextOf(req.query.next) }));

  app.post<Form>("/account/forgot", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    const next = nextOf(field(req.body, "next"));
    const email = field(req.body, "email");
    try {
      const r = await c.customerAuth.requestReset({ email, next, locale: l });
      // The same page whether or not the address has an account.
      return checkMailPage(
        req,
        reply,
        html`<p>${tHtml(l, "page.check_mail.forgot", { email: html`<b>${r.email}</b>` })}</p>
<p><a href="${withNext("/account/login", next)}">${t(l, "page.forgot.back")}</a></p>
${demoMailboxNote(c, l)}`,
      );
    } catch (e) {
      const p = inputProblem(e, l);
      return forgotPage(req, reply, { next, email, status: 400, ...(p.field === "email" ? { emailError: p.message } : { message: notice("error", p.message) }) });
    }
  });
}
