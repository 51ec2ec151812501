// Customer sign-up, sign-in and password reset. The answers never say whether an e-mail has an
// account: sign-up answers "check your mail" whether or not the address is taken (a taken one is
// sent a reset link instead of a verification link), a reset request answers the same for unknown
// addresses, and a sign-in for an unknown address spends the time of one password check.
//
// Sign-up does not create the account: the chosen password waits (hashed) in the verification
// token, and the account exists once the link is opened. So a customer cannot sign in before
// proving the address, and "this e-mail is taken" is never observable.
import type { Db, Tx } from "../../db/database.ts";
import type { CustomerRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { invalidInput } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { normalizeEmail } from "../customers/customers.logic.ts";
import type { MailQueue } from "../mail/mail.types.ts";
import {
  MAILS_PER_ADDRESS_PER_HOUR,
  THROTTLE,
  TOKEN_TTL_MS,
  hashToken,
  isWellFormedToken,
  newSecretToken,
  passwordProblem,
  safeNext,
  signInFields,
} from "./accounts.logic.ts";
import type { AccountsRepo } from "./accounts.repo.ts";
import type { PasswordHasher } from "./passwords.ts";
import type { SessionService } from "./sessions.service.ts";
import { throttleKeys, type LoginThrottle } from "./throttle.service.ts";

export type SignInResult =
  | { ok: true; customerId: string }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; retryAfterMs: number };

export type TokenResult = { ok: true; customerId: string; next: string | null } | { ok: false };

const HOUR = 3_600_000;

export function createCustomerAuthService(deps: {
  db: Db;
  accounts: AccountsRepo;
  sessions: Pick<SessionService, "endAllFor">;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  mail: MailQueue;
  clock: Clock;
  ids: IdGenerator;
  /** PUBLIC_URL: e-mailed links are absolute. */
  publicUrl: string;
  /** Called inside the transaction that confirms an address (demo mode's demo credit). */
  onVerified?: (tx: Tx, customerId: string) => Promise<void>;
}) {
  const { db, accounts, sessions, passwords, throttle, mail, clock, ids, publicUrl } = deps;

  /** The link as the mail templates read it (`url`; `link` as the mail contract first named it). */
  function linkData(path: string, extra: Record<string, string | number>): Record<string, string | number> {
    const url = `${publicUrl}${path}`;
    return { url, link: url, ...extra };
  }

  function checkPassword(password: unknown, email: string): string {
    if (typeof password !== "string") throw invalidInput("Enter a password.");
    const problem = passwordProblem(password, email);
    if (problem) throw invalidInput(problem);
    return password;
  }

  /**
   * Queues a verification link for a new address, or a reset link for one that has an account.
   * Either way the caller says the same thing: "check your e-mail".
   */
  async function signUp(input: { email: string; password: unknown; next?: unknown }): Promise<{ email: string }> {
    const email = normalizeEmail(input.email);
    const password = checkPassword(input.password, email);
    // Hashed for new and taken addresses alike: the two take the same time.
    const passwordHash = await passwords.hash(password);
    const next = safeNext(input.next, "/account");
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      if ((await accounts.countTokensSince(tx, email, new Date(now.getTime() - HOUR).toISOString())) >= MAILS_PER_ADDRESS_PER_HOUR) return;
      const existing = await accounts.findCustomerByEmail(tx, email);
      const token = newSecretToken();
      const purpose = existing ? "password_reset" : "verify_email";
      const id = ids.next("tok");
      await accounts.insertToken(tx, {
        id,
        token_hash: hashToken(token),
        purpose,
        realm: "customer",
        subject_id: existing?.id ?? null,
        email,
        password_hash: existing ? null : passwordHash,
        next_path: next,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + TOKEN_TTL_MS[purpose]).toISOString(),
        used_at: null,
      });
      await mail.queue(tx, {
        to: email,
        template: purpose,
        data: existing
          ? linkData(`/account/reset?token=${token}`, { reason: "signup_existing", expires_minutes: TOKEN_TTL_MS.password_reset / 60_000 })
          : linkData(`/account/verify?token=${token}`, { expires_hours: TOKEN_TTL_MS.verify_email / 3_600_000 }),
        key: `account:${id}`,
      });
    });
    return { email };
  }

  /** Whether an e-mailed token is still good (for the page that shows its form), and for whom. */
  async function peekToken(token: unknown, purpose: "verify_email" | "password_reset"): Promise<{ email: string } | null> {
    if (!isWellFormedToken(token)) return null;
    const row = await accounts.findLiveToken(db, hashToken(token), purpose, clock.now().toISOString());
    return row && row.realm === "customer" ? { email: row.email } : null;
  }

  /** Opens a verification link: creates the account (or marks the address verified). Single use. */
  async function confirmEmail(token: unknown): Promise<TokenResult> {
    if (!isWellFormedToken(token)) return { ok: false };
    return db.transaction().execute(async (tx): Promise<TokenResult> => {
      const now = clock.now().toISOString();
      const row = await accounts.findLiveToken(tx, hashToken(token), "verify_email", now);
      if (!row || row.realm !== "customer" || !(await accounts.consumeToken(tx, row.id, now))) return { ok: false };
      const existing = await accounts.findCustomerByEmail(tx, row.email);
      if (!existing) {
        const customer: CustomerRow = {
          id: ids.next("cus"),
          email: row.email,
          name: null,
          created_at: now,
          updated_at: now,
          password_hash: row.password_hash,
          email_verified_at: now,
          password_changed_at: row.password_hash ? now : null,
        };
        await accounts.insertCustomer(tx, customer);
        await deps.onVerified?.(tx, customer.id);
        return { ok: true, customerId: customer.id, next: row.next_path };
      }
      // The account appeared after the sign-up (staff added it, or another sign-up was confirmed
      // first). The link proves the mailbox: it may set the first password, never replace one.
      if (!existing.password_hash && row.password_hash) await accounts.setCustomerPassword(tx, existing.id, row.password_hash, now, true);
      else await accounts.markCustomerVerified(tx, existing.id, now);
      await deps.onVerified?.(tx, existing.id);
      return { ok: true, customerId: existing.id, next: row.next_path };
    });
  }

  async function signIn(input: { email: unknown; password: unknown; ip: string }): Promise<SignInResult> {
    const { typed, password } = signInFields(input);
    const accountKey = throttleKeys.account("customer", typed);
    const addressKey = throttleKeys.address("customer", input.ip);
    const locked = await throttle.lockRemaining([accountKey, addressKey]);
    if (locked > 0) return { ok: false, reason: "locked", retryAfterMs: locked };

    let email: string | null = null;
    try {
      email = normalizeEmail(typed);
    } catch {
      email = null;
    }
    const row = email ? await accounts.findCustomerByEmail(db, email) : undefined;
    let ok = false;
    if (row?.password_hash) ok = await passwords.verify(row.password_hash, password);
    else await passwords.verifyDummy(password);
    if (!ok || !row) {
      const lock = await throttle.fail([
        { key: accountKey, policy: THROTTLE.account },
        { key: addressKey, policy: THROTTLE.address },
      ]);
      return lock > 0 ? { ok: false, reason: "locked", retryAfterMs: lock } : { ok: false, reason: "invalid" };
    }
    await throttle.clear(accountKey);
    return { ok: true, customerId: row.id };
  }

  /** Queues a reset link when the address has an account; answers the same when it has none. */
  async function requestReset(input: { email: string; next?: unknown }): Promise<{ email: string }> {
    const email = normalizeEmail(input.email);
    const next = safeNext(input.next, "/account");
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      const recent = await accounts.countTokensSince(tx, email, new Date(now.getTime() - HOUR).toISOString());
      const existing = await accounts.findCustomerByEmail(tx, email);
      if (!existing || recent >= MAILS_PER_ADDRESS_PER_HOUR) return;
      const token = newSecretToken();
      const id = ids.next("tok");
      await accounts.insertToken(tx, {
        id,
        token_hash: hashToken(token),
        purpose: "password_reset",
        realm: "customer",
        subject_id: existing.id,
        email,
        password_hash: null,
        next_path: next,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + TOKEN_TTL_MS.password_reset).toISOString(),
        used_at: null,
      });
      await mail.queue(tx, {
        to: email,
        template: "password_reset",
        data: linkData(`/account/reset?token=${token}`, { reason: existing.password_hash ? "forgot" : "claim", expires_minutes: TOKEN_TTL_MS.password_reset / 60_000 }),
        key: `account:${id}`,
      });
    });
    return { email };
  }

  /**
   * Sets a new password from a reset link: single use; verifies the address (the link proves it);
   * signs the customer out everywhere and retires the address's other reset links.
   */
  async function resetPassword(input: { token: unknown; password: unknown }): Promise<TokenResult> {
    const peeked = await peekToken(input.token, "password_reset");
    if (!peeked) return { ok: false };
    const password = checkPassword(input.password, peeked.email);
    const passwordHash = await passwords.hash(password);
    const result = await db.transaction().execute(async (tx): Promise<TokenResult> => {
      const now = clock.now().toISOString();
      const row = await accounts.findLiveToken(tx, hashToken(input.token as string), "password_reset", now);
      if (!row || row.realm !== "customer" || !row.subject_id || !(await accounts.consumeToken(tx, row.id, now))) return { ok: false };
      const customer = await accounts.findCustomerById(tx, row.subject_id);
      if (!customer || customer.email !== row.email) return { ok: false };
      await accounts.setCustomerPassword(tx, customer.id, passwordHash, now, true);
      await accounts.retireTokens(tx, row.email, "password_reset", now);
      await sessions.endAllFor(tx, "customer", customer.id);
      return { ok: true, customerId: customer.id, next: row.next_path };
    });
    if (result.ok) await throttle.clear(throttleKeys.account("customer", peeked.email));
    return result;
  }

  /** The signed-in customer's view of themselves (null when the account is gone). */
  async function profile(customerId: string) {
    const row = await accounts.findCustomerById(db, customerId);
    return row ? { id: row.id, email: row.email, name: row.name, emailVerified: row.email_verified_at !== null } : null;
  }

  return { signUp, peekToken, confirmEmail, signIn, requestReset, resetPassword, profile };
}

export type CustomerAuthService = ReturnType<typeof createCustomerAuthService>;
