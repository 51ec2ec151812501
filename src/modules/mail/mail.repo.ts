// The only code that reads and writes the e-mail outbox (mail_outbox).
import type { Executor } from "../../db/database.ts";
import type { MailOutboxRow, MailOutboxTable, MailState } from "../../db/schema.ts";

export type MailSummary = Omit<MailOutboxRow, "body_text_enc" | "body_html_enc">;

const SUMMARY_COLUMNS = [
  "id", "key", "to_address", "template", "subject", "state", "attempts", "last_error", "message_id", "created_at", "updated_at", "sent_at",
] as const;

export function createMailRepo() {
  return {
    /** Inserts the message unless one with its key exists; true when inserted. */
    async insertIfNew(ex: Executor, row: MailOutboxTable): Promise<boolean> {
      const r = await ex
        .insertInto("mail_outbox")
        .values(row)
        .onConflict((oc) => oc.column("key").doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },

    find(ex: Executor, id: string): Promise<MailOutboxRow | undefined> {
      return ex.selectFrom("mail_outbox").selectAll().where("id", "=", id).executeTakeFirst();
    },

    findByKey(ex: Executor, key: string): Promise<MailOutboxRow | undefined> {
      return ex.selectFrom("mail_outbox").selectAll().where("key", "=", key).executeTakeFirst();
    },

    /** Newest first. */
    list(ex: Executor, filter: { state?: MailState; limit: number }): Promise<MailSummary[]> {
      let q = ex.selectFrom("mail_outbox").select(SUMMARY_COLUMNS);
      if (filter.state) q = q.where("state", "=", filter.state);
      return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(filter.limit).execute();
    },

    /** Records an attempt's outcome; only a message still queued (or held) changes. */
    async update(
      ex: Executor,
      id: string,
      set: { state: MailState; attempts?: number; last_error?: string | null; message_id?: string | null; sent_at?: string | null; updated_at: string },
    ): Promise<boolean> {
      const r = await ex.updateTable("mail_outbox").set(set).where("id", "=", id).where("state", "in", ["queued", "held"]).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** A held or failed message back to queued (sent again by a new job). */
    async requeue(ex: Executor, id: string, now: string): Promise<boolean> {
      const r = await ex
        .updateTable("mail_outbox")
        .set({ state: "queued", last_error: null, updated_at: now })
        .where("id", "=", id)
        .where("state", "in", ["held", "failed"])
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}

export type MailRepo = ReturnType<typeof createMailRepo>;
