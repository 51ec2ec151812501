// The only code that reads and writes approvals (pending money actions above a staff member's limit).
import type { Executor } from "../../db/database.ts";
import type { ApprovalRow } from "../../db/schema.ts";

export function createApprovalsRepo() {
  return {
    /** Inserts unless an approval with this id exists (a form submitted twice); true when new. */
    async insert(ex: Executor, row: ApprovalRow): Promise<boolean> {
      const r = await ex.insertInto("approvals").values(row).onConflict((oc) => oc.column("id").doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    find(ex: Executor, id: string): Promise<ApprovalRow | undefined> {
      return ex.selectFrom("approvals").selectAll().where("id", "=", id).executeTakeFirst();
    },
    list(ex: Executor, f: { state?: string; limit?: number } = {}): Promise<ApprovalRow[]> {
      let q = ex.selectFrom("approvals").selectAll();
      if (f.state) q = q.where("state", "=", f.state as ApprovalRow["state"]);
      return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(f.limit ?? 200).execute();
    },
    /** pending → approved | rejected, only if still pending; false when someone decided first. */
    async decide(ex: Executor, id: string, patch: { state: "approved" | "rejected"; decided_by: string; decided_label: string; decided_at: string; outcome: string }): Promise<boolean> {
      const r = await ex.updateTable("approvals").set(patch).where("id", "=", id).where("state", "=", "pending").executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}

export type ApprovalsRepo = ReturnType<typeof createApprovalsRepo>;
