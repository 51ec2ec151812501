// The only code that reads and writes staff users, e-mailed tokens, the login throttle and the
// password columns of customers.
import type { Executor, Tx } from "../../db/database.ts";
import type { AccountTokenRow, CustomerRow, LoginThrottleRow, StaffUserRow } from "../../db/schema.ts";

export type CustomerAuthRow = Pick<CustomerRow, "id" | "email" | "name"> & {
  password_hash: string | null;
  email_verified_at: string | null;
};

export function createAccountsRepo(dialect: "sqlite" | "postgres") {
  return {
    // ---- customers ---------------------------------------------------------------------------
    findCustomerByEmail(ex: Executor, email: string): Promise<CustomerAuthRow | undefined> {
      return ex
        .selectFrom("customers")
        .select(["id", "email", "name", "password_hash", "email_verified_at"])
        .where("email", "=", email)
        .executeTakeFirst() as Promise<CustomerAuthRow | undefined>;
    },
    findCustomerById(ex: Executor, id: string): Promise<CustomerAuthRow | undefined> {
      return ex
        .selectFrom("customers")
        .select(["id", "email", "name", "password_hash", "email_verified_at"])
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
    /** Reads a throttle row for update (a row lock on PostgreSQL; SQLite serialises writers). */
    async lockThrottle(tx: Tx, key: string, now: string): Promise<LoginThrottleRow> {
      await tx
        .insertInto("login_throttle")
        .values({ key, failures: 0, window_started_at: now, locked_until: null, updated_at: now })
        .onConflict((oc) => oc.column("key").doNothing())
        .execute();
      let q = tx.selectFrom("login_throttle").selectAll().where("key", "=", key);
      if (dialect === "postgres") q = q.forUpdate();
      return q.executeTakeFirstOrThrow();
    },
    async saveThrottle(ex: Executor, row: LoginThrottleRow): Promise<void> {
      await ex
        .updateTable("login_throttle")
        .set({ failures: row.failures, window_started_at: row.window_started_at, locked_until: row.locked_until, updated_at: row.updated_at })
        .where("key", "=", row.key)
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
