// /admin/setup: the first-run wizard (docs/adr/0023-setup-wizard.md, 0040). While no staff user
// exists, every /admin page leads here and anyone who reaches it may create the owner (exactly
// once, even from two browsers at once). Then, for the owner: the client area and its credentials
// (checked live, stored sealed), the fulfillment mode, module costs and a markup, the seller's legal
// details, the tax, the bank details (bank transfer is offered to customers only once they exist)
// and the billing URL. Each step shows done / next / to do; the first not done is the current one.
import { SETUP_SCRIPT_PATH } from "../assets.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { formatDateTime, formatMoney, formatPercentBp } from "../../i18n/format.ts";
import type { Locale } from "../../i18n/locales.ts";
import { t, tHtml, type MessageKey } from "../../i18n/t.ts";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { CURRENCY_EXPONENTS } from "../../lib/money.ts";
import { PASSWORD_MIN } from "../../modules/accounts/accounts.logic.ts";
import { bankDetailsComplete } from "../../modules/settings/settings.logic.ts";
import { AREAS, type Area, type SetupStatus } from "../../modules/setup/setup.service.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { keyUrls } from "../key-urls.ts";
import { pageLocale } from "../locale.ts";
import { csrfField, currentStaff, requireStaff, startSession } from "../session.ts";
import { staffAct, type Form, type Query } from "./common.ts";
import { STATUS_OF } from "../errors.ts";
import { sendAdminPage } from "./layout.ts";
import { accountInputError, inputField, passwordRules } from "./settings.routes.ts";
import { saveSettingsForm, SETTING_GROUPS, settingField, storedSettings } from "./setting-fields.ts";
import { UPSTREAM_PRESETS } from "../../app/config.ts";

const PAGE = { config: { surface: "page" as const } };
const OWNER = { ...PAGE, preHandler: requireStaff("owner") };

const STEPS = ["owner", "area", "fulfillment", "prices", "seller", "tax", "bank", "billing"] as const;
type Step = (typeof STEPS)[number];
/** The steps that are business settings, with the setting keys each asks for. */
const SETTING_STEPS = { seller: SETTING_GROUPS.seller, tax: SETTING_GROUPS.tax, bank: SETTING_GROUPS.bank } as const;
type SettingStep = keyof typeof SETTING_STEPS;

/** Refusals of the set-up service a person can act on, in their own words (setup.service.ts). */
const KNOWN_REFUSALS: ReadonlyArray<readonly [RegExp, MessageKey]> = [
  [/^Choose the client area/, "form.upstream.area"],
  [/^UPSTREAM_URL in the environment fixes/, "form.upstream.area_fixed"],
  [/^Enter the client area's login/, "form.upstream.missing"],
  [/^That login or password is too long/, "form.upstream.too_long"],
  [/^Choose automatic or manual/, "form.fulfillment.mode"],
];

const OK_MESSAGES = ["owner", "upstream", "restart", "fulfillment", "import", "markup", "seller", "tax", "bank", "bank_incomplete"] as const;

const stepName = (l: Locale, step: Step) => t(l, `page.setup.step.${step}` as MessageKey);
const heading = (l: Locale, step: Step) => t(l, "page.setup.step_heading", { n: STEPS.indexOf(step) + 1, name: stepName(l, step) });

/** What the billing URL must be reachable from, as PROTOCOL.md and the README describe it. */
function billingStep(c: Container, l: Locale): SafeHtml {
  const urls = keyUrls(c.config.PUBLIC_URL);
  return html`<p>${t(l, "page.setup.billing.send")}</p>
<div class="field"><label for="billing-url">${t(l, "page.setup.billing.url")}</label><input type="text" id="billing-url" readonly value="${urls.billing}"></div>
<p><button type="button" class="secondary" id="copy-billing-url" data-copied="${t(l, "page.setup.billing.copied")}">${t(l, "page.setup.billing.copy")}</button> <span id="copied" class="muted" role="status"></span></p>
<script src="${SETUP_SCRIPT_PATH}"></script>
<p>${tHtml(l, "page.setup.billing.reach", { scheme: "HTTPS", func: html`<code>pricelist.export</code>`, url: html`<code>${urls.billing}</code>` })}</p>
<p>${tHtml(l, "page.setup.billing.check", { link: html`<a href="${urls.priceList}">${t(l, "page.setup.billing.price_list")}</a>`, command: html`<code>partnerbill conformance ${urls.billing}</code>` })}</p>
${c.config.PUBLIC_URL.startsWith("https://") ? "" : html`<p class="notice error" role="alert">${tHtml(l, "page.setup.billing.not_https", { env: html`<code>PUBLIC_URL</code>`, url: html`<code>${c.config.PUBLIC_URL}</code>`, scheme: html`<code>https://</code>`, nginx: html`<code>deploy/nginx.conf</code>` })}</p>`}`;
}

/** The form of a pricing rule's refusal, on the field it concerns. */
function markupError(e: unknown, l: Locale): Record<string, string> {
  if (!isAppError(e)) throw e;
  if (/currency/i.test(e.message)) return { currency: t(l, "form.markup.currency") };
  if (/[Rr]ounding/.test(e.message)) return { rounding: t(l, "form.markup.rounding") };
  return { markupPercent: t(l, "form.markup.invalid") };
}

interface WizardState {
  message?: SafeHtml;
  status?: number;
  /** What was typed into a settings step, and its errors (nothing stored). */
  typed?: Record<string, string>;
  errors?: Record<string, string>;
  /** The markup form as typed, with its errors. */
  markup?: { typed: Record<string, string>; errors: Record<string, string> };
}

export function registerAdminSetupRoutes(app: FastifyInstance, c: Container): void {
  // Once an owner exists it exists for good (staff users are disabled, never deleted).
  let ownerSeen = false;
  async function ownerExists(): Promise<boolean> {
    ownerSeen ||= await c.staffAuth.hasAny();
    return ownerSeen;
  }

  // While nobody can sign in, every admin page leads to the wizard.
  app.addHook("preHandler", async (req, reply) => {
    if (req.method !== "GET") return undefined;
    const path = req.url.split("?", 1)[0]!;
    if (!(path === "/admin" || path.startsWith("/admin/")) || path.startsWith("/admin/setup")) return undefined;
    if (await ownerExists()) return undefined;
    return redirect(reply, "/admin/setup");
  });

  function ownerForm(req: FastifyRequest, reply: FastifyReply, o: { email?: string; errors?: { email?: string; password?: string }; status?: number } = {}) {
    const l = pageLocale(req);
    return sendAdminPage(req, reply, {
      title: t(l, "page.setup.title"),
      section: "settings",
      status: o.status ?? 200,
      body: html`<section class="card"><h1>${t(l, "page.setup.title")}</h1>
<p>${t(l, "page.setup.owner.lead")}</p>
<form method="post" action="/admin/setup/owner">${csrfField(req)}
${inputField({ id: "email", label: t(l, "page.setup.email"), type: "email", value: o.email ?? "", autocomplete: "username", autofocus: !o.errors?.password, ...(o.errors?.email ? { error: o.errors.email } : {}) })}
${inputField({ id: "password", label: t(l, "page.setup.owner.password"), type: "password", autocomplete: "new-password", minlength: PASSWORD_MIN, hint: passwordRules(l), autofocus: Boolean(o.errors?.password), ...(o.errors?.password ? { error: o.errors.password } : {}) })}
<p><button type="submit">${t(l, "page.setup.owner.submit")}</button></p></form></section>`,
    });
  }

  async function wizardPage(req: FastifyRequest, reply: FastifyReply, o: WizardState = {}) {
    const l = pageLocale(req);
    const s: SetupStatus = await c.setup.status();
    const modules = await c.catalog.listModules();
    const priced = modules.filter((m) => m.prices[1] !== undefined).length;
    const rules = await c.pricing.listRules();
    const list = await c.settings.list();
    const values = await storedSettings(c);
    const money = await c.settings.get();
    const chosen = s.area.stored ?? s.area.running;
    const done: Record<Step, boolean> = {
      owner: true,
      area: s.credentials.source !== "none",
      fulfillment: s.fulfillment.source !== "default",
      prices: priced > 0,
      seller: money.seller.legalName !== "" && money.seller.address !== "" && money.seller.country !== null,
      // Saved once (a rate of 0 % is a choice too).
      tax: list.some((v) => v.key === "tax.rate_bp" && !v.isDefault),
      bank: bankDetailsComplete(money.seller),
      billing: c.config.PUBLIC_URL.startsWith("https://"),
    };
    const current = STEPS.find((x) => !done[x]);
    const state = (x: Step): SafeHtml =>
      done[x]
        ? html`<span class="badge ok">${t(l, "page.setup.state.done")}</span>`
        : x === current
          ? html`<span class="badge info">${t(l, "page.setup.state.current")}</span>`
          : html`<span class="badge">${t(l, "page.setup.state.todo")}</span>`;
    const form = { values, ...(o.typed ? { typed: o.typed } : {}), ...(o.errors ? { errors: o.errors } : {}) };
    const settingsStep = (step: SettingStep, lead: SafeHtml) =>
      html`<section class="card" id="${step}"><h2>${heading(l, step)} ${state(step)}</h2>${lead}
<form method="post" action="/admin/setup/${step}">${csrfField(req)}
${SETTING_STEPS[step].map((key) => settingField(req, key, form))}
<p><button type="submit">${t(l, "page.setup.save")}</button></p></form></section>`;
    const envFulfillment = s.fulfillment.source === "env";
    const markupTyped = o.markup?.typed ?? {};
    const markupErrors = o.markup?.errors ?? {};
    const rule = rules.global;
    const sellCurrency = markupTyped["currency"] ?? rule?.currency ?? (s.area.running === "ru" ? "RUB" : "EUR");
    const rounding = markupTyped["rounding"] ?? rule?.rounding ?? "99";
    const errorOf = (name: string) => (markupErrors[name] ? html`<p class="field-error" id="markup-${name}-error">${markupErrors[name]}</p>` : "");
    const invalid = (name: string, hint = false) =>
      markupErrors[name] ? html` aria-invalid="true" aria-describedby="${hint ? `markup-${name}-hint ` : ""}markup-${name}-error"` : hint ? html` aria-describedby="markup-${name}-hint"` : "";
    const hostOf = (a: Area) => new URL(UPSTREAM_PRESETS[a]).host;

    const body = html`<section class="card"><h1>${t(l, "page.setup.title")}</h1>${o.message ?? ""}
<p class="muted">${t(l, "page.setup.signed_in", { email: currentStaff(req)!.email })}</p>
<nav aria-label="${t(l, "page.setup.steps")}"><ol class="steps">${STEPS.map(
      (x) => html`<li${x === current ? html` aria-current="step"` : ""}>${x === "owner" ? stepName(l, x) : html`<a href="#${x}">${stepName(l, x)}</a>`} ${state(x)}</li>`,
    )}</ol></nav></section>

<section class="card" id="area"><h2>${heading(l, "area")} ${state("area")}</h2>
<p>${t(l, "page.setup.area.lead")}</p>
<p>${t(l, "page.setup.area.in_use", {
      source:
        s.credentials.source === "env"
          ? t(l, "page.setup.area.source.env", { env: "UPSTREAM_USER / UPSTREAM_PASSWORD" })
          : s.credentials.source === "stored"
            ? t(l, "page.setup.area.source.stored", { when: s.credentials.checkedAt ? formatDateTime(s.credentials.checkedAt, l) : "—" })
            : t(l, s.credentials.source === "default" ? "page.setup.area.source.default" : "page.setup.area.source.none"),
    })}</p>
${s.area.stored && s.area.stored !== s.area.running ? html`<p class="notice error" role="alert">${tHtml(l, "page.setup.area.restart", { chosen: s.area.stored.toUpperCase(), running: s.area.running.toUpperCase(), command: html`<code>sudo systemctl restart partnerbill</code>` })}</p>` : ""}
<form method="post" action="/admin/setup/upstream" autocomplete="off">${csrfField(req)}
<fieldset><legend>${t(l, "page.setup.area.legend")}</legend>${AREAS.map(
      (a) => html`<div class="choice"><input type="radio" id="area-${a}" name="area" value="${a}"${a === chosen ? html` checked` : ""}${s.area.fixedByEnv && a !== s.area.running ? html` disabled` : ""}> <label for="area-${a}">${t(l, `page.setup.area.${a}` as MessageKey, { host: hostOf(a) })}</label></div>`,
    )}${s.area.fixedByEnv ? html`<p class="muted">${tHtml(l, "page.setup.area.fixed", { env: html`<code>UPSTREAM_URL</code>` })}</p>` : ""}</fieldset>
${inputField({ id: "upstream_user", name: "user", label: t(l, "page.setup.area.user"), type: "text", autocomplete: "off" })}
${inputField({ id: "upstream_password", name: "password", label: t(l, "page.setup.area.password"), type: "password", autocomplete: "new-password" })}
<p><button type="submit">${t(l, "page.setup.area.submit")}</button></p></form></section>

<section class="card" id="fulfillment"><h2>${heading(l, "fulfillment")} ${state("fulfillment")}</h2>
<p>${t(l, "page.setup.fulfillment.lead")}</p>
${envFulfillment ? html`<p class="notice">${tHtml(l, "page.setup.fulfillment.env", { setting: html`<code>FULFILLMENT_MODE=${s.fulfillment.mode}</code>` })}</p>` : ""}
<form method="post" action="/admin/setup/fulfillment">${csrfField(req)}
<fieldset><legend>${t(l, "page.setup.fulfillment.legend")}</legend>${(["automatic", "manual"] as const).map(
      (m) => html`<div class="choice"><input type="radio" id="mode-${m}" name="mode" value="${m}"${m === s.fulfillment.mode ? html` checked` : ""}${envFulfillment ? html` disabled` : ""}> <label for="mode-${m}">${t(l, `page.setup.fulfillment.${m}` as MessageKey)}</label></div>`,
    )}</fieldset>
<p><button type="submit"${envFulfillment ? html` disabled` : ""}>${t(l, "page.setup.save")}</button></p></form></section>

<section class="card" id="prices"><h2>${heading(l, "prices")} ${state("prices")}</h2>
<p>${t(l, "page.setup.prices.lead", { modules: modules.length, area: s.area.running.toUpperCase(), priced })}</p>
<form method="post" action="/admin/setup/import">${csrfField(req)}<p><button type="submit" class="secondary">${t(l, "page.setup.prices.import")}</button></p></form>
<p class="muted">${t(l, "page.setup.prices.rule", {
      rule: rule
        ? t(l, "page.setup.prices.rule_value", { percent: formatPercentBp(rule.markupBp, l), fixed: formatMoney(rule.markupFixed, l), rounding: t(l, `page.setup.prices.rounding.${rule.rounding}` as MessageKey) })
        : t(l, "page.setup.prices.no_rule"),
    })}</p>
<form method="post" action="/admin/setup/markup">${csrfField(req)}
<div class="field"><label for="markup_percent">${t(l, "page.setup.prices.markup")}</label><span class="with-unit"><input id="markup_percent" name="markupPercent" type="text" inputmode="decimal" size="8" maxlength="10" value="${markupTyped["markupPercent"] ?? (rule ? String(rule.markupBp / 100) : "30")}" required${invalid("markupPercent", true)}> <span>%</span></span><p class="hint" id="markup-markupPercent-hint">${t(l, "page.setup.prices.markup_hint")}</p>${errorOf("markupPercent")}</div>
<div class="field"><label for="markup_currency">${t(l, "page.setup.prices.currency")}</label><select id="markup_currency" name="currency"${invalid("currency")}>${Object.keys(CURRENCY_EXPONENTS).map((cur) => html`<option value="${cur}"${cur === sellCurrency ? html` selected` : ""}>${cur}</option>`)}</select>${errorOf("currency")}</div>
<div class="field"><label for="markup_rounding">${t(l, "page.setup.prices.rounding")}</label><select id="markup_rounding" name="rounding"${invalid("rounding")}>${(["whole", "99", "none"] as const).map((r) => html`<option value="${r}"${r === rounding ? html` selected` : ""}>${t(l, `page.setup.prices.rounding.${r}` as MessageKey)}</option>`)}</select>${errorOf("rounding")}</div>
<p><button type="submit">${t(l, "page.setup.prices.apply")}</button></p></form>
<p>${tHtml(l, "page.setup.prices.fine_tune", { link: html`<a href="/admin/catalog">${t(l, "page.setup.prices.catalog_link")}</a>` })}</p></section>

${settingsStep("seller", html`<p>${t(l, "page.setup.seller.lead")}</p>`)}
${settingsStep("tax", html`<p>${t(l, "page.setup.tax.lead")}</p>`)}
${settingsStep(
  "bank",
  html`<p>${t(l, "page.setup.bank.lead")}</p>
<dl class="facts"><dt>${t(l, "page.setup.bank.beneficiary")}</dt><dd>${money.seller.legalName ? t(l, "page.setup.bank.beneficiary_value", { name: money.seller.legalName }) : t(l, "page.setup.bank.beneficiary_missing")}</dd></dl>
<p>${done.bank ? html`<span class="badge ok">${t(l, "page.setup.bank.offered")}</span>` : html`<span class="badge warn">${t(l, "page.setup.bank.not_offered")}</span>`}</p>`,
)}

<section class="card" id="billing"><h2>${heading(l, "billing")} ${state("billing")}</h2>${billingStep(c, l)}</section>`;
    return sendAdminPage(req, reply, { title: t(l, "page.setup.title"), section: "settings", body, status: o.status ?? 200 });
  }

  /**
   * Runs a step's work; a refusal comes back as a notice in the reader's language — a known one in
   * its own words, any other with the service's reason as a value — and its HTTP status.
   */
  async function step<T>(req: FastifyRequest, work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; status: number; message: SafeHtml }> {
    try {
      return { ok: true, value: await work() };
    } catch (e) {
      if (!isAppError(e)) throw e;
      const l = pageLocale(req);
      const known = KNOWN_REFUSALS.find(([pattern]) => pattern.test(e.message));
      const text = known ? t(l, known[1]) : t(l, "page.setup.error.generic", { reason: e.message });
      return { ok: false, status: STATUS_OF[e.code], message: notice("error", text) };
    }
  }

  app.get<Query>("/admin/setup", PAGE, async (req, reply) => {
    if (!(await ownerExists())) return ownerForm(req, reply);
    const me = currentStaff(req);
    if (!me) return redirect(reply, "/admin/login?next=%2Fadmin%2Fsetup");
    if (me.role !== "owner") return requireStaff("owner").call(app, req, reply);
    const ok = typeof req.query.ok === "string" ? req.query.ok : "";
    const known = (OK_MESSAGES as readonly string[]).includes(ok);
    return wizardPage(req, reply, known ? { message: notice("ok", t(pageLocale(req), `page.setup.ok.${ok}` as MessageKey)) } : {});
  });

  app.post<Form>("/admin/setup/owner", PAGE, async (req, reply) => {
    const l = pageLocale(req);
    const email = field(req.body, "email").trim().slice(0, 254);
    let owner;
    try {
      owner = await c.setup.createOwner({ email, password: field(req.body, "password") }, { ip: req.ip, requestId: req.id });
    } catch (e) {
      return ownerForm(req, reply, { email, errors: accountInputError(e, l), status: 400 });
    }
    ownerSeen = true;
    if (!owner) {
      return sendAdminPage(req, reply, {
        title: t(l, "page.setup.title"),
        section: "settings",
        status: 409,
        body: html`<section class="card"><h1>${t(l, "page.setup.owner.exists.title")}</h1><p>${t(l, "page.setup.owner.exists.text")} <a href="/admin/login">${t(l, "page.setup.owner.exists.sign_in")}</a>.</p></section>`,
      });
    }
    await startSession(req, reply, "staff", owner.id);
    return redirect(reply, "/admin/setup?ok=owner");
  });

  app.post<Form>("/admin/setup/upstream", OWNER, async (req, reply) => {
    const l = pageLocale(req);
    const r = await step(req, () =>
      c.setup.saveUpstream({ area: field(req.body, "area"), user: field(req.body, "user"), password: field(req.body, "password") }, staffAct(req).ctx),
    );
    if (!r.ok) return wizardPage(req, reply, { message: r.message, status: r.status });
    if (!r.value.ok) return wizardPage(req, reply, { message: notice("error", t(l, "page.setup.area.refused", { reason: r.value.reason })), status: 422 });
    return redirect(reply, `/admin/setup?ok=${r.value.restartNeeded ? "restart" : "upstream"}#area`);
  });

  app.post<Form>("/admin/setup/fulfillment", OWNER, async (req, reply) => {
    const r = await step(req, () => c.setup.setFulfillmentMode(field(req.body, "mode"), staffAct(req).ctx));
    if (!r.ok) return wizardPage(req, reply, { message: r.message, status: r.status });
    return redirect(reply, "/admin/setup?ok=fulfillment#fulfillment");
  });

  app.post("/admin/setup/import", OWNER, async (req, reply) => {
    // A sync reads upstream first (no transaction open), then writes costs in one transaction.
    const r = await step(req, async () => {
      const report = await c.pricing.sync();
      await c.audit.record(c.db, { ...staffAct(req).ctx, action: "prices.import", subject: { type: "catalog", id: c.config.UPSTREAM_REGION }, after: { modules: report.rows.length, priceListChanged: report.priceListChanged } });
      return report;
    });
    if (!r.ok) return wizardPage(req, reply, { message: r.message, status: r.status });
    return redirect(reply, "/admin/setup?ok=import#prices");
  });

  app.post<Form>("/admin/setup/markup", OWNER, async (req, reply) => {
    const l = pageLocale(req);
    const typed = { markupPercent: field(req.body, "markupPercent").slice(0, 20), rounding: field(req.body, "rounding").slice(0, 10), currency: field(req.body, "currency").slice(0, 10) };
    const input = { ...typed, markupPercent: typed.markupPercent.trim().replace(/\s*%$/, "").replace(",", ".") };
    const before = (await c.pricing.listRules()).global;
    let set;
    try {
      set = await c.pricing.setRule(input);
    } catch (e) {
      return wizardPage(req, reply, { markup: { typed, errors: markupError(e, l) }, message: notice("error", t(l, "page.setup.not_saved")), status: 400 });
    }
    const r = await step(req, async () => {
      const modes = await c.pricing.setMode("all", "rules");
      const report = await c.pricing.sync();
      await c.audit.record(c.db, {
        ...staffAct(req).ctx,
        action: "pricing_rule.set",
        subject: { type: "pricing_rule", id: set.scope },
        before,
        after: { rule: set.rule, modulesSwitchedToRules: modes, priceListChanged: report.priceListChanged },
      });
    });
    if (!r.ok) return wizardPage(req, reply, { message: r.message, status: r.status });
    return redirect(reply, "/admin/setup?ok=markup#prices");
  });

  for (const step of Object.keys(SETTING_STEPS) as SettingStep[]) {
    app.post<Form>(`/admin/setup/${step}`, OWNER, async (req, reply) => {
      const refusal = await saveSettingsForm(c, req, SETTING_STEPS[step]);
      if (refusal) return wizardPage(req, reply, { ...refusal, message: notice("error", t(pageLocale(req), "page.setup.not_saved")), status: 400 });
      const ok = step === "bank" && !(await c.settings.bankDetailsComplete()) ? "bank_incomplete" : step;
      return redirect(reply, `/admin/setup?ok=${ok}#${step}`);
    });
  }
}
