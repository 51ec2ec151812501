// The console's record pages: the ledger (transactions with their entries, by account, keyset
// pages), the job queue (counts by state, dead letters, retry one or all) and the audit log
// (filtered by actor, action, subject and date, keyset pages).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { format } from "../../lib/money.ts";
import { ACTOR_KINDS } from "../../modules/audit/audit.logic.ts";
import { notice, redirect } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { ADMIN_STYLE, STAFF_PAGE, attempt, badge, href, limitParam, nextLink, option, param, staffAct, when, type Params, type Query } from "./common.ts";

const JOB_STATES = ["queued", "running", "done", "dead", "cancelled"] as const;

export function registerAdminRecordRoutes(app: FastifyInstance, c: Container): void {
  // ---- ledger --------------------------------------------------------------------------------
  app.get<Query>("/admin/ledger", STAFF_PAGE, async (req, reply) => {
    const account = param(req.query, "account");
    const after = param(req.query, "after");
    const r = await attempt(() => c.adminConsole.ledgerPage({ ...(account ? { account } : {}), ...(after ? { cursor: after } : {}), ...limitParam(req.query) }));
    const accounts = r.ok ? r.value.accounts : [];
    const body = html`${ADMIN_STYLE}<h1>Ledger</h1>
<form class="filters card" method="get" action="/admin/ledger">
<label>Account<select name="account">${option("", "every account", account)}${accounts.map((a) => option(a.id, `${a.kind} ${a.currency}`, account))}${account && !accounts.some((a) => a.id === account) ? option(account, account, account) : ""}</select></label>
<button type="submit">Show</button> <a href="/admin/ledger">Clear</a></form>
${r.ok
      ? html`<div class="card">${r.value.transactions.length > 0
          ? html`<table class="list"><tr><th>At</th><th>Transaction</th><th>Kind</th><th>Memo</th><th>By</th><th>Entries</th></tr>${r.value.transactions.map(
              (t) => html`<tr><td>${when(t.created_at)}</td><td>${t.id}${t.order_id ? html`<br><a href="/admin/orders/${t.order_id}">${t.order_id}</a>` : ""}</td><td>${t.kind}</td><td>${t.memo}</td><td>${t.actor ?? "system"}</td><td><table>${t.entries.map(
                (e) => html`<tr><td><a href="${href("/admin/ledger", { account: e.account_id })}">${e.account_id}</a></td><td class="num">${format({ minor: e.amount_minor, currency: e.currency })}</td></tr>`,
              )}</table></td></tr>`,
            )}</table>`
          : html`<p class="muted">No transactions.</p>`}${nextLink("/admin/ledger", { account, limit: param(req.query, "limit") }, r.value.next)}</div>`
      : r.message}
<p class="muted">Entries are never changed: a correction is a new transaction. The entries of a transaction sum to zero per currency.</p>`;
    return sendAdminPage(req, reply, { title: "Ledger", section: "ledger", body, status: r.ok ? 200 : r.status });
  });

  // ---- jobs ----------------------------------------------------------------------------------
  async function jobsPage(req: FastifyRequest, reply: FastifyReply, message?: SafeHtml, status = 200): Promise<FastifyReply> {
    const j = await c.adminConsole.jobs();
    const body = html`${ADMIN_STYLE}<h1>Jobs</h1>${message ?? ""}
<div class="grid">${JOB_STATES.map((s) => html`<div class="card kpi"><p class="muted">${s}</p><b data-jobs="${s}">${String(j.counts[s] ?? 0)}</b></div>`)}</div>
<div class="card"><h2>Dead letters</h2><p class="muted">Jobs that failed every attempt. Retrying gives a job a fresh set of attempts; fix the cause first (the error says what it was).</p>
${j.dead.length > 0
      ? html`<form method="post" action="/admin/jobs/retry-dead">${csrfField(req)}<p><button type="submit">Retry all dead jobs</button></p></form>
<table class="list"><tr><th>Job</th><th>Kind</th><th>Key</th><th>Attempts</th><th>Died</th><th>Error</th><th></th></tr>${j.dead.map(
          (d) => html`<tr data-job="${d.id}"><td>${d.id}</td><td>${d.kind}</td><td>${d.idempotency_key}</td><td>${String(d.attempts)}/${String(d.max_attempts)}</td><td>${when(d.finished_at ?? d.updated_at)}</td><td><pre class="json">${d.last_error ?? ""}</pre></td><td><form class="inline" method="post" action="/admin/jobs/${d.id}/retry">${csrfField(req)}<button class="small" type="submit">Retry</button></form></td></tr>`,
        )}</table>`
      : html`<p class="muted">No dead jobs.</p>`}</div>`;
    return sendAdminPage(req, reply, { title: "Jobs", section: "jobs", body, status });
  }

  app.get<Query>("/admin/jobs", STAFF_PAGE, async (req, reply) => {
    const retried = param(req.query, "retried");
    return jobsPage(req, reply, /^\d{1,9}$/.test(retried) ? notice("ok", `${retried} job(s) queued again.`) : undefined);
  });

  app.post<Params<"id">>("/admin/jobs/:id/retry", STAFF_PAGE, async (req, reply) => {
    const r = await attempt(() => c.adminConsole.retryJob(req.params.id, staffAct(req)));
    if (r.ok) return redirect(reply, "/admin/jobs?retried=1");
    return jobsPage(req, reply, r.message, r.status);
  });

  app.post("/admin/jobs/retry-dead", STAFF_PAGE, async (req, reply) => {
    const n = await c.adminConsole.retryAllDead(staffAct(req));
    return redirect(reply, `/admin/jobs?retried=${n}`);
  });

  // ---- audit log -----------------------------------------------------------------------------
  app.get<Query>("/admin/audit", STAFF_PAGE, async (req, reply) => {
    const f = {
      actorKind: param(req.query, "actorKind"),
      actorId: param(req.query, "actorId"),
      action: param(req.query, "action"),
      subjectType: param(req.query, "subjectType"),
      subjectId: param(req.query, "subjectId"),
      from: param(req.query, "from"),
      to: param(req.query, "to"),
    };
    const after = param(req.query, "after");
    const r = await attempt(() =>
      c.audit.list({
        ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== "")),
        ...(after ? { cursor: after } : {}),
        ...limitParam(req.query),
      }),
    );
    const text = (name: keyof typeof f, label: string, placeholder: string) =>
      html`<label>${label}<input type="text" name="${name}" value="${f[name]}" placeholder="${placeholder}" maxlength="200"></label>`;
    const snap = (v: unknown) => (v === null || v === undefined ? "" : html`<pre class="json">${JSON.stringify(v, null, 1)}</pre>`);
    const body = html`${ADMIN_STYLE}<h1>Audit log</h1>
<form class="filters card" method="get" action="/admin/audit">
<label>Actor<select name="actorKind">${option("", "anyone", f.actorKind)}${ACTOR_KINDS.map((k) => option(k, k, f.actorKind))}</select></label>
${text("actorId", "Actor id", "stf_…, tok_…")}${text("action", "Action", "order.reject or order.")}${text("subjectType", "Subject type", "order")}${text("subjectId", "Subject id", "ord_…")}
<label>From<input type="date" name="from" value="${f.from}"></label><label>To (before)<input type="date" name="to" value="${f.to}"></label>
<button type="submit">Show</button> <a href="/admin/audit">Clear</a></form>
${r.ok
      ? html`<div class="card">${r.value.entries.length > 0
          ? html`<table class="list"><tr><th>At</th><th>Who</th><th>From</th><th>Action</th><th>Subject</th><th>Before</th><th>After</th></tr>${r.value.entries.map(
              (e) => html`<tr data-audit="${e.id}"><td>${when(e.at)}</td><td>${e.actor.kind}${e.actor.label ? html`<br>${e.actor.label}` : ""}</td><td>${e.ip ?? ""}</td><td>${badge(e.action)}</td><td>${e.subject.type === "order" ? html`<a href="/admin/orders/${e.subject.id}">${e.subject.id}</a>` : e.subject.type === "customer" ? html`<a href="/admin/customers/${e.subject.id}">${e.subject.id}</a>` : `${e.subject.type} ${e.subject.id}`}</td><td>${snap(e.before)}</td><td>${snap(e.after)}</td></tr>`,
            )}</table>`
          : html`<p class="muted">No entries match.</p>`}${nextLink("/admin/audit", { ...f, limit: param(req.query, "limit") }, r.value.nextCursor)}</div>`
      : r.message}
<p class="muted">The audit log is append-only: entries are never changed or deleted.</p>`;
    return sendAdminPage(req, reply, { title: "Audit log", section: "audit", body, status: r.ok ? 200 : r.status });
  });
}
