// What a fresh sandbox database holds: demo accounts, their ispmanager licenses, and the module
// tariffs of both client areas with the partner's COST prices. Tariff ids are the vendor's
// (PROTOCOL.md §4); names follow partnerbill's catalog. Costs are the sandbox's own invention,
// set below partnerbill's demo sell prices so that a demo sale has a positive margin.

export type Region = "eu" | "ru";

export const REGION_CURRENCY: Record<Region, string> = { eu: "EUR", ru: "RUB" };

export interface SeedAccount {
  email: string;
  password: string;
  region: Region;
  /** Opening balance as a decimal string in the region's currency. */
  balance: string;
  twoFactor: boolean;
  /** ispmanager licenses: [id, ip, licname, license tariff id]. */
  licenses: Array<[id: number, ip: string, licname: string, pricelist: number]>;
}

/** The demo logins (also printed by `partnerbill sandbox` and listed in the README). */
export const DEMO_ACCOUNTS = {
  eu: { email: "demo@partner.example", password: "demo-password" },
  ru: { email: "demo-ru@partner.example", password: "demo-password" },
  twoFactor: { email: "twofactor@partner.example", password: "demo-password" },
} as const;

// License tariffs (PROTOCOL.md §4b): the EU ids are the vendor's; the Russian client area's are
// not public, so the sandbox's are illustrative [assumed] — partnerbill reads them from
// pricelist.export&itemtype=soft and never hard-codes them.
export const SOFT_TARIFF_IDS = {
  eu: { lite: 55227, pro: 55228, host: 55229, business: 55230, liteTrial: 55239, businessTrial: 55240 },
  ru: { lite: 3541, pro: 3542, host: 3543, business: 3544, liteTrial: 3551, businessTrial: 3552 },
} as const;
/** The period of a trial order (soft.order.param period=-100) [doc]. */
export const TRIAL_PERIOD = -100;
/** How long a trial license lasts [assumed]. */
export const TRIAL_DAYS = 30;
const LITE = SOFT_TARIFF_IDS.eu.lite;
const PRO = SOFT_TARIFF_IDS.eu.pro;
const HOST = SOFT_TARIFF_IDS.eu.host;
const RU = SOFT_TARIFF_IDS.ru;

export const SEED_ACCOUNTS: SeedAccount[] = [
  {
    ...DEMO_ACCOUNTS.eu,
    region: "eu",
    balance: "100000.00",
    twoFactor: false,
    licenses: [
      [100001, "203.0.113.11", "ispmanager 6 Lite", LITE],
      [100002, "203.0.113.12", "ispmanager 6 Pro", PRO],
      [100003, "203.0.113.13", "ispmanager 6 Host", HOST],
      [100004, "203.0.113.14", "ispmanager 6 Lite", LITE],
      [100005, "203.0.113.15", "ispmanager 6 Pro", PRO],
    ],
  },
  {
    ...DEMO_ACCOUNTS.ru,
    region: "ru",
    balance: "1000000.00",
    twoFactor: false,
    licenses: [
      [100011, "198.51.100.11", "ispmanager 6 Lite", RU.lite],
      [100012, "198.51.100.12", "ispmanager 6 Pro", RU.pro],
      [100013, "198.51.100.13", "ispmanager 6 Host", RU.host],
    ],
  },
  {
    ...DEMO_ACCOUNTS.twoFactor,
    region: "eu",
    balance: "1000.00",
    twoFactor: true,
    licenses: [[100021, "203.0.113.21", "ispmanager 6 Lite", LITE]],
  },
];

export interface SeedTariff {
  region: Region;
  id: number;
  name: string;
  intname: string;
  /** Costs by period in months, as decimal strings in the region's currency. */
  costs: Record<number, string>;
}

export const SEED_TARIFFS: SeedTariff[] = [
  { region: "eu", id: 23221, name: "DDoS-GUARD", intname: "DDoSGUARD", costs: { 1: "9.50", 12: "95.00" } },
  { region: "eu", id: 55361, name: "Dr.Web Lite", intname: "DrWebLite", costs: { 1: "3.50", 12: "35.00" } },
  { region: "eu", id: 55362, name: "Dr.Web Pro", intname: "DrWebPro", costs: { 1: "6.50", 12: "65.00" } },
  { region: "eu", id: 55363, name: "Dr.Web Host", intname: "DrWebHost", costs: { 1: "11.00", 12: "110.00" } },
  { region: "eu", id: 55371, name: "BitNinja", intname: "BitNinja", costs: { 1: "7.50", 12: "75.00" } },
  { region: "ru", id: 23221, name: "DDoS-GUARD", intname: "DDoSGUARD", costs: { 1: "750.00", 12: "7500.00" } },
  { region: "ru", id: 55377, name: "Dr.Web Lite", intname: "DrWebLite", costs: { 1: "290.00", 12: "2900.00" } },
  { region: "ru", id: 55378, name: "Dr.Web Pro", intname: "DrWebPro", costs: { 1: "520.00", 12: "5200.00" } },
  { region: "ru", id: 55379, name: "Dr.Web Host", intname: "DrWebHost", costs: { 1: "900.00", 12: "9000.00" } },
  { region: "ru", id: 55390, name: "BitNinja", intname: "BitNinja", costs: { 1: "600.00", 12: "6000.00" } },
];

export interface SeedSoftTariff {
  region: Region;
  id: number;
  name: string;
  intname: string;
  edition: "lite" | "pro" | "host" | "business";
  trial: boolean;
  /** Costs by period in months (-100 = trial), as decimal strings in the region's currency. */
  costs: Record<number, string>;
}

const softTariffs = (region: Region, ids: (typeof SOFT_TARIFF_IDS)[Region], costs: Record<"lite" | "pro" | "host" | "business", [string, string]>): SeedSoftTariff[] => [
  ...(["lite", "pro", "host", "business"] as const).map((edition) => ({
    region,
    id: ids[edition],
    name: `ispmanager 6 ${edition[0]!.toUpperCase()}${edition.slice(1)}`,
    intname: `ispmanager6${edition}`,
    edition,
    trial: false,
    costs: { 1: costs[edition][0], 12: costs[edition][1] },
  })),
  { region, id: ids.liteTrial, name: "ispmanager 6 Lite trial", intname: "ispmanager6litetrial", edition: "lite", trial: true, costs: { [TRIAL_PERIOD]: "0.00" } },
  { region, id: ids.businessTrial, name: "ispmanager 6 Business trial", intname: "ispmanager6businesstrial", edition: "business", trial: true, costs: { [TRIAL_PERIOD]: "0.00" } },
];

/** License tariffs with the partner's COST prices (the sandbox's own figures, below partnerbill's demo sell prices). */
export const SEED_SOFT_TARIFFS: SeedSoftTariff[] = [
  ...softTariffs("eu", SOFT_TARIFF_IDS.eu, { lite: ["6.00", "60.00"], pro: ["12.00", "120.00"], host: ["24.00", "240.00"], business: ["45.00", "450.00"] }),
  ...softTariffs("ru", SOFT_TARIFF_IDS.ru, { lite: ["450.00", "4500.00"], pro: ["900.00", "9000.00"], host: ["1800.00", "18000.00"], business: ["3400.00", "34000.00"] }),
];
