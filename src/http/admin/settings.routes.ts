// /admin/settings (owner only): seller details, bank details, tax, invoice numbering, approvals and
// the default language as typed fields (./setting-fields.ts), the fulfillment mode, e-mail (is
// SMTP configured, send a test message) and the renewal policy (environment, shown read-only).
// /admin/staff (owner only): staff accounts. Every word from the catalogs (setup.{en,ru}.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { formatDateTime } from "../../i18n/format.ts";
import type { Locale } from "../../i18n/locales.ts";
import { t, tHtml, type MessageKey } from "../../i18n/t.ts";
import { isAppError, type AppError } from "../../lib/errors.ts";
import { STATUS_OF } from "../errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { PASSWORD_MIN } from "../../modules/accounts/accounts.logic.ts";
import { STAFF_ROLES, type StaffRole } from "../../modules/accounts/staff-auth.service.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { pageLocale } from "../locale.ts";
import { csrfField, currentStaff, requireStaff } from "../session.ts";
import { staffAct, type Form, type Query } from "./common.ts";
import { sendAdminPage } from "./layout.ts";
import { saveSettingsForm, SETTING_GROUPS, settingField, storedSettings, type SettingGroup } from "./setting-fields.ts";

const OWNER = { config: { surface: "page" as const }, preHandler: requireStaff("owner") };

/** A staff role in words. */
export function roleText(l: Locale, role: StaffRole): string {
  return t(l, `page.staff.role.${role}` as MessageKey);
}

/** The password rule in words, for hints and refusals. */
export function passwordRules(l: Locale): string {
  return t(l, "page.setup.password_rules", { min: PASSWORD_MIN });
}

/**
 * Where an e-mail + password form's refusal belongs (adding staff, creating the owner): the
 * e-mail field (not an address, taken) or the password field (the policy), in the reader's words.
 */
export function accountInputError(e: unknown, l: Locale): { email?: string; password?: string } {
  if (!isAppError(e)) throw e;
  if (e.code === "conflict") return { email: t(l, "page.staff.error.exists") };
  if (/e-mail address/.test(e.message)) return { email: t(l, "page.staff.error.email") };
  return { password: t(l, "form.password.weak", { rules: passwordRules(l) }) };
}

/** A labelled input with its hint and inline error (the fields of the staff and owner forms). */
export function inputField(o: {
  id: string;
  name?: string;
  label: string;
  type: "email" | "password" | "text";
  value?: string;
  autocomplete: string;
  hint?: string;
  error?: string;
  required?: boolean;
  autofocus?: boolean;
  minlength?: number;
}): SafeHtml {
  const described = [o.hint ? `${o.id}-hint` : "", o.error ? `${o.id}-error` : ""].filter((x) => x !== "").join(" ");
  return html`<div class="field"><label for="${o.id}">${o.label}</label><input id="${o.id}" name="${o.name ?? o.id}" type="${o.type}" autocomplete="${o.autocomplete}" maxlength="${o.type === "password" ? 256 : 254}"${
    o.type === "password" ? "" : html` value="${o.value ?? ""}"`
  }${o.minlength ? html` minlength="${o.minlength}"` : ""}${o.required === false ? "" : html` required`}${o.autofocus ? html` autofocus` : ""}${described ? html` aria-describedby="${described}"` : ""}${o.error ? html` aria-invalid="true"` : ""}>${
    o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ""
  }${o.error ? html`<p class="field-error" id="${o.id}-error">${o.error}</p>` : ""}</div>`;
}

export function registerAdminSettingsRoutes(app: FastifyInstance, c: Container): void {
  async function settingsPage(
    req: FastifyRequest,
    reply: FastifyReply,
    o: { message?: SafeHtml; status?: number; typed?: Record<string, string>; errors?: Record<string, string>; mailTo?: string } = {},
  ) {
    const l = pageLocale(req);
    const values = await storedSettings(c);
    const s = await c.setup.status();
    const cfg = c.config;
    const form = { values, ...(o.typed ? { typed: o.typed } : {}), ...(o.errors ? { errors: o.errors } : {}) };
    const groups = Object.keys(SETTING_GROUPS) as SettingGroup[];
    const body = html`<h1>${t(l, "page.settings.title")}</h1>${o.message ?? ""}
<form method="post" action="/admin/settings">${csrfField(req)}
${groups.map(
  (g) => html`<section class="card" id="settings-${g}"><h2>${t(l, `page.settings.group.${g}` as MessageKey)}</h2>${SETTING_GROUPS[g].map((key) => settingField(req, key, form))}</section>`,
)}
<p><button type="submit">${t(l, "page.settings.save")}</button></p></form>

<section class="card" id="fulfillment"><h2>${t(l, "page.settings.fulfillment.title")}</h2>
<p>${t(l, s.fulfillment.mode === "automatic" ? "page.settings.fulfillment.automatic" : "page.settings.fulfillment.manual")}${
      s.fulfillment.source === "env" ? html` ${tHtml(l, "page.settings.fulfillment.env", { env: html`<code>FULFILLMENT_MODE</code>` })}` : ""
    }</p>
<p><a href="/admin/setup#fulfillment">${t(l, "page.settings.fulfillment.change")}</a> · <a href="/admin/setup#area">${t(l, "page.settings.fulfillment.credentials")}</a></p></section>

<section class="card" id="mail"><h2>${t(l, "page.settings.mail.title")}</h2>
${cfg.SMTP_URL
  ? html`<p>${tHtml(l, "page.settings.mail.configured", { env: html`<code>SMTP_URL</code>`, from: html`<code>${cfg.MAIL_FROM ?? ""}</code>` })}</p>
<form method="post" action="/admin/settings/test-mail">${csrfField(req)}${inputField({ id: "email", label: t(l, "page.settings.mail.to"), type: "email", value: o.mailTo ?? currentStaff(req)!.email, autocomplete: "email" })}<p><button type="submit">${t(l, "page.settings.mail.send")}</button></p></form>`
  : html`<p>${tHtml(l, "page.settings.mail.not_configured", { command: html`<code>partnerbill mail outbox</code>`, env: html`<code>SMTP_URL</code>`, from_env: html`<code>MAIL_FROM</code>` })}</p>`}</section>

<section class="card" id="renewal"><h2>${t(l, "page.settings.renewal.title")}</h2>
<p>${cfg.RENEWAL_MODE === "charge" ? t(l, "page.settings.renewal.charge", { days: cfg.RENEWAL_NOTICE_DAYS }) : t(l, "page.settings.renewal.autoprolong")}</p>
<p class="muted">${tHtml(l, "page.settings.renewal.env", { env: html`<code>RENEWAL_MODE=${cfg.RENEWAL_MODE}</code>`, doc: html`<code>docs/CONFIG.md</code>` })}</p></section>`;
    return sendAdminPage(req, reply, { title: t(l, "page.settings.title"), section: "settings", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/settings", OWNER, async (req, reply) => {
    const l = pageLocale(req);
    const ok = req.query.saved !== undefined ? t(l, "page.settings.saved") : req.query.mailed !== undefined ? t(l, "page.settings.mailed") : null;
    return settingsPage(req, reply, ok ? { message: notice("ok", ok) } : {});
  });

  app.post<Form>("/admin/settings", OWNER, async (req, reply) => {
    const keys = Object.values(SETTING_GROUPS).flat();
    const refused = await saveSettingsForm(c, req, keys);
    if (refused) return settingsPage(req, reply, { message: notice("error", t(pageLocale(req), "page.settings.not_saved")), status: 400, ...refused });
    return redirect(reply, "/admin/settings?saved=1");
  });

  app.post<Form>("/admin/settings/test-mail", OWNER, async (req, reply) => {
    const l = pageLocale(req);
    const to = field(req.body, "email").trim().slice(0, 254);
    let failure: unknown = null;
    try {
      await c.mail.sendTest(to);
    } catch (e) {
      if (!isAppError(e)) throw e;
      failure = e;
    }
    await c.audit.record(c.db, { ...staffAct(req).ctx, action: "mail.send_test", subject: { type: "mail", id: "test" }, after: { to, sent: failure === null } });
    if (failure !== null) {
      const e = failure as AppError;
      return settingsPage(req, reply, { message: notice("error", t(l, "page.setup.error.generic", { reason: e.message })), status: STATUS_OF[e.code], mailTo: to });
    }
    return redirect(reply, "/admin/settings?mailed=1");
  });

  // ---- staff accounts ----------------------------------------------------------------------

  async function staffPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number; email?: string; role?: string; errors?: { email?: string; password?: string } } = {}) {
    const l = pageLocale(req);
    const me = currentStaff(req)!;
    const staff = await c.staffAuth.list();
    const col = (k: string) => t(l, `page.staff.col.${k}` as MessageKey);
    const role = STAFF_ROLES.includes(o.role as StaffRole) ? (o.role as StaffRole) : "staff";
    const body = html`<h1>${t(l, "page.staff.title")}</h1>${o.message ?? ""}
<section class="card"><div class="table-wrap"><table class="data"><thead><tr><th scope="col">${col("email")}</th><th scope="col">${col("role")}</th><th scope="col">${col("totp")}</th><th scope="col">${col("last_login")}</th><th scope="col">${col("state")}</th><th scope="col">${col("action")}</th></tr></thead><tbody>
${staff.map(
  (s) => html`<tr><td data-label="${col("email")}">${s.email}</td><td data-label="${col("role")}">${roleText(l, s.role)}</td><td data-label="${col("totp")}">${
    s.totp ? html`<span class="badge ok">${t(l, "page.staff.totp_on")}</span>` : html`<span class="badge warn">${t(l, "page.staff.totp_off")}</span>`
  }</td><td data-label="${col("last_login")}">${s.lastLoginAt ? formatDateTime(s.lastLoginAt, l) : t(l, "page.staff.never")}</td><td data-label="${col("state")}">${
    s.disabled ? html`<span class="badge bad">${t(l, "page.staff.disabled")}</span>` : html`<span class="badge ok">${t(l, "page.staff.active")}</span>`
  }</td><td data-label="${col("action")}">${
    s.id === me.id
      ? html`<span class="muted">${t(l, "page.staff.you")}</span>`
      : html`<form method="post" action="/admin/staff/${s.disabled ? "enable" : "disable"}">${csrfField(req)}<input type="hidden" name="id" value="${s.id}"><button class="${s.disabled ? "secondary" : "danger"}" type="submit">${t(l, s.disabled ? "page.staff.enable" : "page.staff.disable", { email: s.email })}</button></form>`
  }</td></tr>`,
)}</tbody></table></div></section>
<section class="card"><h2>${t(l, "page.staff.add.title")}</h2>
<form method="post" action="/admin/staff">${csrfField(req)}
${inputField({ id: "email", label: t(l, "page.setup.email"), type: "email", value: o.email ?? "", autocomplete: "off", ...(o.errors?.email ? { error: o.errors.email } : {}) })}
<div class="field"><label for="role">${t(l, "page.staff.add.role")}</label><select id="role" name="role">${STAFF_ROLES.map(
      (r) => html`<option value="${r}"${r === role ? html` selected` : ""}>${t(l, `page.staff.role_option.${r}` as MessageKey)}</option>`,
    )}</select></div>
${inputField({ id: "password", label: t(l, "page.staff.add.password"), type: "password", autocomplete: "new-password", minlength: PASSWORD_MIN, hint: t(l, "page.staff.add.password_hint"), ...(o.errors?.password ? { error: o.errors.password } : {}) })}
<p><button type="submit">${t(l, "page.staff.add.submit")}</button></p></form></section>`;
    return sendAdminPage(req, reply, { title: t(l, "page.staff.title"), section: "staff", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/staff", OWNER, async (req, reply) => {
    const l = pageLocale(req);
    const ok = typeof req.query.ok === "string" && ["added", "disabled", "enabled"].includes(req.query.ok) ? t(l, `page.staff.ok.${req.query.ok}` as MessageKey) : undefined;
    return staffPage(req, reply, ok ? { message: notice("ok", ok) } : {});
  });

  app.post<Form>("/admin/staff", OWNER, async (req, reply) => {
    const l = pageLocale(req);
    const email = field(req.body, "email").trim().slice(0, 254);
    const role = field(req.body, "role");
    try {
      const added = await c.staffAuth.add({ email, role, password: field(req.body, "password") });
      await c.audit.record(c.db, { ...staffAct(req).ctx, action: "staff.add", subject: { type: "staff_user", id: added.id }, after: { email: added.email, role: added.role } });
    } catch (e) {
      const errors = accountInputError(e, l);
      return staffPage(req, reply, { status: isAppError(e) && e.code === "conflict" ? 409 : 400, email, role, errors });
    }
    return redirect(reply, "/admin/staff?ok=added");
  });

  for (const verb of ["disable", "enable"] as const) {
    app.post<Form>(`/admin/staff/${verb}`, OWNER, async (req, reply) => {
      const l = pageLocale(req);
      const me = currentStaff(req)!;
      const target = (await c.staffAuth.list()).find((s) => s.id === field(req.body, "id"));
      if (!target) return staffPage(req, reply, { message: notice("error", t(l, "page.staff.error.missing")), status: 404 });
      if (target.id === me.id) return staffPage(req, reply, { message: notice("error", t(l, "page.staff.error.self")), status: 403 });
      // Disabling signs a person out at once: the first POST asks, stating the effect; the second acts.
      if (verb === "disable" && field(req.body, "confirm") !== "yes") {
        return sendAdminPage(req, reply, {
          title: t(l, "page.staff.disable_confirm.title", { email: target.email }),
          section: "staff",
          body: html`<section class="card"><h1>${t(l, "page.staff.disable_confirm.title", { email: target.email })}</h1>
<p>${t(l, "page.staff.disable_confirm.effect", { email: target.email })}</p>
<form method="post" action="/admin/staff/disable">${csrfField(req)}<input type="hidden" name="id" value="${target.id}"><input type="hidden" name="confirm" value="yes">
<p><button class="danger" type="submit">${t(l, "page.staff.disable_confirm.submit")}</button> <a class="button secondary" href="/admin/staff">${t(l, "page.staff.cancel")}</a></p></form></section>`,
        });
      }
      const after = await c.staffAuth.setDisabled(target.email, verb === "disable");
      await c.audit.record(c.db, { ...staffAct(req).ctx, action: `staff.${verb}`, subject: { type: "staff_user", id: target.id }, before: { email: target.email, disabled: target.disabled }, after: { disabled: after.disabled } });
      return redirect(reply, `/admin/staff?ok=${verb}d`);
    });
  }
}
