// The only code that reads and writes reconciliation reports and findings, and the reads of
// orders and customer modules a reconciliation compares.
import type { Executor } from "../../db/database.ts";
import type { CustomerModuleRow, OrderRow, ReconciliationFindingRow, ReconciliationReportRow } from "../../db/schema.ts";
import { RENEWAL_IN_FLIGHT_STATES } from "../renewals/renewals.logic.ts";

/** Purchase states in which the module may already exist upstream without a local record yet. */
const PURCHASE_IN_FLIGHT = ["paid", "placing", "awaiting_funds", "needs_attention", "manual_queue"] as const;

export function createReconciliationRepo() {
  return {
    async insertReport(ex: Executor, report: ReconciliationReportRow, findings: ReconciliationFindingRow[]): Promise<void> {
      await ex.insertInto("reconciliation_reports").values(report).execute();
      // In slices: SQLite allows a bounded number of bound parameters per statement.
      for (let i = 0; i < findings.length; i += 50) {
        await ex.insertInto("reconciliation_findings").values(findings.slice(i, i + 50)).execute();
      }
    },

    findReport(ex: Executor, id: string): Promise<ReconciliationReportRow | undefined> {
      return ex.selectFrom("reconciliation_reports").selectAll().where("id", "=", id).executeTakeFirst();
    },

    latestReport(ex: Executor): Promise<ReconciliationReportRow | undefined> {
      return ex.selectFrom("reconciliation_reports").selectAll().orderBy("started_at", "desc").orderBy("id", "desc").executeTakeFirst();
    },

    listReports(ex: Executor, limit: number): Promise<ReconciliationReportRow[]> {
      return ex.selectFrom("reconciliation_reports").selectAll().orderBy("started_at", "desc").orderBy("id", "desc").limit(limit).execute();
    },

    findings(ex: Executor, reportId: string): Promise<ReconciliationFindingRow[]> {
      return ex.selectFrom("reconciliation_findings").selectAll().where("report_id", "=", reportId).orderBy("severity").orderBy("kind").orderBy("id").execute();
    },

    allCustomerModules(ex: Executor): Promise<CustomerModuleRow[]> {
      return ex.selectFrom("customer_modules").selectAll().orderBy("id").execute();
    },

    inFlightPurchases(ex: Executor): Promise<OrderRow[]> {
      return ex.selectFrom("orders").selectAll().where("kind", "=", "purchase").where("state", "in", PURCHASE_IN_FLIGHT).execute();
    },

    /** Customer modules with a paid renewal under way. */
    async modulesBeingRenewed(ex: Executor): Promise<Set<string>> {
      const rows = await ex
        .selectFrom("orders")
        .select("customer_module_id")
        .where("kind", "=", "renewal")
        .where("state", "in", RENEWAL_IN_FLIGHT_STATES)
        .where("customer_module_id", "is not", null)
        .execute();
      return new Set(rows.map((r) => r.customer_module_id!));
    },

    /**
     * Moves an upstream-renewed module's expiry forward, only if it is still what the comparison
     * saw (a concurrent change wins, and the next reconciliation looks again).
     */
    async followExpiry(ex: Executor, id: string, from: string | null, to: string, now: string): Promise<boolean> {
      let q = ex
        .updateTable("customer_modules")
        .set({ expires_on: to, updated_at: now })
        .where("id", "=", id)
        .where("state", "=", "active")
        .where("renewal", "=", "upstream");
      q = from === null ? q.where("expires_on", "is", null) : q.where("expires_on", "=", from);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}

export type ReconciliationRepo = ReturnType<typeof createReconciliationRepo>;
