// The portal's home, /account: the customer's modules, "Renew now" (pays the next term from the
// balance) and "Move to another license" (addition.edit upstream). Each action has a GET page that
// says what it will do and a POST form (CSRF-checked by src/http/session.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { format } from "../../lib/money.ts";
import { field } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendPortalPage } from "./layout.ts";
import {
  doneNotice,
  ID_SHAPE,
  me,
  MODULE_STATE_TEXT,
  notice,
  periodText,
  PORTAL_PAGE,
  refusalOf,
  see,
  sendPortalNotFound,
  type Form,
  type IdParams,
} from "./common.ts";

export function registerPortalModuleRoutes(app: FastifyInstance, c: Container): void {
  app.get("/account", PORTAL_PAGE, async (req, reply) => {
    const customer = me(req);
    const modules = await c.portal.modules(customer.id);
    const rows = modules.map((m) => {
      const active = m.state === "active";
      const actions: SafeHtml[] = [];
      if (active && m.renewal === "charge") actions.push(html`<a href="/account/modules/${m.id}/renew">Renew now</a>`);
      if (active) actions.push(html`<a href="/account/modules/${m.id}/move">Move to another license</a>`);
      return html`<tr><td>${m.name}</td><td><span class="badge">${MODULE_STATE_TEXT[m.state] ?? m.state}</span></td><td>${String(m.license_id)}</td><td>${m.ip ?? "—"}</td><td>${m.expires_on ?? "—"}</td><td>${m.renewal === "charge" ? `Every ${periodText(m.period_months)} from your balance` : "Automatically by ispmanager"}</td><td>${actions.length ? html`${actions.map((a, i) => html`${i ? " · " : ""}${a}`)}` : "—"}</td></tr>`;
    });
    return sendPortalPage(req, reply, {
      title: "My modules",
      section: "modules",
      body: html`<div class="card"><h1>My modules</h1>${doneNotice(req, { moved: "The module was moved to the new license." })}
<p class="muted">Signed in as <b>${customer.email}</b>${customer.name ? html` (${customer.name})` : ""}.</p>
${modules.length === 0
  ? html`<p>You have no modules yet. Buy one with the <b>Buy</b> button in your ispmanager panel; it appears here once it is paid.</p>`
  : html`<table><thead><tr><th>Module</th><th>Status</th><th>License</th><th>IP</th><th>Expires</th><th>Renewal</th><th></th></tr></thead><tbody>${rows}</tbody></table>`}
</div>`,
    });
  });

  // ---- renew now ------------------------------------------------------------------------------

  async function renewPage(req: FastifyRequest, reply: FastifyReply, id: string, problem?: { status: number; message: string }) {
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
        title: "Renew now",
        section: "modules",
        status: problem?.status ?? r.status,
        body: html`<div class="card"><h1>Renew ${m.name}</h1>${notice("error", problem?.message ?? r.message)}<p><a href="/account">Back to your modules</a></p></div>`,
      });
    }
    const m = q.module;
    const short = q.balance.minor < q.total.minor;
    return sendPortalPage(req, reply, {
      title: "Renew now",
      section: "modules",
      status: problem?.status ?? 200,
      body: html`<div class="card"><h1>Renew ${m.name}</h1>${problem ? notice("error", problem.message) : ""}
<table>
<tr><th>License</th><td>${String(m.license_id)}${m.ip ? html` (${m.ip})` : ""}</td></tr>
<tr><th>Runs until</th><td>${m.expires_on}</td></tr>
<tr><th>Next term</th><td>${periodText(m.period_months)}</td></tr>
<tr><th>Price</th><td>${format(q.price)}</td></tr>
${q.tax.minor !== 0 ? html`<tr><th>Tax</th><td>${format(q.tax)}</td></tr>` : ""}
<tr><th>Total</th><td><b>${format(q.total)}</b></td></tr>
<tr><th>Your balance</th><td>${format(q.balance)}</td></tr>
</table>
<p>Renewing now pays the next ${periodText(m.period_months)} from your balance. The module then runs ${periodText(m.period_months)} longer than ${m.expires_on}.</p>
${short
  ? html`${notice("error", `Your balance is ${format({ minor: q.total.minor - q.balance.minor, currency: q.total.currency })} short of the total.`)}<p><a href="/account/balance">Top up your balance</a>, then come back here.</p>`
  : html`<form method="post" action="/account/modules/${m.id}/renew">${csrfField(req)}<p><button type="submit">Pay ${format(q.total)} from my balance</button></p></form>`}
<p><a href="/account">Back to your modules</a></p></div>`,
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

  async function movePage(req: FastifyRequest, reply: FastifyReply, id: string, o: { license?: string; ip?: string; problem?: { status: number; message: string } } = {}) {
    const m = await c.portal.module(me(req).id, id).catch((e: unknown) => {
      if (refusalOf(e).notFound) return null;
      throw e;
    });
    if (!m) return sendPortalNotFound(req, reply, "modules");
    const body =
      m.state !== "active"
        ? html`${notice("error", "Only active modules can be moved.")}`
        : html`<p>The module moves from license <b>${String(m.license_id)}</b>${m.ip ? html` (${m.ip})` : ""} to the license you give. The new license must be one of ours; its expiry stays ${m.expires_on ?? "as it is"}.</p>
<form method="post" action="/account/modules/${m.id}/move">${csrfField(req)}
<label for="license">New ispmanager license number</label><input id="license" name="license" type="text" inputmode="numeric" required maxlength="15" value="${o.license ?? ""}" autofocus>
<label for="ip">Its IP address (optional)</label><input id="ip" name="ip" type="text" maxlength="45" value="${o.ip ?? ""}">
<p><button type="submit">Move the module</button></p></form>`;
    return sendPortalPage(req, reply, {
      title: "Move to another license",
      section: "modules",
      status: o.problem?.status ?? 200,
      body: html`<div class="card"><h1>Move ${m.name}</h1>${o.problem ? notice("error", o.problem.message) : ""}${body}<p><a href="/account">Back to your modules</a></p></div>`,
    });
  }

  app.get<IdParams>("/account/modules/:id/move", PORTAL_PAGE, async (req, reply) => {
    if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "modules");
    return movePage(req, reply, req.params.id);
  });

  app.post<IdParams & Form>("/account/modules/:id/move", PORTAL_PAGE, async (req, reply) => {
    const id = req.params.id;
    if (!ID_SHAPE.test(id)) return sendPortalNotFound(req, reply, "modules");
    const license = field(req.body, "license").slice(0, 40);
    const ip = field(req.body, "ip").slice(0, 60);
    try {
      await c.portal.move(me(req).id, id, { license, ip });
      return see(reply, "/account?done=moved");
    } catch (e) {
      const r = refusalOf(e);
      if (r.notFound) return sendPortalNotFound(req, reply, "modules");
      return movePage(req, reply, id, { license, ip, problem: r });
    }
  });
}
