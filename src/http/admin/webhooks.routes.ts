// /admin/webhooks (owner only): outgoing webhook endpoints, the events each one gets, the delivery
// log, "send test event" and redelivery (ADR 0019). A new endpoint's signing secret is shown once,
// on the answer to the form that added it. Every change writes an audit entry (in the service).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { WEBHOOK_EVENT_NAMES, WEBHOOK_EVENTS } from "../../modules/webhooks/webhooks.logic.ts";
import type { WebhookDeliveryView, WebhookEndpointView } from "../../modules/webhooks/webhooks.service.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField, requireStaff } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { fieldValues, staffAuditContext } from "./staff-context.ts";

const OWNER = { config: { surface: "page" as const }, preHandler: requireStaff("owner") };

type Form = { Body: Record<string, unknown> | undefined };
type WithId = Form & { Params: { id: string } };

const DONE: Record<string, string> = {
  enabled: "The endpoint is enabled.",
  disabled: "The endpoint is disabled: it gets no new events.",
  deleted: "The endpoint and its delivery log are deleted.",
  events: "The endpoint's events are saved.",
  test: "A test event is queued; its delivery shows below in a moment.",
  redelivered: "The delivery is queued again.",
};

function eventBoxes(name: string, chosen: readonly string[]): SafeHtml {
  return html`${WEBHOOK_EVENT_NAMES.map(
    (e) => html`<label class="check"><input type="checkbox" name="${name}" value="${e}"${chosen.includes(e) ? html` checked` : ""}> <code>${e}</code> — ${WEBHOOK_EVENTS[e]}</label><br>`,
  )}`;
}

function button(req: FastifyRequest, action: string, label: string): SafeHtml {
  return html`<form method="post" action="${action}" class="inline-form">${csrfField(req)}<button type="submit">${label}</button></form>`;
}

function endpointBlock(req: FastifyRequest, e: WebhookEndpointView): SafeHtml {
  const base = `/admin/webhooks/${e.id}`;
  return html`<div class="card"><h3><code>${e.url}</code> ${e.enabled ? "" : html`<span class="muted">(disabled)</span>`}</h3>
${e.description ? html`<p>${e.description}</p>` : ""}<p class="muted">${e.id} · added by ${e.createdBy ?? "—"} at ${e.createdAt}</p>
<form method="post" action="${base}/events">${csrfField(req)}<fieldset><legend>Events</legend>${eventBoxes("events", e.events)}</fieldset><button type="submit">Save events</button></form>
<p>${button(req, `${base}/test`, "Send test event")} ${button(req, `${base}/${e.enabled ? "disable" : "enable"}`, e.enabled ? "Disable" : "Enable")} ${button(req, `${base}/delete`, "Delete")}
<a href="/admin/webhooks?endpoint=${e.id}">Deliveries</a></p></div>`;
}

function deliveryRow(req: FastifyRequest, d: WebhookDeliveryView): SafeHtml {
  return html`<tr><td><a href="/admin/webhooks/deliveries/${d.id}">${d.createdAt}</a></td><td><code>${d.eventType}</code><br><span class="muted">${d.eventId}</span></td><td>${d.endpointId}</td>
<td>${d.state}</td><td>${d.attempts}</td><td>${d.lastStatus ?? "—"}</td><td>${d.lastError ?? ""}</td>
<td>${button(req, `/admin/webhooks/deliveries/${d.id}/redeliver`, d.state === "pending" ? "Send now" : "Redeliver")}</td></tr>`;
}

function deliveriesTable(req: FastifyRequest, rows: WebhookDeliveryView[]): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No deliveries yet.</p>`;
  return html`<table><thead><tr><th>Created</th><th>Event</th><th>Endpoint</th><th>State</th><th>Attempts</th><th>Last HTTP status</th><th>Last error</th><th></th></tr></thead><tbody>${rows.map((d) => deliveryRow(req, d))}</tbody></table>`;
}

export function registerAdminWebhookRoutes(app: FastifyInstance, c: Container): void {
  async function webhooksPage(
    req: FastifyRequest,
    reply: FastifyReply,
    o: { message?: SafeHtml; added?: { secret: string; endpoint: WebhookEndpointView }; input?: { url: string; description: string; events: readonly string[] }; endpointFilter?: string; status?: number },
  ) {
    const endpoints = await c.webhooks.listEndpoints();
    const filter = o.endpointFilter && endpoints.some((e) => e.id === o.endpointFilter) ? o.endpointFilter : undefined;
    const deliveries = await c.webhooks.listDeliveries({ ...(filter ? { endpointId: filter } : {}), limit: 100 });
    const input = o.input ?? { url: "", description: "", events: [] };
    const added = o.added
      ? html`<div class="notice ok" role="status"><p>Endpoint <code>${o.added.endpoint.url}</code> added. Its signing secret, shown only this once — store it with the receiver:</p>
<p><code id="new-secret">${o.added.secret}</code></p><p class="muted">Each request carries <code>Partnerbill-Signature: t=&lt;unix time&gt;,v1=&lt;hex&gt;</code>: HMAC-SHA256 of <code>t + "." + body</code> with this secret.</p></div>`
      : "";
    return sendAdminPage(req, reply, {
      title: "Webhooks",
      section: "webhooks",
      status: o.status ?? 200,
      body: html`<div class="card"><h1>Webhooks</h1>${o.message ?? ""}${added}
<p>partnerbill POSTs a signed JSON body to each endpoint when one of its events happens, retrying with growing delays for two to three hours when the endpoint does not answer 2xx.</p></div>
${endpoints.length === 0 ? html`<p class="muted">No endpoints yet.</p>` : endpoints.map((e) => endpointBlock(req, e))}
<div class="card"><h2>Add an endpoint</h2><form method="post" action="/admin/webhooks">${csrfField(req)}
<label for="url">URL (https:// recommended)</label><input id="url" name="url" type="url" required maxlength="2000" value="${input.url}">
<label for="description">Description (optional)</label><input id="description" name="description" maxlength="200" value="${input.description}">
<fieldset><legend>Events</legend>${eventBoxes("events", input.events)}</fieldset>
<p><button type="submit">Add endpoint</button></p></form></div>
<div class="card"><h2>Delivery log${filter ? html` of ${filter} (<a href="/admin/webhooks">all</a>)` : ""}</h2>${deliveriesTable(req, deliveries)}</div>`,
    });
  }

  /** Runs a change; invalid input re-renders the page with the message (status 400), nothing changed. */
  async function change(req: FastifyRequest, reply: FastifyReply, done: string, fn: () => Promise<unknown>) {
    try {
      await fn();
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid_input") throw e;
      return webhooksPage(req, reply, { message: notice("error", e.message), status: 400 });
    }
    return redirect(reply, `/admin/webhooks?done=${done}`);
  }

  app.get<{ Querystring: Record<string, string | undefined> }>("/admin/webhooks", OWNER, async (req, reply) => {
    const done = req.query.done;
    const message = done !== undefined && Object.hasOwn(DONE, done) ? notice("ok", DONE[done]!) : undefined;
    return webhooksPage(req, reply, { ...(message ? { message } : {}), ...(req.query.endpoint ? { endpointFilter: req.query.endpoint } : {}) });
  });

  app.post<Form>("/admin/webhooks", OWNER, async (req, reply) => {
    const input = { url: field(req.body, "url"), description: field(req.body, "description"), events: fieldValues(req.body, "events") };
    try {
      const added = await c.webhooks.addEndpoint(input, staffAuditContext(req));
      return webhooksPage(req, reply, { added, status: 201 });
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid_input") throw e;
      return webhooksPage(req, reply, { message: notice("error", e.message), input, status: 400 });
    }
  });

  app.post<WithId>("/admin/webhooks/:id/enable", OWNER, async (req, reply) =>
    change(req, reply, "enabled", () => c.webhooks.setEnabled(req.params.id, true, staffAuditContext(req))));
  app.post<WithId>("/admin/webhooks/:id/disable", OWNER, async (req, reply) =>
    change(req, reply, "disabled", () => c.webhooks.setEnabled(req.params.id, false, staffAuditContext(req))));
  app.post<WithId>("/admin/webhooks/:id/delete", OWNER, async (req, reply) =>
    change(req, reply, "deleted", () => c.webhooks.removeEndpoint(req.params.id, staffAuditContext(req))));
  app.post<WithId>("/admin/webhooks/:id/events", OWNER, async (req, reply) =>
    change(req, reply, "events", () => c.webhooks.setEvents(req.params.id, fieldValues(req.body, "events"), staffAuditContext(req))));
  app.post<WithId>("/admin/webhooks/:id/test", OWNER, async (req, reply) =>
    change(req, reply, "test", () => c.webhooks.sendTest(req.params.id, staffAuditContext(req))));
  app.post<WithId>("/admin/webhooks/deliveries/:id/redeliver", OWNER, async (req, reply) =>
    change(req, reply, "redelivered", () => c.webhooks.redeliver(req.params.id, staffAuditContext(req))));

  app.get<{ Params: { id: string } }>("/admin/webhooks/deliveries/:id", OWNER, async (req, reply) => {
    const d = await c.webhooks.getDelivery(req.params.id);
    let pretty = d.payload;
    try {
      pretty = JSON.stringify(JSON.parse(d.payload), null, 2);
    } catch {
      // Shown as stored.
    }
    return sendAdminPage(req, reply, {
      title: `Webhook delivery ${d.id}`,
      section: "webhooks",
      body: html`<div class="card"><h1>Delivery ${d.id}</h1>
<p><code>${d.eventType}</code> · event ${d.eventId} · endpoint <a href="/admin/webhooks?endpoint=${d.endpointId}">${d.endpointId}</a></p>
<p>State <b>${d.state}</b> after ${d.attempts} attempt(s); last HTTP status ${d.lastStatus ?? "—"}${d.lastError ? html`; last error: ${d.lastError}` : ""}${d.deliveredAt ? html`; delivered ${d.deliveredAt}` : ""}.</p>
<h2>Body</h2><pre>${pretty}</pre>
${button(req, `/admin/webhooks/deliveries/${d.id}/redeliver`, d.state === "pending" ? "Send now" : "Redeliver")}
<p><a href="/admin/webhooks">Back to webhooks</a></p></div>`,
    });
  });
}
