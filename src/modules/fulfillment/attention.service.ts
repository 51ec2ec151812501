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
  upstream: Pick<UpstreamClient, "listModules" | "readModule">;
}) {
  const { db, orders, ordersRepo, upstream } = deps;

  const matches = (m: UpstreamModule, o: OrderRow) => m.license === Number(o.license_id) && m.pricelist === o.tariff_id && m.status !== "deleted";

  async function evidence(orderId: string): Promise<AttentionEvidence> {
    const o = await orders.get(orderId);
    const calls = (await orders.timeline(o.id)).filter((e) => e.kind === "upstream_call").map((e) => ({ at: e.at, detail: e.detail ?? null }));
    if (o.kind !== "purchase") return { calls, candidates: [], claimed: [], listError: null };
    try {
      const onLicense = (await upstream.listModules({ license: Number(o.license_id) })).filter((m) => matches(m, o));
      const taken = await ordersRepo.claimedUpstreamIds(db, onLicense.map((m) => m.id));
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
      m = await upstream.readModule(serviceId);
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
