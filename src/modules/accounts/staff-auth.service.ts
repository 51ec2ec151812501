// Staff accounts: added from the command line (or by the set-up wizard), signed in at /admin/login
// with the same protections as customers (argon2id, throttling, no enumeration), with an optional
// TOTP second factor. TOTP secrets are stored encrypted with SECRET_KEY.
import type { Db, Executor } from "../../db/database.ts";
import type { StaffUserRow } from "../../db/schema.ts";
import type { Locale } from "../../i18n/locales.ts";
import type { Clock } from "../../lib/clock.ts";
import { conflict, invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { open, seal } from "../../lib/secret-box.ts";
import { normalizeEmail } from "../customers/customers.logic.ts";
import { THROTTLE, passwordProblem, signInFields } from "./accounts.logic.ts";
import type { AccountsRepo } from "./accounts.repo.ts";
import type { PasswordHasher } from "./passwords.ts";
import type { SessionService } from "./sessions.service.ts";
import { throttleKeys, type LoginThrottle } from "./throttle.service.ts";
import { newTotpSecret, otpauthUri, verifyTotp } from "./totp.ts";

export type StaffRole = StaffUserRow["role"];
export const STAFF_ROLES: readonly StaffRole[] = ["owner", "staff", "support"];

export interface StaffView {
  id: string;
  email: string;
  role: StaffRole;
  totp: boolean;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
  /** The console language the user chose (null: the request decides, docs/adr/0036-i18n.md). */
  locale: string | null;
}

export type StaffSignInResult =
  | { ok: true; staffId: string; secondFactor: boolean }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; retryAfterMs: number };

/** Changing one's own password: refused for a wrong current password (throttled) or a new one the policy refuses. */
export type PasswordChangeResult =
  | { ok: true }
  | { ok: false; reason: "wrong_current" }
  | { ok: false; reason: "locked"; retryAfterMs: number }
  | { ok: false; reason: "weak"; problem: string };

export type CodeResult = { ok: true } | { ok: false; reason: "invalid" } | { ok: false; reason: "locked"; retryAfterMs: number };

export function viewOf(row: StaffUserRow): StaffView {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    totp: row.totp_secret !== null,
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    locale: row.locale ?? null,
  };
}

const secretContext = (id: string) => `staff_users.totp_secret:${id}`;
const pendingContext = (id: string) => `staff_users.totp_pending_secret:${id}`;

export function createStaffAuthService(deps: {
  db: Db;
  accounts: AccountsRepo;
  sessions: Pick<SessionService, "endAllFor">;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  clock: Clock;
  ids: IdGenerator;
  secretKey: string;
  /** Shown in authenticator apps next to the account. */
  issuer: string;
}) {
  const { db, accounts, sessions, passwords, throttle, clock, ids, secretKey, issuer } = deps;

  function parseRole(role: string): StaffRole {
    if (!STAFF_ROLES.includes(role as StaffRole)) throw invalidInput(`role must be one of ${STAFF_ROLES.join(", ")}`);
    return role as StaffRole;
  }

  async function byEmail(ref: string): Promise<StaffUserRow> {
    const row = await accounts.findStaffByEmail(db, normalizeEmail(ref));
    if (!row) throw notFound(`No staff user ${ref}`);
    return row;
  }

  /** A new staff user's row: e-mail normalised, password checked against the policy and hashed. */
  async function newStaffRow(input: { email: string; password: string }, role: StaffRole): Promise<StaffUserRow> {
    const email = normalizeEmail(input.email);
    const problem = passwordProblem(input.password, email);
    if (problem) throw invalidInput(problem);
    const passwordHash = await passwords.hash(input.password);
    const now = clock.now().toISOString();
    return {
      alert_emails: 0,
      id: ids.next("stf"),
      email,
      password_hash: passwordHash,
      role,
      totp_secret: null,
      totp_pending_secret: null,
      totp_last_step: null,
      disabled: 0,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
  }

  async function add(input: { email: string; role: string; password: string }): Promise<StaffView> {
    const row = await newStaffRow(input, parseRole(input.role));
    if (await accounts.findStaffByEmail(db, row.email)) throw conflict(`A staff user with e-mail ${row.email} already exists`);
    await accounts.insertStaff(db, row);
    return viewOf(row);
  }

  /**
   * The first owner (the set-up wizard): created only while no staff user exists, and exactly once
   * even when two browsers submit at once — `claim` inserts, in the same transaction, a row that
   * can exist only once; whoever does not get it creates nothing (null).
   */
  async function addFirstOwner(input: { email: string; password: string }, claim: (tx: Executor) => Promise<boolean>): Promise<StaffView | null> {
    const row = await newStaffRow(input, "owner");
    return db.transaction().execute(async (tx) => {
      if (!(await claim(tx)) || (await accounts.countStaff(tx)) > 0) return null;
      await accounts.insertStaff(tx, row);
      return viewOf(row);
    });
  }

  async function setPassword(ref: string, password: string): Promise<StaffView> {
    const row = await byEmail(ref);
    const problem = passwordProblem(password, row.email);
    if (problem) throw invalidInput(problem);
    const passwordHash = await passwords.hash(password);
    await db.transaction().execute(async (tx) => {
      await accounts.updateStaff(tx, row.id, { password_hash: passwordHash, updated_at: clock.now().toISOString() });
      await sessions.endAllFor(tx, "staff", row.id);
    });
    await throttle.clear(throttleKeys.account("staff", row.email));
    return viewOf({ ...row, password_hash: passwordHash });
  }

  /**
   * A signed-in staff user changes their own password: the current one is checked first (counted
   * like sign-in attempts on the account, so a left-open console is no password oracle), then the
   * new one against the policy. All sessions of the user end; the caller starts a new one.
   */
  async function changePassword(staffId: string, input: { current: unknown; next: unknown }): Promise<PasswordChangeResult> {
    const row = await accounts.findStaffById(db, staffId);
    if (!row || row.disabled === 1) return { ok: false, reason: "wrong_current" };
    const current = typeof input.current === "string" ? input.current.slice(0, 1024) : "";
    const next = typeof input.next === "string" ? input.next : "";
    const reservation = await throttle.reserve([{ key: throttleKeys.account("staff", row.email), policy: THROTTLE.account }]);
    if (!reservation.ok) return { ok: false, reason: "locked", retryAfterMs: reservation.retryAfterMs };
    if (!(await passwords.verify(row.password_hash, current))) return { ok: false, reason: "wrong_current" };
    await throttle.release(reservation);
    const problem = passwordProblem(next, row.email);
    if (problem) return { ok: false, reason: "weak", problem };
    const passwordHash = await passwords.hash(next);
    await db.transaction().execute(async (tx) => {
      await accounts.updateStaff(tx, row.id, { password_hash: passwordHash, updated_at: clock.now().toISOString() });
      await sessions.endAllFor(tx, "staff", row.id);
    });
    return { ok: true };
  }

  /** Disabling signs the user out everywhere; a disabled user cannot sign in. */
  async function setDisabled(ref: string, disabled: boolean): Promise<StaffView> {
    const row = await byEmail(ref);
    await db.transaction().execute(async (tx) => {
      await accounts.updateStaff(tx, row.id, { disabled: disabled ? 1 : 0, updated_at: clock.now().toISOString() });
      await sessions.endAllFor(tx, "staff", row.id);
    });
    return viewOf({ ...row, disabled: disabled ? 1 : 0 });
  }

  /** For a lost authenticator (from the command line): removes the second factor. */
  async function removeTotp(ref: string): Promise<StaffView> {
    const row = await byEmail(ref);
    await db.transaction().execute(async (tx) => {
      await accounts.updateStaff(tx, row.id, { totp_secret: null, totp_pending_secret: null, updated_at: clock.now().toISOString() });
      await sessions.endAllFor(tx, "staff", row.id);
    });
    return viewOf({ ...row, totp_secret: null });
  }

  async function signIn(input: { email: unknown; password: unknown; ip: string }): Promise<StaffSignInResult> {
    const { typed, password } = signInFields(input);
    const accountKey = throttleKeys.account("staff", typed);
    const addressKey = throttleKeys.address("staff", input.ip);
    // Reserved before the password is checked (see the throttle service): a burst of parallel
    // guesses gets at most the policy's number of checks.
    const reservation = await throttle.reserve([
      { key: accountKey, policy: THROTTLE.account },
      { key: addressKey, policy: THROTTLE.address },
    ]);
    if (!reservation.ok) return { ok: false, reason: "locked", retryAfterMs: reservation.retryAfterMs };
    const row = typed ? await accounts.findStaffByEmail(db, typed) : undefined;
    let ok = false;
    if (row) ok = await passwords.verify(row.password_hash, password);
    else await passwords.verifyDummy(password);
    // A disabled account answers like a wrong password, after the same work.
    if (!ok || !row || row.disabled === 1) return { ok: false, reason: "invalid" };
    await throttle.release(reservation);
    const secondFactor = row.totp_secret !== null;
    if (!secondFactor) await accounts.updateStaff(db, row.id, { last_login_at: clock.now().toISOString() });
    return { ok: true, staffId: row.id, secondFactor };
  }

  /** Checks `code` against `sealed` and claims its time step (never accepted twice); throttled. */
  async function checkCode(row: StaffUserRow, sealed: string, context: string, code: unknown): Promise<CodeResult & { step?: number }> {
    const key = throttleKeys.totp(row.id);
    const reservation = await throttle.reserve([{ key, policy: THROTTLE.totp }]);
    if (!reservation.ok) return { ok: false, reason: "locked", retryAfterMs: reservation.retryAfterMs };
    const now = clock.now();
    const step = typeof code === "string" ? verifyTotp(open(secretKey, sealed, context), code, now, row.totp_last_step) : null;
    if (step === null || !(await accounts.claimTotpStep(db, row.id, step, now.toISOString()))) return { ok: false, reason: "invalid" };
    await throttle.release(reservation);
    return { ok: true, step };
  }

  /** The second step of a login with TOTP. */
  async function verifySecondFactor(staffId: string, code: unknown): Promise<CodeResult> {
    const row = await accounts.findStaffById(db, staffId);
    if (!row || row.disabled === 1 || !row.totp_secret) return { ok: false, reason: "invalid" };
    const r = await checkCode(row, row.totp_secret, secretContext(row.id), code);
    if (r.ok) await accounts.updateStaff(db, row.id, { last_login_at: clock.now().toISOString() });
    return r.ok ? { ok: true } : r;
  }

  /** Starts (or restarts) enrolment: a new secret, shown until a first code confirms it. */
  async function beginTotp(staffId: string): Promise<{ secret: string; uri: string }> {
    const row = await accounts.findStaffById(db, staffId);
    if (!row) throw notFound("No such staff user");
    if (row.totp_secret) throw conflict("Two-factor authentication is already on; turn it off first.");
    const secret = newTotpSecret();
    await accounts.updateStaff(db, row.id, { totp_pending_secret: seal(secretKey, secret, pendingContext(row.id)), updated_at: clock.now().toISOString() });
    return { secret, uri: otpauthUri(secret, row.email, issuer) };
  }

  /** The enrolment in progress, to show its secret again. */
  async function pendingTotp(staffId: string): Promise<{ secret: string; uri: string } | null> {
    const row = await accounts.findStaffById(db, staffId);
    if (!row?.totp_pending_secret || row.totp_secret) return null;
    const secret = open(secretKey, row.totp_pending_secret, pendingContext(row.id));
    return { secret, uri: otpauthUri(secret, row.email, issuer) };
  }

  /** Turns the second factor on once a code from the new secret is right. */
  async function confirmTotp(staffId: string, code: unknown): Promise<CodeResult> {
    const row = await accounts.findStaffById(db, staffId);
    if (!row?.totp_pending_secret || row.totp_secret) return { ok: false, reason: "invalid" };
    const r = await checkCode(row, row.totp_pending_secret, pendingContext(row.id), code);
    if (!r.ok) return r;
    const secret = open(secretKey, row.totp_pending_secret, pendingContext(row.id));
    await accounts.updateStaff(db, row.id, {
      totp_secret: seal(secretKey, secret, secretContext(row.id)),
      totp_pending_secret: null,
      updated_at: clock.now().toISOString(),
    });
    return { ok: true };
  }

  /** Turns the second factor off; needs a current code. */
  async function disableTotp(staffId: string, code: unknown): Promise<CodeResult> {
    const row = await accounts.findStaffById(db, staffId);
    if (!row?.totp_secret) return { ok: false, reason: "invalid" };
    const r = await checkCode(row, row.totp_secret, secretContext(row.id), code);
    if (!r.ok) return r;
    await accounts.updateStaff(db, row.id, { totp_secret: null, totp_pending_secret: null, updated_at: clock.now().toISOString() });
    return { ok: true };
  }

  /** Stores the console language a staff user chose with the language switch. */
  async function setLocale(staffId: string, locale: Locale | null): Promise<void> {
    await accounts.updateStaff(db, staffId, { locale, updated_at: clock.now().toISOString() });
  }

  async function find(staffId: string): Promise<StaffView | null> {
    const row = await accounts.findStaffById(db, staffId);
    return row ? viewOf(row) : null;
  }

  return {
    add,
    addFirstOwner,
    list: async () => (await accounts.listStaff(db)).map(viewOf),
    /** True once any staff user exists (the set-up wizard creates the first, an owner). */
    hasAny: async () => (await accounts.countStaff(db)) > 0,
    find,
    setLocale,
    setPassword,
    changePassword,
    setDisabled,
    removeTotp,
    signIn,
    verifySecondFactor,
    beginTotp,
    pendingTotp,
    confirmTotp,
    disableTotp,
  };
}

export type StaffAuthService = ReturnType<typeof createStaffAuthService>;
