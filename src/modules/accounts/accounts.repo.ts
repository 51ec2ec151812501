// The only code that reads and writes staff users, e-mailed tokens, the login throttle and the
// password columns of customers.
import { sql } from "kysely";
import type { Executor, Tx } from "../../db/database.ts";
import type { ThrottlePolicy } from "./accounts.logic.ts";
import type { AccountTokenRow, CustomerRow, LoginThrottleRow, StaffUserRow } from "../../db/schema.ts";

export type CustomerAuthRow = Pick<CustomerRow, "id" | "email" | "name"> & {
  password_hash: string | null;
  email_verified_at: string | null;
  locale: string | null;
};

export function createAccountsRepo(dialect: "sqlite" | "postgres") {
  return {
    // ---- customers ---------------------------------------------------------------------------
    findCustomerByEmail(ex: Executor, email: string): Promise<CustomerAuthRow | undefined> {
      return ex
        .selectFrom("customers")
        .select(["id", "email", "name", "password_hash", "email_verified_at", "locale"])
        .where("email", "=", email)
        .executeTakeFirst() as Promise<CustomerAuthRow | undefined>;
    },
    findCustomerById(ex: Executor, id: string): Promise<CustomerAuthRow | undefined> {
      return ex
        .selectFrom("customers")
        .select(["id", "email", "name", "password_hash", "email_verified_at", "locale"])
        .where("id", "=", id)
        .executeTakeFirst() as Promise<CustomerAuthRow | undefined>;
    },
    async insertCustomer(ex: Executor, row: CustomerRow): Promise<void> {
      await ex.insertInto("customers").values(row).execute();
    },
    async setCustomerPassword(ex: Executor, id: string, passwordHash: string, now: string, verified: boolean): Promise<void> {
      await ex
        .updateTable("customers")
        .set({ password_hash: passwordHash, password_changed_at: now, updated_at: now })
        .where("id", "=", id)
        .execute();
      if (verified) await ex.updateTable("customers").set({ email_verified_at: now }).where("id", "=", id).where("email_verified_at", "is", null).execute();
    },
    async markCustomerVerified(ex: Executor, id: string, now: string): Promise<void> {
      await ex.updateTable("customers").set({ email_verified_at: now, updated_at: now }).where("id", "=", id).where("email_verified_at", "is", null).execute();
    },

    // ---- staff -------------------------------------------------------------------------------
    async insertStaff(ex: Executor, row: StaffUserRow): Promise<void> {
      await ex.insertInto("staff_users").values(row).execute();
    },
    findStaffByEmail(ex: Executor, email: string): Promise<StaffUserRow | undefined> {
      return ex.selectFrom("staff_users").selectAll().where("email", "=", email).executeTakeFirst();
    },
    findStaffById(ex: Executor, id: string): Promise<StaffUserRow | undefined> {
      return ex.selectFrom("staff_users").selectAll().where("id", "=", id).executeTakeFirst();
    },
    listStaff(ex: Executor): Promise<StaffUserRow[]> {
      return ex.selectFrom("staff_users").selectAll().orderBy("created_at").orderBy("id").execute();
    },
    async countStaff(ex: Executor): Promise<number> {
      const r = await ex.selectFrom("staff_users").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async updateStaff(ex: Executor, id: string, set: Partial<Omit<StaffUserRow, "id" | "created_at">>): Promise<void> {
      await ex.updateTable("staff_users").set(set).where("id", "=", id).execute();
    },
    /**
     * Records `step` as the last TOTP step used, only if it is later than the stored one: true when
     * this call won. Two nodes given the same code at once cannot both accept it.
     */
    async claimTotpStep(ex: Executor, id: string, step: number, now: string): Promise<boolean> {
      const r = await ex
        .updateTable("staff_users")
        .set({ totp_last_step: step, updated_at: now })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    // ---- e-mailed tokens ---------------------------------------------------------------------
    async insertToken(ex: Executor, row: AccountTokenRow): Promise<void> {
      await ex.insertInto("account_tokens").values(row).execute();
    },
    findLiveToken(ex: Executor, tokenHash: string, purpose: AccountTokenRow["purpose"], now: string): Promise<AccountTokenRow | undefined> {
      return ex
        .selectFrom("account_tokens")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .where("purpose", "=", purpose)
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .executeTakeFirst();
    },
    /** Marks the token used if it still is live: true for exactly one caller, however many race. */
    async consumeToken(tx: Tx, id: string, now: string): Promise<boolean> {
      const r = await tx
        .updateTable("account_tokens")
        .set({ used_at: now })
        .where("id", "=", id)
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Retires the other live tokens of an address (after a reset, old links stop working). */
    async retireTokens(ex: Executor, email: string, purpose: AccountTokenRow["purpose"], now: string): Promise<void> {
      await ex.updateTable("account_tokens").set({ used_at: now }).where("email", "=", email).where("purpose", "=", purpose).where("used_at", "is", null).execute();
    },
    async countTokensSince(ex: Executor, email: string, since: string): Promise<number> {
      const r = await ex
        .selectFrom("account_tokens")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("email", "=", email)
        .where("created_at", ">", since)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async deleteTokensBefore(ex: Executor, before: string): Promise<number> {
      const r = await ex.deleteFrom("account_tokens").where("expires_at", "<", before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },

    // ---- throttle ----------------------------------------------------------------------------
    findThrottle(ex: Executor, key: string): Promise<LoginThrottleRow | undefined> {
      return ex.selectFrom("login_throttle").selectAll().where("key", "=", key).executeTakeFirst();
    },
    /**
     * Reserves one attempt against `key` in ONE statement (an upsert; a row lock on PostgreSQL,
     * the single writer on SQLite), so concurrent requests on any node each get their own number:
     * `failures` is the number of attempts in the window counting this one. A window that passed,
     * or a lock that ended, starts over at 1. Reaching the policy's limit sets the lock.
     */
    async reserveThrottle(ex: Executor, key: string, now: Date, policy: ThrottlePolicy): Promise<{ failures: number; lockedUntil: string | null }> {
      const at = now.toISOString();
      const windowStart = new Date(now.getTime() - policy.windowMs).toISOString();
      const lockUntil = new Date(now.getTime() + policy.lockMs).toISOString();
      const t = sql.table("login_throttle");
      const fresh = sql`((${t}.locked_until is null and ${t}.window_started_at <= cast(${windowStart} as text)) or (${t}.locked_until is not null and ${t}.locked_until <= cast(${at} as text)))`;
      const firstLock = policy.maxFailures <= 1 ? lockUntil : null;
      const row = await ex
        .insertInto("login_throttle")
        .values({ key, failures: 1, window_started_at: at, locked_until: firstLock, updated_at: at })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            failures: sql<number>`case when ${fresh} then 1 else ${t}.failures + 1 end`,
            window_started_at: sql<string>`case when ${fresh} then cast(${at} as text) else ${t}.window_started_at end`,
            locked_until: sql<string | null>`case when ${fresh} then cast(${firstLock} as text) when ${t}.locked_until is not null then ${t}.locked_until when ${t}.failures + 1 >= ${policy.maxFailures} then cast(${lockUntil} as text) else null end`,
            updated_at: at,
          }),
        )
        .returning(["failures", "locked_until"])
        .executeTakeFirstOrThrow();
      return { failures: Number(row.failures), lockedUntil: row.locked_until };
    },
    /**
     * Gives back a reservation that did not end in a failure (a right password, or a request the
     * other key refused): one attempt fewer, and no lock while under the limit.
     */
    async releaseThrottle(ex: Executor, key: string, policy: ThrottlePolicy, now: string): Promise<void> {
      const t = sql.table("login_throttle");
      await ex
        .updateTable("login_throttle")
        .set({
          failures: sql<number>`${t}.failures - 1`,
          locked_until: sql<string | null>`case when ${t}.failures - 1 >= ${policy.maxFailures} then ${t}.locked_until else null end`,
          updated_at: now,
        })
        .where("key", "=", key)
        .where("failures", ">", 0)
        .execute();
    },
    async clearThrottle(ex: Executor, key: string): Promise<void> {
      await ex.deleteFrom("login_throttle").where("key", "=", key).execute();
    },
    async deleteThrottleBefore(ex: Executor, before: string): Promise<number> {
      const r = await ex
        .deleteFrom("login_throttle")
        .where("updated_at", "<", before)
        .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", before)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type AccountsRepo = ReturnType<typeof createAccountsRepo>;
