// /admin/tokens (owner only): API tokens for the JSON API (ADR 0017). A new token's text is shown
// once, on the answer to the form that created it, and is nowhere else afterwards (only its hash is
// stored). Creating and revoking write audit entries (in the service's transaction).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { isAppError } from "../../lib/errors.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { SCOPE_NAMES } from "../../modules/api-tokens/api-tokens.logic.ts";
import type { ApiTokenView } from "../../modules/api-tokens/api-tokens.service.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField, requireStaff } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { t, tHtml } from "../../i18n/t.ts";
import { badge, confirmed, confirmPage, loc, refusal, when, word } from "./common.ts";
import { fieldValues, staffAuditContext } from "./staff-context.ts";

const OWNER = { config: { surface: "page" as const }, preHandler: requireStaff("owner") };

type Form = { Body: Record<string, unknown> | undefined };

function tokenRow(req: FastifyRequest, tk: ApiTokenView, cols: string[]): SafeHtml {
  const l = loc(req);
  return html`<tr><td data-label="${cols[0]}">${tk.name}</td><td data-label="${cols[1]}"><code>${tk.prefix}…</code></td><td data-label="${cols[2]}">${tk.scopes.map((s) => html`<code>${s}</code> `)}</td><td data-label="${cols[3]}">${tk.createdBy}<br><span class="muted">${when(tk.createdAt, l)}</span></td>
<td data-label="${cols[4]}">${tk.lastUsedAt ? when(tk.lastUsedAt, l) : t(l, "console.tokens.never")}</td><td data-label="${cols[5]}">${tk.revokedAt ? badge(t(l, "console.tokens.revoked_at", { at: when(tk.revokedAt, l) }), "bad") : badge(t(l, "console.tokens.active"), "ok")}</td>
<td data-label="${cols[6]}">${tk.revokedAt ? "" : html`<form method="post" action="/admin/tokens/${tk.id}/revoke">${csrfField(req)}<button class="small danger" type="submit">${t(l, "console.tokens.revoke")}</button></form>`}</td></tr>`;
}

function createForm(req: FastifyRequest, input: { name: string; scopes: readonly string[] }): SafeHtml {
  const l = loc(req);
  const boxes = SCOPE_NAMES.map(
    (s) => html`<div class="field"><label class="check"><input type="checkbox" name="scopes" value="${s}"${input.scopes.includes(s) ? html` checked` : ""}> <code>${s}</code> — ${word(l, "console.scope.", s)}</label></div>`,
  );
  return html`<section class="card"><h2>${t(l, "console.tokens.new")}</h2><form method="post" action="/admin/tokens">${csrfField(req)}
<div class="field"><label for="name">${t(l, "console.tokens.name")}</label><input id="name" name="name" required maxlength="100" value="${input.name}" aria-describedby="name-hint"><p class="hint" id="name-hint">${t(l, "console.tokens.name_hint")}</p></div>
<fieldset><legend>${t(l, "console.tokens.scopes")}</legend>${boxes}</fieldset>
<p><button type="submit">${t(l, "console.tokens.create")}</button></p></form></section>`;
}

export function registerAdminTokenRoutes(app: FastifyInstance, c: Container): void {
  async function tokensPage(req: FastifyRequest, reply: FastifyReply, o: { message?: SafeHtml; created?: { token: string; view: ApiTokenView }; input?: { name: string; scopes: readonly string[] }; status?: number }) {
    const l = loc(req);
    const tokens = await c.apiTokens.list();
    const cols = [t(l, "console.tokens.name_col"), t(l, "console.tokens.prefix"), t(l, "console.tokens.scopes"), t(l, "console.col.created"), t(l, "console.tokens.last_used"), t(l, "console.col.state"), t(l, "console.order.actions")];
    const created = o.created
      ? html`<div class="notice ok" role="status"><p>${tHtml(l, "console.tokens.created", { name: html`<b>${o.created.view.name}</b>` })}</p>
<p><code id="new-token">${o.created.token}</code></p><p class="muted">${tHtml(l, "console.tokens.usage", { header: html`<code>Authorization: Bearer …</code>`, path: html`<code>/api/v1</code>`, spec: html`<a href="/api/openapi.json">/api/openapi.json</a>` })}</p></div>`
      : "";
    return sendAdminPage(req, reply, {
      title: t(l, "console.nav.tokens"),
      section: "tokens",
      status: o.status ?? 200,
      body: html`<h1>${t(l, "console.nav.tokens")}</h1>${o.message ?? ""}${created}
<section class="card">${tokens.length === 0 ? html`<p class="muted">${t(l, "console.tokens.none")}</p>` : html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${tokens.map((tk) => tokenRow(req, tk, cols))}</tbody></table></div>`}</section>
${createForm(req, o.input ?? { name: "", scopes: [] })}`,
    });
  }

  app.get<{ Querystring: Record<string, string | undefined> }>("/admin/tokens", OWNER, async (req, reply) => {
    const revoked = req.query.revoked;
    return tokensPage(req, reply, revoked !== undefined ? { message: notice("ok", t(loc(req), "console.tokens.revoked")) } : {});
  });

  app.post<Form>("/admin/tokens", OWNER, async (req, reply) => {
    const input = { name: field(req.body, "name"), scopes: fieldValues(req.body, "scopes") };
    try {
      const created = await c.apiTokens.create(input, staffAuditContext(req));
      return tokensPage(req, reply, { created, status: 201 });
    } catch (e) {
      if (!isAppError(e) || e.code !== "invalid_input") throw e;
      return tokensPage(req, reply, { message: refusal(loc(req), e.code, e.message), input, status: 400 });
    }
  });

  app.post<Form & { Params: { id: string } }>("/admin/tokens/:id/revoke", OWNER, async (req, reply) => {
    if (!confirmed(req.body)) {
      const l = loc(req);
      const tk = (await c.apiTokens.list()).find((x) => x.id === req.params.id && !x.revokedAt);
      if (!tk) return tokensPage(req, reply, { message: notice("error", t(l, "console.tokens.missing")), status: 404 });
      return confirmPage(req, reply, {
        section: "tokens",
        title: t(l, "console.tokens.confirm_title"),
        effect: t(l, "console.tokens.confirm", { name: tk.name, prefix: `${tk.prefix}…` }),
        action: `/admin/tokens/${tk.id}/revoke`,
        button: t(l, "console.tokens.revoke"),
        back: "/admin/tokens",
      });
    }
    await c.apiTokens.revoke(req.params.id, staffAuditContext(req));
    return redirect(reply, "/admin/tokens?revoked=1");
  });
}
