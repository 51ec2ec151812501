// The sandbox's own SQLite database (better-sqlite3, synchronous): accounts, sessions, module
// tariffs with cost prices, ispmanager licenses, module services and the charges made to
// balances. Every write is committed before the HTTP answer is written — a fault that drops the
// answer (reset_after_order) still leaves the module behind, as it would upstream. The schema is
// created at open and seeded once, when the database has no account yet.
import { mkdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { parseDecimal } from "../lib/money.ts";
import { addMonths, isoDate } from "./dates.ts";
import { REGION_CURRENCY, SEED_ACCOUNTS, SEED_SOFT_TARIFFS, SEED_TARIFFS, type Region } from "./seed.ts";

export interface AccountRow {
  id: number;
  email: string;
  password: string;
  region: Region;
  currency: string;
  balance_minor: number;
  two_factor: number;
  created_at: string;
}

export interface TariffRow {
  region: Region;
  id: number;
  name: string;
  intname: string;
  currency: string;
}

export interface TariffPeriodRow {
  region: Region;
  tariff_id: number;
  months: number;
  cost_minor: number;
}

export interface LicenseRow {
  id: number;
  account_id: number;
  licname: string;
  ip: string;
  lickey: string;
  pricelist: number;
  expiredate: string;
  status: number;
  created_at: string;
  /** Our caller's own id for the license (soft.order.param remoteid); stored, never returned [assumed]. */
  remote_id: string | null;
  /** Months the license was ordered for (-100 = trial); null for seeded licenses. */
  period: number | null;
  /** When the key becomes readable: it is generated some time after the order [code]. */
  key_ready_at: string | null;
  trial: number;
}

export interface SoftTariffRow {
  region: Region;
  id: number;
  name: string;
  intname: string;
  /** lite | pro | host | business */
  edition: string;
  trial: number;
  currency: string;
}

export interface ServiceRow {
  id: number;
  account_id: number;
  license_id: number;
  pricelist: number;
  period: number;
  autoprolong: number | null;
  status: number;
  /** Null while the service sits unpaid in the cart (status 1). */
  expiredate: string | null;
  remote_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChargeRow {
  id: number;
  account_id: number;
  service_id: number;
  func: string;
  amount_minor: number;
  currency: string;
  created_at: string;
}

export interface SessionRow {
  sid: string;
  account_id: number;
  created_at: string;
}

const SCHEMA = `
create table if not exists accounts (
  id integer primary key,
  email text not null unique collate nocase,
  password text not null,
  region text not null check (region in ('eu', 'ru')),
  currency text not null,
  balance_minor integer not null,
  two_factor integer not null default 0,
  created_at text not null
);
create table if not exists sessions (
  sid text primary key,
  account_id integer not null references accounts(id),
  created_at text not null
);
create table if not exists tariffs (
  region text not null,
  id integer not null,
  name text not null,
  intname text not null,
  currency text not null,
  primary key (region, id)
);
create table if not exists tariff_periods (
  region text not null,
  tariff_id integer not null,
  months integer not null,
  cost_minor integer not null check (cost_minor >= 0),
  primary key (region, tariff_id, months)
);
create table if not exists licenses (
  id integer primary key check (id > 0),
  account_id integer not null references accounts(id),
  licname text not null,
  ip text not null,
  lickey text not null,
  pricelist integer not null,
  expiredate text not null,
  status integer not null,
  created_at text not null
);
create table if not exists services (
  id integer primary key,
  account_id integer not null references accounts(id),
  license_id integer not null references licenses(id),
  pricelist integer not null,
  period integer not null,
  autoprolong integer,
  status integer not null,
  expiredate text,
  remote_id text,
  created_at text not null,
  updated_at text not null
);
create table if not exists soft_tariffs (
  region text not null,
  id integer not null,
  name text not null,
  intname text not null,
  edition text not null,
  trial integer not null default 0,
  currency text not null,
  primary key (region, id)
);
create table if not exists soft_tariff_periods (
  region text not null,
  tariff_id integer not null,
  months integer not null,
  cost_minor integer not null check (cost_minor >= 0),
  primary key (region, tariff_id, months)
);
create table if not exists trial_ips (
  ip text primary key,
  license_id integer not null,
  created_at text not null
);
create index if not exists services_account_idx on services(account_id, id);
create table if not exists charges (
  id integer primary key,
  account_id integer not null references accounts(id),
  service_id integer not null,
  func text not null,
  amount_minor integer not null,
  currency text not null,
  created_at text not null
);
`;

/** Columns licenses gained with license reselling; a sandbox database made before gets them at open. */
const LICENSE_COLUMNS: Array<[string, string]> = [
  ["remote_id", "text"],
  ["period", "integer"],
  ["key_ready_at", "text"],
  ["trial", "integer not null default 0"],
];

/** Module service ids start here, license ids at 100001, so the two never look alike. */
const FIRST_SERVICE_ID = 500001;
const FIRST_LICENSE_ID = 100001;

/** A license key that looks like one and is stable for a license id. */
export function lickeyOf(id: number, generation = 0): string {
  return createHash("sha256").update(generation === 0 ? `sandbox-license-${id}` : `sandbox-license-${id}-${generation}`).digest("hex").slice(0, 24).toUpperCase();
}

export function openSandboxStore(file: string, now: () => Date) {
  if (file !== ":memory:") mkdirSync(dirname(resolve(file)), { recursive: true });
  const db = new SqliteDatabase(file);
  // WAL + synchronous=NORMAL: a committed write survives a crash of the process (what the
  // after-order faults and a demo restart need); only a power cut could lose the last commits.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  db.exec(SCHEMA);
  const licenseColumns = new Set((db.prepare("pragma table_info(licenses)").all() as Array<{ name: string }>).map((c) => c.name));
  for (const [name, type] of LICENSE_COLUMNS) if (!licenseColumns.has(name)) db.exec(`alter table licenses add column ${name} ${type}`);

  const stamp = () => now().toISOString();
  const today = () => isoDate(now());

  const q = {
    accountByEmail: db.prepare<[string], AccountRow>("select * from accounts where email = ?"),
    accountById: db.prepare<[number], AccountRow>("select * from accounts where id = ?"),
    accounts: db.prepare<[], AccountRow>("select * from accounts order by id"),
    countAccounts: db.prepare<[], { n: number }>("select count(*) as n from accounts"),
    insertAccount: db.prepare(
      "insert into accounts (email, password, region, currency, balance_minor, two_factor, created_at) values (@email, @password, @region, @currency, @balance_minor, @two_factor, @created_at)",
    ),
    setBalance: db.prepare<[number, number]>("update accounts set balance_minor = ? where id = ?"),
    insertSession: db.prepare<[string, number, string]>("insert into sessions (sid, account_id, created_at) values (?, ?, ?)"),
    session: db.prepare<[string], SessionRow>("select * from sessions where sid = ?"),
    insertTariff: db.prepare("insert or ignore into tariffs (region, id, name, intname, currency) values (@region, @id, @name, @intname, @currency)"),
    insertTariffPeriod: db.prepare(
      "insert or ignore into tariff_periods (region, tariff_id, months, cost_minor) values (@region, @tariff_id, @months, @cost_minor)",
    ),
    tariffs: db.prepare<[string], TariffRow>("select * from tariffs where region = ? order by id"),
    tariff: db.prepare<[string, number], TariffRow>("select * from tariffs where region = ? and id = ?"),
    tariffPeriods: db.prepare<[string], TariffPeriodRow>("select * from tariff_periods where region = ? order by tariff_id, months"),
    licenses: db.prepare<[number], LicenseRow>("select * from licenses where account_id = ? order by id"),
    allLicenses: db.prepare<[], LicenseRow>("select * from licenses order by id"),
    license: db.prepare<[number], LicenseRow>("select * from licenses where id = ?"),
    nextLicenseId: db.prepare<[], { id: number }>(`select coalesce(max(id) + 1, ${FIRST_LICENSE_ID}) as id from licenses`),
    insertLicense: db.prepare(
      "insert into licenses (id, account_id, licname, ip, lickey, pricelist, expiredate, status, created_at, remote_id, period, key_ready_at, trial) values (@id, @account_id, @licname, @ip, @lickey, @pricelist, @expiredate, @status, @created_at, @remote_id, @period, @key_ready_at, @trial)",
    ),
    liveLicensesOnIp: db.prepare<[string], LicenseRow>("select * from licenses where ip = ? and status <> 4 order by id"),
    softTariffs: db.prepare<[string], SoftTariffRow>("select * from soft_tariffs where region = ? order by id"),
    softTariff: db.prepare<[string, number], SoftTariffRow>("select * from soft_tariffs where region = ? and id = ?"),
    softTariffPeriods: db.prepare<[string], TariffPeriodRow>("select * from soft_tariff_periods where region = ? order by tariff_id, months"),
    countSoftTariffs: db.prepare<[], { n: number }>("select count(*) as n from soft_tariffs"),
    insertSoftTariff: db.prepare(
      "insert or ignore into soft_tariffs (region, id, name, intname, edition, trial, currency) values (@region, @id, @name, @intname, @edition, @trial, @currency)",
    ),
    insertSoftTariffPeriod: db.prepare(
      "insert or ignore into soft_tariff_periods (region, tariff_id, months, cost_minor) values (@region, @tariff_id, @months, @cost_minor)",
    ),
    trialIp: db.prepare<[string], { ip: string; license_id: number }>("select ip, license_id from trial_ips where ip = ?"),
    insertTrialIp: db.prepare<[string, number, string]>("insert into trial_ips (ip, license_id, created_at) values (?, ?, ?)"),
    services: db.prepare<[number], ServiceRow>("select * from services where account_id = ? order by id"),
    allServices: db.prepare<[], ServiceRow>("select * from services order by id"),
    service: db.prepare<[number], ServiceRow>("select * from services where id = ?"),
    nextServiceId: db.prepare<[], { id: number }>(`select coalesce(max(id) + 1, ${FIRST_SERVICE_ID}) as id from services`),
    insertService: db.prepare(
      "insert into services (id, account_id, license_id, pricelist, period, autoprolong, status, expiredate, remote_id, created_at, updated_at) values (@id, @account_id, @license_id, @pricelist, @period, @autoprolong, @status, @expiredate, @remote_id, @created_at, @updated_at)",
    ),
    insertCharge: db.prepare(
      "insert into charges (account_id, service_id, func, amount_minor, currency, created_at) values (@account_id, @service_id, @func, @amount_minor, @currency, @created_at)",
    ),
    charges: db.prepare<[], ChargeRow>("select * from charges order by id"),
  };

  function insertAccount(a: { email: string; password: string; region: Region; balanceMinor: number; twoFactor: boolean }): AccountRow {
    q.insertAccount.run({
      email: a.email,
      password: a.password,
      region: a.region,
      currency: REGION_CURRENCY[a.region],
      balance_minor: a.balanceMinor,
      two_factor: a.twoFactor ? 1 : 0,
      created_at: stamp(),
    });
    return q.accountByEmail.get(a.email)!;
  }

  function insertLicense(l: {
    id?: number;
    accountId: number;
    ip: string;
    licname: string;
    pricelist: number;
    expiredate: string;
    status: number;
    remoteId?: string | null;
    period?: number | null;
    keyReadyAt?: string | null;
    trial?: boolean;
  }): LicenseRow {
    const id = l.id ?? q.nextLicenseId.get()!.id;
    q.insertLicense.run({
      id,
      account_id: l.accountId,
      licname: l.licname,
      ip: l.ip,
      lickey: lickeyOf(id),
      pricelist: l.pricelist,
      expiredate: l.expiredate,
      status: l.status,
      created_at: stamp(),
      remote_id: l.remoteId ?? null,
      period: l.period ?? null,
      key_ready_at: l.keyReadyAt ?? null,
      trial: l.trial ? 1 : 0,
    });
    return q.license.get(id)!;
  }

  function seedSoftTariffs(): void {
    for (const t of SEED_SOFT_TARIFFS) {
      const currency = REGION_CURRENCY[t.region];
      q.insertSoftTariff.run({ region: t.region, id: t.id, name: t.name, intname: t.intname, edition: t.edition, trial: t.trial ? 1 : 0, currency });
      for (const [months, cost] of Object.entries(t.costs)) {
        q.insertSoftTariffPeriod.run({ region: t.region, tariff_id: t.id, months: Number(months), cost_minor: parseDecimal(cost, currency).minor });
      }
    }
  }

  function seed(): void {
    const licenseExpiry = addMonths(today(), 12);
    for (const t of SEED_TARIFFS) {
      const currency = REGION_CURRENCY[t.region];
      q.insertTariff.run({ region: t.region, id: t.id, name: t.name, intname: t.intname, currency });
      for (const [months, cost] of Object.entries(t.costs)) {
        q.insertTariffPeriod.run({ region: t.region, tariff_id: t.id, months: Number(months), cost_minor: parseDecimal(cost, currency).minor });
      }
    }
    for (const a of SEED_ACCOUNTS) {
      const row = insertAccount({
        email: a.email,
        password: a.password,
        region: a.region,
        balanceMinor: parseDecimal(a.balance, REGION_CURRENCY[a.region]).minor,
        twoFactor: a.twoFactor,
      });
      for (const [id, ip, licname, pricelist] of a.licenses) {
        insertLicense({ id, accountId: row.id, ip, licname, pricelist, expiredate: licenseExpiry, status: 2 });
      }
    }
  }

  if (q.countAccounts.get()!.n === 0) db.transaction(seed)();
  // License tariffs arrived after the first sandbox databases: seeded on their own.
  if (q.countSoftTariffs.get()!.n === 0) db.transaction(seedSoftTariffs)();

  return {
    /** Runs `fn` in one transaction (better-sqlite3 is synchronous: nothing interleaves with it). */
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
    now,
    stamp,
    today,
    accountByEmail: (email: string) => q.accountByEmail.get(email),
    accountById: (id: number) => q.accountById.get(id),
    accounts: () => q.accounts.all(),
    insertAccount,
    setBalance: (accountId: number, minor: number) => void q.setBalance.run(minor, accountId),
    insertSession: (sid: string, accountId: number) => void q.insertSession.run(sid, accountId, stamp()),
    session: (sid: string) => q.session.get(sid),
    tariffs: (region: Region) => q.tariffs.all(region),
    tariff: (region: Region, id: number) => q.tariff.get(region, id),
    tariffPeriods: (region: Region) => q.tariffPeriods.all(region),
    licenses: (accountId: number) => q.licenses.all(accountId),
    allLicenses: () => q.allLicenses.all(),
    license: (id: number) => q.license.get(id),
    insertLicense,
    liveLicensesOnIp: (ip: string) => q.liveLicensesOnIp.all(ip),
    updateLicense(id: number, fields: Partial<Pick<LicenseRow, "ip" | "licname" | "lickey" | "status" | "expiredate" | "remote_id" | "key_ready_at">>): void {
      const keys = Object.keys(fields) as Array<keyof typeof fields>;
      if (keys.length === 0) return;
      // Column names come from the typed keys above, never from input.
      const set = keys.map((k) => `${k} = @${k}`).join(", ");
      db.prepare(`update licenses set ${set} where id = @id`).run({ ...fields, id });
    },
    softTariffs: (region: Region) => q.softTariffs.all(region),
    softTariff: (region: Region, id: number) => q.softTariff.get(region, id),
    softTariffPeriods: (region: Region) => q.softTariffPeriods.all(region),
    trialIp: (ip: string) => q.trialIp.get(ip),
    insertTrialIp: (ip: string, licenseId: number) => void q.insertTrialIp.run(ip, licenseId, stamp()),
    services: (accountId: number) => q.services.all(accountId),
    allServices: () => q.allServices.all(),
    service: (id: number) => q.service.get(id),
    insertService(s: Omit<ServiceRow, "id" | "created_at" | "updated_at">): ServiceRow {
      const id = q.nextServiceId.get()!.id;
      const t = stamp();
      q.insertService.run({ ...s, id, created_at: t, updated_at: t });
      return q.service.get(id)!;
    },
    updateService(id: number, fields: Partial<Pick<ServiceRow, "license_id" | "status" | "expiredate">>): void {
      const keys = Object.keys(fields) as Array<keyof typeof fields>;
      if (keys.length === 0) return;
      // Column names come from the typed keys above, never from input.
      const set = keys.map((k) => `${k} = @${k}`).join(", ");
      db.prepare(`update services set ${set}, updated_at = @updated_at where id = @id`).run({ ...fields, id, updated_at: stamp() });
    },
    insertCharge: (c: Omit<ChargeRow, "id" | "created_at">) => void q.insertCharge.run({ ...c, created_at: stamp() }),
    charges: () => q.charges.all(),
    close: () => db.close(),
  };
}

export type SandboxStore = ReturnType<typeof openSandboxStore>;
