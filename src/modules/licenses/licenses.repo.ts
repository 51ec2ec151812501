// The only code that reads and writes customer_licenses and the license side of orders (issue 15).
import type { Executor } from "../../db/database.ts";
import type { CustomerLicenseRow } from "../../db/schema.ts";

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
  };
}

export type LicensesRepo = ReturnType<typeof createLicensesRepo>;
