// The only code that reads and writes customer_licenses and the license side of orders (issue 15).
import type { Executor } from "../../db/database.ts";
import type { CustomerLicenseRow, OrderRow } from "../../db/schema.ts";
import { PURCHASE_IN_FLIGHT_STATES } from "../orders/orders.repo.ts";

export type CustomerLicensePatch = Partial<Omit<CustomerLicenseRow, "id" | "created_at" | "created_order_id" | "customer_id">>;

export function createLicensesRepo() {
  return {
    async insert(ex: Executor, row: CustomerLicenseRow): Promise<void> {
      await ex.insertInto("customer_licenses").values(row).execute();
    },

    find(ex: Executor, id: string): Promise<CustomerLicenseRow | undefined> {
      return ex.selectFrom("customer_licenses").selectAll().where("id", "=", id).executeTakeFirst();
    },

    findByUpstreamId(ex: Executor, upstreamId: number): Promise<CustomerLicenseRow | undefined> {
      return ex.selectFrom("customer_licenses").selectAll().where("upstream_license_id", "=", upstreamId).executeTakeFirst();
    },

    list(ex: Executor, filter: { customerId?: string; limit?: number } = {}): Promise<CustomerLicenseRow[]> {
      let q = ex.selectFrom("customer_licenses").selectAll();
      if (filter.customerId) q = q.where("customer_id", "=", filter.customerId);
      return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(filter.limit ?? 500).execute();
    },

    /** Live local licenses on an IP (what a new order for it would collide with). */
    liveOnIp(ex: Executor, ip: string): Promise<CustomerLicenseRow[]> {
      return ex.selectFrom("customer_licenses").selectAll().where("ip", "=", ip).where("state", "=", "active").execute();
    },

    async update(ex: Executor, id: string, patch: CustomerLicensePatch): Promise<void> {
      await ex.updateTable("customer_licenses").set(patch).where("id", "=", id).execute();
    },

    /** Upstream license ids already owned by a local record (adoption must never take one twice). */
    async claimedUpstreamIds(ex: Executor, ids: number[]): Promise<Set<number>> {
      if (ids.length === 0) return new Set();
      const rows = await ex.selectFrom("customer_licenses").select("upstream_license_id").where("upstream_license_id", "in", ids).execute();
      return new Set(rows.map((r) => Number(r.upstream_license_id)));
    },

    /** Another license purchase for this IP that is paid and not finished (one license per IP). */
    inFlightPurchase(ex: Executor, ip: string, exceptOrderId: string): Promise<OrderRow | undefined> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("kind", "=", "purchase")
        .where("product", "=", "license")
        .where("ip", "=", ip)
        .where("state", "in", PURCHASE_IN_FLIGHT_STATES)
        .where("id", "!=", exceptOrderId)
        .orderBy("created_at")
        .executeTakeFirst();
    },
  };
}

export type LicensesRepo = ReturnType<typeof createLicensesRepo>;
