// ispmanager licenses for browsers (issue 15), in the reader's language (ADR 0036):
//   GET  /licenses                          the public storefront: editions on sale with prices, and
//                                           the order form (edition, period, server IP, name)
//   POST /licenses/order                    a pending license order → the usual /checkout/<order>
//   GET  /account/licenses                  the signed-in customer's licenses with their keys
//   GET  /account/licenses/:id              → the list, at that license
//   GET  /account/licenses/:id/key.txt      the key as a file (download)
//   POST /account/licenses/:id/ip           move a license to another IP (soft.edit; limited, audited)
// Forms work without JavaScript and are CSRF-checked by src/http/session.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { formatDate, formatMoney } from "../i18n/format.ts";
import { t } from "../i18n/t.ts";
import type { Locale } from "../i18n/locales.ts";
import { isAppError } from "../lib/errors.ts";
import { html } from "../lib/html.ts";
import { isSellable } from "../modules/catalog/catalog.logic.ts";
import { field } from "./auth-pages.ts";
import { pageLocale } from "./locale.ts";
import { ID_SHAPE, me, notice, PORTAL_PAGE, refusalOf, see, sendPortalNotFound } from "./portal/common.ts";
import { sendPortalPage } from "./portal/layout.ts";
import { csrfField, currentCustomer } from "./session.ts";

const PAGE = { config: { surface: "page" as const } };
type Form = { Body: Record<string, unknown> | undefined };

export function registerLicenseRoutes(app: FastifyInstance, c: Container): void {
  const localeOf = (req: FastifyRequest): Locale => pageLocale(req);

  async function storefront(req: FastifyRequest, reply: FastifyReply, o: { status?: number; problem?: string; values?: Record<string, string> } = {}) {
    const l = localeOf(req);
    const onSale = (await c.catalog.listLicenseTariffs()).filter((e) => e.module.trial !== 1 && isSellable(e));
    const v = o.values ?? {};
    const rows = onSale.map(
      (e) => html`<tr><th scope="row">${e.module.name}</th><td>${e.prices[1] ? t(l, "licenses.store.per_month", { price: formatMoney(e.prices[1], l) }) : t(l, "licenses.store.not_sold")}</td><td>${e.prices[12] ? t(l, "licenses.store.per_year", { price: formatMoney(e.prices[12], l) }) : t(l, "licenses.store.not_sold")}</td></tr>`,
    );
    const options = onSale.map((e) => html`<option value="${String(e.module.tariff_id)}"${v["tariff"] === String(e.module.tariff_id) ? " selected" : ""}>${e.module.name}</option>`);
    const periods = [1, 12].map((m) => html`<option value="${String(m)}"${(v["period"] ?? "12") === String(m) ? " selected" : ""}>${t(l, "licenses.store.period_option", { months: m })}</option>`);
    const body = onSale.length === 0
      ? html`<div class="card"><h1>${t(l, "licenses.store.title")}</h1><p>${t(l, "licenses.store.none")}</p></div>`
      : html`<div class="card" id="editions"><h1>${t(l, "licenses.store.title")}</h1><p>${t(l, "licenses.store.lead")}</p>
<table><thead><tr><th scope="col">${t(l, "licenses.store.edition")}</th><th scope="col">${t(l, "licenses.store.monthly")}</th><th scope="col">${t(l, "licenses.store.yearly")}</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<div class="card" id="order"><h2>${t(l, "licenses.store.order_title")}</h2>
${o.problem ? notice("error", t(l, "licenses.store.problem", { problem: o.problem })) : ""}
<form method="post" action="/licenses/order">${csrfField(req)}
<label for="lic-tariff">${t(l, "licenses.store.edition")}</label><select id="lic-tariff" name="tariff">${options}</select>
<label for="lic-period">${t(l, "licenses.store.period")}</label><select id="lic-period" name="period">${periods}</select>
<label for="lic-ip">${t(l, "licenses.store.ip")}</label><input id="lic-ip" name="ip" required maxlength="64" autocomplete="off" spellcheck="false" value="${v["ip"] ?? ""}" aria-describedby="lic-ip-hint">
<p class="muted" id="lic-ip-hint">${t(l, "licenses.store.ip_hint")}</p>
<label for="lic-name">${t(l, "licenses.store.name")}</label><input id="lic-name" name="name" maxlength="64" value="${v["name"] ?? ""}" aria-describedby="lic-name-hint">
<p class="muted" id="lic-name-hint">${t(l, "licenses.store.name_hint")}</p>
<p><button type="submit">${t(l, "licenses.store.submit")}</button></p>
<p class="muted">${t(l, "licenses.store.next")}</p>
</form></div>`;
    return sendPortalPage(req, reply, { title: t(l, "licenses.store.title"), section: "checkout", body, status: o.status ?? 200 });
  }

  app.get("/licenses", PAGE, async (req, reply) => storefront(req, reply));

  app.post<Form>("/licenses/order", PAGE, async (req, reply) => {
    const values = { tariff: field(req.body, "tariff"), period: field(req.body, "period"), ip: field(req.body, "ip"), name: field(req.body, "name") };
    try {
      const order = await c.orders.intakeLicense({ tariff: values.tariff, period: values.period, ip: values.ip, name: values.name }, null);
      return see(reply, `/checkout/${order.id}`);
    } catch (e) {
      if (!isAppError(e) || (e.code !== "invalid_input" && e.code !== "conflict")) throw e;
      return storefront(req, reply, { status: 400, problem: e.message, values });
    }
  });

  // ---- the portal ---------------------------------------------------------------------------

  app.get("/account/licenses", PORTAL_PAGE, async (req, reply) => {
    const l = localeOf(req);
    const customer = me(req);
    const list = await c.licenses.list({ customerId: customer.id });
    const limit = c.config.LICENSE_IP_CHANGES_MAX;
    const done = (req.query as Record<string, unknown>)["done"] === "moved" ? notice("ok", t(l, "licenses.portal.moved")) : html``;
    const cards = await Promise.all(
      list.map(async (lic) => {
        const { key } = lic.keyState === "ready" ? await c.licenses.revealKey(lic.id, { customerId: customer.id }) : { key: null };
        const left = Math.max(0, limit - lic.ipChanges);
        const stateKey = lic.state === "expired" ? "licenses.portal.state.expired" : lic.state === "deleted" ? "licenses.portal.state.deleted" : "licenses.portal.state.active";
        return html`<div class="card" id="${lic.id}"><h2>${lic.name ?? `${t(l, "licenses.portal.license")} ${String(lic.upstreamId)}`} <span class="badge">${t(l, stateKey)}</span></h2>
<table>
<tr><th scope="row">${t(l, "licenses.portal.license")}</th><td>${String(lic.upstreamId)}</td></tr>
<tr><th scope="row">${t(l, "licenses.portal.ip")}</th><td>${lic.ip}</td></tr>
<tr><th scope="row">${t(l, "licenses.portal.expires")}</th><td>${lic.expiresOn ? formatDate(lic.expiresOn, l) : "—"}</td></tr>
<tr><th scope="row">${t(l, "licenses.portal.key")}</th><td>${key ? html`<code class="license-key">${key}</code> <a href="/account/licenses/${lic.id}/key.txt" download>${t(l, "licenses.portal.download")}</a>` : t(l, "licenses.portal.key_pending")}</td></tr>
</table>
${lic.state === "active"
  ? html`<form method="post" action="/account/licenses/${lic.id}/ip">${csrfField(req)}
<h3>${t(l, "licenses.portal.change_ip")}</h3><p class="muted">${t(l, "licenses.portal.change_ip_left", { left })}</p>
${left > 0 ? html`<label for="ip-${lic.id}">${t(l, "licenses.portal.new_ip")}</label><input id="ip-${lic.id}" name="ip" required maxlength="64" autocomplete="off" spellcheck="false">
<p><button type="submit">${t(l, "licenses.portal.change_ip")}</button></p>` : ""}
</form>`
  : ""}
</div>`;
      }),
    );
    const body = html`<div class="card"><h1>${t(l, "licenses.portal.title")}</h1>${done}
${list.length === 0 ? html`<p>${t(l, "licenses.portal.none")}</p>` : ""}
<p><a href="/licenses">${t(l, "licenses.portal.buy")}</a></p></div>
${cards}`;
    return sendPortalPage(req, reply, { title: t(l, "licenses.portal.title"), section: "checkout", body });
  });

  app.get<{ Params: { id: string } }>("/account/licenses/:id", PORTAL_PAGE, async (req, reply) => {
    try {
      if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "checkout");
      // Only its owner is sent on; anyone else gets the 404 of an unknown id.
      const lic = await c.licenses.show(req.params.id, me(req).id);
      return see(reply, `/account/licenses#${lic.id}`);
    } catch (e) {
      if (isAppError(e) && e.code === "not_found") return sendPortalNotFound(req, reply, "checkout");
      throw e;
    }
  });

  app.get<{ Params: { id: string } }>("/account/licenses/:id/key.txt", PORTAL_PAGE, async (req, reply) => {
    try {
      if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "checkout");
      const { license, key } = await c.licenses.revealKey(req.params.id, { customerId: me(req).id });
      if (!key) return sendPortalNotFound(req, reply, "checkout");
      return reply
        .type("text/plain; charset=utf-8")
        .header("cache-control", "no-store")
        .header("content-disposition", `attachment; filename="ispmanager-license-${license.upstreamId}.txt"`)
        .send(`${key}\n`);
    } catch (e) {
      if (isAppError(e) && e.code === "not_found") return sendPortalNotFound(req, reply, "checkout");
      throw e;
    }
  });

  app.post<{ Params: { id: string } } & Form>("/account/licenses/:id/ip", PORTAL_PAGE, async (req, reply) => {
    const l = localeOf(req);
    const customer = currentCustomer(req)!;
    try {
      if (!ID_SHAPE.test(req.params.id)) return sendPortalNotFound(req, reply, "checkout");
      await c.licenses.changeIp(req.params.id, field(req.body, "ip"), {
        customerId: customer.id,
        audit: { actor: { kind: "system", id: null, label: `customer:${customer.email}` }, ip: req.ip },
      });
      return see(reply, "/account/licenses?done=moved");
    } catch (e) {
      const r = refusalOf(e);
      if (r.notFound) return sendPortalNotFound(req, reply, "checkout");
      return sendPortalPage(req, reply, { title: t(l, "licenses.portal.title"), section: "checkout", body: html`<div class="card"><h1>${t(l, "licenses.portal.change_ip")}</h1>${notice("error", r.message)}<p><a href="/account/licenses#${req.params.id}">${t(l, "licenses.portal.title")}</a></p></div>`, status: r.status });
    }
  });
}
