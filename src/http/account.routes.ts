// Customer account pages: sign up, confirm the e-mail address, sign in, sign out, forgot and reset
// the password. The portal itself (/account and below) is in ./portal/. Server-rendered forms that
// work without JavaScript; every POST carries the CSRF token (src/http/session.ts). The answers
// never tell whether an e-mail address has an account (src/modules/accounts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { isAppError } from "../lib/errors.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { safeNext, waitText } from "../modules/accounts/accounts.logic.ts";
import { emailField, field, notice, passwordField, redirect, sendAuthPage } from "./auth-pages.ts";
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

/** A known problem with the input (bad e-mail, weak password) as a message; anything else rethrown. */
function inputProblem(e: unknown): string {
  if (isAppError(e) && e.code === "invalid_input") return e.message;
  throw e;
}

const EXPIRED = "This link has expired or has already been used.";

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

  function loginPage(req: FastifyRequest, reply: FastifyReply, o: { next: string; email?: string; message?: SafeHtml; status?: number }) {
    return sendAuthPage(
      reply,
      "Sign in",
      html`<div class="card"><h1>Sign in</h1>${o.message ?? ""}
<form method="post" action="/account/login">${csrfField(req)}${nextField(o.next)}
${emailField(o.email ?? "")}
${passwordField("password", "Password", "current-password")}
<p><button type="submit">Sign in</button></p>
</form>
<p><a href="${withNext("/account/forgot", o.next)}">Forgot your password?</a> · New here? <a href="${withNext("/account/signup", o.next)}">Create an account</a></p></div>`,
      o.status,
    );
  }

  function signupPage(req: FastifyRequest, reply: FastifyReply, o: { next: string; email?: string; message?: SafeHtml; status?: number }) {
    return sendAuthPage(
      reply,
      "Create an account",
      html`<div class="card"><h1>Create an account</h1>${o.message ?? ""}
<form method="post" action="/account/signup">${csrfField(req)}${nextField(o.next)}
${emailField(o.email ?? "")}
<p class="muted">We e-mail you a link; you choose your password after opening it.</p>
<p><button type="submit">Create account</button></p>
</form>
<p>Already have an account? <a href="${withNext("/account/login", o.next)}">Sign in</a></p></div>`,
      o.status,
    );
  }

  function checkMailPage(reply: FastifyReply, title: string, text: SafeHtml) {
    return sendAuthPage(reply, title, html`<div class="card"><h1>${title}</h1>${text}</div>`);
  }

  function expiredPage(reply: FastifyReply) {
    return sendAuthPage(
      reply,
      "Link expired",
      html`<div class="card error"><h1>Link expired</h1><p>${EXPIRED}</p><p><a href="/account/login">Sign in</a>, <a href="/account/forgot">ask for a new password link</a> or <a href="/account/signup">sign up again</a>.</p></div>`,
      400,
    );
  }

  // ---- sign up ---------------------------------------------------------------------------------

  app.get<Query>("/account/signup", PAGE, async (req, reply) => {
    const next = nextOf(req.query.next);
    if (currentCustomer(req)) return redirect(reply, next);
    return signupPage(req, reply, { next });
  });

  app.post<Form>("/account/signup", PAGE, async (req, reply) => {
    const next = nextOf(field(req.body, "next"));
    const email = field(req.body, "email");
    try {
      // Only the address: a password sent with it (an old form, or a stranger) is ignored.
      const r = await c.customerAuth.signUp({ email, next });
      // The same page whether or not the address already has an account.
      return checkMailPage(
        reply,
        "Check your e-mail",
        html`<p>We sent a message to <b>${r.email}</b>. Open the link in it to confirm your address and choose your password; it works for 24 hours.</p>
<p class="muted">Nothing arrived? Look in the spam folder, or <a href="${withNext("/account/signup", next)}">sign up again</a> in a few minutes.</p>
${demoMailboxNote(c)}`,
      );
    } catch (e) {
      return signupPage(req, reply, { next, email, message: notice("error", inputProblem(e)), status: 400 });
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
    verify_email: { path: "/account/verify", title: "Confirm your e-mail address", button: "Confirm and sign in", lead: "Choose your password to finish signing up." },
    password_reset: { path: "/account/reset", title: "Choose a new password", button: "Set password and sign in", lead: "Choose a new password." },
  } as const;
  type LinkPurpose = keyof typeof LINKS;

  function openLinkPage(req: FastifyRequest, reply: FastifyReply, purpose: LinkPurpose, o: { message?: SafeHtml; status?: number } = {}) {
    const l = LINKS[purpose];
    return sendAuthPage(
      reply,
      l.title,
      html`<div class="card"><h1>${l.title}</h1>${o.message ?? ""}
<form method="post" action="${l.path}" id="link-form">${csrfField(req)}
<label for="token">Code from the e-mail</label><input id="token" name="token" type="text" autocomplete="off" spellcheck="false" required maxlength="64">
<p><button type="submit">Continue</button></p></form>
<p class="muted">Opened the link from the e-mail? This page continues by itself. If it does not, paste the code printed in the e-mail.</p></div>
<script src="${LINK_SCRIPT_PATH}" defer></script>`,
      o.status,
    );
  }

  function passwordPage(req: FastifyRequest, reply: FastifyReply, purpose: LinkPurpose, o: { token: string; email: string; message?: SafeHtml; status?: number }) {
    const l = LINKS[purpose];
    return sendAuthPage(
      reply,
      l.title,
      html`<div class="card"><h1>${l.title}</h1>${o.message ?? ""}<p>${l.lead} For <b>${o.email}</b>.</p>
<form method="post" action="${l.path}">${csrfField(req)}<input type="hidden" name="token" value="${o.token}">
<input type="hidden" name="username" autocomplete="username" value="${o.email}">
${passwordField("password", "Password (at least 10 characters)", "new-password", true)}
<p><button type="submit">${l.button}</button></p></form></div>`,
      o.status,
    );
  }

  for (const purpose of ["verify_email", "password_reset"] as const) {
    const l = LINKS[purpose];
    // Any ?token=… of an old-style link is ignored (and redacted from request logs).
    app.get(l.path, PAGE, async (req, reply) => openLinkPage(req, reply, purpose));

    app.post<Form>(l.path, PAGE, async (req, reply) => {
      const token = field(req.body, "token").trim();
      const live = await c.customerAuth.peekToken(token, purpose);
      if (!live) return expiredPage(reply);
      // The first POST (from the link's page) only shows the password form.
      if (req.body?.["password"] === undefined) return passwordPage(req, reply, purpose, { token, email: live.email });
      try {
        const input = { token, password: field(req.body, "password") };
        const r = purpose === "verify_email" ? await c.customerAuth.completeSignUp(input) : await c.customerAuth.resetPassword(input);
        if (!r.ok) return expiredPage(reply);
        // Other sessions of this customer ended; this browser gets a new one.
        await startSession(req, reply, "customer", r.customerId);
        return redirect(reply, nextOf(r.next));
      } catch (e) {
        return passwordPage(req, reply, purpose, { token, email: live.email, message: notice("error", inputProblem(e)), status: 400 });
      }
    });
  }

  // ---- sign in / out ----------------------------------------------------------------------------

  app.get<Query>("/account/login", PAGE, async (req, reply) => {
    const next = nextOf(req.query.next);
    if (currentCustomer(req)) return redirect(reply, next);
    const message =
      req.query.signed_out !== undefined ? notice("ok", "You are signed out.") :
      req.query.reset !== undefined ? notice("ok", "Your password was changed. Sign in with the new one.") :
      undefined;
    return loginPage(req, reply, { next, ...(message ? { message } : {}) });
  });

  app.post<Form>("/account/login", PAGE, async (req, reply) => {
    const next = nextOf(field(req.body, "next"));
    const email = field(req.body, "email");
    const r = await c.customerAuth.signIn({ email, password: field(req.body, "password"), ip: req.ip });
    if (r.ok) {
      await startSession(req, reply, "customer", r.customerId);
      return redirect(reply, next);
    }
    if (r.reason === "locked") {
      reply.header("retry-after", String(Math.ceil(r.retryAfterMs / 1000)));
      return loginPage(req, reply, { next, email, status: 429, message: notice("error", `Too many failed sign-in attempts. Please wait ${waitText(r.retryAfterMs)} and try again.`) });
    }
    return loginPage(req, reply, { next, email, status: 401, message: notice("error", "The e-mail address or the password is not right.") });
  });

  app.get("/account/logout", PAGE, async (req, reply) => {
    if (!currentCustomer(req)) return redirect(reply, "/account/login");
    return sendAuthPage(
      reply,
      "Sign out",
      html`<div class="card"><h1>Sign out</h1><form method="post" action="/account/logout">${csrfField(req)}<p><button type="submit">Sign out</button></p></form></div>`,
    );
  });

  app.post("/account/logout", PAGE, async (req, reply) => {
    await endSession(req, reply);
    return redirect(reply, "/account/login?signed_out=1");
  });

  // ---- forgotten password -----------------------------------------------------------------------

  function forgotPage(req: FastifyRequest, reply: FastifyReply, o: { next: string; email?: string; message?: SafeHtml; status?: number }) {
    return sendAuthPage(
      reply,
      "Forgot your password?",
      html`<div class="card"><h1>Forgot your password?</h1>${o.message ?? ""}
<p>Enter your e-mail address and we will send you a link to choose a new password. If our staff created your account, this is also how you set your first password.</p>
<form method="post" action="/account/forgot">${csrfField(req)}${nextField(o.next)}
${emailField(o.email ?? "")}
<p><button type="submit">Send the link</button></p></form>
<p><a href="${withNext("/account/login", o.next)}">Back to sign in</a></p></div>`,
      o.status,
    );
  }

  app.get<Query>("/account/forgot", PAGE, async (req, reply) => forgotPage(req, reply, { next: nextOf(req.query.next) }));

  app.post<Form>("/account/forgot", PAGE, async (req, reply) => {
    const next = nextOf(field(req.body, "next"));
    const email = field(req.body, "email");
    try {
      const r = await c.customerAuth.requestReset({ email, next });
      // The same page whether or not the address has an account.
      return checkMailPage(
        reply,
        "Check your e-mail",
        html`<p>A link to choose a new password is on its way to <b>${r.email}</b> (if the address has no account here yet, the link lets you create one). It works once, for one hour.</p>
<p><a href="${withNext("/account/login", next)}">Back to sign in</a></p>
${demoMailboxNote(c)}`,
      );
    } catch (e) {
      return forgotPage(req, reply, { next, email, message: notice("error", inputProblem(e)), status: 400 });
    }
  });
}
