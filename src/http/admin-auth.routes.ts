// Staff sign-in for the admin console: /admin/login, the TOTP second step at /admin/totp,
// /admin/logout, and the signed-in staff member's own account at /admin/account (change the
// password, turn TOTP on or off). The console's other pages live in src/http/admin/.
// Staff sessions are their own realm with their own cookie: a customer session opens nothing here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { formatDateTime } from "../i18n/format.ts";
import type { Locale } from "../i18n/locales.ts";
import { t, tHtml } from "../i18n/t.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { PASSWORD_MIN, safeNext } from "../modules/accounts/accounts.logic.ts";
import type { CodeResult } from "../modules/accounts/staff-auth.service.ts";
import { inputField, passwordRules, roleText } from "./admin/settings.routes.ts";
import { staffAct } from "./admin/common.ts";
import { adminNav } from "./admin/layout.ts";
import { field, notice, redirect, sendAuthPage } from "./auth-pages.ts";
import { pageLocale } from "./locale.ts";
import { csrfField, currentStaff, endSession, pendingStaffId, requireStaff, startSession } from "./session.ts";

const PAGE = { config: { surface: "page" as const } };

type Query = { Querystring: Record<string, string | undefined> };
type Form = { Body: Record<string, unknown> | undefined };

function nextOf(value: unknown, origin: string): string {
  const next = safeNext(value, "/admin", origin);
  // After a staff login only admin pages make sense.
  return next === "/admin" || next.startsWith("/admin/") || next.startsWith("/admin?") ? next : "/admin";
}

function nextField(next: string): SafeHtml {
  return next === "/admin" ? html`` : html`<input type="hidden" name="next" value="${next}">`;
}

/** A wait in words: "15 minutes" / «15 минут». */
function waitWords(l: Locale, ms: number): string {
  return t(l, "page.setup.wait.minutes", { minutes: Math.max(1, Math.ceil(ms / 60_000)) });
}

function codeRefusal(l: Locale, r: Exclude<CodeResult, { ok: true }>): { error: string; status: number } {
  return r.reason === "locked"
    ? { error: t(l, "page.staff_totp.locked", { wait: waitWords(l, r.retryAfterMs) }), status: 429 }
    : { error: t(l, "page.staff_totp.wrong"), status: 401 };
}

function codeField(l: Locale, error?: string, autofocus = true): SafeHtml {
  return html`<div class="field"><label for="code">${t(l, "page.staff_totp.code")}</label><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required${autofocus ? html` autofocus` : ""}${
    error ? html` aria-invalid="true" aria-describedby="code-error"` : ""
  }>${error ? html`<p class="field-error" id="code-error">${error}</p>` : ""}</div>`;
}

export function registerAdminAuthRoutes(app: FastifyInstance, c: Container): void {
  async function loginPage(req: FastifyRequest, reply: FastifyReply, o: { next: string; email?: string; message?: SafeHtml; status?: number }) {
    const l = pageLocale(req);
    const none = !(await c.staffAuth.hasAny());
    return sendAuthPage(
      reply,
      t(l, "page.staff_login.title"),
      html`<section class="card"><h1>${t(l, "page.staff_login.title")}</h1>${o.message ?? ""}
${none ? html`<p class="notice">${tHtml(l, "page.staff_login.no_staff", { command: html`<code>partnerbill staff add you@example.com --role owner</code>` })}</p>` : ""}
<form method="post" action="/admin/login">${csrfField(req)}${nextField(o.next)}
${inputField({ id: "email", label: t(l, "page.setup.email"), type: "email", value: o.email ?? "", autocomplete: "username", autofocus: true })}
${inputField({ id: "password", label: t(l, "page.staff_login.password"), type: "password", autocomplete: "current-password" })}
<p><button type="submit">${t(l, "page.staff_login.submit")}</button></p></form>
<p class="muted">${tHtml(l, "page.staff_login.forgot", { command: html`<code>partnerbill staff password &lt;e-mail&gt;</code>` })}</p></section>`,
      o.status,
    );
  }

  app.get<Query>("/admin/login", PAGE, async (req, reply) => {
    const next = nextOf(req.query.next, c.config.PUBLIC_URL);
    if (currentStaff(req)) return redirect(reply, next);
    if (pendingStaffId(req)) return redirect(reply, `/admin/totp?next=${encodeURIComponent(next)}`);
    return loginPage(req, reply, { next });
  });

  app.post<Form>("/admin/login", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    const next = nextOf(field(req.body, "next"), c.config.PUBLIC_URL);
    const email = field(req.body, "email").slice(0, 254);
    const r = await c.staffAuth.signIn({ email, password: field(req.body, "password"), ip: req.ip });
    if (r.ok) {
      // With TOTP on, the session opens nothing until the code is given (a new id again then).
      await startSession(req, reply, "staff", r.staffId, { pendingSecondFactor: r.secondFactor });
      return redirect(reply, r.secondFactor ? `/admin/totp?next=${encodeURIComponent(next)}` : next);
    }
    if (r.reason === "locked") {
      reply.header("retry-after", String(Math.ceil(r.retryAfterMs / 1000)));
      return loginPage(req, reply, { next, email, status: 429, message: notice("error", t(l, "page.staff_login.locked", { wait: waitWords(l, r.retryAfterMs) })) });
    }
    return loginPage(req, reply, { next, email, status: 401, message: notice("error", t(l, "page.staff_login.wrong")) });
  });

  app.get("/admin/logout", PAGE, async (req, reply) => {
    if (!currentStaff(req) && !pendingStaffId(req)) return redirect(reply, "/admin/login");
    const l = pageLocale(req);
    return sendAuthPage(
      reply,
      t(l, "page.staff_logout.title"),
      html`<section class="card"><h1>${t(l, "page.staff_logout.title")}</h1><form method="post" action="/admin/logout">${csrfField(req)}<p><button type="submit">${t(l, "page.staff_logout.submit")}</button></p></form></section>`,
    );
  });

  app.post("/admin/logout", PAGE, async (req, reply) => {
    await endSession(req, reply);
    return redirect(reply, "/admin/login");
  });

  // ---- TOTP: the second step of a login ---------------------------------------------------------

  function secondStepPage(req: FastifyRequest, reply: FastifyReply, o: { next: string; error?: string; status?: number }) {
    const l = pageLocale(req);
    return sendAuthPage(
      reply,
      t(l, "page.staff_totp.title"),
      html`<section class="card"><h1>${t(l, "page.staff_totp.title")}</h1>
<form method="post" action="/admin/totp">${csrfField(req)}${nextField(o.next)}
${codeField(l, o.error)}
<p><button type="submit">${t(l, "page.staff_totp.verify")}</button></p></form>
<form method="post" action="/admin/logout">${csrfField(req)}<p><button type="submit" class="secondary">${t(l, "page.staff_totp.cancel")}</button></p></form></section>`,
      o.status,
    );
  }

  app.get<Query>("/admin/totp", PAGE, async (req, reply) => {
    if (pendingStaffId(req)) return secondStepPage(req, reply, { next: nextOf(req.query.next, c.config.PUBLIC_URL) });
    // Signed in: the second factor's settings are on the account page.
    if (!currentStaff(req)) return redirect(reply, "/admin/login?next=%2Fadmin%2Faccount");
    return redirect(reply, "/admin/account");
  });

  app.post<Form>("/admin/totp", PAGE, async (req, reply) => {
    const staffId = pendingStaffId(req);
    if (!staffId) return redirect(reply, "/admin/login");
    const next = nextOf(field(req.body, "next"), c.config.PUBLIC_URL);
    const r = await c.staffAuth.verifySecondFactor(staffId, field(req.body, "code"));
    if (!r.ok) return secondStepPage(req, reply, { next, ...codeRefusal(pageLocale(req), r) });
    await startSession(req, reply, "staff", staffId);
    return redirect(reply, next);
  });

  // ---- My account: password and second factor of the signed-in staff member ------------------------

  type AccountState = {
    message?: SafeHtml;
    status?: number;
    password?: { current?: string; next?: string; repeat?: string };
    totpError?: string;
  };

  async function accountPage(req: FastifyRequest, reply: FastifyReply, o: AccountState = {}) {
    const l = pageLocale(req);
    const me = currentStaff(req)!;
    const view = await c.staffAuth.find(me.id);
    const pending = me.totp ? null : await c.staffAuth.pendingTotp(me.id);
    const totp = me.totp
      ? html`<p>${t(l, "page.staff_account.totp.on")}</p>
<form method="post" action="/admin/totp/disable">${csrfField(req)}<p class="hint">${t(l, "page.staff_account.totp.turn_off_hint")}</p>${codeField(l, o.totpError, false)}<p><button type="submit" class="danger">${t(l, "page.staff_account.totp.turn_off")}</button></p></form>`
      : pending
        ? html`<p>${t(l, "page.staff_account.totp.scan", { apps: "Google Authenticator, Aegis, 1Password" })}</p>
<dl class="facts"><dt>${t(l, "page.staff_account.totp.secret")}</dt><dd><code>${pending.secret.replace(/(.{4})/g, "$1 ").trim()}</code></dd>
<dt>${t(l, "page.staff_account.totp.link")}</dt><dd><a href="${pending.uri}"><code>${pending.uri}</code></a></dd></dl>
<p>${t(l, "page.staff_account.totp.then")}</p>
<form method="post" action="/admin/totp/confirm">${csrfField(req)}${codeField(l, o.totpError, false)}<p><button type="submit">${t(l, "page.staff_account.totp.turn_on")}</button></p></form>`
        : html`<p>${t(l, "page.staff_account.totp.off")}</p>
<form method="post" action="/admin/totp/enrol">${csrfField(req)}<p><button type="submit">${t(l, "page.staff_account.totp.setup")}</button></p></form>`;
    const p = o.password ?? {};
    const body = html`<h1>${t(l, "page.staff_account.title")}</h1>${o.message ?? ""}
<section class="card"><dl class="facts"><dt>${t(l, "page.staff_account.email")}</dt><dd>${me.email}</dd>
<dt>${t(l, "page.staff_account.role")}</dt><dd>${roleText(l, me.role)}</dd>
<dt>${t(l, "page.staff_account.last_login")}</dt><dd>${view?.lastLoginAt ? formatDateTime(view.lastLoginAt, l) : t(l, "page.staff.never")}</dd></dl></section>
<section class="card" id="password"><h2>${t(l, "page.staff_account.password.title")}</h2>
<form method="post" action="/admin/account/password">${csrfField(req)}
<input type="text" name="username" value="${me.email}" autocomplete="username" hidden>
${inputField({ id: "current_password", label: t(l, "page.staff_account.password.current"), type: "password", autocomplete: "current-password", ...(p.current ? { error: p.current } : {}) })}
${inputField({ id: "new_password", label: t(l, "page.staff_account.password.new"), type: "password", autocomplete: "new-password", minlength: PASSWORD_MIN, hint: passwordRules(l), ...(p.next ? { error: p.next } : {}) })}
${inputField({ id: "repeat_password", label: t(l, "page.staff_account.password.repeat"), type: "password", autocomplete: "new-password", minlength: PASSWORD_MIN, ...(p.repeat ? { error: p.repeat } : {}) })}
<p><button type="submit">${t(l, "page.staff_account.password.submit")}</button></p></form></section>
<section class="card" id="totp"><h2>${t(l, "page.staff_account.totp.title")}</h2>${totp}</section>`;
    // Not sendAdminPage: a support account keeps the forms of its own account (the routes allow them).
    return sendAuthPage(reply, t(l, "page.staff_account.title"), body, o.status ?? 200, { nav: adminNav(req, "account"), wide: true });
  }

  const signedIn = { ...PAGE, preHandler: requireStaff() };

  app.get<Query>("/admin/account", signedIn, async (req, reply) => {
    const l = pageLocale(req);
    const q = req.query;
    const ok =
      q.password !== undefined
        ? "page.staff_account.password.changed"
        : q.totp === "on"
          ? "page.staff_account.totp.turned_on"
          : q.totp === "off"
            ? "page.staff_account.totp.turned_off"
            : null;
    return accountPage(req, reply, ok ? { message: notice("ok", t(l, ok)) } : {});
  });

  app.post<Form>("/admin/account/password", signedIn, async (req, reply) => {
    const l = pageLocale(req);
    const me = currentStaff(req)!;
    const next = field(req.body, "new_password");
    // Refused before anything is checked: two different new passwords are a typing slip.
    if (next !== field(req.body, "repeat_password")) return accountPage(req, reply, { status: 400, password: { repeat: t(l, "form.new_password.mismatch") } });
    const r = await c.staffAuth.changePassword(me.id, { current: field(req.body, "current_password"), next });
    if (!r.ok) {
      if (r.reason === "locked") {
        reply.header("retry-after", String(Math.ceil(r.retryAfterMs / 1000)));
        return accountPage(req, reply, { status: 429, password: { current: t(l, "form.password.locked", { wait: waitWords(l, r.retryAfterMs) }) } });
      }
      if (r.reason === "wrong_current") return accountPage(req, reply, { status: 400, password: { current: t(l, "form.current_password.wrong") } });
      return accountPage(req, reply, { status: 400, password: { next: t(l, "form.password.weak", { rules: passwordRules(l) }) } });
    }
    await c.audit.record(c.db, { ...staffAct(req).ctx, action: "staff.password_change", subject: { type: "staff_user", id: me.id } });
    // Every session of the account ended; this browser goes on in a new one.
    await startSession(req, reply, "staff", me.id);
    return redirect(reply, "/admin/account?password=changed");
  });

  app.post("/admin/totp/enrol", signedIn, async (req, reply) => {
    await c.staffAuth.beginTotp(currentStaff(req)!.id);
    return redirect(reply, "/admin/account#totp");
  });

  app.post<Form>("/admin/totp/confirm", signedIn, async (req, reply) => {
    const me = currentStaff(req)!;
    const r = await c.staffAuth.confirmTotp(me.id, field(req.body, "code"));
    if (!r.ok) {
      const refusal = codeRefusal(pageLocale(req), r);
      return accountPage(req, reply, { totpError: refusal.error, status: refusal.status });
    }
    // A change of what the session is worth: a new session id.
    await startSession(req, reply, "staff", me.id);
    return redirect(reply, "/admin/account?totp=on");
  });

  app.post<Form>("/admin/totp/disable", signedIn, async (req, reply) => {
    const me = currentStaff(req)!;
    const r = await c.staffAuth.disableTotp(me.id, field(req.body, "code"));
    if (!r.ok) {
      const refusal = codeRefusal(pageLocale(req), r);
      return accountPage(req, reply, { totpError: refusal.error, status: refusal.status });
    }
    await startSession(req, reply, "staff", me.id);
    return redirect(reply, "/admin/account?totp=off");
  });
  // /admin itself is the dashboard (src/http/admin/dashboard.routes.ts).
}
