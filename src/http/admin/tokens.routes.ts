// /admin/tokens (owner only): API tokens for the JSON API (ADR 0017). A new token's text is shown
// once, on the answer to the form that created it, and is nowhere else afterwards (only its hash is
// stored). Creating and revoking write audit entries (in the service's transaction).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { SCOPE_NAMES, SCOPES } from "../../modules/api-tokens/api-tokens.logic.ts";
import type { ApiTokenView } from "../../modules/api-tokens/api-tokens.service.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField, requireStaff } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { fieldValues, staffAuditContext } from "./staff-context.ts";

const OWNER = { config: { surface: "page" as const }, preHandler: requireStaff("owner") };

type Form = { Body: Record<string, unknown> | undefined };

function tokenRow(req: FastifyRequest, t: ApiTokenView): SafeHtml {
  return html`<tr><td>${t.name}</td><td><code>${t.prefix}…</code></td><td>${t.scopes.join(" ")}</td><td>${t.createdBy}<br><span class="muted">${t.createdAt}</span></td>
<td>${t.lastUsedAt ?? "never"}</td><td>${t.revokedAt ? html`revoked ${t.revokedAt}` : "active"}</td>
<td>${t.revokedAt ? "" : html`<form method="post" action="/admin/tokens/${t.id}/revoke">${csrfField(req)}<button type="submit">Revoke</button></form>`}</td></tr>`;
}

function createForm(req: FastifyRequest, input: { name: string; scopes: readonly string[] }): SafeHtml {
  const boxes = SCOPE_NAMES.map(
    (s) => html`<label class="check"><input type="checkbox" name="scopes" value="${s}"${input.scopes.includes(s) ? html` checked` : ""}> <code>${s}</code> — ${SCOPES[s]}</label><br>`,
  );
  return html`<h2>New token</h2><form method="post" action="/admin/tokens">${csrfField(req)}
<label for="name">Name (who uses it, e.g. "CRM sync")</label><input id="name" name="name" required maxlength="100" value="${input.name}">
<fieldset><legend>Scopes</legend>${boxes}</fieldset>
<p><button type="submit">Create token</button></p></form>`;
}

export function registerAdminTokenRoutes(app: FastifyInstance, c: Container): void {
  async function tokensPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; created?: { token: string; view: ApiTokenView }; input?: { name: string; scopes: readonly string[] }; status?: number }) {
    const tokens = await c.apiTokens.list();
    const created = o.created
      ? html`<div class="notice ok" role="status"><p>Token <b>${o.created.view.name}</b> created. Copy it now: it is shown only this once.</p>
<p><code id="new-token">${o.created.token}</code></p><p class="muted">Use it as <code>Authorization: Bearer …</code> on <code>/api/v1</code>; the API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p></div>`
      : "";
    return sendAdminPage(req, reply, {
      title: "API tokens",
      section: "tokens",
      status: o.status ?? 200,
      body: html`<div class="card"><h1>API tokens</h1>${o.message ?? ""}${created}
${tokens.length === 0 ? html`<p class="muted">No tokens yet.</p>` : html`<table><thead><tr><th>Name</th><th>Prefix</th><th>Scopes</th><th>Created</th><th>Last used</th><th>Status</th><th></th></tr></thead><tbody>${tokens.map((t) => tokenRow(req, t))}</tbody></table>`}
${createForm(req, o.input ?? { name: "", scopes: [] })}</div>`,
    });
  }

  app.get<{ Querystring: Record<string, string | undefined> }>("/admin/tokens", OWNER, async (req, reply) => {
    const revoked = req.query.revoked;
    return tokensPage(req, reply, revoked !== undefined ? { message: notice("ok", "The token is revoked: the next request with it is refused.") } : {});
  });

  app.post<Form>("/admin/tokens", OWNER, async (req, reply) => {
    const input = { name: field(req.body, "name"), scopes: fieldValues(req.body, "scopes") };
    try {
      const created = await c.apiTokens.create(input, staffAuditContext(req));
      return tokensPage(req, reply, { created, status: 201 });
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid_input") throw e;
      return tokensPage(req, reply, { message: notice("error", e.message), input, status: 400 });
    }
  });

  app.post<Form & { Params: { id: string } }>("/admin/tokens/:id/revoke", OWNER, async (req, reply) => {
    await c.apiTokens.revoke(req.params.id, staffAuditContext(req));
    return redirect(reply, "/admin/tokens?revoked=1");
  });
}
