// /admin/settings (owner only): seller details, tax and invoice numbering (src/modules/settings),
// fulfillment mode, e-mail (is SMTP configured, send a test message) and the renewal policy
// (environment, shown read-only). /admin/staff (owner only): staff accounts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { AppError, notFound } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { emailField, field, notice, passwordField, redirect } from "../auth-pages.ts";
import { csrfField, currentStaff, requireStaff } from "../session.ts";
import { attempt, staffAct, when, type Form, type Query } from "./common.ts";
import { sendAdminPage } from "./layout.ts";

const OWNER = { config: { surface: "page" as const }, preHandler: requireStaff("owner") };

export function registerAdminSettingsRoutes(app: FastifyInstance, c: Container): void {
  async function settingsPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number; typed?: Record<string, string> } = {}) {
    const list = await c.settings.list();
    const s = await c.setup.status();
    const cfg = c.config;
    const body = html`<div class="card"><h1>Settings</h1>${o.message ?? ""}
<form method="post" action="/admin/settings">${csrfField(req)}
<table><tbody>${list.map(
      (v) => html`<tr><th><label for="${v.key}">${v.key}</label></th><td>${
        v.key === "seller.address"
          ? html`<textarea id="${v.key}" name="${v.key}" rows="3" cols="40">${o.typed?.[v.key] ?? v.value}</textarea>`
          : html`<input id="${v.key}" name="${v.key}" type="text" value="${o.typed?.[v.key] ?? v.value}">`
      }<br><span class="muted">${v.description}</span></td></tr>`,
    )}</tbody></table>
<p><button type="submit">Save settings</button></p></form></div>

<div class="card"><h2>Fulfillment</h2>
<p>Paid orders are fulfilled <b>${s.fulfillment.mode}</b>ally${s.fulfillment.source === "env" ? " (FULFILLMENT_MODE in the environment)" : ""}. <a href="/admin/setup#fulfillment">Change</a> · <a href="/admin/setup#area">client-area credentials</a></p></div>

<div class="card"><h2>E-mail</h2>
${cfg.SMTP_URL
  ? html`<p>SMTP is configured (SMTP_URL); mail is sent from <code>${cfg.MAIL_FROM ?? ""}</code>.</p>
<form method="post" action="/admin/settings/test-mail">${csrfField(req)}${emailField(currentStaff(req)!.email, false)}<p><button type="submit">Send a test message</button></p></form>`
  : html`<p>SMTP is <b>not configured</b>: e-mail is kept in the outbox (<code>partnerbill mail outbox</code>). Set SMTP_URL and MAIL_FROM in the environment to send it.</p>`}</div>

<div class="card"><h2>Renewal policy</h2>
<p>RENEWAL_MODE=<b>${cfg.RENEWAL_MODE}</b>: ${cfg.RENEWAL_MODE === "charge" ? `partnerbill invoices the customer ${cfg.RENEWAL_NOTICE_DAYS} days before a module expires (RENEWAL_NOTICE_DAYS), takes the balance, then renews upstream.` : "modules are ordered with upstream autoprolong; partnerbill charges nothing for renewals."}</p>
<p class="muted">Set in the environment (docs/CONFIG.md); it applies to modules bought from then on.</p></div>`;
    return sendAdminPage(req, reply, { title: "Settings", section: "settings", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/settings", OWNER, async (req, reply) => {
    const ok = req.query.saved !== undefined ? "Settings saved." : req.query.mailed !== undefined ? "Test message sent." : null;
    return settingsPage(req, reply, ok ? { message: notice("ok", ok) } : {});
  });

  app.post<Form>("/admin/settings", OWNER, async (req, reply) => {
    const known = new Set((await c.settings.list()).map((v) => v.key as string));
    const typed: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.body ?? {})) if (known.has(k) && typeof v === "string") typed[k] = v;
    const r = await attempt(async () => {
      const before = Object.fromEntries((await c.settings.list()).map((v) => [v.key, v.value]));
      await c.settings.setMany(typed);
      const after = Object.fromEntries((await c.settings.list()).map((v) => [v.key, v.value]));
      const changed = Object.keys(after).filter((k) => before[k] !== after[k]);
      await c.audit.record(c.db, {
        ...staffAct(req).ctx,
        action: "settings.update",
        subject: { type: "settings", id: "business" },
        before: Object.fromEntries(changed.map((k) => [k, before[k]])),
        after: Object.fromEntries(changed.map((k) => [k, after[k]])),
      });
    });
    if (!r.ok) return settingsPage(req, reply, { message: html`${r.message}<p class="muted">Nothing was saved.</p>`, status: r.status, typed });
    return redirect(reply, "/admin/settings?saved=1");
  });

  app.post<Form>("/admin/settings/test-mail", OWNER, async (req, reply) => {
    const to = field(req.body, "email").trim();
    const r = await attempt(() => c.mail.sendTest(to));
    await c.audit.record(c.db, { ...staffAct(req).ctx, action: "mail.send_test", subject: { type: "mail", id: "test" }, after: { to, sent: r.ok } });
    if (!r.ok) return settingsPage(req, reply, { message: r.message, status: r.status });
    return redirect(reply, "/admin/settings?mailed=1");
  });

  // ---- staff accounts ----------------------------------------------------------------------

  async function staffPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number; email?: string } = {}) {
    const me = currentStaff(req)!;
    const staff = await c.staffAuth.list();
    const body = html`<div class="card"><h1>Staff</h1>${o.message ?? ""}
<table><thead><tr><th>E-mail</th><th>Role</th><th>2FA</th><th>Last sign-in</th><th>State</th><th></th></tr></thead><tbody>
${staff.map(
  (s) => html`<tr><td>${s.email}</td><td>${s.role}</td><td>${s.totp ? "on" : "off"}</td><td>${when(s.lastLoginAt)}</td><td>${s.disabled ? "disabled" : "active"}</td><td>${
    s.id === me.id
      ? html`<span class="muted">you</span>`
      : html`<form method="post" action="/admin/staff/${s.disabled ? "enable" : "disable"}">${csrfField(req)}<input type="hidden" name="id" value="${s.id}"><button class="link" type="submit">${s.disabled ? "Enable" : "Disable"}</button></form>`
  }</td></tr>`,
)}</tbody></table>
<h2>Add a staff member</h2>
<form method="post" action="/admin/staff">${csrfField(req)}
${emailField(o.email ?? "", false)}
<label for="role">Role</label><select id="role" name="role"><option value="staff">staff — orders, customers, catalog</option><option value="owner">owner — also settings, staff, tokens, webhooks, approvals</option><option value="support">support — sees everything staff see, changes nothing</option></select>
${passwordField("password", "Initial password (at least 10 characters; tell them to change it)", "new-password")}
<p><button type="submit">Add</button></p></form></div>`;
    return sendAdminPage(req, reply, { title: "Staff", section: "staff", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/staff", OWNER, async (req, reply) => {
    const ok = typeof req.query.ok === "string" ? { added: "Staff member added.", disabled: "Disabled and signed out everywhere.", enabled: "Enabled." }[req.query.ok] : undefined;
    return staffPage(req, reply, ok ? { message: notice("ok", ok) } : {});
  });

  app.post<Form>("/admin/staff", OWNER, async (req, reply) => {
    const email = field(req.body, "email").trim();
    const r = await attempt(async () => {
      const added = await c.staffAuth.add({ email, role: field(req.body, "role"), password: field(req.body, "password") });
      await c.audit.record(c.db, { ...staffAct(req).ctx, action: "staff.add", subject: { type: "staff_user", id: added.id }, after: { email: added.email, role: added.role } });
    });
    if (!r.ok) return staffPage(req, reply, { message: r.message, status: r.status, email });
    return redirect(reply, "/admin/staff?ok=added");
  });

  for (const verb of ["disable", "enable"] as const) {
    app.post<Form>(`/admin/staff/${verb}`, OWNER, async (req, reply) => {
      const me = currentStaff(req)!;
      const r = await attempt(async () => {
        const target = (await c.staffAuth.list()).find((s) => s.id === field(req.body, "id"));
        if (!target) throw notFound("No such staff member.");
        if (target.id === me.id) throw new AppError("forbidden", "You cannot disable your own account; another owner can.");
        const after = await c.staffAuth.setDisabled(target.email, verb === "disable");
        await c.audit.record(c.db, { ...staffAct(req).ctx, action: `staff.${verb}`, subject: { type: "staff_user", id: target.id }, before: { email: target.email, disabled: target.disabled }, after: { disabled: after.disabled } });
      });
      if (!r.ok) return staffPage(req, reply, { message: r.message, status: r.status });
      return redirect(reply, `/admin/staff?ok=${verb}d`);
    });
  }
}
