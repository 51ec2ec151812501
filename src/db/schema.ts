// Table types for Kysely. One schema for both dialects, so a few conventions keep them alike:
//   - timestamps are ISO-8601 UTC text ("2026-12-01T06:13:44.000Z"): sortable, readable, same on both;
//   - flags are integers 0/1;
//   - money is an integer of minor units (bigint on PostgreSQL, read back as a JS number) plus an
//     ISO currency code in its own column;
//   - ids are text with a type prefix (src/lib/ids.ts) or a natural key.
import type { Generated, Insertable, Selectable, Updateable } from "kysely";

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/** Monotonic counters; `catalog` is bumped on every change that alters a price list. */
export interface ChangeCountersTable {
  name: string;
  version: number;
}

export interface ModulesTable {
  /** `<region>-<tariff id>`, e.g. "eu-23221". */
  id: string;
  region: "eu" | "ru";
  /** The module's tariff id (pricelist id) in ispmanager's client area. */
  tariff_id: number;
  name: string;
  intname: string;
  addition_intname: string;
  /** Staff switch: a disabled module is never listed nor sold. */
  enabled: number;
  /** Upstream offers it now; price sync clears it when upstream withdraws the module. */
  upstream_available: number;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

export interface ModulePricesTable {
  module_id: string;
  period_months: number;
  amount_minor: number;
  currency: string;
  updated_at: string;
}

export interface PriceHistoryTable {
  id: string;
  module_id: string;
  period_months: number;
  old_amount_minor: number | null;
  old_currency: string | null;
  new_amount_minor: number | null;
  new_currency: string | null;
  /** What made the change: cli, admin, api, sync, seed. */
  source: string;
  actor: string | null;
  created_at: string;
}

export interface DB {
  settings: SettingsTable;
  change_counters: ChangeCountersTable;
  modules: ModulesTable;
  module_prices: ModulePricesTable;
  price_history: PriceHistoryTable;
}

export type ModuleRow = Selectable<ModulesTable>;
export type NewModuleRow = Insertable<ModulesTable>;
export type ModuleUpdate = Updateable<ModulesTable>;
export type ModulePriceRow = Selectable<ModulePricesTable>;
export type PriceHistoryRow = Selectable<PriceHistoryTable>;
export type { Generated };
