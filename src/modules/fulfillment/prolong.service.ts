// Renewal fulfillment: prolongs a paid renewal upstream (`service.prolong`) exactly once. Like
// `addition.order.param`, service.prolong spends the partner's money and has no idempotency key,
// so the rules of README.md beside this file apply, with the module's expiry as the evidence:
//
//   - Intent before the call: the transaction that moves the renewal to `placing` records the
//     module's upstream expiry read just before (`renewals.expiry_before_call`).
//   - After an unknown outcome the next attempt reads the module: an expiry later than the
//     recorded one means the call took effect → adopt the new expiry (`active`); the same expiry,
//     once the settle window has passed, proves it did not → prolong again; unreadable → try later,
//     and on the last attempt → `needs_attention`, never a blind second prolongation.
//   - Certain refusals refund the customer (module gone upstream, rejected); out of funds upstream
//     → `awaiting_funds` and an alert; auth/access → `needs_attention` (our configuration).
import type { Db } from "../../db/database.ts";
import type { CustomerModuleRow, OrderRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError } from "../../lib/errors.ts";
import { isUpstreamError } from "../../upstream/errors.ts";
import type { UpstreamClient, UpstreamModule } from "../../upstream/types.ts";
import type { OrderService } from "../orders/orders.service.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import { addMonths } from "../orders/orders.logic.ts";
import type { RenewalsRepo } from "../renewals/renewals.repo.ts";
import type { RenewalService } from "../renewals/renewals.service.ts";
import { expiryMoved, isoDay } from "../renewals/renewals.logic.ts";
import type { PlaceResult } from "./fulfillment.service.ts";
import { fundsRefusalPatch } from "../funds/funds.logic.ts";

export function createProlongService(deps: {
  db: Db;
  orders: Pick<OrderService, "get" | "move" | "rejectAndRefund" | "addEvent">;
  ordersRepo: Pick<OrdersRepo, "findById" | "findCustomerModule">;
  renewals: Pick<RenewalsRepo, "findRenewal" | "setExpiryBeforeCall">;
  /** Activation of a renewal: the module's new expiry and the revenue, in one commit. */
  activate: RenewalService["activate"];
  upstream: Pick<UpstreamClient, "prolong" | "readModule">;
  clock: Clock;
  /** The upstream per-call timeout; the settle window is twice this (as for placing). */
  upstreamTimeoutMs: number;
  /** How many prolongations one renewal may send after proven non-effects before a human looks. */
  maxProlongs?: number;
  /** Records an alert for staff (awaiting funds, needs attention). */
  alert?: (kind: string, subject: string, message: string) => Promise<void>;
}) {
  const { db, orders, ordersRepo, renewals, upstream, clock } = deps;
  const settleMs = deps.upstreamTimeoutMs * 2;
  const maxProlongs = deps.maxProlongs ?? 3;

  async function note(o: OrderRow, detail: Record<string, unknown>): Promise<void> {
    await orders.addEvent(db, o.id, { kind: "upstream_call", detail });
  }

  async function needsAttention(o: OrderRow, reason: string): Promise<PlaceResult> {
    const moved = await db.transaction().execute(async (tx) => orders.move(tx, (await ordersRepo.findById(tx, o.id))!, "needs_attention", { reason }, { kind: "transition", detail: { reason } }));
    await deps.alert?.("order_needs_attention", o.id, reason);
    return { status: "done", state: moved.state };
  }

  async function refund(o: OrderRow, reason: string): Promise<PlaceResult> {
    const refunded = await db.transaction().execute(async (tx) => orders.rejectAndRefund(tx, (await ordersRepo.findById(tx, o.id))!, reason));
    return { status: "done", state: refunded.state };
  }

  async function activate(o: OrderRow, expiresOn: string, detail: Record<string, unknown>, upstreamRead?: { status: string | null; expected: string | null }): Promise<PlaceResult> {
    const active = await db.transaction().execute(async (tx) => deps.activate(tx, (await ordersRepo.findById(tx, o.id))!, expiresOn, { kind: "transition", detail }, upstreamRead));
    return { status: "done", state: active.state };
  }

  /**
   * The module is gone upstream. Before any call of ours that is a certain refusal (refund); after
   * a call whose outcome is unknown, the partner may have paid for it — a person decides.
   */
  function moduleGone(o: OrderRow, why: string): Promise<PlaceResult> {
    return o.state === "placing" ? needsAttention(o, `${why}; an earlier service.prolong may have been charged`) : refund(o, why);
  }

  /** Records the intent with the expiry read just before, then makes the one call that spends money. */
  async function prolongUpstream(o: OrderRow, cm: CustomerModuleRow, before: string | null, finalAttempt: boolean): Promise<PlaceResult> {
    if (o.upstream_attempts >= maxProlongs) {
      return needsAttention(o, `upstream was asked ${o.upstream_attempts} times without the expiry moving`);
    }
    const intent = await db.transaction().execute(async (tx) => {
      const moved = await orders.move(tx, o, "placing", {
        intent_at: clock.now().toISOString(),
        upstream_attempts: o.upstream_attempts + 1,
      }, { kind: "transition", detail: { intent: "service.prolong", attempt: o.upstream_attempts + 1, expiryBefore: before } });
      await renewals.setExpiryBeforeCall(tx, o.id, before);
      return moved;
    });
    const elid = Number(cm.upstream_service_id);
    const params = { elid, period: intent.period_months };
    const started = Date.now();
    try {
      const r = await upstream.prolong(elid, intent.period_months);
      await note(intent, { func: "service.prolong", params, outcome: "done", expiresOn: r.expiresOn, durationMs: Date.now() - started });
      // Upstream's date and status as it shows the module now (ADR 0030), then the answer's date;
      // our own arithmetic only when upstream cannot be read, and kept beside upstream's otherwise.
      const expected = addMonths(before !== null && before > isoDay(clock.now()) ? before : isoDay(clock.now()), intent.period_months);
      const after = await readAfter(elid);
      const expiresOn = after?.expiresOn ?? r.expiresOn ?? expected;
      return activate(intent, expiresOn, { expiresOn }, { status: after?.status ?? null, expected });
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      await note(intent, { func: "service.prolong", params, outcome: e.outcome, kind: e.kind, message: e.message, durationMs: Date.now() - started });
      if (e.outcome === "unknown") {
        // Maybe renewed, maybe not: the next attempt reads the expiry before it prolongs again.
        return finalAttempt
          ? needsAttention(intent, `outcome of service.prolong is unknown (${e.kind}) and attempts are exhausted`)
          : { status: "retry", reason: `outcome unknown (${e.kind}); will check the module's expiry upstream`, afterMs: settleMs };
      }
      const fresh = await orders.get(intent.id);
      if (e.kind === "insufficient_funds") {
        // A proven non-renewal: it does not count toward maxProlongs (fundsRefusalPatch).
        await db.transaction().execute((tx) => orders.move(tx, fresh, "awaiting_funds", fundsRefusalPatch(fresh, e.message, clock.now()), { kind: "transition", detail: { reason: e.message } }));
        await deps.alert?.("upstream_insufficient_funds", fresh.id, e.message);
        return { status: "done", state: "awaiting_funds" };
      }
      if (e.kind === "auth" || e.kind === "access") return needsAttention(fresh, e.message);
      return refund(fresh, e.message);
    }
  }

  /** The module after a prolongation, as upstream shows it; null if unreadable now. */
  async function readAfter(elid: number): Promise<UpstreamModule | null> {
    try {
      return await upstream.readModule(elid);
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      return null;
    }
  }

  /**
   * One attempt at getting a paid renewal done upstream. Safe to run any number of times, from
   * any node, after any crash: it decides from the order's state and the module's upstream expiry.
   */
  async function prolong(orderId: string, opts: { finalAttempt?: boolean } = {}): Promise<PlaceResult> {
    const finalAttempt = opts.finalAttempt ?? false;
    const o = await orders.get(orderId);
    if (o.kind !== "renewal") throw new AppError("invalid_input", `Order ${o.id} is a ${o.kind}, not a renewal: it is placed, not prolonged`);
    if (!["paid", "placing", "awaiting_funds"].includes(o.state)) return { status: "done", state: o.state };
    const renewal = await renewals.findRenewal(db, o.id);
    const cm = o.customer_module_id ? await ordersRepo.findCustomerModule(db, o.customer_module_id) : undefined;
    if (!renewal || !cm) throw new AppError("internal", `Renewal ${o.id} has no renewal record or customer module`);

    if (o.state === "placing" && o.intent_at) {
      const waited = clock.now().getTime() - new Date(o.intent_at).getTime();
      if (waited < settleMs) return { status: "retry", reason: "an earlier call may still be in flight", afterMs: settleMs - waited };
    }

    let m: UpstreamModule;
    try {
      m = await upstream.readModule(Number(cm.upstream_service_id));
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      await note(o, { func: "addition.edit", elid: Number(cm.upstream_service_id), outcome: e.outcome, kind: e.kind, message: e.message });
      if (e.outcome === "not_done" && e.kind === "rejected") return moduleGone(o, `module service ${cm.upstream_service_id} is not in the partner's account upstream (${e.message})`);
      if (e.outcome === "not_done" && (e.kind === "auth" || e.kind === "access")) return needsAttention(o, e.message);
      if (finalAttempt) return needsAttention(o, `cannot read module service ${cm.upstream_service_id} upstream (${e.kind}); the renewal's outcome cannot be proven`);
      return { status: "retry", reason: `cannot read the module upstream (${e.kind})` };
    }
    if (m.status === "deleted") return moduleGone(o, `module service ${m.id} is deleted upstream`);

    if (o.state === "placing") {
      // An earlier call's outcome is unknown: did the expiry move past the one recorded before it?
      if (expiryMoved(renewal.expiry_before_call, m.expiresOn)) {
        await note(o, { func: "addition.edit", elid: m.id, outcome: "done", adopted: true, expiryBefore: renewal.expiry_before_call, expiresOn: m.expiresOn });
        return activate(o, m.expiresOn!, { adopted: true, expiresOn: m.expiresOn }, { status: m.status, expected: null });
      }
      await note(o, { func: "addition.edit", elid: m.id, outcome: "done", unchanged: true, expiresOn: m.expiresOn });
    }
    return prolongUpstream(o, cm, m.expiresOn, finalAttempt);
  }

  return { prolong };
}

export type ProlongService = ReturnType<typeof createProlongService>;
