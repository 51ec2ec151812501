// Makes test/fixtures/release-<version>.db: the SQLite database of a released partnerbill, with a
// little of everything in it (prices, costs, a customer with a balance, orders in several states,
// an owned module, jobs). test/migrations.test.ts upgrades a copy with today's migrations and
// checks that every row survives and the schema ends up exactly as on a fresh install — which
// fails if a released migration was edited, or a new one mishandles existing data.
//
// Run it once per release, on the release's own commit, and commit its output (docs/DEPLOY.md,
// "Releasing"):
//   node --import tsx scripts/make-release-fixture.ts --version 0.2.0
// --up-to <migration> stops at a migration, to make the fixture of an earlier release from a later
// commit (migrations are forward-only, so the first n are still that release's).
// The rows are written as plain SQL of that schema on purpose: a fixture records the past, so it
// must not follow today's repositories.
import { existsSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect } from "kysely";
import { migrations } from "../src/db/migrations/index.ts";

const { values } = parseArgs({
  options: {
    version: { type: "string" },
    "up-to": { type: "string" },
    out: { type: "string" },
    force: { type: "boolean", default: false },
  },
});
if (!values.version) {
  console.error("usage: make-release-fixture.ts --version <x.y.z> [--up-to <migration>] [--out <file>] [--force]");
  process.exit(2);
}
const names = Object.keys(migrations);
const upTo = values["up-to"] ?? names.at(-1)!;
if (!names.includes(upTo)) {
  console.error(`unknown migration ${upTo} (known: ${names.join(", ")})`);
  process.exit(2);
}
const out = values.out ?? new URL(`../test/fixtures/release-${values.version}.db`, import.meta.url).pathname;
if (existsSync(out) && !values.force) {
  console.error(`${out} exists: a released fixture is never remade (pass --force only to fix a fixture that was never committed)`);
  process.exit(2);
}
rmSync(out, { force: true });

const included = Object.fromEntries(names.slice(0, names.indexOf(upTo) + 1).map((n) => [n, migrations[n]!]));
const sqlite = new SqliteDatabase(out);
const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
const result = await new Migrator({ db, provider: { getMigrations: async () => included } }).migrateToLatest();
if (result.error) throw result.error;

// Release 0.1.0's schema (migrations 0001_catalog … 0004_orders). A fixture for a later release
// copies this block and adds rows for the tables and columns that release introduced.
const T0 = "2026-11-02T09:00:00.000Z";
const T1 = "2026-11-02T09:05:00.000Z";
const T2 = "2026-11-02T09:05:07.000Z";
const T3 = "2026-11-03T12:00:00.000Z";
sqlite.exec(`
  update modules set created_at = '${T0}', updated_at = '${T0}';
  update modules set enabled = 0, updated_at = '${T1}' where id = 'eu-55371';
  update modules set pricing_mode = 'rules' where id = 'eu-55362';
  update change_counters set version = 7 where name = 'catalog';
  insert into settings (key, value, updated_at) values ('setup.completed', '1', '${T0}');

  insert into module_prices (module_id, period_months, amount_minor, currency, updated_at) values
    ('eu-23221', 1, 1190, 'EUR', '${T0}'),
    ('eu-23221', 12, 11900, 'EUR', '${T0}'),
    ('eu-55361', 1, 499, 'EUR', '${T0}'),
    ('eu-55362', 1, 899, 'EUR', '${T1}'),
    ('ru-23221', 1, 95000, 'RUB', '${T0}');
  insert into price_history (id, module_id, period_months, old_amount_minor, old_currency, new_amount_minor, new_currency, source, actor, created_at) values
    ('ph_0001', 'eu-23221', 1, null, null, 1190, 'EUR', 'seed', null, '${T0}'),
    ('ph_0002', 'eu-55362', 1, 850, 'EUR', 899, 'EUR', 'sync', null, '${T1}'),
    ('ph_0003', 'ru-23221', 1, null, null, 95000, 'RUB', 'cli', 'admin', '${T0}');

  insert into module_costs (module_id, period_months, cost_minor, currency, cost_text, synced_at) values
    ('eu-23221', 1, 900, 'EUR', '9.0000', '${T1}'),
    ('eu-55362', 1, 750, 'EUR', '7.4950', '${T1}');
  insert into pricing_rules (scope, module_id, markup_bp, markup_fixed_minor, rounding, currency, updated_at) values
    ('global', null, 2000, 0, '99', 'EUR', '${T0}'),
    ('eu-55362', 'eu-55362', 1500, 25, 'none', 'EUR', '${T0}');
  insert into currency_rates (base, quote, rate, source, as_of, updated_at) values
    ('EUR', 'USD', '1.0821', 'ecb', '2026-11-02', '${T1}'),
    ('EUR', 'RUB', '98.50', 'manual', '2026-11-01', '${T0}');
  insert into alerts (id, kind, subject, message, created_at, last_seen_at, resolved_at) values
    ('al_0001', 'negative_margin', 'eu-55361', 'Dr.Web Lite sells below cost', '${T0}', '${T1}', '${T1}'),
    ('al_0002', 'price_sync_failed', null, 'upstream did not answer', '${T3}', '${T3}', null);

  insert into customers (id, email, name, created_at, updated_at) values
    ('cus_0001', 'ann@example.com', 'Ann Example', '${T0}', '${T0}'),
    ('cus_0002', 'bob@example.org', null, '${T1}', '${T1}');
  insert into ledger_accounts (id, kind, owner, currency, created_at) values
    ('acc_0001', 'customer', 'cus_0001', 'EUR', '${T0}'),
    ('acc_0002', 'funding', '', 'EUR', '${T0}'),
    ('acc_0003', 'held', '', 'EUR', '${T0}'),
    ('acc_0004', 'revenue', '', 'EUR', '${T0}');
  insert into ledger_transactions (id, kind, memo, order_id, actor, idempotency_key, created_at) values
    ('ltx_0001', 'top_up', 'bank transfer 2026-11-02', null, 'admin', 'topup:bank:0001', '${T0}'),
    ('ltx_0002', 'payment', 'order ord_0001', 'ord_0001', null, 'order:ord_0001:payment', '${T1}'),
    ('ltx_0003', 'earn', 'order ord_0001 active', 'ord_0001', null, 'order:ord_0001:earn', '${T2}'),
    ('ltx_0004', 'payment', 'order ord_0003', 'ord_0003', null, 'order:ord_0003:payment', '${T3}');
  insert into ledger_entries (id, transaction_id, account_id, amount_minor, currency, created_at) values
    ('len_0001', 'ltx_0001', 'acc_0002', -5000, 'EUR', '${T0}'),
    ('len_0002', 'ltx_0001', 'acc_0001', 5000, 'EUR', '${T0}'),
    ('len_0003', 'ltx_0002', 'acc_0001', -1190, 'EUR', '${T1}'),
    ('len_0004', 'ltx_0002', 'acc_0003', 1190, 'EUR', '${T1}'),
    ('len_0005', 'ltx_0003', 'acc_0003', -1190, 'EUR', '${T2}'),
    ('len_0006', 'ltx_0003', 'acc_0004', 1190, 'EUR', '${T2}'),
    ('len_0007', 'ltx_0004', 'acc_0001', -1190, 'EUR', '${T3}'),
    ('len_0008', 'ltx_0004', 'acc_0003', 1190, 'EUR', '${T3}');

  insert into orders (id, kind, state, customer_id, module_id, tariff_id, license_id, ip, period_months, price_minor, currency,
      fulfillment, browser_key, customer_module_id, upstream_service_id, upstream_expires_on, intent_at, intent_known_ids,
      upstream_attempts, reason, version, created_at, updated_at, paid_at, activated_at) values
    ('ord_0001', 'purchase', 'active', 'cus_0001', 'eu-23221', 23221, 4410001, '203.0.113.10', 1, 1190, 'EUR',
      'automatic', 'bk_a', 'cm_0001', 9001, '2026-12-02', '${T1}', '[]', 1, null, 4, '${T0}', '${T2}', '${T1}', '${T2}'),
    ('ord_0002', 'purchase', 'pending_payment', null, 'eu-55361', 55361, 4410002, null, 12, 4990, 'EUR',
      'automatic', 'bk_b', null, null, null, null, null, 0, null, 0, '${T3}', '${T3}', null, null),
    ('ord_0003', 'purchase', 'placing', 'cus_0001', 'eu-23221', 23221, 4410003, '198.51.100.7', 1, 1190, 'EUR',
      'automatic', 'bk_c', null, null, null, '${T3}', '[9001]', 1, null, 2, '${T3}', '${T3}', '${T3}', null),
    ('ord_0004', 'purchase', 'cancelled', 'cus_0002', 'ru-23221', 23221, 4410004, null, 1, 95000, 'RUB',
      'manual', null, null, null, null, null, null, 0, 'customer cancelled', 1, '${T1}', '${T3}', null, null);
  insert into order_events (id, order_id, at, kind, from_state, to_state, detail, actor) values
    ('oev_0001', 'ord_0001', '${T0}', 'transition', null, 'pending_payment', '{"source":"buy_redirect"}', null),
    ('oev_0002', 'ord_0001', '${T1}', 'transition', 'pending_payment', 'paid', null, 'cus_0001'),
    ('oev_0003', 'ord_0001', '${T1}', 'upstream_call', null, null, '{"func":"addition.order.param"}', null),
    ('oev_0004', 'ord_0001', '${T2}', 'transition', 'placing', 'active', '{"upstreamServiceId":9001}', null),
    ('oev_0005', 'ord_0003', '${T3}', 'transition', 'paid', 'placing', null, null),
    ('oev_0006', 'ord_0004', '${T3}', 'note', null, null, '{"text":"called the customer"}', 'admin');
  insert into customer_modules (id, customer_id, module_id, tariff_id, license_id, ip, upstream_service_id, period_months,
      price_minor, currency, expires_on, state, renewal, created_order_id, created_at, updated_at) values
    ('cm_0001', 'cus_0001', 'eu-23221', 23221, 4410001, '203.0.113.10', 9001, 1, 1190, 'EUR', '2026-12-02', 'active', 'charge', 'ord_0001', '${T2}', '${T2}');

  insert into jobs (id, kind, payload, idempotency_key, state, run_at, attempts, max_attempts, lease_owner, lease_expires_at,
      last_error, created_at, updated_at, finished_at) values
    ('job_0001', 'jobs.cleanup', '{}', 'jobs.cleanup:2026-11-02T00:00:00.000Z', 'done', '${T0}', 1, null, null, null, null, '${T0}', '${T0}', '${T0}'),
    ('job_0002', 'order.place', '{"orderId":"ord_0003"}', 'order:ord_0003:place', 'queued', '${T3}', 1, null, null, null,
      'upstream_unavailable: timed out after 15000 ms', '${T3}', '${T3}', null),
    ('job_0003', 'order.place', '{"orderId":"ord_9999"}', 'order:ord_9999:place', 'dead', '${T1}', 8, 8, null, null,
      'not_found: no order ord_9999', '${T1}', '${T1}', '${T1}');
`);
await db.destroy();

// One small self-contained file: no -wal beside it, small pages, no free ones.
const finish = new SqliteDatabase(out);
finish.pragma("journal_mode = DELETE");
finish.pragma("page_size = 1024");
finish.exec("vacuum");
finish.close();
console.log(`${out} written: migrations ${Object.keys(included).join(", ")}`);
