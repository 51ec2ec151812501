// The console's record pages: the ledger (transactions with their entries, by account, keyset
// pages), the job queue (counts by state, dead letters, retry one or all — confirmed in words
// first) and the audit log (filtered by actor, action, subject and date, keyset pages).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { t } from "../../i18n/t.ts";
import { formatNumber } from "../../i18n/format.ts";
import { ACTOR_KINDS } from "../../modules/audit/audit.logic.ts";
import { notice, redirect } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { STAFF_PAGE, attempt, badge, customerLink, confirmed, confirmPage, href, limitParam, loc, money, nextLink, option, param, staffAct, when, word, type Form, type Params, type Query } from "./common.ts";

const JOB_STATES = ["queued", "running", "done", "dead", "cancelled"] as const;

export function registerAdminRecordRoutes(app: FastifyInstance, c: Container): void {
  // ---- ledger --------------------------------------------------------------------------------
  app.get<Query>("/admin/ledger", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    const account = param(req.query, "account");
    const after = param(req.query, "after");
    const r = await attempt(() => c.adminConsole.ledgerPage({ ...(account ? { account } : {}), ...(after ? { cursor: after } : {}), ...limitParam(req.query) }), l);
    const accounts = r.ok ? r.value.accounts : [];
    const cols = [t(l, "console.col.at"), t(l, "console.ledger.transaction"), t(l, "console.col.kind"), t(l, "console.col.memo"), t(l, "console.col.by"), t(l, "console.ledger.entries")];
    // An account in words ("Customer balance EUR · anna@…"); its id is an identifier, shown as code.
    const accountName = new Map(accounts.map((a) => [a.id, `${word(l, "console.account.", a.kind)} ${a.currency}${a.owner ? ` · ${a.owner}` : ""}`]));
    const accountLabel = (id: string): SafeHtml => {
      const known = accountName.get(id);
      if (known) return html`${known}`;
      // acc:<kind>:<owner>:<currency> (a customer's balance is not in the filter's list).
      const m = /^acc:([a-z_]+):([^:]*):([A-Z]{3})$/.exec(id);
      return m ? html`${word(l, "console.account.", m[1]!)} ${m[3]!}${m[2] ? html` <span class="muted">${m[2]}</span>` : ""}` : html`<code>${id}</code>`;
    };
    const body = html`<h1>${t(l, "console.nav.ledger")}</h1>
<form class="filters card" method="get" action="/admin/ledger">
<div class="field"><label for="f-account">${t(l, "console.ledger.account")}</label><select id="f-account" name="account">${option("", t(l, "console.ledger.every_account"), account)}${accounts.map((a) => option(a.id, `${word(l, "console.account.", a.kind)} ${a.currency}${a.owner ? ` · ${a.owner}` : ""}`, account))}${account && !accounts.some((a) => a.id === account) ? option(account, account, account) : ""}</select></div>
<p><button type="submit">${t(l, "console.filter.show")}</button> <a class="button secondary" href="/admin/ledger">${t(l, "console.filter.clear")}</a></p></form>
${r.ok
      ? html`<section class="card">${r.value.transactions.length > 0
          ? html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${r.value.transactions.map(
              (tx) => html`<tr><td data-label="${cols[0]}">${when(tx.created_at, l)}</td><td data-label="${cols[1]}"><span class="muted">${tx.id}</span>${tx.order_id ? html`<br><a href="/admin/orders/${tx.order_id}">${tx.order_id}</a>` : ""}</td><td data-label="${cols[2]}">${word(l, "console.ledger_kind.", tx.kind)}</td><td data-label="${cols[3]}"><span lang="en">${tx.memo}</span></td><td data-label="${cols[4]}">${tx.actor ?? t(l, "console.system")}</td><td data-label="${cols[5]}"><ul class="plain">${tx.entries.map(
                (e) => html`<li data-entry="${e.account_id}"><a href="${href("/admin/ledger", { account: e.account_id })}">${accountLabel(e.account_id)}</a> <span class="num">${money({ minor: e.amount_minor, currency: e.currency }, l)}</span></li>`,
              )}</ul></td></tr>`,
            )}</tbody></table></div>`
          : html`<p class="muted">${t(l, "console.ledger.none")}</p>`}${nextLink("/admin/ledger", { account, limit: param(req.query, "limit") }, r.value.next, l)}</section>`
      : r.message}
<p class="muted">${t(l, "console.ledger.explain")}</p>`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.ledger"), section: "ledger", body, status: r.ok ? 200 : r.status });
  });

  // ---- jobs ----------------------------------------------------------------------------------
  async function jobsPage(req: FastifyRequest, reply: FastifyReply, message?: SafeHtml, status = 200): Promise<FastifyReply> {
    const l = loc(req);
    const j = await c.adminConsole.jobs();
    const cols = [t(l, "console.jobs.job"), t(l, "console.col.kind"), t(l, "console.jobs.key"), t(l, "console.jobs.attempts"), t(l, "console.jobs.died"), t(l, "console.jobs.error"), t(l, "console.order.actions")];
    const body = html`<h1>${t(l, "console.nav.jobs")}</h1>${message ?? ""}
<div class="grid">${JOB_STATES.map((s) => html`<section class="card kpi"><h2 class="muted">${word(l, "console.job_state.", s)}</h2><b data-jobs="${s}">${formatNumber(j.counts[s] ?? 0, l)}</b></section>`)}</div>
<section class="card"><h2>${t(l, "console.jobs.dead")}</h2><p class="muted">${t(l, "console.jobs.dead_explain")}</p>
${j.dead.length > 0
      ? html`<form method="post" action="/admin/jobs/retry-dead">${csrfField(req)}<p><button type="submit">${t(l, "console.jobs.retry_all")}</button></p></form>
<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${j.dead.map(
          (d) => html`<tr data-job="${d.id}"><td data-label="${cols[0]}">${d.id}</td><td data-label="${cols[1]}"><code>${d.kind}</code></td><td data-label="${cols[2]}"><code>${d.idempotency_key}</code></td><td data-label="${cols[3]}">${t(l, "console.jobs.attempts_of", { n: d.attempts, max: d.max_attempts })}</td><td data-label="${cols[4]}">${when(d.finished_at ?? d.updated_at, l)}</td><td data-label="${cols[5]}"><pre class="json">${d.last_error ?? ""}</pre></td><td data-label="${cols[6]}"><form class="inline" method="post" action="/admin/jobs/${d.id}/retry">${csrfField(req)}<button class="small" type="submit">${t(l, "console.jobs.retry")}</button></form></td></tr>`,
        )}</tbody></table></div>`
      : html`<p class="muted">${t(l, "console.jobs.no_dead")}</p>`}</section>`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.jobs"), section: "jobs", body, status });
  }

  app.get<Query>("/admin/jobs", STAFF_PAGE, async (req, reply) => {
    const retried = param(req.query, "retried");
    return jobsPage(req, reply, /^\d{1,9}$/.test(retried) ? notice("ok", t(loc(req), "console.jobs.retried", { n: Number(retried) })) : undefined);
  });

  app.post<Params<"id"> & Form>("/admin/jobs/:id/retry", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    if (!confirmed(req.body)) {
      const job = await c.queue.get(req.params.id);
      if (!job || job.state !== "dead") return jobsPage(req, reply, notice("error", t(l, "console.jobs.not_dead")), job ? 409 : 404);
      return confirmPage(req, reply, {
        section: "jobs",
        title: t(l, "console.jobs.confirm_title"),
        effect: t(l, "console.jobs.confirm", { id: job.id, kind: job.kind }),
        action: `/admin/jobs/${job.id}/retry`,
        button: t(l, "console.jobs.retry"),
        back: "/admin/jobs",
        danger: false,
      });
    }
    const r = await attempt(() => c.adminConsole.retryJob(req.params.id, staffAct(req)), l);
    if (r.ok) return redirect(reply, "/admin/jobs?retried=1");
    return jobsPage(req, reply, r.message, r.status);
  });

  app.post<Form>("/admin/jobs/retry-dead", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
    if (!confirmed(req.body)) {
      const j = await c.adminConsole.jobs();
      const n = j.counts["dead"] ?? 0;
      return confirmPage(req, reply, {
        section: "jobs",
        title: t(l, "console.jobs.confirm_all_title"),
        effect: t(l, "console.jobs.confirm_all", { n }),
        action: "/admin/jobs/retry-dead",
        button: t(l, "console.jobs.retry_all"),
        back: "/admin/jobs",
        danger: false,
      });
    }
    const n = await c.adminConsole.retryAllDead(staffAct(req));
    return redirect(reply, `/admin/jobs?retried=${n}`);
  });

  // ---- audit log -----------------------------------------------------------------------------
  app.get<Query>("/admin/audit", STAFF_PAGE, async (req, reply) => {
    const l = loc(req);
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
    const r = await attempt(
      () =>
        c.audit.list({
          ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== "")),
          ...(after ? { cursor: after } : {}),
          ...limitParam(req.query),
        }),
      l,
    );
    const text = (name: keyof typeof f, label: string, hint: string) =>
      html`<div class="field"><label for="f-${name}">${label}</label><input id="f-${name}" type="text" name="${name}" value="${f[name]}" maxlength="200" aria-describedby="f-${name}-hint"><p class="hint" id="f-${name}-hint"><code>${hint}</code></p></div>`;
    // Modules and customers by name (their ids muted), orders by id linking to the order.
    const modules = new Map((await c.catalog.listModules()).map((m) => [m.module.id, m.module] as const));
    const entries = r.ok ? r.value.entries : [];
    const customerIds = [...new Set(entries.filter((e) => e.subject.type === "customer").map((e) => e.subject.id))];
    const customers = new Map((await Promise.all(customerIds.map((id) => c.repos.customers.findById(c.db, id)))).filter((u) => u !== undefined).map((u) => [u!.id, u!] as const));
    const subject = (sj: { type: string; id: string }): SafeHtml => {
      if (sj.type === "order") return html`<a href="/admin/orders/${sj.id}">${sj.id}</a>`;
      if (sj.type === "customer") return customerLink(customers.get(sj.id), sj.id);
      const m = sj.type === "module" ? modules.get(sj.id) : undefined;
      if (m) return html`<a href="/admin/catalog/${m.tariff_id}">${m.name}</a><br><span class="muted">${sj.id}</span>`;
      return html`<code>${sj.type}</code> ${sj.id}`;
    };
    const snap = (v: unknown) => (v === null || v === undefined ? "" : html`<pre class="json">${JSON.stringify(v, null, 1)}</pre>`);
    const cols = [t(l, "console.col.at"), t(l, "console.audit.who"), t(l, "console.audit.from_address"), t(l, "console.audit.action"), t(l, "console.audit.subject"), t(l, "console.audit.before"), t(l, "console.audit.after")];
    const body = html`<h1>${t(l, "console.nav.audit")}</h1>
<form class="filters card" method="get" action="/admin/audit">
<div class="field"><label for="f-actorKind">${t(l, "console.audit.actor")}</label><select id="f-actorKind" name="actorKind">${option("", t(l, "console.audit.anyone"), f.actorKind)}${ACTOR_KINDS.map((k) => option(k, word(l, "console.actor.", k), f.actorKind))}</select></div>
${text("actorId", t(l, "console.audit.actor_id"), "stf_…, tok_…")}${text("action", t(l, "console.audit.action"), "order.reject, order.")}${text("subjectType", t(l, "console.audit.subject_type"), "order, customer, module")}${text("subjectId", t(l, "console.audit.subject_id"), "ord_…, cus_…")}
<div class="field"><label for="f-from">${t(l, "console.audit.from")}</label><input id="f-from" type="date" name="from" value="${f.from}"></div><div class="field"><label for="f-to">${t(l, "console.audit.to")}</label><input id="f-to" type="date" name="to" value="${f.to}"></div>
<p><button type="submit">${t(l, "console.filter.show")}</button> <a class="button secondary" href="/admin/audit">${t(l, "console.filter.clear")}</a></p></form>
${r.ok
      ? html`<section class="card">${r.value.entries.length > 0
          ? html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x) => html`<th scope="col">${x}</th>`)}</tr></thead><tbody>${r.value.entries.map(
              (e) => html`<tr data-audit="${e.id}"><td data-label="${cols[0]}">${when(e.at, l)}</td><td data-label="${cols[1]}">${word(l, "console.actor.", e.actor.kind)}${e.actor.label ? html`<br>${e.actor.label}` : ""}</td><td data-label="${cols[2]}">${e.ip ?? ""}</td><td data-label="${cols[3]}"><code>${e.action}</code></td><td data-label="${cols[4]}">${subject(e.subject)}</td><td data-label="${cols[5]}">${snap(e.before)}</td><td data-label="${cols[6]}">${snap(e.after)}</td></tr>`,
            )}</tbody></table></div>`
          : html`<p class="muted">${t(l, "console.audit.none")}</p>`}${nextLink("/admin/audit", { ...f, limit: param(req.query, "limit") }, r.value.nextCursor, l)}</section>`
      : r.message}
<p class="muted">${t(l, "console.audit.explain")}</p>`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.audit"), section: "audit", body, status: r.ok ? 200 : r.status });
  });
}
