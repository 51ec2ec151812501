// Four eyes (docs/adr/0029): the money actions staff asked for above their limit. Every staff
// member sees the list; only the owner approves or rejects, never a request of their own.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html, type SafeHtml } from "../../lib/html.ts";
import { format } from "../../lib/money.ts";
import { field, notice, redirect } from "../auth-pages.ts";
import { csrfField, currentStaff, requireStaff } from "../session.ts";
import { sendAdminPage } from "./layout.ts";
import { ADMIN_STYLE, STAFF_PAGE, attempt, badge, param, staffMember, when, type Form, type Params, type Query } from "./common.ts";

const OWNER_PAGE = { config: { surface: "page" as const }, preHandler: requireStaff("owner") };
const DONE: Record<string, string> = { approved: "Approved: the action was carried out.", rejected: "Rejected: nothing moved." };
const KIND_TEXT: Record<string, string> = { balance_adjustment: "Balance adjustment", order_refund: "Order refund" };

export function registerAdminApprovalRoutes(app: FastifyInstance, c: Container): void {
  async function page(req: FastifyRequest, reply: FastifyReply, message?: SafeHtml, status = 200) {
    const me = currentStaff(req)!;
    const rows = await c.approvals.list();
    const subjectLink = (type: string, id: string) => (type === "order" ? html`<a href="/admin/orders/${id}">${id}</a>` : html`<a href="/admin/customers/${id}">${id}</a>`);
    const body = html`${ADMIN_STYLE}<h1>Approvals</h1>${message ?? ""}
<p class="muted">Credits, refunds and balance adjustments above a staff member's limit (setting <code>approvals.staff_limit_minor</code>) wait here; no money moves until the owner approves. Nobody approves their own request.</p>
<div class="card">${rows.length === 0 ? html`<p>No requests.</p>` : html`<table class="list"><tr><th>Asked</th><th>By</th><th>What</th><th>For</th><th>Amount</th><th>Reason</th><th>State</th><th></th></tr>${rows.map(
      (a) => html`<tr id="${a.id}"><td>${when(a.created_at)}</td><td>${a.requested_label}</td><td>${KIND_TEXT[a.kind] ?? a.kind}</td><td>${subjectLink(a.subject_type, a.subject_id)}</td><td>${format({ minor: Number(a.amount_minor), currency: a.currency })}</td><td>${a.reason}</td><td>${badge(a.state)}${a.decided_label ? html`<br><span class="muted">${a.decided_label}, ${when(a.decided_at)}</span>` : ""}</td><td>${
        a.state === "pending" && me.role === "owner" && a.requested_by !== me.id
          ? html`<form class="inline" method="post" action="/admin/approvals/${a.id}/approve">${csrfField(req)}<button class="small" type="submit">Approve</button></form>
<form class="inline" method="post" action="/admin/approvals/${a.id}/reject">${csrfField(req)}<input type="text" name="note" placeholder="why (optional)" aria-label="Why reject ${a.id}"><button class="small danger" type="submit">Reject</button></form>`
          : ""
      }</td></tr>`,
    )}</table>`}</div>`;
    return sendAdminPage(req, reply, { title: "Approvals", section: "approvals", body, status });
  }

  app.get<Query>("/admin/approvals", STAFF_PAGE, async (req, reply) => {
    const done = DONE[param(req.query, "done")];
    return page(req, reply, done ? notice("ok", done) : undefined);
  });

  app.post<Params<"id"> & Form>("/admin/approvals/:id/approve", OWNER_PAGE, async (req, reply) => {
    const r = await attempt(() => c.approvals.approve(req.params.id, staffMember(req)));
    if (r.ok) return redirect(reply, "/admin/approvals?done=approved");
    return page(req, reply, r.message, r.status);
  });

  app.post<Params<"id"> & Form>("/admin/approvals/:id/reject", OWNER_PAGE, async (req, reply) => {
    const r = await attempt(() => c.approvals.reject(req.params.id, staffMember(req), field(req.body, "note")));
    if (r.ok) return redirect(reply, "/admin/approvals?done=rejected");
    return page(req, reply, r.message, r.status);
  });
}
