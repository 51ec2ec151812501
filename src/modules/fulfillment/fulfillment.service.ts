// Automatic fulfillment: places paid orders upstream exactly once. See README.md beside this file
// for the rules; the order machine (orders.service.ts) does every state change.
import type { Db } from "../../db/database.ts";
import type { OrderRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, isAppError } from "../../lib/errors.ts";
import { isUpstreamError } from "../../upstream/errors.ts";
import type { UpstreamClient } from "../../upstream/types.ts";
import type { LicensesRepo } from "../licenses/licenses.repo.ts";
import type { OrderService } from "../orders/orders.service.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import { fundsRefusalPatch } from "../funds/funds.logic.ts";

/** What the job that called us should do next. */
export type PlaceResult =
  | { status: "done"; state: string }
  | { status: "retry"; reason: string; afterMs?: number };

export function createFulfillmentService(deps: {
  db: Db;
  orders: Pick<OrderService, "get" | "move" | "activate" | "rejectAndRefund" | "addEvent">;
  ordersRepo: Pick<OrdersRepo, "findById" | "claimedUpstreamIds" | "recordPrecheck">;
  upstream: Pick<UpstreamClient, "orderModule" | "listModules" | "listLicenses" | "readLicense" | "readModule" | "orderLicense" | "checkLicenseIp">;
  /** License purchases (issue 15): which upstream licenses local records own, which IPs are taken locally. */
  licenses: Pick<LicensesRepo, "claimedUpstreamIds" | "liveOnIp">;
  clock: Clock;
  /** The upstream per-call timeout; the settle window is twice this. */
  upstreamTimeoutMs: number;
  /** How many times one order may be sent upstream after proven absences before a human looks. */
  maxPlacements?: number;
  /** Records an alert for staff (awaiting funds, needs attention). */
  alert?: (kind: string, subject: string, message: string) => Promise<void>;
  /** How long what the pre-payment check listed stands in for a listing at placing (ADR 0043). */
  listingReuseMs?: number;
}) {
  const { db, orders, ordersRepo, upstream, clock } = deps;
  const settleMs = deps.upstreamTimeoutMs * 2;
  const maxPlacements = deps.maxPlacements ?? 3;
  const listingReuseMs = deps.listingReuseMs ?? LISTING_REUSE_MS;

  /**
   * What a purchase buys, as fulfillment sees it: the list func that proves presence or absence,
   * the one call that spends money, the read-back, and which upstream ids local records own. A
   * module is found by (license, tariff); a license by (IP, tariff) — our remoteid is sent with the
   * order but upstream's list is not documented to show it (PROTOCOL.md §4b), so it is not relied on.
   */
  interface Product {
    orderFunc: string;
    listFunc: string;
    readFunc: string;
    /** Upstream items of this order's kind that are not deleted. */
    list(o: OrderRow): Promise<Placed[]>;
    order(o: OrderRow): Promise<number>;
    readBack(id: number): Promise<Placed>;
    claimed(ids: number[]): Promise<Set<number>>;
    params(o: OrderRow): Record<string, unknown>;
  }
  interface Placed {
    id: number;
    expiresOn: string | null;
    status: string;
  }

  const moduleProduct: Product = {
    orderFunc: "addition.order.param",
    listFunc: "addition",
    readFunc: "addition.edit",
    async list(o) {
      // Filtered to the license as upstream's answer is read (ADR 0043).
      const all = await upstream.listModules({ license: Number(o.license_id) });
      return all.filter((m) => m.license === Number(o.license_id) && m.pricelist === o.tariff_id && m.status !== "deleted");
    },
    async order(o) {
      return (await upstream.orderModule({ license: Number(o.license_id), pricelist: o.tariff_id, period: o.period_months, remoteId: o.id })).serviceId;
    },
    readBack: (id) => upstream.readModule(id),
    claimed: (ids) => ordersRepo.claimedUpstreamIds(db, ids),
    params: (o) => ({ item: Number(o.license_id), pricelist: o.tariff_id, period: o.period_months }),
  };

  const licenseProduct: Product = {
    orderFunc: "soft.order.param",
    listFunc: "soft",
    readFunc: "soft.edit",
    async list(o) {
      const all = await upstream.listLicenses();
      return all.filter((l) => l.ip === o.ip && l.pricelist === o.tariff_id && l.status !== "deleted");
    },
    async order(o) {
      if (!o.ip) throw new AppError("invalid_input", `Order ${o.id} is a license purchase without a server IP`);
      const input = { pricelist: o.tariff_id, period: o.period_months, ip: o.ip, remoteId: o.id, ...(o.license_name ? { name: o.license_name } : {}) };
      return (await upstream.orderLicense(input)).licenseId;
    },
    readBack: (id) => upstream.readLicense(id),
    claimed: (ids) => deps.licenses.claimedUpstreamIds(db, ids),
    params: (o) => ({ pricelist: o.tariff_id, period: o.period_months, ip: o.ip, remoteid: o.id }),
  };

  const productOf = (o: OrderRow): Product => (o.product === "license" ? licenseProduct : moduleProduct);

  /** Milliseconds since a pre-payment check that passed, if within the reuse window; else null. */
  function precheckAge(o: Pick<OrderRow, "precheck_at" | "precheck_known_ids">): number | null {
    if (!o.precheck_at || o.precheck_known_ids === null) return null;
    const age = clock.now().getTime() - new Date(o.precheck_at).getTime();
    return age >= 0 && age <= listingReuseMs ? age : null;
  }

  async function note(o: OrderRow, detail: Record<string, unknown>): Promise<void> {
    await orders.addEvent(db, o.id, { kind: "upstream_call", detail });
  }

  async function needsAttention(o: OrderRow, reason: string): Promise<PlaceResult> {
    const moved = await db.transaction().execute((tx) => orders.move(tx, o, "needs_attention", { reason }, { kind: "transition", detail: { reason } }));
    await deps.alert?.("order_needs_attention", o.id, reason);
    return { status: "done", state: moved.state };
  }

  /** The new module or license as upstream shows it; null when it cannot be read now. */
  async function readBack(o: OrderRow, serviceId: number): Promise<Placed | null> {
    const product = productOf(o);
    try {
      return await product.readBack(serviceId);
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      await note(o, { func: product.readFunc, elid: serviceId, outcome: e.outcome, kind: e.kind, message: e.message });
      return null;
    }
  }

  /**
   * Records the intent (paid|awaiting_funds|needs_attention|placing → placing) with the modules
   * already on the license, then makes the one call that spends money.
   */
  async function orderUpstream(o: OrderRow, knownIds: number[], finalAttempt: boolean): Promise<PlaceResult> {
    const product = productOf(o);
    if (o.upstream_attempts >= maxPlacements) {
      return needsAttention(o, `upstream was asked ${o.upstream_attempts} times without a ${o.product === "license" ? "license" : "module"} appearing`);
    }
    const intent = await db.transaction().execute((tx) =>
      orders.move(tx, o, "placing", {
        intent_at: clock.now().toISOString(),
        intent_known_ids: JSON.stringify(knownIds),
        upstream_attempts: o.upstream_attempts + 1,
      }, { kind: "transition", detail: { intent: product.orderFunc, attempt: o.upstream_attempts + 1 } }),
    );
    const params = product.params(intent);
    const started = Date.now();
    try {
      const serviceId = await product.order(intent);
      await note(intent, { func: product.orderFunc, params, outcome: "done", serviceId, durationMs: Date.now() - started });
      // Upstream's expiry and status, not our arithmetic (ADR 0030); unreadable → ours, unconfirmed.
      const read = await readBack(intent, serviceId);
      const active = await db.transaction().execute(async (tx) =>
        orders.activate(tx, (await ordersRepo.findById(tx, intent.id))!, { serviceId, expiresOn: read?.expiresOn ?? null, status: read?.status ?? null }, { kind: "transition", detail: { serviceId, expiresOn: read?.expiresOn ?? null } }),
      );
      return { status: "done", state: active.state };
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      await note(intent, { func: product.orderFunc, params, outcome: e.outcome, kind: e.kind, message: e.message, durationMs: Date.now() - started });
      if (e.outcome === "unknown") {
        // Maybe bought, maybe not: the next attempt looks before it orders again.
        return finalAttempt
          ? needsAttention(intent, `outcome of the upstream order is unknown (${e.kind}) and attempts are exhausted`)
          : { status: "retry", reason: `outcome unknown (${e.kind}); will check upstream`, afterMs: settleMs };
      }
      const fresh = await orders.get(intent.id);
      if (e.kind === "insufficient_funds") {
        // A proven non-placement: it does not count toward maxPlacements (fundsRefusalPatch).
        await db.transaction().execute((tx) => orders.move(tx, fresh, "awaiting_funds", fundsRefusalPatch(fresh, e.message, clock.now()), { kind: "transition", detail: { reason: e.message } }));
        await deps.alert?.("upstream_insufficient_funds", fresh.id, e.message);
        return { status: "done", state: "awaiting_funds" };
      }
      if (e.kind === "auth" || e.kind === "access") return needsAttention(fresh, e.message);
      const refunded = await db.transaction().execute((tx) => orders.rejectAndRefund(tx, fresh, e.message));
      return { status: "done", state: refunded.state };
    }
  }

  /**
   * One attempt at getting a paid order active upstream. Safe to run any number of times, from
   * any node, after any crash: it decides from the order's state and what upstream shows.
   */
  async function place(orderId: string, opts: { finalAttempt?: boolean } = {}): Promise<PlaceResult> {
    const finalAttempt = opts.finalAttempt ?? false;
    const o = await orders.get(orderId);
    // Renewals are prolonged (prolong.service.ts); ordering one here would buy a second module.
    if (o.kind !== "purchase") throw new AppError("invalid_input", `Order ${o.id} is a ${o.kind}, not a purchase; it is not placed with addition.order.param`);
    if (!["paid", "placing", "awaiting_funds"].includes(o.state)) return { status: "done", state: o.state };

    if (o.state === "placing" && o.intent_at) {
      const waited = clock.now().getTime() - new Date(o.intent_at).getTime();
      if (waited < settleMs) return { status: "retry", reason: "an earlier call may still be in flight", afterMs: settleMs - waited };
    }

    // First attempt of a module soon after the pre-payment check: the modules it saw on this license
    // are the ones known before the intent; no second listing (ADR 0043).
    if (o.state === "paid" && o.product !== "license" && precheckAge(o) !== null) {
      return orderUpstream(o, JSON.parse(o.precheck_known_ids!) as number[], finalAttempt);
    }

    const product = productOf(o);
    const what = o.product === "license" ? "licenses" : "modules";
    let onLicense: Placed[];
    try {
      onLicense = await product.list(o);
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      await note(o, { func: product.listFunc, outcome: e.outcome, kind: e.kind, message: e.message });
      if (finalAttempt) return needsAttention(o, `cannot list upstream ${what} (${e.kind}); the order's outcome cannot be proven`);
      return { status: "retry", reason: `cannot list upstream ${what} (${e.kind})` };
    }

    if (o.state === "placing") {
      // An earlier call's outcome is unknown: is there a module (license) we bought?
      const knownBefore = new Set<number>(o.intent_known_ids ? (JSON.parse(o.intent_known_ids) as number[]) : []);
      const claimed = await product.claimed(onLicense.map((m) => m.id));
      const ours = onLicense.filter((m) => !knownBefore.has(m.id) && !claimed.has(m.id)).sort((a, b) => a.id - b.id);
      if (ours.length > 0) {
        const m = ours[0]!;
        await note(o, { func: product.listFunc, outcome: "done", adopted: m.id, candidates: ours.map((x) => x.id) });
        const active = await db.transaction().execute(async (tx) =>
          orders.activate(tx, (await ordersRepo.findById(tx, o.id))!, { serviceId: m.id, expiresOn: m.expiresOn, status: m.status }, { kind: "transition", detail: { adopted: m.id } }),
        );
        if (ours.length > 1) {
          const where = o.product === "license" ? `IP ${o.ip}` : `license ${o.license_id}`;
          await deps.alert?.("upstream_duplicate_module", o.id, `${where} has ${ours.length} unclaimed ${what} of tariff ${o.tariff_id}: ${ours.map((x) => x.id).join(", ")}`);
        }
        return { status: "done", state: active.state };
      }
      await note(o, { func: product.listFunc, outcome: "done", absent: true });
      // A license on the IP that is not ours (another tariff, or bought elsewhere) makes upstream
      // refuse a new order for the IP: that is a certain refusal, handled when upstream says so.
    }
    return orderUpstream(o, onLicense.map((m) => m.id), finalAttempt);
  }

  /**
   * Checks before taking money (automatic mode): the license is in the partner's upstream account
   * (soft.edit reads that one license), its IP is the one the panel sent, and the module is not
   * already active on it (the one listing of the order, filtered to the license as it is read).
   * What the listing showed is recorded on the order for placing to reuse (ADR 0043), and a check
   * that passed within the reuse window (the checkout page, then the payment) is not repeated.
   */
  async function precheck(o: Pick<OrderRow, "id" | "license_id" | "ip" | "tariff_id" | "product" | "period_months" | "precheck_at" | "precheck_known_ids">): Promise<PrecheckResult> {
    if (o.product === "license") return precheckLicense(o);
    if (precheckAge(o) !== null) return { ok: true };
    const license = Number(o.license_id);
    const listedAt = clock.now().toISOString();
    try {
      const [lic, modules] = await Promise.all([
        upstream.readLicense(license).catch((e: unknown) => {
          // A license of another account, or a deleted one, is refused by soft.edit (a proven answer).
          if (isUpstreamError(e) && e.kind === "rejected") return null;
          throw e;
        }),
        upstream.listModules({ license }),
      ]);
      if (lic === null) return { ok: false, code: "license_unknown", license, problem: `License ${license} is not one of ours in ispmanager's client area; check the license number.` };
      if (o.ip && lic.ip && lic.ip !== o.ip) return { ok: false, code: "ip_mismatch", license, problem: `License ${license} belongs to IP ${lic.ip}, not ${o.ip}.` };
      const same = modules.filter((m) => m.license === license && m.pricelist === o.tariff_id);
      if (same.some((m) => m.status === "active" || m.status === "ordered" || m.status === "processing")) {
        return { ok: false, code: "already_active", license, problem: `This module is already active on license ${license}.` };
      }
      await ordersRepo.recordPrecheck(db, o.id, listedAt, same.filter((m) => m.status !== "deleted").map((m) => m.id));
      return { ok: true };
    } catch (e) {
      if (isUpstreamError(e)) return { ok: "unknown", code: "unreachable", license, problem: `ispmanager's client area cannot be asked right now (${e.kind}).` };
      if (isAppError(e) && e.code === "upstream_unavailable") return { ok: "unknown", code: "not_configured", license, problem: "ispmanager's client area is not configured." };
      throw e;
    }
  }

  /**
   * Before taking money for a license: no live license of ours on the IP, and upstream's
   * soft.checkip says a license of this tariff can be ordered for it (it knows licenses bought
   * elsewhere, and trials given before).
   */
  async function precheckLicense(o: Pick<OrderRow, "ip" | "tariff_id" | "period_months">): Promise<PrecheckResult> {
    const ip = o.ip ?? "";
    const license = 0;
    if ((await deps.licenses.liveOnIp(db, ip)).length > 0) {
      return { ok: false, code: "ip_licensed", license, problem: `A license for ${ip} exists already; change its IP or renew it instead.` };
    }
    try {
      await upstream.checkLicenseIp({ pricelist: o.tariff_id, period: o.period_months, ip });
      return { ok: true };
    } catch (e) {
      if (isUpstreamError(e)) {
        if (e.kind === "rejected") return { ok: false, code: "ip_refused", license, problem: `A license cannot be ordered for ${ip}: ${e.billmgr?.msg || e.message}` };
        return { ok: "unknown", code: "unreachable", license, problem: `ispmanager's client area cannot be asked right now (${e.kind}).` };
      }
      if (isAppError(e) && e.code === "upstream_unavailable") return { ok: "unknown", code: "not_configured", license, problem: "ispmanager's client area is not configured." };
      throw e;
    }
  }

  return { place, precheck };
}

/**
 * How long after the pre-payment check its listing stands in for one at placing: a balance payment
 * is placed within a second; a card payment that took longer is listed again (ADR 0043).
 */
export const LISTING_REUSE_MS = 60_000;

/**
 * What the pre-check found. `problem` is English (logs, API, the error thrown at payment); `code`
 * lets a page say it in the reader's language (the wrong IP is deliberately not echoed there: the
 * license's real IP is the partner's data, and the customer fixes the Buy, not the license).
 * `license` is the module's license (0 for a license purchase: it has none yet).
 */
export type PrecheckResult =
  | { ok: true }
  | { ok: false; code: "license_unknown" | "ip_mismatch" | "already_active" | "ip_licensed" | "ip_refused"; license: number; problem: string }
  | { ok: "unknown"; code: "unreachable" | "not_configured"; license: number; problem: string };

export type FulfillmentService = ReturnType<typeof createFulfillmentService>;
