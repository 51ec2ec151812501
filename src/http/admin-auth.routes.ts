// Staff sign-in for the admin console: /admin/login, the TOTP second step and TOTP settings at
// /admin/totp and /admin/logout. The console's pages live in src/http/admin/.
// Staff sessions are their own realm with their own cookie: a customer session opens nothing here.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { safeNext, waitText } from "../modules/accounts/accounts.logic.ts";
import type { CodeResult } from "../modules/accounts/staff-auth.service.ts";
import { codeField, emailField, field, notice, passwordField, redirect, sendAuthPage } from "./auth-pages.ts";
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

function codeRefusal(r: Exclude<CodeResult, { ok: true }>): { message: SafeHtml; status: number } {
  return r.reason === "locked"
    ? { message: notice("error", `Too many wrong codes. Please wait ${waitText(r.retryAfterMs)} and try again.`), status: 429 }
    : { message: notice("error", "That code is not right, or it was already used. Wait for the next one and try again."), status: 401 };
}

export function registerAdminAuthRoutes(app: FastifyInstance, c: Container): void {
  async function loginPage(req: FastifyRequest, reply: FastifyReply, o: { next: string; email?: string; message?: SafeHtml; status?: number }) {
    const none = !(await c.staffAuth.hasAny());
    return sendAuthPage(
      reply,
      "Staff sign-in",
      html`<div class="card"><h1>Staff sign-in</h1>${o.message ?? ""}
${none ? html`<p class="notice">No staff account exists yet. Create the owner on the server: <code>partnerbill staff add you@example.com --role owner</code></p>` : ""}
<form method="post" action="/admin/login">${csrfField(req)}${nextField(o.next)}
${emailField(o.email ?? "")}
${passwordField("password", "Password", "current-password")}
<p><button type="submit">Sign in</button></p></form>
<p class="muted">Forgot your password? The owner can set a new one: <code>partnerbill staff password &lt;e-mail&gt;</code>.</p></div>`,
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
    const next = nextOf(field(req.body, "next"), c.config.PUBLIC_URL);
    const email = field(req.body, "email");
    const r = await c.staffAuth.signIn({ email, password: field(req.body, "password"), ip: req.ip });
    if (r.ok) {
      // With TOTP on, the session opens nothing until the code is given (a new id again then).
      await startSession(req, reply, "staff", r.staffId, { pendingSecondFactor: r.secondFactor });
      return redirect(reply, r.secondFactor ? `/admin/totp?next=${encodeURIComponent(next)}` : next);
    }
    if (r.reason === "locked") {
      reply.header("retry-after", String(Math.ceil(r.retryAfterMs / 1000)));
      return loginPage(req, reply, { next, email, status: 429, message: notice("error", `Too many failed sign-in attempts. Please wait ${waitText(r.retryAfterMs)} and try again.`) });
    }
    return loginPage(req, reply, { next, email, status: 401, message: notice("error", "The e-mail address or the password is not right.") });
  });

  app.get("/admin/logout", PAGE, async (req, reply) => {
    if (!currentStaff(req) && !pendingStaffId(req)) return redirect(reply, "/admin/login");
    return sendAuthPage(
      reply,
      "Sign out",
      html`<div class="card"><h1>Sign out</h1><form method="post" action="/admin/logout">${csrfField(req)}<p><button type="submit">Sign out</button></p></form></div>`,
    );
  });

  app.post("/admin/logout", PAGE, async (req, reply) => {
    await endSession(req, reply);
    return redirect(reply, "/admin/login");
  });

  // ---- TOTP: the second step of a login, and the settings of a signed-in user ---------------------

  function secondStepPage(req: FastifyRequest, reply: FastifyReply, o: { next: string; message?: SafeHtml; status?: number }) {
    return sendAuthPage(
      reply,
      "Two-factor authentication",
      html`<div class="card"><h1>Two-factor authentication</h1>${o.message ?? ""}
<form method="post" action="/admin/totp">${csrfField(req)}${nextField(o.next)}
${codeField()}
<p><button type="submit">Verify</button></p></form>
<form method="post" action="/admin/logout">${csrfField(req)}<p><button type="submit" class="link">Cancel and sign out</button></p></form></div>`,
      o.status,
    );
  }

  async function settingsPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number } = {}) {
    const me = currentStaff(req)!;
    const pending = me.totp ? null : await c.staffAuth.pendingTotp(me.id);
    const body = me.totp
      ? html`<p>Two-factor authentication is <b>on</b>: signing in asks for a code from your authenticator app.</p>
<form method="post" action="/admin/totp/disable">${csrfField(req)}${codeField()}<p><button type="submit">Turn it off</button></p></form>`
      : pending
        ? html`<p>Add this account to your authenticator app (Google Authenticator, Aegis, 1Password, …): scan the link as a QR code with a code generator, or type the secret in.</p>
<table><tr><th>Secret</th><td><code>${pending.secret.replace(/(.{4})/g, "$1 ").trim()}</code></td></tr>
<tr><th>Link</th><td><code>${pending.uri}</code></td></tr></table>
<p>Then enter the code it shows to turn two-factor authentication on.</p>
<form method="post" action="/admin/totp/confirm">${csrfField(req)}${codeField()}<p><button type="submit">Turn it on</button></p></form>`
        : html`<p>Two-factor authentication is <b>off</b>. With it on, signing in also asks for a 6-digit code from an authenticator app on your phone.</p>
<form method="post" action="/admin/totp/enrol">${csrfField(req)}<p><button type="submit">Set it up</button></p></form>`;
    return sendAuthPage(
      reply,
      "Two-factor authentication",
      html`<div class="card"><h1>Two-factor authentication</h1>${o.message ?? ""}${body}<p><a href="/admin">Back</a></p></div>`,
      o.status,
    );
  }

  app.get<Query>("/admin/totp", PAGE, async (req, reply) => {
    if (pendingStaffId(req)) return secondStepPage(req, reply, { next: nextOf(req.query.next, c.config.PUBLIC_URL) });
    if (!currentStaff(req)) return redirect(reply, "/admin/login?next=%2Fadmin%2Ftotp");
    const message = req.query.on !== undefined ? notice("ok", "Two-factor authentication is on.") : req.query.off !== undefined ? notice("ok", "Two-factor authentication is off.") : undefined;
    return settingsPage(req, reply, message ? { message } : {});
  });

  app.post<Form>("/admin/totp", PAGE, async (req, reply) => {
    const staffId = pendingStaffId(req);
    if (!staffId) return redirect(reply, "/admin/login");
    const next = nextOf(field(req.body, "next"), c.config.PUBLIC_URL);
    const r = await c.staffAuth.verifySecondFactor(staffId, field(req.body, "code"));
    if (!r.ok) return secondStepPage(req, reply, { next, ...codeRefusal(r) });
    await startSession(req, reply, "staff", staffId);
    return redirect(reply, next);
  });

  const signedIn = { ...PAGE, preHandler: requireStaff() };

  app.post("/admin/totp/enrol", signedIn, async (req, reply) => {
    await c.staffAuth.beginTotp(currentStaff(req)!.id);
    return redirect(reply, "/admin/totp");
  });

  app.post<Form>("/admin/totp/confirm", signedIn, async (req, reply) => {
    const me = currentStaff(req)!;
    const r = await c.staffAuth.confirmTotp(me.id, field(req.body, "code"));
    if (!r.ok) return settingsPage(req, reply, codeRefusal(r));
    // A change of what the session is worth: a new session id.
    await startSession(req, reply, "staff", me.id);
    return redirect(reply, "/admin/totp?on=1");
  });

  app.post<Form>("/admin/totp/disable", signedIn, async (req, reply) => {
    const me = currentStaff(req)!;
    const r = await c.staffAuth.disableTotp(me.id, field(req.body, "code"));
    if (!r.ok) return settingsPage(req, reply, codeRefusal(r));
    await startSession(req, reply, "staff", me.id);
    return redirect(reply, "/admin/totp?off=1");
  });
  // /admin itself is the dashboard (src/http/admin/dashboard.routes.ts).
}
