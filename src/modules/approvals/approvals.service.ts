// Four eyes on money (docs/adr/0029-roles-four-eyes-webhook-targets.md). A staff member's credit,
// balance adjustment or order refund above `approvals.staff_limit_minor` is not done: it is kept
// as a pending approval, and no money moves until the owner approves it. Approval replays the
// action once, in the same transaction that marks the approval decided (the claim is a
// conditional update, so two owners approving at once move the money once); the requester can
// never approve their own request; every request and decision is in the audit log. The owner's
// own actions are not limited (they are the approver). Support staff change nothing at all.
import type { Db, Tx } from "../../db/database.ts";
import type { ApprovalRow } from "../../db/schema.ts";
import type { PaymentsService, TransferConfirmation } from "../payments/payments.service.ts";
import { parseDecimal } from "../../lib/money.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, conflict, invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { format, type Money } from "../../lib/money.ts";
import type { StaffRole } from "../accounts/staff-auth.service.ts";
import type { AuditService } from "../audit/audit.service.ts";
import { parseAdjustment, type AdjustmentInput } from "../console/console.logic.ts";
import type { ConsoleService, StaffAct } from "../console/console.service.ts";
import type { CustomersRepo } from "../customers/customers.repo.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import { chargeOf } from "../orders/orders.logic.ts";
import type { OrderService, StaffActionHook } from "../orders/orders.service.ts";
import type { SettingsService } from "../settings/settings.service.ts";
import type { ApprovalsRepo } from "./approvals.repo.ts";

/** Who asks or decides: the staff member, their role, and how audit entries and ledgers name them. */
export interface StaffMember {
  id: string;
  role: StaffRole;
  act: StaffAct;
}

export type Outcome<T> = { kind: "done"; value: T } | { kind: "pending"; approval: ApprovalRow };

export function createApprovalsService(deps: {
  db: Db;
  repo: ApprovalsRepo;
  settings: Pick<SettingsService, "get">;
  audit: Pick<AuditService, "record">;
  adminConsole: Pick<ConsoleService, "adjustBalance">;
  orders: Pick<OrderService, "get" | "refundActive">;
  payments: Pick<PaymentsService, "confirmTransfer" | "findTransfer">;
  customers: Pick<CustomersRepo, "findById">;
  ledger: Pick<LedgerService, "balance">;
  clock: Clock;
  ids: IdGenerator;
}) {
  const { db, repo, audit, clock } = deps;
  const now = () => clock.now().toISOString();

  /** True when `who` may not move `amount` alone. */
  async function needsApproval(who: StaffMember, amount: Money): Promise<boolean> {
    if (who.role === "owner") return false;
    const limit = (await deps.settings.get()).approvals.staffLimitMinor;
    return limit !== null && Math.abs(amount.minor) > limit;
  }

  async function request(row: Omit<ApprovalRow, "state" | "decided_by" | "decided_label" | "decided_at" | "outcome" | "created_at" | "requested_by" | "requested_label">, who: StaffMember): Promise<ApprovalRow> {
    const full: ApprovalRow = {
      ...row,
      state: "pending",
      requested_by: who.id,
      requested_label: who.act.ctx.actor.label ?? who.id,
      decided_by: null,
      decided_label: null,
      decided_at: null,
      outcome: null,
      created_at: now(),
    };
    await db.transaction().execute(async (tx) => {
      if (!(await repo.insert(tx, full))) return;
      await audit.record(tx, {
        ...who.act.ctx,
        action: "approval.request",
        subject: { type: full.subject_type, id: full.subject_id },
        after: { approval: full.id, kind: full.kind, amount: format({ minor: Number(full.amount_minor), currency: full.currency }), reason: full.reason },
      });
    });
    return (await repo.find(db, full.id))!;
  }

  /** A balance adjustment (credit or debit) from the console: done now, or kept for the owner. */
  async function adjustBalance(customerId: string, input: AdjustmentInput, who: StaffMember): Promise<Outcome<Awaited<ReturnType<ConsoleService["adjustBalance"]>>>> {
    const { amount, reason, key } = parseAdjustment(input);
    if (!(await needsApproval(who, amount))) return { kind: "done", value: await deps.adminConsole.adjustBalance(customerId, input, who.act) };
    const customer = await deps.customers.findById(db, customerId);
    if (!customer) throw notFound(`No customer ${customerId}`);
    // What would be refused anyway is refused now, not after the owner's approval.
    const balance = await deps.ledger.balance(db, { kind: "customer", owner: customer.id }, amount.currency);
    if (balance.minor + amount.minor < 0) {
      throw new AppError("insufficient_funds", `The balance is ${format(balance)}; taking ${format({ minor: -amount.minor, currency: amount.currency })} would make it negative`);
    }
    const approval = await request({
      // The form's key: submitting the same form twice asks once.
      id: `apr_adj_${key}`,
      kind: "balance_adjustment",
      amount_minor: amount.minor,
      currency: amount.currency,
      subject_type: "customer",
      subject_id: customer.id,
      reason,
      payload: JSON.stringify({ amount: input.amount, currency: amount.currency, reason }),
    }, who);
    return { kind: "pending", approval };
  }

  /** A refund of an active order to the balance: done now, or kept for the owner. */
  async function refundOrder(orderId: string, reason: string, who: StaffMember, hook?: StaffActionHook): Promise<Outcome<Awaited<ReturnType<OrderService["refundActive"]>>>> {
    const o = await deps.orders.get(orderId);
    const amount: Money = { minor: chargeOf(o).total, currency: o.currency };
    if (!(await needsApproval(who, amount))) return { kind: "done", value: await deps.orders.refundActive(orderId, reason, who.act.actor, hook) };
    if (!reason.trim()) throw invalidInput("A refund needs a reason");
    if (o.state !== "active") throw new AppError("illegal_transition", `Order ${o.id} is ${o.state}; only active orders are refunded this way`);
    const pending = (await repo.list(db, { state: "pending", limit: 500 })).find((a) => a.kind === "order_refund" && a.subject_id === o.id);
    if (pending) return { kind: "pending", approval: pending };
    const approval = await request({ id: deps.ids.next("apr"), kind: "order_refund", amount_minor: amount.minor, currency: amount.currency, subject_type: "order", subject_id: o.id, reason: reason.trim(), payload: JSON.stringify({ reason: reason.trim() }) }, who);
    return { kind: "pending", approval };
  }

  /**
   * A bank transfer staff saw arrive (docs/adr/0039-console.md): it credits spendable money like a
   * balance adjustment, so above the limit it waits for the owner too. `inTx` writes the audit
   * entry inside the credit's transaction.
   */
  async function confirmTransfer(
    ref: string,
    input: { amount: string; bankRef?: string },
    who: StaffMember,
    inTx?: Parameters<PaymentsService["confirmTransfer"]>[2],
  ): Promise<Outcome<TransferConfirmation>> {
    const tr = await deps.payments.findTransfer(ref);
    const amount = parseDecimal(input.amount, tr.currency);
    if (amount.minor <= 0) throw invalidInput("The amount received must be greater than zero");
    if (!(await needsApproval(who, amount))) return { kind: "done", value: await deps.payments.confirmTransfer(ref, { ...input, actor: who.act.actor }, inTx) };
    // The transfer's key: confirming the same transfer twice asks once (request() keeps the first).
    const key = `${tr.reference}${input.bankRef ? `:${input.bankRef}` : ""}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 80);
    const approval = await request({
      id: `apr_btr_${key}`,
      kind: "bank_transfer",
      amount_minor: amount.minor,
      currency: amount.currency,
      subject_type: "customer",
      subject_id: tr.customer_id,
      reason: `Bank transfer ${tr.reference}${input.bankRef ? ` (${input.bankRef})` : ""}`,
      payload: JSON.stringify({ ref: tr.reference, amount: input.amount, ...(input.bankRef ? { bankRef: input.bankRef } : {}) }),
    }, who);
    return { kind: "pending", approval };
  }

  async function pendingOne(id: string): Promise<ApprovalRow> {
    const a = /^apr_[A-Za-z0-9_-]{1,80}$/.test(id) ? await repo.find(db, id) : undefined;
    if (!a) throw notFound(`No approval ${id.slice(0, 80)}`);
    if (a.state !== "pending") throw new AppError("illegal_transition", `This request was ${a.state} already`);
    return a;
  }

  function mayDecide(a: ApprovalRow, who: StaffMember): void {
    if (who.role !== "owner") throw new AppError("forbidden", "Only the owner approves or rejects requests");
    if (a.requested_by === who.id) throw new AppError("forbidden", "You asked for this; someone else must decide it (four eyes)");
  }

  /** Claims the approval inside the action's transaction: a second decision finds it taken and rolls its action back. */
  function claim(a: ApprovalRow, who: StaffMember, outcome: string): (tx: Tx) => Promise<void> {
    return async (tx) => {
      const label = who.act.ctx.actor.label ?? who.id;
      if (!(await repo.decide(tx, a.id, { state: "approved", decided_by: who.id, decided_label: label, decided_at: now(), outcome }))) {
        throw conflict("This request was decided already");
      }
      await audit.record(tx, {
        ...who.act.ctx,
        action: "approval.approve",
        subject: { type: a.subject_type, id: a.subject_id },
        before: { approval: a.id, state: "pending", requestedBy: a.requested_label },
        after: { approval: a.id, state: "approved", kind: a.kind, amount: format({ minor: Number(a.amount_minor), currency: a.currency }), reason: a.reason },
      });
    };
  }

  async function approve(id: string, who: StaffMember): Promise<ApprovalRow> {
    const a = await pendingOne(id);
    mayDecide(a, who);
    const payload = JSON.parse(a.payload) as Record<string, string>;
    const actor = { ...who.act, actor: `${who.act.actor} (approving ${a.requested_label})` };
    if (a.kind === "bank_transfer") {
      const inTx = claim(a, who, "the transfer was credited");
      await deps.payments.confirmTransfer(payload["ref"] ?? "", { amount: payload["amount"] ?? "", ...(payload["bankRef"] ? { bankRef: payload["bankRef"] } : {}), actor: actor.actor }, (tx) => inTx(tx));
    } else if (a.kind === "balance_adjustment") {
      const inTx = claim(a, who, "the balance was adjusted");
      await deps.adminConsole.adjustBalance(a.subject_id, { amount: payload["amount"] ?? "", currency: payload["currency"] ?? "", reason: payload["reason"] ?? a.reason, key: `approval-${a.id.replace(/[^A-Za-z0-9_-]/g, "")}`.slice(0, 64) }, actor, { inTx });
    } else {
      const inTx = claim(a, who, "the order was refunded");
      await deps.orders.refundActive(a.subject_id, payload["reason"] ?? a.reason, actor.actor, (tx) => inTx(tx));
    }
    return (await repo.find(db, a.id))!;
  }

  async function reject(id: string, who: StaffMember, note = ""): Promise<ApprovalRow> {
    const a = await pendingOne(id);
    if (who.role !== "owner") throw new AppError("forbidden", "Only the owner approves or rejects requests");
    const label = who.act.ctx.actor.label ?? who.id;
    await db.transaction().execute(async (tx) => {
      if (!(await repo.decide(tx, a.id, { state: "rejected", decided_by: who.id, decided_label: label, decided_at: now(), outcome: note.trim().slice(0, 500) || "rejected" }))) throw conflict("This request was decided already");
      await audit.record(tx, { ...who.act.ctx, action: "approval.reject", subject: { type: a.subject_type, id: a.subject_id }, before: { approval: a.id, state: "pending" }, after: { approval: a.id, state: "rejected", note: note.trim().slice(0, 500) } });
    });
    return (await repo.find(db, a.id))!;
  }

  return {
    adjustBalance,
    refundOrder,
    confirmTransfer,
    approve,
    reject,
    list: (f: { state?: string } = {}) => repo.list(db, f),
    find: (id: string) => repo.find(db, id),
  };
}

export type ApprovalsService = ReturnType<typeof createApprovalsService>;
