// The only code that reads and writes webhook_endpoints and webhook_deliveries.
import type { Executor } from "../../db/database.ts";
import type { WebhookDeliveryRow, WebhookEndpointRow } from "../../db/schema.ts";

export type DeliveryPatch = Partial<Pick<WebhookDeliveryRow, "state" | "attempts" | "last_status" | "last_error" | "last_attempt_at" | "next_attempt_at" | "delivered_at">> & { updated_at: string };

export function createWebhooksRepo() {
  return {
    async insertEndpoint(ex: Executor, row: WebhookEndpointRow): Promise<void> {
      await ex.insertInto("webhook_endpoints").values(row).execute();
    },
    findEndpoint(ex: Executor, id: string): Promise<WebhookEndpointRow | undefined> {
      return ex.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).executeTakeFirst();
    },
    listEndpoints(ex: Executor): Promise<WebhookEndpointRow[]> {
      return ex.selectFrom("webhook_endpoints").selectAll().orderBy("created_at", "asc").orderBy("id", "asc").execute();
    },
    /** Enabled endpoints; the caller filters by subscribed event (a JSON array per row, few rows). */
    listEnabledEndpoints(ex: Executor): Promise<WebhookEndpointRow[]> {
      return ex.selectFrom("webhook_endpoints").selectAll().where("enabled", "=", 1).orderBy("id", "asc").execute();
    },
    async updateEndpoint(ex: Executor, id: string, patch: Partial<Pick<WebhookEndpointRow, "enabled" | "events" | "description">> & { updated_at: string }): Promise<boolean> {
      const r = await ex.updateTable("webhook_endpoints").set(patch).where("id", "=", id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Deletes the endpoint and (ON DELETE CASCADE) its delivery log. */
    async deleteEndpoint(ex: Executor, id: string): Promise<boolean> {
      await ex.deleteFrom("webhook_deliveries").where("endpoint_id", "=", id).execute();
      const r = await ex.deleteFrom("webhook_endpoints").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },

    async insertDelivery(ex: Executor, row: WebhookDeliveryRow): Promise<void> {
      await ex.insertInto("webhook_deliveries").values(row).execute();
    },
    findDelivery(ex: Executor, id: string): Promise<WebhookDeliveryRow | undefined> {
      return ex.selectFrom("webhook_deliveries").selectAll().where("id", "=", id).executeTakeFirst();
    },
    /** Newest first, optionally one endpoint's. */
    listDeliveries(ex: Executor, q: { endpointId?: string; limit: number }): Promise<WebhookDeliveryRow[]> {
      let s = ex.selectFrom("webhook_deliveries").selectAll();
      if (q.endpointId) s = s.where("endpoint_id", "=", q.endpointId);
      return s.orderBy("created_at", "desc").orderBy("id", "desc").limit(q.limit).execute();
    },
    async updateDelivery(ex: Executor, id: string, patch: DeliveryPatch): Promise<void> {
      await ex.updateTable("webhook_deliveries").set(patch).where("id", "=", id).execute();
    },
  };
}

export type WebhooksRepo = ReturnType<typeof createWebhooksRepo>;
