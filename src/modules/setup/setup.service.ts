// The first-run set-up (docs/adr/0023-setup-wizard.md): the first owner, the client-area
// connection, the fulfillment mode. Stored in the `settings` table under keys of their own (not in
// SETTINGS, so `partnerbill settings` and /admin/settings never list them); the client-area
// password is sealed with SECRET_KEY. What the environment sets wins over what is stored here.
import type { Db, Executor } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import { invalidInput } from "../../lib/errors.ts";
import { open, seal } from "../../lib/secret-box.ts";
import type { UpstreamCheckInput, UpstreamCheckResult } from "../../upstream/check.ts";
import type { StaffAuthService, StaffView } from "../accounts/staff-auth.service.ts";
import type { AuditContext } from "../audit/audit.logic.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { SettingsRepo } from "../settings/settings.repo.ts";

export type Area = "eu" | "ru";
export type FulfillmentMode = "automatic" | "manual";
export const AREAS: readonly Area[] = ["eu", "ru"];
export const FULFILLMENT_MODES: readonly FulfillmentMode[] = ["automatic", "manual"];

export const SETUP_KEYS = {
  /** Inserted once, with the first owner: the wizard's create step never comes back. */
  ownerClaim: "setup.owner_created_at",
  area: "upstream.area",
  user: (a: Area) => `upstream.${a}.user`,
  password: (a: Area) => `upstream.${a}.password_sealed`,
  checkedAt: (a: Area) => `upstream.${a}.checked_at`,
  fulfillment: "fulfillment.mode",
} as const;

const MODE_MAX_AGE_MS = 2_000;

const sealContext = (a: Area) => `settings:upstream.${a}.password`;

export interface Credentials {
  user: string;
  password: string;
}

export type CredentialSource = "env" | "stored" | "default" | "none";

export interface SetupStatus {
  ownerExists: boolean;
  /** The area this process runs with (its catalog's tariff ids), and the one stored, if any. */
  area: { running: Area; stored: Area | null; fixedByEnv: boolean };
  credentials: { source: CredentialSource; checkedAt: string | null };
  fulfillment: { mode: FulfillmentMode; source: "env" | "stored" | "default" };
}

export function createSetupService(deps: {
  db: Db;
  settings: SettingsRepo;
  staffAuth: Pick<StaffAuthService, "addFirstOwner" | "hasAny">;
  audit: Pick<AuditService, "record">;
  clock: Clock;
  secretKey: string;
  /** The running process: its area, and what its environment fixes. */
  running: {
    area: Area;
    /** UPSTREAM_URL names an address (a URL, or the sandbox): the area's preset is not used. */
    fixedUrl: string | null;
    envCredentials: Credentials | null;
    envFulfillment: FulfillmentMode | null;
    defaultFulfillment: FulfillmentMode;
    /** Used when neither the environment nor the wizard gave any (the embedded sandbox's demo account). */
    defaultCredentials: Credentials | null;
    timeoutMs: number;
  };
  /** The API URL of an area (UPSTREAM_PRESETS). */
  urlOf: (a: Area) => string;
  /** The live check, the same as `partnerbill upstream check`. */
  check: (input: UpstreamCheckInput) => Promise<UpstreamCheckResult>;
  warn?: (info: Record<string, unknown>, message: string) => void;
}) {
  const { db, settings, staffAuth, audit, clock, secretKey, running } = deps;

  const parseArea = (v: unknown): Area | null => (AREAS.includes(v as Area) ? (v as Area) : null);
  const parseMode = (v: unknown): FulfillmentMode | null => (FULFILLMENT_MODES.includes(v as FulfillmentMode) ? (v as FulfillmentMode) : null);

  /** The stored credentials of an area, opened with SECRET_KEY (null when none or unreadable). */
  function storedCredentials(all: Record<string, string>, a: Area): Credentials | null {
    const user = all[SETUP_KEYS.user(a)];
    const sealed = all[SETUP_KEYS.password(a)];
    if (!user || !sealed) return null;
    try {
      return { user, password: open(secretKey, sealed, sealContext(a)) };
    } catch {
      // Sealed with another SECRET_KEY: as good as none (the wizard says so and asks again).
      return null;
    }
  }

  /** The client-area credentials to use now: the environment's, else the stored ones of the running area. */
  async function credentials(): Promise<Credentials | null> {
    if (running.envCredentials) return running.envCredentials;
    return storedCredentials(await settings.all(db), running.area) ?? running.defaultCredentials;
  }

  async function fulfillmentMode(ex: Executor = db): Promise<FulfillmentMode> {
    if (running.envFulfillment) return running.envFulfillment;
    return parseMode((await settings.all(ex))[SETUP_KEYS.fulfillment]) ?? running.defaultFulfillment;
  }

  // Orders and renewals take the mode as a value: they read it through this cache. A change made
  // on this node applies at once; one made on another node within MODE_MAX_AGE_MS.
  let cachedMode: { mode: FulfillmentMode; at: number } | null = null;
  let refreshing: Promise<void> | null = null;
  function refreshMode(): Promise<void> {
    refreshing ??= fulfillmentMode()
      .then((mode) => { cachedMode = { mode, at: performance.now() }; })
      .catch((err: unknown) => deps.warn?.({ err }, "could not read the fulfillment mode; keeping the last one"))
      .finally(() => { refreshing = null; });
    return refreshing;
  }
  function modeNow(): FulfillmentMode {
    if (running.envFulfillment) return running.envFulfillment;
    if (!cachedMode || performance.now() - cachedMode.at > MODE_MAX_AGE_MS) void refreshMode();
    return cachedMode?.mode ?? running.defaultFulfillment;
  }

  async function status(): Promise<SetupStatus> {
    const all = await settings.all(db);
    const stored = storedCredentials(all, running.area);
    const storedMode = parseMode(all[SETUP_KEYS.fulfillment]);
    return {
      ownerExists: await staffAuth.hasAny(),
      area: { running: running.area, stored: parseArea(all[SETUP_KEYS.area]), fixedByEnv: running.fixedUrl !== null },
      credentials: {
        source: running.envCredentials ? "env" : stored ? "stored" : running.defaultCredentials ? "default" : "none",
        checkedAt: stored ? (all[SETUP_KEYS.checkedAt(running.area)] ?? null) : null,
      },
      fulfillment: running.envFulfillment
        ? { mode: running.envFulfillment, source: "env" }
        : storedMode
          ? { mode: storedMode, source: "stored" }
          : { mode: running.defaultFulfillment, source: "default" },
    };
  }

  /** Creates the first owner; null when an owner exists already (or another browser was first). */
  async function createOwner(input: { email: string; password: string }, ctx: Omit<AuditContext, "actor">): Promise<StaffView | null> {
    let claimedAt = "";
    const owner = await staffAuth.addFirstOwner(input, async (tx) => {
      claimedAt = clock.now().toISOString();
      return settings.insertIfAbsent(tx, SETUP_KEYS.ownerClaim, claimedAt, claimedAt);
    });
    if (owner) {
      await audit.record(db, {
        ...ctx,
        actor: { kind: "staff", id: owner.id, label: owner.email },
        action: "staff.create_owner",
        subject: { type: "staff_user", id: owner.id },
        after: { email: owner.email, role: owner.role, via: "setup wizard" },
      });
    }
    return owner;
  }

  /**
   * Checks the credentials live against the area's API and stores them (password sealed) only
   * when the check passes; a refusal stores nothing. The reason never names the account.
   */
  async function saveUpstream(
    input: { area: unknown; user: string; password: string },
    ctx: AuditContext,
  ): Promise<{ ok: true; area: Area; licenses: number; modules: number; restartNeeded: boolean } | { ok: false; reason: string }> {
    const area = parseArea(input.area);
    if (!area) throw invalidInput("Choose the client area: EU (api-eu.ispmanager.com) or RU (api.ispmanager.ru).");
    if (running.fixedUrl !== null && area !== running.area) {
      throw invalidInput(`UPSTREAM_URL in the environment fixes the client area's address, which serves the ${running.area.toUpperCase()} catalog; choose ${running.area.toUpperCase()} or change UPSTREAM_URL.`);
    }
    const user = input.user.trim();
    if (user === "" || input.password === "") throw invalidInput("Enter the client area's login (e-mail) and password.");
    if (user.length > 254 || input.password.length > 1000) throw invalidInput("That login or password is too long.");
    const url = running.fixedUrl ?? deps.urlOf(area);
    // The network call, outside any transaction.
    const r = await deps.check({ url, user, password: input.password, timeoutMs: running.timeoutMs });
    const subject = { type: "upstream_credentials", id: area };
    if (!r.ok) {
      const reason = r.reason.split(user).join("this account");
      await audit.record(db, { ...ctx, action: "upstream_credentials.check_failed", subject, after: { area, host: new URL(url).host, reason } });
      return { ok: false, reason };
    }
    const at = clock.now().toISOString();
    await db.transaction().execute(async (tx) => {
      const before = await settings.all(tx);
      await settings.put(tx, SETUP_KEYS.area, area, at);
      await settings.put(tx, SETUP_KEYS.user(area), user, at);
      await settings.put(tx, SETUP_KEYS.password(area), seal(secretKey, input.password, sealContext(area)), at);
      await settings.put(tx, SETUP_KEYS.checkedAt(area), at, at);
      await audit.record(tx, {
        ...ctx,
        action: "upstream_credentials.set",
        subject,
        before: { area: parseArea(before[SETUP_KEYS.area]), credentials: before[SETUP_KEYS.user(area)] ? "stored" : "none" },
        after: { area, credentials: "stored", host: new URL(url).host, licenses: r.licenses.length, modules: r.modules.length },
      });
    });
    return { ok: true, area, licenses: r.licenses.length, modules: r.modules.length, restartNeeded: area !== running.area };
  }

  async function setFulfillmentMode(value: unknown, ctx: AuditContext): Promise<FulfillmentMode> {
    const mode = parseMode(value);
    if (!mode) throw invalidInput("Choose automatic or manual fulfillment.");
    const at = clock.now().toISOString();
    await db.transaction().execute(async (tx) => {
      const before = await fulfillmentMode(tx);
      await settings.put(tx, SETUP_KEYS.fulfillment, mode, at);
      await audit.record(tx, { ...ctx, action: "fulfillment_mode.set", subject: { type: "setting", id: SETUP_KEYS.fulfillment }, before: { mode: before }, after: { mode } });
    });
    if (!running.envFulfillment) cachedMode = { mode, at: performance.now() };
    return mode;
  }

  return { status, credentials, fulfillmentMode, modeNow, refreshMode, createOwner, saveUpstream, setFulfillmentMode };
}

/** The stored client area (read at start-up, before the container is built). */
export async function readStoredArea(settings: SettingsRepo, ex: Executor): Promise<Area | null> {
  const v = (await settings.all(ex))[SETUP_KEYS.area];
  return v === "eu" || v === "ru" ? v : null;
}

export type SetupService = ReturnType<typeof createSetupService>;
