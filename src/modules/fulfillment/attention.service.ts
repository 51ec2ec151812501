// Orders that need a person (needs_attention): what the evidence is, and the safe way out that
// keeps a module — adopting upstream service N, read upstream first (ADR 0030). The other way out,
// reject and refund, is the order service's `reject`. Both are audited by the surface that calls
// them (the hook). Nothing here orders or prolongs anything upstream.
import type { Db } from "../../db/database.ts";
import type { OrderRow } from "../../db/schema.ts";
import { AppError, invalidInput } from "../../lib/errors.ts";
import { isUpstreamError } from "../../upstream/errors.ts";
import type { UpstreamClient, UpstreamModule } from "../../upstream/types.ts";
import type { OrderService, StaffActionHook } from "../orders/orders.service.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import type { LicensesRepo } from "../licenses/licenses.repo.ts";

export interface AttentionEvidence {
  /** The order's upstream calls, oldest first, as the timeline recorded them. */
  calls: Array<{ at: string; detail: Record<string, unknown> | null }>;
  /** Upstream modules on the order's license and tariff that no local record owns (adoptable). */
  candidates: UpstreamModule[];
  /** Modules of the tariff on the license that belong to another local record. */
  claimed: number[];
  /** Why the candidates could not be listed, when they could not. */
  listError: string | null;
}

export function createAttentionService(deps: {
  db: Db;
  orders: Pick<OrderService, "get" | "timeline" | "placeManually">;
  ordersRepo: Pick<OrdersRepo, "claimedUpstreamIds">;
  upstream: Pick<UpstreamClient, "listModules" | "readModule" | "listLicenses" | "readLicense">;
  /** License purchases (issue 15): which upstream licenses local records own. */
  licenses: Pick<LicensesRepo, "claimedUpstreamIds">;
}) {
  const { db, orders, ordersRepo, upstream } = deps;

  /**
   * A license purchase's candidates are licenses on its IP and tariff, shown in the module shape (a
   * license is its own `license`), so the console and the CLI show both alike.
   */
  async function listFor(o: OrderRow): Promise<UpstreamModule[]> {
    if (o.product !== "license") return (await upstream.listModules({ license: Number(o.license_id) })).filter((m) => matches(m, o));
    return (await upstream.listLicenses())
      .map((l) => ({ id: l.id, license: l.id, pricelist: l.pricelist ?? 0, status: l.status, statusCode: l.statusCode, expiresOn: l.expiresOn, ip: l.ip }))
      .filter((m) => m.ip === o.ip && matches(m, o));
  }

  const matches = (m: UpstreamModule, o: OrderRow) =>
    (o.product === "license" || m.license === Number(o.license_id)) && m.pricelist === o.tariff_id && m.status !== "deleted";
  const claimedOf = (o: OrderRow, ids: number[]) => (o.product === "license" ? deps.licenses.claimedUpstreamIds(db, ids) : ordersRepo.claimedUpstreamIds(db, ids));

  async function evidence(orderId: string): Promise<AttentionEvidence> {
    const o = await orders.get(orderId);
    const calls = (await orders.timeline(o.id)).filter((e) => e.kind === "upstream_call").map((e) => ({ at: e.at, detail: e.detail ?? null }));
    if (o.kind !== "purchase") return { calls, candidates: [], claimed: [], listError: null };
    try {
      const onLicense = await listFor(o);
      const taken = await claimedOf(o, onLicense.map((m) => m.id));
      return {
        calls,
        candidates: onLicense.filter((m) => !taken.has(m.id)).sort((a, b) => a.id - b.id),
        claimed: onLicense.filter((m) => taken.has(m.id)).map((m) => m.id),
        listError: null,
      };
    } catch (e) {
      if (isUpstreamError(e)) return { calls, candidates: [], claimed: [], listError: `${e.kind}: ${e.message}` };
      if (e instanceof AppError && e.code === "upstream_unavailable") return { calls, candidates: [], claimed: [], listError: e.message };
      throw e;
    }
  }

  /**
   * Adopts upstream module `serviceId` for a purchase that needs attention (or waits in the
   * manual queue): read upstream first — it must be on the order's license, of its tariff, not
   * deleted and owned by no other record — then activated with upstream's expiry and status.
   */
  async function adopt(orderId: string, serviceId: number, actor: string, hook?: StaffActionHook): Promise<OrderRow> {
    if (!Number.isSafeInteger(serviceId) || serviceId <= 0) throw invalidInput("The upstream service id must be a positive whole number");
    const o = await orders.get(orderId);
    if (o.kind !== "purchase") throw invalidInput(`Order ${o.id} is a renewal: complete it with its new expiry instead`);
    let m: UpstreamModule;
    try {
      if (o.product === "license") {
        const l = await upstream.readLicense(serviceId);
        if (l.ip !== o.ip) throw invalidInput(`Upstream license ${serviceId} is on IP ${l.ip}; order ${o.id} is for ${o.ip}`);
        m = { id: l.id, license: l.id, pricelist: l.pricelist ?? 0, status: l.status, statusCode: l.statusCode, expiresOn: l.expiresOn };
      } else {
        m = await upstream.readModule(serviceId);
      }
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      if (e.outcome === "not_done" && e.kind === "rejected") throw invalidInput(`Upstream service ${serviceId} is not in the partner's client-area account (${e.message})`);
      throw new AppError("upstream_unavailable", `Cannot read upstream service ${serviceId} now (${e.message}); nothing was changed`);
    }
    if (!matches(m, o)) {
      throw invalidInput(`Upstream service ${serviceId} is ${m.status === "deleted" ? "deleted" : `on license ${m.license}, tariff ${m.pricelist}`}; order ${o.id} is for license ${o.license_id}, tariff ${o.tariff_id}`);
    }
    return orders.placeManually(o.id, { upstreamId: m.id, expiresOn: m.expiresOn, status: m.status }, actor, hook);
  }

  return { evidence, adopt };
}

export type AttentionService = ReturnType<typeof createAttentionService>;
