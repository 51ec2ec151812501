// /admin/setup: the first-run wizard (docs/adr/0023-setup-wizard.md). While no staff user exists,
// every /admin page leads here and anyone who reaches it may create the owner (exactly once, even
// from two browsers at once). Then, for the owner: the client area and its credentials (checked
// live, stored sealed), the fulfillment mode, module costs and a markup, and the billing URL.
import { SETUP_SCRIPT_PATH } from "../assets.ts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { AREAS, type SetupStatus } from "../../modules/setup/setup.service.ts";
import { emailField, field, notice, passwordField, redirect } from "../auth-pages.ts";
import { keyUrls } from "../key-urls.ts";
import { csrfField, currentStaff, requireStaff, startSession } from "../session.ts";
import { attempt, staffAct, type Form, type Query } from "./common.ts";
import { sendAdminPage } from "./layout.ts";

const PAGE = { config: { surface: "page" as const } };
const OWNER = { ...PAGE, preHandler: requireStaff("owner") };

const AREA_LABEL = { eu: "EU — api-eu.ispmanager.com (prices in EUR)", ru: "RU — api.ispmanager.ru (prices in RUB)" } as const;

/** What the billing URL must be reachable from, as PROTOCOL.md and the README describe it. */
function billingStep(c: Container): SafeHtml {
  const urls = keyUrls(c.config.PUBLIC_URL);
  return html`<p>Send this URL to ispmanager staff (support) and ask them to connect it as the billing of your panels:</p>
<p><input type="text" id="billing-url" readonly value="${urls.billing}" aria-label="Billing URL"> <button type="button" id="copy-billing-url">Copy</button> <span id="copied" class="muted" role="status"></span></p>
<script src="${SETUP_SCRIPT_PATH}"></script>
<p>It must be reachable over HTTPS from <b>the servers your customers' ispmanager panels run on</b>: each panel fetches the price list (<code>pricelist.export</code>) from its own server, so allow the whole Internet (or every customer network) to reach <code>${urls.billing}</code>, not just ispmanager's offices. Customers' browsers open it too when they press Buy.</p>
<p>Check it the way a panel does: <a href="${urls.priceList}">the price list as panels read it</a>, or from another machine: <code>partnerbill conformance ${urls.billing}</code>.</p>
${c.config.PUBLIC_URL.startsWith("https://") ? "" : notice("error", `PUBLIC_URL is ${c.config.PUBLIC_URL}: panels need a public https:// address. Set PUBLIC_URL (and a certificate, deploy/nginx.conf) before sending the URL.`)}`;
}

function done(ok: boolean): SafeHtml {
  return ok ? html`<span class="badge done">done</span>` : html`<span class="badge">to do</span>`;
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

  function ownerForm(req: FastifyRequest, reply: FastifyReply, o: { email?: string; message?: SafeHtml; status?: number } = {}) {
    return sendAdminPage(req, reply, {
      title: "Set up partnerbill",
      section: "settings",
      status: o.status ?? 200,
      body: html`<div class="card"><h1>Set up partnerbill</h1>${o.message ?? ""}
<p>No staff account exists yet. Create the owner: the account that runs this billing, manages prices, staff and settings.</p>
<form method="post" action="/admin/setup/owner">${csrfField(req)}
${emailField(o.email ?? "")}
${passwordField("password", "Password (at least 10 characters)", "new-password")}
<p><button type="submit">Create the owner</button></p></form></div>`,
    });
  }

  async function wizardPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; status?: number } = {}) {
    const s: SetupStatus = await c.setup.status();
    const modules = await c.catalog.listModules();
    const priced = modules.filter((m) => m.prices[1] !== undefined).length;
    const rules = await c.pricing.listRules();
    const chosen = s.area.stored ?? s.area.running;
    const credsOk = s.credentials.source !== "none";
    const body = html`<div class="card"><h1>Set up partnerbill</h1>${o.message ?? ""}
<p class="muted">Signed in as the owner, ${currentStaff(req)!.email}. Every step can be done again later.</p>
<ol>
<li>Owner account ${done(true)}</li>
<li><a href="#area">Client area and credentials</a> ${done(credsOk)}</li>
<li><a href="#fulfillment">Fulfillment</a> ${done(s.fulfillment.source !== "default")}</li>
<li><a href="#prices">Module costs and markup</a> ${done(priced > 0)}</li>
<li><a href="#billing">Billing URL for ispmanager</a></li>
</ol></div>

<div class="card" id="area"><h2>2. Client area and credentials</h2>
<p>partnerbill orders modules in your account at ispmanager's client area. Use an account without two-factor authentication; the password is checked now and stored encrypted with SECRET_KEY.</p>
<p>Credentials in use: <b>${
      s.credentials.source === "env"
        ? "from the environment (UPSTREAM_USER / UPSTREAM_PASSWORD), which win over stored ones"
        : s.credentials.source === "stored"
          ? `stored here, checked ${(s.credentials.checkedAt ?? "").slice(0, 16).replace("T", " ")} UTC`
          : s.credentials.source === "default"
            ? "the sandbox's demo account"
            : "none yet"
    }</b>.</p>
${s.area.stored && s.area.stored !== s.area.running ? notice("error", `The ${s.area.stored.toUpperCase()} client area is chosen, but this process still runs with ${s.area.running.toUpperCase()}: restart partnerbill (sudo systemctl restart partnerbill) to switch.`) : ""}
<form method="post" action="/admin/setup/upstream" autocomplete="off">${csrfField(req)}
<fieldset><legend>Client area</legend>${AREAS.map(
      (a) => html`<label class="plain"><input type="radio" name="area" value="${a}"${a === chosen ? html` checked` : ""}${s.area.fixedByEnv && a !== s.area.running ? html` disabled` : ""}> ${AREA_LABEL[a]}</label>`,
    )}${s.area.fixedByEnv ? html`<p class="muted">UPSTREAM_URL in the environment fixes the address; the area follows it.</p>` : ""}</fieldset>
<label for="upstream_user">Client-area login (e-mail)</label><input id="upstream_user" name="user" type="text" autocomplete="off" required maxlength="254">
<label for="upstream_password">Client-area password</label><input id="upstream_password" name="password" type="password" autocomplete="new-password" required maxlength="1000">
<p><button type="submit">Check and save</button></p></form></div>

<div class="card" id="fulfillment"><h2>3. Fulfillment</h2>
<p><b>Automatic</b>: a paid order is placed in the client area at once through the API. <b>Manual</b>: paid orders wait in the manual queue until staff order the module by hand and mark it done.</p>
${s.fulfillment.source === "env" ? html`<p class="notice">FULFILLMENT_MODE=${s.fulfillment.mode} is set in the environment and wins; remove it there to choose here.</p>` : ""}
<form method="post" action="/admin/setup/fulfillment">${csrfField(req)}
${(["automatic", "manual"] as const).map((m) => html`<label class="plain"><input type="radio" name="mode" value="${m}"${m === s.fulfillment.mode ? html` checked` : ""}${s.fulfillment.source === "env" ? html` disabled` : ""}> ${m}</label>`)}
<p><button type="submit"${s.fulfillment.source === "env" ? html` disabled` : ""}>Save</button></p></form></div>

<div class="card" id="prices"><h2>4. Module costs and markup</h2>
<p>${modules.length} modules in the ${s.area.running.toUpperCase()} catalog, ${priced} with a monthly price. Import what the client area charges you (a price sync), then set the markup that turns costs into your prices.</p>
<form method="post" action="/admin/setup/import">${csrfField(req)}<p><button type="submit">Import module costs now</button></p></form>
<form method="post" action="/admin/setup/markup">${csrfField(req)}
<p class="muted">Current global rule: ${rules.global ? html`${rules.global.markupBp / 100} % + ${rules.global.markupFixed.minor / 100} ${rules.global.currency}, rounding ${rules.global.rounding}` : "none"}.</p>
<label for="markup_percent">Markup, percent</label><input id="markup_percent" name="markupPercent" type="text" inputmode="decimal" value="${rules.global ? String(rules.global.markupBp / 100) : "30"}" required>
<label for="markup_currency">Sell in currency</label><input id="markup_currency" name="currency" type="text" value="${rules.global?.currency ?? (s.area.running === "ru" ? "RUB" : "EUR")}" maxlength="3" required>
<label for="markup_rounding">Rounding</label><select id="markup_rounding" name="rounding">${(["whole", "99", "none"] as const).map((r) => html`<option value="${r}"${r === (rules.global?.rounding ?? "99") ? html` selected` : ""}>${r}</option>`)}</select>
<p><button type="submit">Apply markup to every module</button></p></form>
<p>Fine-tune single prices in <a href="/admin/catalog">Catalog &amp; prices</a>.</p></div>

<div class="card" id="billing"><h2>5. Billing URL for ispmanager</h2>${billingStep(c)}</div>`;
    return sendAdminPage(req, reply, { title: "Set up partnerbill", section: "settings", body, status: o.status ?? 200 });
  }

  app.get<Query>("/admin/setup", PAGE, async (req, reply) => {
    if (!(await ownerExists())) return ownerForm(req, reply);
    const me = currentStaff(req);
    if (!me) return redirect(reply, "/admin/login?next=%2Fadmin%2Fsetup");
    if (me.role !== "owner") return requireStaff("owner").call(app, req, reply);
    const ok = typeof req.query.ok === "string" ? req.query.ok : "";
    const messages: Record<string, string> = {
      owner: "The owner account is created and you are signed in.",
      upstream: "The credentials work and are stored encrypted.",
      restart: "The credentials work and are stored encrypted. Restart partnerbill to switch the client area.",
      fulfillment: "Fulfillment mode saved.",
      import: "Module costs imported.",
      markup: "Markup applied: prices follow the costs.",
    };
    return wizardPage(req, reply, messages[ok] ? { message: notice("ok", messages[ok]) } : {});
  });

  app.post<Form>("/admin/setup/owner", PAGE, async (req, reply) => {
    const email = field(req.body, "email").trim();
    const r = await attempt(() => c.setup.createOwner({ email, password: field(req.body, "password") }, { ip: req.ip, requestId: req.id }));
    if (!r.ok) return ownerForm(req, reply, { email, message: r.message, status: r.status });
    if (!r.value) {
      ownerSeen = true;
      return sendAdminPage(req, reply, {
        title: "Set up partnerbill",
        section: "settings",
        status: 409,
        body: html`<div class="card"><h1>The owner exists already</h1><p>Someone created the owner account first. <a href="/admin/login">Sign in</a>.</p></div>`,
      });
    }
    ownerSeen = true;
    await startSession(req, reply, "staff", r.value.id);
    return redirect(reply, "/admin/setup?ok=owner");
  });

  app.post<Form>("/admin/setup/upstream", OWNER, async (req, reply) => {
    const r = await attempt(() =>
      c.setup.saveUpstream({ area: field(req.body, "area"), user: field(req.body, "user"), password: field(req.body, "password") }, staffAct(req).ctx),
    );
    if (!r.ok) return wizardPage(req, reply, { message: r.message, status: r.status });
    if (!r.value.ok) return wizardPage(req, reply, { message: notice("error", `The client area refused these credentials, so nothing was stored: ${r.value.reason}.`), status: 422 });
    return redirect(reply, `/admin/setup?ok=${r.value.restartNeeded ? "restart" : "upstream"}#area`);
  });

  app.post<Form>("/admin/setup/fulfillment", OWNER, async (req, reply) => {
    const r = await attempt(() => c.setup.setFulfillmentMode(field(req.body, "mode"), staffAct(req).ctx));
    if (!r.ok) return wizardPage(req, reply, { message: r.message, status: r.status });
    return redirect(reply, "/admin/setup?ok=fulfillment#fulfillment");
  });

  app.post("/admin/setup/import", OWNER, async (req, reply) => {
    // A sync reads upstream first (no transaction open), then writes costs in one transaction.
    const r = await attempt(async () => {
      const report = await c.pricing.sync();
      await c.audit.record(c.db, { ...staffAct(req).ctx, action: "prices.import", subject: { type: "catalog", id: c.config.UPSTREAM_REGION }, after: { modules: report.rows.length, priceListChanged: report.priceListChanged } });
      return report;
    });
    if (!r.ok) return wizardPage(req, reply, { message: r.message, status: r.status });
    return redirect(reply, "/admin/setup?ok=import#prices");
  });

  app.post<Form>("/admin/setup/markup", OWNER, async (req, reply) => {
    const r = await attempt(async () => {
      const input = { markupPercent: field(req.body, "markupPercent"), rounding: field(req.body, "rounding"), currency: field(req.body, "currency") };
      const before = (await c.pricing.listRules()).global;
      const set = await c.pricing.setRule(input);
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
}
