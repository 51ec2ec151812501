// The only code that reads and writes orders, their timeline and the modules customers own.
import { sql } from "kysely";
import type { Executor } from "../../db/database.ts";
import type { CustomerModuleRow, OrderEventRow, OrderRow } from "../../db/schema.ts";
import type { OrderKey, OrderPageFilter } from "./orders-list.logic.ts";

export type OrderPatch = Partial<Omit<OrderRow, "id" | "version" | "created_at">>;

export interface OrderListFilter {
  state?: string;
  customerId?: string;
  licenseId?: number;
  limit?: number;
}

/** Purchase states between payment and the module's existence upstream: a second purchase of the same (license, module) must wait. */
export const PURCHASE_IN_FLIGHT_STATES = ["paid", "placing", "awaiting_funds", "needs_attention", "manual_queue"] as const;

export function createOrdersRepo(dialect: "sqlite" | "postgres" = "sqlite") {
  return {
    async insert(ex: Executor, row: OrderRow): Promise<void> {
      await ex.insertInto("orders").values(row).execute();
    },

    findById(ex: Executor, id: string): Promise<OrderRow | undefined> {
      return ex.selectFrom("orders").selectAll().where("id", "=", id).executeTakeFirst();
    },

    /**
     * The order, locked until the transaction ends (PostgreSQL row lock; SQLite serialises writers).
     * Lock order (src/modules/ledger/README.md): customer, then order, then purchase slot.
     */
    async findForUpdate(tx: Executor, id: string): Promise<OrderRow | undefined> {
      const q = tx.selectFrom("orders").selectAll().where("id", "=", id);
      return dialect === "postgres" ? q.forUpdate().executeTakeFirst() : q.executeTakeFirst();
    },

    /**
     * Serialises payments for one (license, module) across customers and nodes until the
     * transaction ends: a transaction-scoped advisory lock on PostgreSQL (two orders of different
     * customers share no row to lock); SQLite already serialises writers.
     */
    async lockPurchaseSlot(tx: Executor, licenseId: number, moduleId: string): Promise<void> {
      if (dialect !== "postgres") return;
      await sql`select pg_advisory_xact_lock(hashtext(${`purchase:${licenseId}:${moduleId}`}))`.execute(tx);
    },

    /** Another purchase of this (license, module) that is paid and not yet active or refunded. */
    inFlightPurchase(ex: Executor, licenseId: number, moduleId: string, exceptOrderId: string): Promise<OrderRow | undefined> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("kind", "=", "purchase")
        .where("license_id", "=", licenseId)
        .where("module_id", "=", moduleId)
        .where("state", "in", PURCHASE_IN_FLIGHT_STATES)
        .where("id", "!=", exceptOrderId)
        .orderBy("created_at")
        .executeTakeFirst();
    },

    /** Another license purchase for this IP that is paid and not finished (one license per IP). */
    inFlightLicensePurchase(ex: Executor, ip: string, exceptOrderId: string): Promise<OrderRow | undefined> {
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

    /**
     * This browser's pending order for exactly this Buy: same license, module and IP. A Buy with
     * another IP (a corrected one after a wrong IP) is another order, never the old one (ADR 0038).
     */
    findPendingForBrowser(ex: Executor, browserKey: string, licenseId: number, moduleId: string, ip: string | null): Promise<OrderRow | undefined> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("browser_key", "=", browserKey)
        .where("license_id", "=", licenseId)
        .where("module_id", "=", moduleId)
        .where((eb) => (ip === null ? eb("ip", "is", null) : eb("ip", "=", ip)))
        .where("state", "=", "pending_payment")
        .orderBy("created_at", "desc")
        .executeTakeFirst();
    },

    /**
     * Moves an order from one of `from` to a new state, only if nobody else moved it since we read
     * it (`version`). Returns false when the row did not match: the caller lost a race.
     */
    async transition(ex: Executor, id: string, from: readonly string[], version: number, patch: OrderPatch): Promise<boolean> {
      const r = await ex
        .updateTable("orders")
        .set({ ...patch, version: sql`version + 1` })
        .where("id", "=", id)
        .where("state", "in", from)
        .where("version", "=", version)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async insertEvent(ex: Executor, ev: OrderEventRow): Promise<void> {
      await ex.insertInto("order_events").values(ev).execute();
    },

    events(ex: Executor, orderId: string): Promise<OrderEventRow[]> {
      return ex.selectFrom("order_events").selectAll().where("order_id", "=", orderId).orderBy("at").orderBy("id").execute();
    },

    list(ex: Executor, f: OrderListFilter = {}): Promise<OrderRow[]> {
      let q = ex.selectFrom("orders").selectAll();
      if (f.state) q = q.where("state", "=", f.state);
      if (f.customerId) q = q.where("customer_id", "=", f.customerId);
      if (f.licenseId) q = q.where("license_id", "=", f.licenseId);
      return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(f.limit ?? 50).execute();
    },

    /**
     * One page of the orders list, newest first by (created_at, id), strictly after `after`.
     * Each single equality filter has an index ending in (created_at, id) (migration 0011), so the
     * page is a range scan in index order: no sort, no OFFSET, whatever the depth. Several states
     * are one such scan per state, merged (a plain IN would lose the index order on PostgreSQL).
     * docs/adr/0018-orders-list.md has the query plans.
     */
    page(ex: Executor, f: OrderPageFilter, after: OrderKey | null, limit: number): Promise<OrderRow[]> {
      return this.pageQuery(ex, f, after, limit).execute();
    },

    /** The page's query, unexecuted (the benchmark EXPLAINs it). */
    pageQuery(ex: Executor, f: OrderPageFilter, after: OrderKey | null, limit: number) {
      const scan = (state: string | undefined) => {
        let q = ex.selectFrom("orders").selectAll();
        if (state !== undefined) q = q.where("state", "=", state);
        if (f.orderId !== undefined) q = q.where("id", "=", f.orderId);
        if (f.kind !== undefined) q = q.where("kind", "=", f.kind as OrderRow["kind"]);
        if (f.customerId !== undefined) q = q.where("customer_id", "=", f.customerId);
        if (f.licenseId !== undefined) q = q.where("license_id", "=", f.licenseId);
        if (f.moduleId !== undefined) q = q.where("module_id", "=", f.moduleId);
        if (f.createdFrom !== undefined) q = q.where("created_at", ">=", f.createdFrom);
        if (f.createdBefore !== undefined) q = q.where("created_at", "<", f.createdBefore);
        if (after) {
          // A row-value comparison: both databases turn it into the bound of the index range
          // ("(created_at,id)<(?,?)" in SQLite's plan, an Index Cond on PostgreSQL).
          q = q.where((eb) => eb(eb.refTuple("created_at", "id"), "<", eb.tuple(after.createdAt, after.id)));
        }
        return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit);
      };
      if (f.states.length <= 1) return scan(f.states[0]);
      const [first, ...rest] = f.states.map((s, i) => ex.selectFrom(scan(s).as(`s${i}`)).selectAll());
      let merged = first!;
      for (const r of rest) merged = merged.unionAll(r);
      return ex.selectFrom(merged.as("m")).selectAll().orderBy("created_at", "desc").orderBy("id", "desc").limit(limit);
    },

    /**
     * Pending purchases created before `before`, oldest first. Renewal invoices are not among them:
     * they stay payable until the module's expiry, when the renewal scan cancels them. Nor are
     * orders with a bank-transfer invoice (migration 0007) until that invoice is overdue on `today`:
     * the customer was told to pay by its due date.
     */
    listPendingBefore(ex: Executor, before: string, limit: number, today: string = before.slice(0, 10)): Promise<OrderRow[]> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("state", "=", "pending_payment")
        .where("kind", "=", "purchase")
        .where("created_at", "<", before)
        .where((eb) =>
          eb.or([
            eb("invoice_id", "is", null),
            eb.exists(eb.selectFrom("invoices").select("invoices.id").whereRef("invoices.id", "=", "orders.invoice_id").where("invoices.due_on", "<", today)),
          ]),
        )
        .orderBy("created_at")
        .limit(limit)
        .execute();
    },

    async countByState(ex: Executor): Promise<Record<string, number>> {
      const rows = await ex.selectFrom("orders").select(["state", (eb) => eb.fn.countAll<number>().as("n")]).groupBy("state").execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },

    /**
     * What the pre-payment check saw upstream, on an order not yet paid (ADR 0043). Not a state
     * change: the version stays, so a payment racing with it is neither refused nor overwritten.
     */
    async recordPrecheck(ex: Executor, id: string, at: string, knownIds: number[]): Promise<void> {
      await ex
        .updateTable("orders")
        .set({ precheck_at: at, precheck_known_ids: JSON.stringify(knownIds) })
        .where("id", "=", id)
        .where("state", "=", "pending_payment")
        .execute();
    },

    /** Upstream module ids among `ids` that a local record already owns. */
    async claimedUpstreamIds(ex: Executor, ids: number[]): Promise<Set<number>> {
      if (ids.length === 0) return new Set();
      const rows = await ex.selectFrom("customer_modules").select("upstream_service_id").where("upstream_service_id", "in", ids).execute();
      return new Set(rows.map((r) => Number(r.upstream_service_id)));
    },

    async insertCustomerModule(ex: Executor, row: CustomerModuleRow): Promise<void> {
      await ex.insertInto("customer_modules").values(row).execute();
    },

    findCustomerModule(ex: Executor, id: string): Promise<CustomerModuleRow | undefined> {
      return ex.selectFrom("customer_modules").selectAll().where("id", "=", id).executeTakeFirst();
    },

    findActiveModuleOnLicense(ex: Executor, licenseId: number, moduleId: string): Promise<CustomerModuleRow | undefined> {
      return ex
        .selectFrom("customer_modules")
        .selectAll()
        .where("license_id", "=", licenseId)
        .where("module_id", "=", moduleId)
        .where("state", "=", "active")
        .executeTakeFirst();
    },

    /** Renewal orders of a customer's module raised but not paid (pending payment). */
    pendingRenewalsOf(ex: Executor, customerModuleId: string): Promise<OrderRow[]> {
      return ex
        .selectFrom("orders")
        .selectAll()
        .where("kind", "=", "renewal")
        .where("customer_module_id", "=", customerModuleId)
        .where("state", "=", "pending_payment")
        .orderBy("created_at")
        .execute();
    },

    async updateCustomerModule(ex: Executor, id: string, patch: Partial<Omit<CustomerModuleRow, "id">>): Promise<void> {
      await ex.updateTable("customer_modules").set(patch).where("id", "=", id).execute();
    },

    listCustomerModules(ex: Executor, f: { customerId?: string; state?: string; expiresBefore?: string; limit?: number } = {}): Promise<CustomerModuleRow[]> {
      let q = ex.selectFrom("customer_modules").selectAll();
      if (f.customerId) q = q.where("customer_id", "=", f.customerId);
      if (f.state) q = q.where("state", "=", f.state);
      if (f.expiresBefore) q = q.where("expires_on", "<", f.expiresBefore);
      return q.orderBy("expires_on").orderBy("id").limit(f.limit ?? 1000).execute();
    },
  };
}

export type OrdersRepo = ReturnType<typeof createOrdersRepo>;
