// Business settings (seller details, tax, invoice numbering) over the `settings` table. Read inside
// the caller's transaction where a decision depends on them (an invoice copies them at issue), so
// a change made meanwhile applies wholly to the next invoice, never half to this one.
import type { Db, Executor } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import { bankDetailsComplete as bankReady, canonicalSetting, isSettingKey, SETTING_KEYS, SETTINGS, settingsFrom, type MoneySettings, type SettingKey } from "./settings.logic.ts";
import type { SettingsRepo } from "./settings.repo.ts";
import { invalidInput, isAppError } from "../../lib/errors.ts";

export interface SettingView {
  key: SettingKey;
  value: string;
  isDefault: boolean;
  description: string;
}

export function createSettingsService(deps: { db: Db; settings: SettingsRepo; clock: Clock }) {
  const { db, settings, clock } = deps;

  async function get(ex: Executor = db): Promise<MoneySettings> {
    return settingsFrom(await settings.all(ex));
  }

  /** Every known setting with its value (or default) and what it means. */
  async function list(): Promise<SettingView[]> {
    const stored = await settings.all(db);
    return SETTING_KEYS.map((key) => ({
      key,
      value: stored[key] ?? SETTINGS[key].default,
      isDefault: stored[key] === undefined,
      description: SETTINGS[key].description,
    }));
  }

  /** Validates and stores one value; returns what was stored (canonical form). */
  async function set(key: string, value: string): Promise<string> {
    if (!isSettingKey(key)) throw invalidInput(`Unknown setting "${key.slice(0, 60)}" (known: ${SETTING_KEYS.join(", ")})`);
    return db.transaction().execute(async (tx) => {
      const current = settingsFrom(await settings.all(tx));
      const stored = canonicalSetting(key, value, current);
      await settings.put(tx, key, stored, clock.now().toISOString());
      return stored;
    });
  }

  /**
   * The stored texts after applying `values` to `stored`: each value checked (the country first: the
   * VAT number is checked against it). Every wrong value is reported at once, so that a form can
   * mark each field (details.fields: key → English message); the first one's message is the error's.
   */
  function applied(stored: Record<string, string>, values: Record<string, string>): Record<string, string> {
    const keys = Object.keys(values);
    const unknown = keys.filter((k) => !isSettingKey(k));
    if (unknown.length > 0) throw invalidInput(`Unknown settings: ${unknown.map((k) => k.slice(0, 60)).join(", ")}`);
    const next = { ...stored };
    const fields: Record<string, string> = {};
    for (const key of [...keys].sort((a, b) => Number(b === "seller.country") - Number(a === "seller.country"))) {
      try {
        next[key] = canonicalSetting(key, values[key]!, settingsFrom(next));
      } catch (e) {
        if (!isAppError(e)) throw e;
        fields[key] = e.message;
      }
    }
    const wrong = Object.keys(fields);
    if (wrong.length > 0) throw invalidInput(wrong.map((k) => fields[k]).join("; "), { fields });
    return next;
  }

  /** Checks values as setMany would, storing nothing. */
  async function check(values: Record<string, string>): Promise<void> {
    applied(await settings.all(db), values);
  }

  /** Several values at once (an admin form), all or nothing. */
  async function setMany(values: Record<string, string>): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const stored = applied(await settings.all(tx), values);
      const at = clock.now().toISOString();
      for (const key of Object.keys(values)) await settings.put(tx, key, stored[key]!, at);
    });
  }

  /** Back to the default. */
  async function reset(key: string): Promise<void> {
    if (!isSettingKey(key)) throw invalidInput(`Unknown setting "${key.slice(0, 60)}"`);
    await settings.remove(db, key);
  }

  /** Whether bank transfer may be offered: the seller's name and IBAN are set (bankDetailsComplete). */
  async function bankDetailsComplete(ex: Executor = db): Promise<boolean> {
    return bankReady((await get(ex)).seller);
  }

  return { get, list, set, check, setMany, reset, bankDetailsComplete };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
