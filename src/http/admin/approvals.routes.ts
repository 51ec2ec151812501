// Four eyes (docs/adr/0029): the money actions staff asked for above their limit. Every staff
// member sees the list; only the owner approves or rejects, never a request of their own — after a
// confirmation that says what will move (docs/adr/0039-console.md).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import type { ApprovalRow } from "../../db/schema.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { t } from "../../i18n/t.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField, currentStaff, requireStaff } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { STAFF_PAGE, attempt, badge, confirmed, confirmPage, loc, money, param, staffMember, when, word, type Form, type Params, type Query } from "./common.ts";

const OWNER_PAGE = { config: { surface: "page" as const }, preHandler: requireStaff("owner") };
const STATE_TONE = { pending: "warn", approved: "ok", rejected: "bad" } as const;

export function registerAdminApprovalRoutes(app: FastifyInstance, c: Container): void {
  async function subjectName(a: ApprovalRow): Promise<string> {
    if (a.subject_type === "order") {
      const o = await c.orders.find(a.subject_id);
      if (!o) return a.subject_id;
      const m = (await c.catalog.listModules()).find((e) => e.module.id === o.module_id);
      return `${m?.module.name ?? o.module_id} · ${String(o.license_id)}`;
    }
    const u = await c.repos.customers.findById(c.db, a.subject_id);
    return u ? (u.name ? `${u.name} (${u.email})` : u.email) : a.subject_id;
  }

  async function page(req: FastifyRequest, reply: FastifyReply, message?: SafeHtml, status = 200) {
    const l = loc(req);
    const me = currentStaff(req)!;
    const rows = await c.approvals.list();
    const cols = [t(l, "console.approvals.asked"), t(l, "console.col.by"), t(l, "console.approvals.what"), t(l, "console.approvals.for"), t(l, "console.col.amount"), t(l, "console.order.reason"), t(l, "console.col.state"), t(l, "console.order.actions")];
    const named = await Promise.all(rows.map((a) => subjectName(a)));
    const subjectLink = (a: ApprovalRow, name: string) =>
      html`<a href="/admin/${a.subject_type === "order" ? "orders" : "customers"}/${a.subject_id}">${name}</a><br><span class="muted">${a.subject_id}</span>`;
    const body = html`<h1>${t(l, "console.nav.approvals")}</h1>${message ?? ""}
<p class="muted">${t(l, "console.approvals.explain")}</p>
<section class="card">${rows.length === 0 ? html`<p class="muted">${t(l, "console.approvals.none")}</p>` : html`<div class="table-wrap"><table class="data"><thead><tr>${cols.map((x, i) => html`<th scope="col"${i === 4 ? html` class="num"` : ""}>${x}</th>`)}</tr></thead><tbody>${rows.map(
      (a, i) => html`<tr id="${a.id}"><td data-label="${cols[0]}">${when(a.created_at, l)}</td><td data-label="${cols[1]}">${a.requested_label}</td><td data-label="${cols[2]}">${word(l, "console.approval_kind.", a.kind)}</td><td data-label="${cols[3]}">${subjectLink(a, named[i]!)}</td><td class="num" data-label="${cols[4]}">${money({ minor: Number(a.amount_minor), currency: a.currency }, l)}</td><td data-label="${cols[5]}">${a.reason}</td><td data-label="${cols[6]}">${badge(word(l, "console.approval_state.", a.state), STATE_TONE[a.state])}${a.decided_label ? html`<br><span class="muted">${a.decided_label}, ${when(a.decided_at, l)}</span>` : ""}</td><td data-label="${cols[7]}">${
        a.state === "pending" && me.role === "owner" && a.requested_by !== me.id
          ? html`<form class="inline" method="post" action="/admin/approvals/${a.id}/approve">${csrfField(req)}<button class="small" type="submit">${t(l, "console.approvals.approve")}</button></form>
<form class="inline" method="post" action="/admin/approvals/${a.id}/reject">${csrfField(req)}<div class="field"><label for="note-${a.id}">${t(l, "console.approvals.why_reject")}</label><input id="note-${a.id}" type="text" name="note" maxlength="500"></div><button class="small danger" type="submit">${t(l, "console.approvals.reject")}</button></form>`
          : ""
      }</td></tr>`,
    )}</tbody></table></div>`}</section>`;
    return sendAdminPage(req, reply, { title: t(l, "console.nav.approvals"), section: "approvals", body, status });
  }

  app.get<Query>("/admin/approvals", STAFF_PAGE, async (req, reply) => {
    const done = param(req.query, "done");
    return page(req, reply, done === "approved" || done === "rejected" ? notice("ok", t(loc(req), `console.approvals.done.${done}`)) : undefined);
  });

  for (const verb of ["approve", "reject"] as const) {
    app.post<Params<"id"> & Form>(`/admin/approvals/:id/${verb}`, OWNER_PAGE, async (req, reply) => {
      const l = loc(req);
      if (!confirmed(req.body)) {
        const a = /^apr_[A-Za-z0-9_-]{1,80}$/.test(req.params.id) ? await c.approvals.find(req.params.id) : undefined;
        if (!a) return page(req, reply, notice("error", t(l, "console.approvals.missing")), 404);
        if (a.state !== "pending") return page(req, reply, notice("error", t(l, "console.approvals.decided")), 409);
        const values = { what: word(l, "console.approval_kind.", a.kind), amount: money({ minor: Number(a.amount_minor), currency: a.currency }, l), subject: await subjectName(a), by: a.requested_label, reason: a.reason };
        return confirmPage(req, reply, {
          section: "approvals",
          title: t(l, `console.approvals.confirm_title.${verb}`),
          effect: t(l, `console.approvals.confirm.${verb}.${a.kind === "order_refund" ? "order_refund" : a.kind === "bank_transfer" ? "bank_transfer" : "balance_adjustment"}`, values),
          action: `/admin/approvals/${a.id}/${verb}`,
          fields: verb === "reject" ? { note: field(req.body, "note") } : {},
          button: t(l, `console.approvals.${verb}`),
          back: "/admin/approvals",
          danger: verb === "approve",
        });
      }
      const r = await attempt(() => (verb === "approve" ? c.approvals.approve(req.params.id, staffMember(req)) : c.approvals.reject(req.params.id, staffMember(req), field(req.body, "note"))), l);
      if (r.ok) return redirect(reply, `/admin/approvals?done=${verb === "approve" ? "approved" : "rejected"}`);
      return page(req, reply, r.message, r.status);
    });
  }
}
