// Customer sign-up, sign-in and password reset (docs/adr/0013-accounts-and-sessions.md,
// docs/adr/0024-auth-hardening.md). The answers never say whether an e-mail has an account.
//
// Sign-up and "forgot your password" are ONE operation, doing the same work for every address:
// e-mail a single-use link that proves the mailbox — a sign-up link when the address has no
// account, a reset link when it has one. Nobody chooses a password before opening the link: the
// password is typed on the page the link leads to. So a stranger who signs up with someone
// else's address can never pre-set the password of her future account.
//
// The token in a link travels in the URL's fragment (after "#"), which browsers never send to a
// server: it cannot land in a request log, ours or nginx's. The page the link opens POSTs it.
import type { Db, Tx } from "../../db/database.ts";
import type { AccountTokenRow, CustomerRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { invalidInput } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import type { Locale } from "../../i18n/locales.ts";
import { normalizeEmail } from "../customers/customers.logic.ts";
import type { MailQueue } from "../mail/mail.types.ts";
import {
  MAILS_PER_ADDRESS_PER_HOUR,
  THROTTLE,
  TOKEN_TTL_MS,
  hashToken,
  isWellFormedToken,
  newSecretToken,
  passwordProblemOf,
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
    if (typeof password !== "string") throw invalidInput("Enter a password.", { messageKey: "form.password.missing" });
    const problem = passwordProblemOf(password, email);
    if (problem) throw invalidInput(problem.message, { messageKey: problem.messageKey, values: problem.values });
    return password;
  }

  /**
   * E-mails a link that proves the address: a sign-up link when it has no account, a reset link
   * when it has one (`reason` words the mail). The same statements run for every address, so the
   * answer and its timing say nothing about whether an account exists. At most
   * MAILS_PER_ADDRESS_PER_HOUR links per address and hour.
   */
  async function requestLink(input: { email: string; next?: unknown; reason: "signup" | "forgot"; locale?: Locale }): Promise<{ email: string }> {
    const email = normalizeEmail(input.email);
    const next = safeNext(input.next, "/account", publicUrl);
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      const recent = await accounts.countTokensSince(tx, email, new Date(now.getTime() - HOUR).toISOString());
      const existing = await accounts.findCustomerByEmail(tx, email);
      if (recent >= MAILS_PER_ADDRESS_PER_HOUR) return;
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
        password_hash: null,
        next_path: next,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + TOKEN_TTL_MS[purpose]).toISOString(),
        used_at: null,
      });
      const reason = existing
        ? input.reason === "signup" ? "signup_existing" : existing.password_hash ? "forgot" : "claim"
        : input.reason === "signup" ? "signup" : "forgot_no_account";
      await mail.queue(tx, {
        to: email,
        template: purpose,
        data: existing
          ? linkData(`/account/reset#${token}`, { code: token, reason, expires_minutes: TOKEN_TTL_MS.password_reset / 60_000 })
          : linkData(`/account/verify#${token}`, { code: token, reason, expires_hours: TOKEN_TTL_MS.verify_email / 3_600_000 }),
        key: `account:${id}`,
        // In the language of the page that asked, unless the account has chosen its own.
        ...(input.locale && !existing?.locale ? { locale: input.locale } : {}),
      });
    });
    return { email };
  }

  /**
   * Sign-up: only the address. The password is chosen on the page the e-mailed link opens.
   * `locale`: the page's language, which the mail is written in.
   */
  function signUp(input: { email: string; next?: unknown; locale?: Locale }): Promise<{ email: string }> {
    return requestLink({ ...input, reason: "signup" });
  }

  /** "Forgot your password?": the same operation as a sign-up, worded for it. */
  function requestReset(input: { email: string; next?: unknown; locale?: Locale }): Promise<{ email: string }> {
    return requestLink({ ...input, reason: "forgot" });
  }

  /** Whether an e-mailed token is still good (for the page that shows its form), and for whom. */
  async function peekToken(token: unknown, purpose: "verify_email" | "password_reset"): Promise<{ email: string } | null> {
    if (!isWellFormedToken(token)) return null;
    const row = await accounts.findLiveToken(db, hashToken(token), purpose, clock.now().toISOString());
    return row && row.realm === "customer" ? { email: row.email } : null;
  }

  /**
   * The part every password-setting link shares: the token must be live, the typed password good;
   * then, in one transaction, the token is spent (exactly once, however many race) and `apply`
   * sets the password. Afterwards the account's sign-in throttle starts over.
   */
  async function passwordFromLink(
    input: { token: unknown; password: unknown },
    purpose: "verify_email" | "password_reset",
    apply: (tx: Tx, row: AccountTokenRow, passwordHash: string, now: string) => Promise<TokenResult>,
  ): Promise<TokenResult> {
    const peeked = await peekToken(input.token, purpose);
    if (!peeked) return { ok: false };
    const password = checkPassword(input.password, peeked.email);
    const passwordHash = await passwords.hash(password);
    const result = await db.transaction().execute(async (tx): Promise<TokenResult> => {
      const now = clock.now().toISOString();
      const row = await accounts.findLiveToken(tx, hashToken(input.token as string), purpose, now);
      if (!row || row.realm !== "customer" || !(await accounts.consumeToken(tx, row.id, now))) return { ok: false };
      return apply(tx, row, passwordHash, now);
    });
    if (result.ok) await throttle.clear(throttleKeys.account("customer", peeked.email));
    return result;
  }

  /**
   * Finishes a sign-up from its link: the password typed on the link's page becomes the account's.
   * Single use. When the account appeared meanwhile (another link for the address was used first,
   * or staff added it), the link still proves the mailbox, so it sets the password like a reset
   * link would, and signs the account out elsewhere. Either way the other sign-up links of the
   * address stop working. `locale`: the page's language, stored as the new customer's choice (for
   * pages, e-mails and invoices); an existing account keeps its own.
   */
  function completeSignUp(input: { token: unknown; password: unknown; locale?: Locale }): Promise<TokenResult> {
    return passwordFromLink(input, "verify_email", async (tx, row, passwordHash, now) => {
      await accounts.retireTokens(tx, row.email, "verify_email", now);
      const existing = await accounts.findCustomerByEmail(tx, row.email);
      if (!existing) {
        const customer: CustomerRow = {
          id: ids.next("cus"),
          email: row.email,
          name: null,
          created_at: now,
          updated_at: now,
          password_hash: passwordHash,
          email_verified_at: now,
          password_changed_at: now,
          ...(input.locale ? { locale: input.locale } : {}),
        };
        await accounts.insertCustomer(tx, customer);
        await deps.onVerified?.(tx, customer.id);
        return { ok: true, customerId: customer.id, next: row.next_path };
      }
      await accounts.setCustomerPassword(tx, existing.id, passwordHash, now, true);
      await sessions.endAllFor(tx, "customer", existing.id);
      await deps.onVerified?.(tx, existing.id);
      return { ok: true, customerId: existing.id, next: row.next_path };
    });
  }

  async function signIn(input: { email: unknown; password: unknown; ip: string }): Promise<SignInResult> {
    const { typed, password } = signInFields(input);
    const accountKey = throttleKeys.account("customer", typed);
    const addressKey = throttleKeys.address("customer", input.ip);
    // Reserved before the password is checked: however many guesses arrive at once, on however
    // many nodes, at most the policy's number of them are checked.
    const reservation = await throttle.reserve([
      { key: accountKey, policy: THROTTLE.account },
      { key: addressKey, policy: THROTTLE.address },
    ]);
    if (!reservation.ok) return { ok: false, reason: "locked", retryAfterMs: reservation.retryAfterMs };

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
    // A failure keeps its reservation: that is the failure counted.
    if (!ok || !row) return { ok: false, reason: "invalid" };
    await throttle.release(reservation);
    return { ok: true, customerId: row.id };
  }

  /**
   * Sets a new password from a reset link: single use; verifies the address (the link proves it);
   * signs the customer out everywhere and retires the address's other reset links.
   */
  function resetPassword(input: { token: unknown; password: unknown }): Promise<TokenResult> {
    return passwordFromLink(input, "password_reset", async (tx, row, passwordHash, now) => {
      const customer = row.subject_id ? await accounts.findCustomerById(tx, row.subject_id) : undefined;
      if (!customer || customer.email !== row.email) return { ok: false };
      await accounts.setCustomerPassword(tx, customer.id, passwordHash, now, true);
      await accounts.retireTokens(tx, row.email, "password_reset", now);
      await sessions.endAllFor(tx, "customer", customer.id);
      return { ok: true, customerId: customer.id, next: row.next_path };
    });
  }

  /** The signed-in customer's view of themselves (null when the account is gone). */
  async function profile(customerId: string) {
    const row = await accounts.findCustomerById(db, customerId);
    return row ? { id: row.id, email: row.email, name: row.name, emailVerified: row.email_verified_at !== null, locale: row.locale } : null;
  }

  return { signUp, requestReset, peekToken, completeSignUp, signIn, resetPassword, profile };
}

export type CustomerAuthService = ReturnType<typeof createCustomerAuthService>;
