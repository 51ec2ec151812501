// /admin/webhooks (owner only): outgoing webhook endpoints, the events each one gets, the delivery
// log, "send test event" and redelivery (ADR 0019). A new endpoint's signing secret is shown once,
// on the answer to the form that added it. Every change writes an audit entry (in the service).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { WEBHOOK_EVENT_NAMES } from "../../modules/webhooks/webhooks.logic.ts";
import type { WebhookDeliveryView, WebhookEndpointView } from "../../modules/webhooks/webhooks.service.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField, requireStaff } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { t, tHtml } from "../../i18n/t.ts";
import { formatNumber } from "../../i18n/format.ts";
import type { Locale } from "../../i18n/locales.ts";
import { badge, confirmed, confirmPage, loc, refusal, when, word } from "./common.ts";
import { fieldValues, staffAuditContext } from "./staff-context.ts";

const OWNER = { config: { surface: "page" as const }, preHandler: requireStaff("owner") };

type Form = { Body: Record<string, unknown> | undefined };
type WithId = Form & { Params: { id: string } };

const DONE = ["enabled", "disabled", "deleted", "events", "test", "redelivered"] as const;

function eventBoxes(l: Locale, name: string, chosen: readonly string[]): SafeHtml {
  return html`${WEBHOOK_EVENT_NAMES.map(
    (e) => html`<div class="field"><label class="check"><input type="checkbox" name="${name}" value="${e}"${chosen.includes(e) ? html` checked` : ""}> <code>${e}</code> — ${word(l, "console.webhook_event.", e)}</label></div>`,
  )}`;
}

function button(req: FastifyRequest, action: string, label: string, danger = false): SafeHtml {
  return html`<form method="post" action="${action}" class="inline">${csrfField(req)}<button type="submit"${danger ? html` class="danger"` : html` class="secondary"`}>${label}</button></form>`;
}

function endpointBlock(req: FastifyRequest, e: WebhookEndpointView): SafeHtml {
  const l = loc(req);
  const base = `/admin/webhooks/${e.id}`;
  return html`<section class="card"><h2><code>${e.url}</code> ${e.enabled ? badge(t(l, "console.webhooks.enabled"), "ok") : badge(t(l, "console.webhooks.disabled"), "bad")}</h2>
${e.description ? html`<p>${e.description}</p>` : ""}<p class="muted">${t(l, "console.webhooks.added_by", { id: e.id, by: e.createdBy ?? "—", at: when(e.createdAt, l) })}</p>
<form method="post" action="${base}/events">${csrfField(req)}<fieldset><legend>${t(l, "console.webhooks.events")}</legend>${eventBoxes(l, "events", e.events)}</fieldset><p><button type="submit">${t(l, "console.webhooks.save_events")}</button></p></form>
<div class="actions">${button(req, `${base}/test`, t(l, "console.webhooks.send_test"))} ${button(req, `${base}/${e.enabled ? "disable" : "enable"}`, t(l, e.enabled ? "console.webhooks.disable" : "console.webhooks.enable"), e.enabled)} ${button(req, `${base}/delete`, t(l, "console.webhooks.delete"), true)}
<a href="/admin/webhooks?endpoint=${e.id}">${t(l, "console.webhooks.deliveries")}</a></div></section>`;
}

function deliveriesTable(req: FastifyRequest, rows: WebhookDeliveryView[]): SafeHtml {
  const l = loc(req);
  if (rows.length === 0) return html`<p class="muted">${t(l, "console.webhooks.no_deliveries")}</p>`;
  const cols = [t(l, "console.col.created"), t(l, "console.col.event"), t(l, "console.webhooks.endpoint"), t(l, "console.col.state"), t(l, "console.jobs.attempts"), t(l, "console.webhooks.last_status"), t(l, "console.jobs.error"), t(l, "console.order.actions")];
  return html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${rows.map(
    (d) => html`<tr><td data-label="${cols[0]}"><a href="/admin/webhooks/deliveries/${d.id}">${when(d.createdAt, l)}</a></td><td data-label="${cols[1]}"><code>${d.eventType}</code><br><span class="muted">${d.eventId}</span></td><td data-label="${cols[2]}">${d.endpointId}</td>
<td data-label="${cols[3]}">${word(l, "console.delivery_state.", d.state)}</td><td data-label="${cols[4]}">${formatNumber(d.attempts, l)}</td><td data-label="${cols[5]}">${d.lastStatus ?? "—"}</td><td data-label="${cols[6]}">${d.lastError ?? ""}</td>
<td data-label="${cols[7]}">${button(req, `/admin/webhooks/deliveries/${d.id}/redeliver`, t(l, d.state === "pending" ? "console.webhooks.send_now" : "console.webhooks.redeliver"))}</td></tr>`,
  )}</tbody></table></div>`;
}

export function registerAdminWebhookRoutes(app: FastifyInstance, c: Container): void {
  async function webhooksPage(
    req: FastifyRequest,
    reply: FastifyReply,
    o: { message?: SafeHtml; added?: { secret: string; endpoint: WebhookEndpointView }; input?: { url: string; description: string; events: readonly string[] }; endpointFilter?: string; status?: number },
  ) {
    const l = loc(req);
    const endpoints = await c.webhooks.listEndpoints();
    const filter = o.endpointFilter && endpoints.some((e) => e.id === o.endpointFilter) ? o.endpointFilter : undefined;
    const deliveries = await c.webhooks.listDeliveries({ ...(filter ? { endpointId: filter } : {}), limit: 100 });
    const input = o.input ?? { url: "", description: "", events: [] };
    const added = o.added
      ? html`<div class="notice ok" role="status"><p>${tHtml(l, "console.webhooks.added", { url: html`<code>${o.added.endpoint.url}</code>` })}</p>
<p><code id="new-secret">${o.added.secret}</code></p><p class="muted">${tHtml(l, "console.webhooks.signature", { header: html`<code>Partnerbill-Signature: t=&lt;unix time&gt;,v1=&lt;hex&gt;</code>`, input: html`<code>t + "." + body</code>`, algo: "HMAC-SHA256" })}</p></div>`
      : "";
    return sendAdminPage(req, reply, {
      title: t(l, "console.nav.webhooks"),
      section: "webhooks",
      status: o.status ?? 200,
      body: html`<h1>${t(l, "console.nav.webhooks")}</h1>${o.message ?? ""}${added}
<p>${t(l, "console.webhooks.explain")}</p>
${endpoints.length === 0 ? html`<p class="muted">${t(l, "console.webhooks.none")}</p>` : endpoints.map((e) => endpointBlock(req, e))}
<section class="card"><h2>${t(l, "console.webhooks.add")}</h2><form method="post" action="/admin/webhooks">${csrfField(req)}
<div class="field"><label for="url">${t(l, "console.webhooks.url")}</label><input id="url" name="url" type="url" required maxlength="2000" value="${input.url}" aria-describedby="url-hint"><p class="hint" id="url-hint">${t(l, "console.webhooks.url_hint", { scheme: "https://" })}</p></div>
<div class="field"><label for="description">${t(l, "console.webhooks.description")}</label><input id="description" name="description" maxlength="200" value="${input.description}"></div>
<fieldset><legend>${t(l, "console.webhooks.events")}</legend>${eventBoxes(l, "events", input.events)}</fieldset>
<p><button type="submit">${t(l, "console.webhooks.add_button")}</button></p></form></section>
<section class="card"><h2>${filter ? html`${t(l, "console.webhooks.log_of", { id: filter })} (<a href="/admin/webhooks">${t(l, "console.webhooks.all")}</a>)` : t(l, "console.webhooks.log")}</h2>${deliveriesTable(req, deliveries)}</section>`,
    });
  }

  /** Runs a change; invalid input re-renders the page with the message (status 400), nothing changed. */
  async function change(req: FastifyRequest, reply: FastifyReply, done: string, fn: () => Promise<unknown>) {
    try {
      await fn();
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid_input") throw e;
      return webhooksPage(req, reply, { message: refusal(loc(req), e.code, e.message), status: 400 });
    }
    return redirect(reply, `/admin/webhooks?done=${done}`);
  }

  app.get<{ Querystring: Record<string, string | undefined> }>("/admin/webhooks", OWNER, async (req, reply) => {
    const done = req.query.done;
    const message = done !== undefined && (DONE as readonly string[]).includes(done) ? notice("ok", t(loc(req), `console.webhooks.done.${done as (typeof DONE)[number]}`)) : undefined;
    return webhooksPage(req, reply, { ...(message ? { message } : {}), ...(req.query.endpoint ? { endpointFilter: req.query.endpoint } : {}) });
  });

  app.post<Form>("/admin/webhooks", OWNER, async (req, reply) => {
    const input = { url: field(req.body, "url"), description: field(req.body, "description"), events: fieldValues(req.body, "events") };
    try {
      const added = await c.webhooks.addEndpoint(input, staffAuditContext(req));
      return webhooksPage(req, reply, { added, status: 201 });
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid_input") throw e;
      return webhooksPage(req, reply, { message: refusal(loc(req), e.code, e.message), input, status: 400 });
    }
  });

  app.post<WithId>("/admin/webhooks/:id/enable", OWNER, async (req, reply) =>
    change(req, reply, "enabled", () => c.webhooks.setEnabled(req.params.id, true, staffAuditContext(req))));
  /** Disabling and deleting first say what they do (docs/adr/0039-console.md). */
  for (const verb of ["disable", "delete"] as const) {
    app.post<WithId>(`/admin/webhooks/:id/${verb}`, OWNER, async (req, reply) => {
      if (!confirmed(req.body)) {
        const l = loc(req);
        const e = await c.webhooks.getEndpoint(req.params.id);
        return confirmPage(req, reply, {
          section: "webhooks",
          title: t(l, `console.webhooks.confirm_title.${verb}`),
          effect: t(l, `console.webhooks.confirm.${verb}`, { url: e.url }),
          action: `/admin/webhooks/${e.id}/${verb}`,
          button: t(l, verb === "disable" ? "console.webhooks.disable" : "console.webhooks.delete"),
          back: "/admin/webhooks",
        });
      }
      return verb === "disable"
        ? change(req, reply, "disabled", () => c.webhooks.setEnabled(req.params.id, false, staffAuditContext(req)))
        : change(req, reply, "deleted", () => c.webhooks.removeEndpoint(req.params.id, staffAuditContext(req)));
    });
  }
  app.post<WithId>("/admin/webhooks/:id/events", OWNER, async (req, reply) =>
    change(req, reply, "events", () => c.webhooks.setEvents(req.params.id, fieldValues(req.body, "events"), staffAuditContext(req))));
  app.post<WithId>("/admin/webhooks/:id/test", OWNER, async (req, reply) =>
    change(req, reply, "test", () => c.webhooks.sendTest(req.params.id, staffAuditContext(req))));
  app.post<WithId>("/admin/webhooks/deliveries/:id/redeliver", OWNER, async (req, reply) =>
    change(req, reply, "redelivered", () => c.webhooks.redeliver(req.params.id, staffAuditContext(req))));

  app.get<{ Params: { id: string } }>("/admin/webhooks/deliveries/:id", OWNER, async (req, reply) => {
    const l = loc(req);
    const d = await c.webhooks.getDelivery(req.params.id);
    let pretty = d.payload;
    try {
      pretty = JSON.stringify(JSON.parse(d.payload), null, 2);
    } catch {
      // Shown as stored.
    }
    return sendAdminPage(req, reply, {
      title: t(l, "console.webhooks.delivery_title", { id: d.id }),
      section: "webhooks",
      body: html`<h1>${t(l, "console.webhooks.delivery_title", { id: d.id })}</h1>
<section class="card"><dl class="facts"><dt>${t(l, "console.col.event")}</dt><dd><code>${d.eventType}</code> <span class="muted">${d.eventId}</span></dd>
<dt>${t(l, "console.webhooks.endpoint")}</dt><dd><a href="/admin/webhooks?endpoint=${d.endpointId}">${d.endpointId}</a></dd>
<dt>${t(l, "console.col.state")}</dt><dd><b>${word(l, "console.delivery_state.", d.state)}</b></dd>
<dt>${t(l, "console.jobs.attempts")}</dt><dd>${formatNumber(d.attempts, l)}</dd>
<dt>${t(l, "console.webhooks.last_status")}</dt><dd>${d.lastStatus ?? "—"}${d.lastError ? html` · ${d.lastError}` : ""}</dd>
<dt>${t(l, "console.webhooks.delivered")}</dt><dd>${when(d.deliveredAt, l)}</dd></dl>
<h2>${t(l, "console.webhooks.body")}</h2><pre>${pretty}</pre>
${button(req, `/admin/webhooks/deliveries/${d.id}/redeliver`, t(l, d.state === "pending" ? "console.webhooks.send_now" : "console.webhooks.redeliver"))}
<p><a href="/admin/webhooks">${t(l, "console.webhooks.back")}</a></p></section>`,
    });
  });
}
