// The portal's home, /account: the customer's modules, "Renew now" (pays the next term from the
// balance) and "Move to another license" (addition.edit upstream). Each action has a GET page that
// says what it will do and a POST form (CSRF-checked by src/http/session.ts). A module whose
// purchase was refunded says that it runs until its date and is not renewed (ADR 0038).
import { isIP } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import type { Locale } from "../../i18n/locales.ts";
import { t, tHtml } from "../../i18n/t.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { addMonths } from "../../modules/orders/orders.logic.ts";
import { field } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendPortalPage } from "./layout.ts";
import {
  badge,
  day,
  doneNotice,
  fieldBlock,
  fixedMoney,
  ID_SHAPE,
  loc,
  me,
  moduleBadge,
  moduleStateText,
  money,
  notice,
  periodText,
  PORTAL_PAGE,
  refusalOf,
  refusalText,
  renewalText,
  see,
  sendPortalNotFound,
  type Form,
  type IdParams,
  type Refusal,
} from "./common.ts";

/** A refused "Renew now" in the reader's words. */
function renewRefusal(r: Refusal, l: Locale): string {
  const date = typeof r.details["expiresOn"] === "string" ? day(r.details["expiresOn"], l) : t(l, "portal.none");
  switch (r.details["messageKey"]) {
    case "not_active": return t(l, "page.account_renew.not_active");
    case "renewed_upstream": return t(l, "page.account_renew.upstream");
    case "renewal_off": return t(l, "page.account_renew.off", { date });
    case "under_way": return t(l, "page.account_renew.under_way");
    case "just_renewed": return t(l, "page.account_renew.just_renewed", { date });
    case "term_cancelled": return t(l, "page.account_renew.term_cancelled", { date });
  }
  if (r.code === "insufficient_funds") {
    const short = fixedMoney(r.details["shortfall"]);
    if (short) return t(l, "page.account_renew.short", { short: money(short, l) });
  }
  return refusalText(r, l);
}

export function registerPortalModuleRoutes(app: FastifyInstance, c: Container): void {
  app.get("/account", PORTAL_PAGE, async (req, reply) => {
    const l = loc(req);
    const customer = me(req);
    const modules = await c.portal.modules(customer.id);
    const col = {
      module: t(l, "page.account_modules.col.module"),
      status: t(l, "page.account_modules.col.status"),
      license: t(l, "page.account_modules.col.license"),
      ip: t(l, "page.account_modules.col.ip"),
      expires: t(l, "page.account_modules.col.expires"),
      renewal: t(l, "page.account_modules.col.renewal"),
      actions: t(l, "page.account_modules.col.actions"),
    };
    const rows = modules.map((m) => {
      const active = m.state === "active";
      const actions: SafeHtml[] = [];
      if (active && m.renewal === "charge") actions.push(html`<a href="/account/modules/${m.id}/renew">${t(l, "page.account_modules.renew")}</a>`);
      if (active) actions.push(html`<a href="/account/modules/${m.id}/move">${t(l, "page.account_modules.move")}</a>`);
      return html`<tr><td data-label="${col.module}"><a href="/account/orders/${m.created_order_id}">${m.name}</a></td><td data-label="${col.status}">${badge(moduleBadge(m), moduleStateText(m, l))}</td><td data-label="${col.license}">${String(m.license_id)}</td><td data-label="${col.ip}">${m.ip ?? t(l, "portal.none")}</td><td data-label="${col.expires}">${day(m.expires_on, l)}</td><td data-label="${col.renewal}">${renewalText(m, l)}</td><td data-label="${col.actions}">${actions.length ? html`${actions.map((a, i) => html`${i ? " · " : ""}${a}`)}` : t(l, "portal.none")}</td></tr>`;
    });
    const refunded = modules.filter((m) => m.state === "active" && m.renewal === "off");
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_modules.title"),
      section: "modules",
      body: html`<section class="card"><h1>${t(l, "page.account_modules.title")}</h1>${doneNotice(req, { moved: t(l, "page.account_modules.moved") })}
<p class="muted">${customer.name ? tHtml(l, "page.account_modules.signed_in_named", { email: html`<b>${customer.email}</b>`, name: customer.name }) : tHtml(l, "page.account_modules.signed_in", { email: html`<b>${customer.email}</b>` })}</p>
${refunded.map((m) => html`<p class="notice">${m.name}: ${t(l, "page.account_modules.refunded_note", { date: day(m.expires_on, l) })}</p>`)}
${modules.length === 0
  ? html`<p>${tHtml(l, "page.account_modules.empty", { buy: html`<b>${t(l, "page.account_modules.buy_button")}</b>` })}</p>`
  : html`<div class="table-wrap"><table class="data"><thead><tr><th scope="col">${col.module}</th><th scope="col">${col.status}</th><th scope="col">${col.license}</th><th scope="col">${col.ip}</th><th scope="col">${col.expires}</th><th scope="col">${col.renewal}</th><th scope="col">${col.actions}</th></tr></thead><tbody>${rows}</tbody></table></div>`}
</section>`,
    });
  });

  // ---- renew now ------------------------------------------------------------------------------

  async function renewPage(req: FastifyRequest, reply: FastifyReply, id: string, problem?: Refusal) {
    const l = loc(req);
    const customer = me(req);
    let q;
    try {
      q = await c.portal.renewQuote(customer.id, id);
    } catch (e) {
      const r = refusalOf(e);
      if (r.notFound) return sendPortalNotFound(req, reply, "modules");
      const m = await c.portal.module(customer.id, id).catch(() => null);
      if (!m) return sendPortalNotFound(req, reply, "modules");
      return sendPortalPage(req, reply, {
        title: t(l, "page.account_renew.title"),
        section: "modules",
        status: problem?.status ?? r.status,
        body: html`<section class="card"><h1>${t(l, "page.account_renew.heading", { module: m.name })}</h1>${notice("error", renewRefusal(problem ?? r, l))}<p><a href="/account">${t(l, "portal.back_to_modules")}</a></p></section>`,
      });
    }
    const m = q.module;
    const short = q.balance.minor < q.total.minor;
    const until = addMonths(m.expires_on, m.period_months);
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_renew.title"),
      section: "modules",
      status: problem?.status ?? 200,
      body: html`<section class="card"><h1>${t(l, "page.account_renew.heading", { module: m.name })}</h1>${problem ? notice("error", renewRefusal(problem, l)) : ""}
<dl class="facts">
<dt>${t(l, "page.account_renew.license")}</dt><dd>${m.ip ? t(l, "portal.license_with_ip", { license: String(m.license_id), ip: m.ip }) : String(m.license_id)}</dd>
<dt>${t(l, "page.account_renew.runs_until")}</dt><dd>${day(m.expires_on, l)}</dd>
<dt>${t(l, "page.account_renew.next_term")}</dt><dd>${periodText(m.period_months, l)}</dd>
<dt>${t(l, "page.account_renew.price")}</dt><dd class="num">${money(q.price, l)}</dd>
${q.tax.minor !== 0 ? html`<dt>${t(l, "page.account_renew.tax")}</dt><dd class="num">${money(q.tax, l)}</dd>` : ""}
<dt>${t(l, "page.account_renew.total")}</dt><dd class="num"><b>${money(q.total, l)}</b></dd>
<dt>${t(l, "page.account_renew.balance")}</dt><dd class="num">${money(q.balance, l)}</dd>
</dl>
<p>${t(l, "page.account_renew.explain", { months: m.period_months, until: day(until, l) })}</p>
${short
  ? html`${notice("error", t(l, "page.account_renew.short", { short: money({ minor: q.total.minor - q.balance.minor, currency: q.total.currency }, l) }))}<p><a class="button" href="/account/balance">${t(l, "page.account_renew.top_up_link")}</a></p><p class="muted">${t(l, "page.account_renew.top_up")}</p>`
  : html`<form method="post" action="/account/modules/${m.id}/renew">${csrfField(req)}<p><button type="submit">${t(l, "page.account_renew.pay", { total: money(q.total, l) })}</button></p></form>`}
<p><a href="/account">${t(l, "portal.back_to_modules")}</a></p></section>`,
    });
  }

  app.get<IdParams>("/account/modules/:id/renew", PORTAL_PAGE, async (req, reply) => {
    if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "modules");
    return renewPage(req, reply, req.params.id);
  });

  app.post<IdParams>("/account/modules/:id/renew", PORTAL_PAGE, async (req, reply) => {
    const id = req.params.id;
    if (!ID_SHAPE.test(id)) return sendPortalNotFound(req, reply, "modules");
    try {
      const order = await c.portal.renewNow(me(req).id, id);
      return see(reply, `/account/orders/${order.id}?done=renewed`);
    } catch (e) {
      const r = refusalOf(e);
      if (r.notFound) return sendPortalNotFound(req, reply, "modules");
      return renewPage(req, reply, id, r);
    }
  });

  // ---- move to another license ------------------------------------------------------------------

  interface MoveErrors {
    form?: string;
    license?: string;
    ip?: string;
  }

  /** A refused move, on the field it is about when there is one. */
  function moveErrors(r: Refusal, license: string, l: Locale): MoveErrors {
    const lic = typeof r.details["license"] === "number" || typeof r.details["license"] === "string" ? String(r.details["license"]) : license;
    if (r.code === "conflict" && r.details["taken"] === true) return { license: t(l, "form.account.license.taken", { license: lic }) };
    if (r.code === "illegal_transition") return { form: t(l, "page.account_move.only_active") };
    if (r.code === "invalid_input" && r.details["upstreamIp"] !== undefined) return { ip: t(l, "form.account.ip.mismatch", { license: lic }) };
    if (r.code === "invalid_input" && r.details["license"] !== undefined) {
      return { license: t(l, / deleted /.test(r.message) ? "form.account.license.deleted" : "form.account.license.not_ours", { license: lic }) };
    }
    return { form: refusalText(r, l) };
  }

  async function movePage(req: FastifyRequest, reply: FastifyReply, id: string, o: { license?: string; ip?: string; errors?: MoveErrors; status?: number } = {}) {
    const l = loc(req);
    const m = await c.portal.module(me(req).id, id).catch((e: unknown) => {
      if (refusalOf(e).notFound) return null;
      throw e;
    });
    if (!m) return sendPortalNotFound(req, reply, "modules");
    const errors = o.errors ?? {};
    const from = m.ip ? t(l, "portal.license_with_ip", { license: String(m.license_id), ip: m.ip }) : String(m.license_id);
    const body =
      m.state !== "active"
        ? notice("error", t(l, "page.account_move.only_active"))
        : html`<p>${tHtml(l, "page.account_move.explain", { license: html`<b>${from}</b>`, date: day(m.expires_on, l) })}</p>
<form method="post" action="/account/modules/${m.id}/move">${csrfField(req)}
${fieldBlock({ id: "license", label: t(l, "form.account.license.label"), hint: t(l, "form.account.license.hint"), ...(errors.license ? { error: errors.license } : {}), control: (a) => html`<input${a} name="license" type="text" inputmode="numeric" required maxlength="15" value="${o.license ?? ""}">` })}
${fieldBlock({ id: "ip", label: t(l, "form.account.ip.label"), ...(errors.ip ? { error: errors.ip } : {}), control: (a) => html`<input${a} name="ip" type="text" maxlength="45" value="${o.ip ?? ""}">` })}
<p><button type="submit">${t(l, "page.account_move.submit")}</button></p></form>`;
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_move.title"),
      section: "modules",
      status: o.status ?? 200,
      body: html`<section class="card"><h1>${t(l, "page.account_move.heading", { module: m.name })}</h1>${errors.form ? notice("error", errors.form) : ""}${body}<p><a href="/account">${t(l, "portal.back_to_modules")}</a></p></section>`,
    });
  }

  app.get<IdParams>("/account/modules/:id/move", PORTAL_PAGE, async (req, reply) => {
    if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "modules");
    return movePage(req, reply, req.params.id);
  });

  app.post<IdParams & Form>("/account/modules/:id/move", PORTAL_PAGE, async (req, reply) => {
    const l = loc(req);
    const id = req.params.id;
    if (!ID_SHAPE.test(id)) return sendPortalNotFound(req, reply, "modules");
    const license = field(req.body, "license").slice(0, 40);
    const ip = field(req.body, "ip").slice(0, 60);
    // The fields checked here first, so that each error stands beside its field.
    const errors: MoveErrors = {};
    if (!/^[1-9][0-9]{0,14}$/.test(license.trim())) errors.license = t(l, "form.account.license.invalid");
    if (ip.trim() !== "" && isIP(ip.trim()) === 0) errors.ip = t(l, "form.account.ip.invalid");
    if (!errors.license) {
      const m = await c.portal.module(me(req).id, id).catch(() => null);
      if (m && String(m.license_id) === license.trim()) errors.license = t(l, "form.account.license.same");
    }
    if (errors.license || errors.ip) return movePage(req, reply, id, { license, ip, errors, status: 400 });
    try {
      await c.portal.move(me(req).id, id, { license: license.trim(), ip: ip.trim() });
      return see(reply, "/account?done=moved");
    } catch (e) {
      const r = refusalOf(e);
      if (r.notFound) return sendPortalNotFound(req, reply, "modules");
      return movePage(req, reply, id, { license, ip, errors: moveErrors(r, license.trim(), l), status: r.status });
    }
  });
}
