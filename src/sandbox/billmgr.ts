// The client-area functions of PROTOCOL.md §3 as the sandbox answers them: authentication, the
// price list with the partner's costs, ordering, rebinding, renewing and deleting modules, and the
// license and module lists. Each call returns a BILLmanager document built with the same document
// model partnerbill writes its own answers with. Behaviour marked [assumed] is listed, with the
// reason, in src/sandbox/README.md.
import { randomBytes, randomInt } from "node:crypto";
import { isIP } from "node:net";
import { toDecimal, type Money } from "../lib/money.ts";
import { doc, el, type Element } from "../protocol/document.ts";
import { errorDocument, okDocument, truncateEcho, type BillmgrError, type BillmgrErrorType } from "../protocol/errors.ts";
import { expiryAfter, type ExpiryRule } from "./dates.ts";
import { TRIAL_DAYS, TRIAL_PERIOD } from "./seed.ts";
import { lickeyOf, type AccountRow, type LicenseRow, type SandboxStore, type ServiceRow } from "./store.ts";

export type Params = Record<string, unknown>;

/** Service status codes of the client area's lists [doc]. */
export const STATUS = { ordered: 1, active: 2, stopped: 3, deleted: 4, processing: 5 } as const;

/** A session from func=auth lasts this long [assumed]. */
const SESSION_TTL_MS = 24 * 3600 * 1000;

/**
 * Error type and object of a debit the balance cannot pay. BILLmanager's real values are not
 * public; the sandbox answers type="balance" object="account" [assumed] and partnerbill's client
 * recognises exactly that. (protocol/errors.ts lists only the types seen in the wild.)
 */
export const INSUFFICIENT_FUNDS = { type: "balance" as string as BillmgrErrorType, object: "account" } as const;

export interface CallResult {
  doc: Element;
  /** The call changed upstream state (ordered, renewed, moved or deleted a module): the after-order faults apply. */
  changed: boolean;
  /** Who called (for the log). */
  account?: string;
  /** What the call took from the balance (for the log). */
  charged?: Money;
}

/** The first value of a parameter (repeated keys arrive as arrays). */
export function param(params: Params, name: string): string | undefined {
  const v = params[name];
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  return undefined;
}

const failure = (e: BillmgrError): CallResult => ({ doc: errorDocument(e), changed: false });

export const BAD_CREDENTIALS: BillmgrError = { type: "auth", object: "badpassword", message: "Invalid username or password" };

function isOn(v: string | undefined): boolean {
  const s = v?.trim().toLowerCase();
  return s === "on" || s === "yes" || s === "true" || s === "1";
}

/** `sok` confirms a form (any non-empty value, as `sok=ok` in the vendor's examples). */
function confirmed(p: Params): boolean {
  return (param(p, "sok")?.trim() ?? "") !== "";
}

/** A positive integer parameter, or the error that names it. */
function intParam(p: Params, name: string): number | BillmgrError {
  const raw = param(p, name)?.trim();
  if (raw === undefined || raw === "") return { type: "value", object: name, message: `Field "${name}" is required` };
  if (!/^\d{1,9}$/.test(raw) || Number(raw) === 0) {
    return { type: "value", object: name, value: raw, message: `Field "${name}" must be a positive integer` };
  }
  return Number(raw);
}

const isError = (v: unknown): v is BillmgrError => typeof v === "object" && v !== null && "type" in v;

export function createSandboxApi(deps: {
  store: SandboxStore;
  /** Asked right before a debit: true refuses it as if the balance were too low (the insufficient_funds fault). */
  refuseDebit: (func: string) => boolean;
  /** How end dates are set (the control endpoint's expiry rule; calendar months by default). */
  expiryRule?: () => ExpiryRule;
  /** How long after an order a license's key appears (the control endpoint's key delay). */
  keyDelayMs?: () => number;
}) {
  const { store } = deps;
  const endAfter = (from: string, months: number): string => expiryAfter(deps.expiryRule?.() ?? { rule: "calendar" }, from, months);

  /** Status as lists show it: an active service past its end date reads as stopped. */
  function statusOf(row: { status: number; expiredate: string | null }): number {
    return row.status === STATUS.active && row.expiredate !== null && row.expiredate < store.today() ? STATUS.stopped : row.status;
  }

  function login(email: string, password: string): AccountRow | BillmgrError {
    const a = store.accountByEmail(email.trim());
    if (!a || a.password !== password) return BAD_CREDENTIALS;
    if (a.two_factor === 1) {
      return { type: "auth", object: "twofactor", message: "Two-factor authentication is enabled for this account: it cannot use the API" };
    }
    return a;
  }

  function authenticate(p: Params): AccountRow | BillmgrError {
    const authinfo = param(p, "authinfo");
    if (authinfo !== undefined) {
      // The password may itself contain ':'; an e-mail cannot.
      const i = authinfo.indexOf(":");
      return i < 0 ? BAD_CREDENTIALS : login(authinfo.slice(0, i), authinfo.slice(i + 1));
    }
    const sid = param(p, "auth")?.trim();
    if (sid) {
      const s = store.session(sid);
      const account = s ? store.accountById(s.account_id) : undefined;
      if (!s || !account || store.now().getTime() - Date.parse(s.created_at) > SESSION_TTL_MS) {
        return { type: "auth", object: "session", message: "Session is unknown or expired; authenticate again" };
      }
      return account;
    }
    return { type: "auth", object: "authinfo", message: "Authentication required: send authinfo=user:password or auth=<session id>" };
  }

  function ownLicense(a: AccountRow, id: number, name: string): LicenseRow | BillmgrError {
    const l = store.license(id);
    // Another account's license reads exactly like a missing one.
    if (!l || l.account_id !== a.id) return { type: "missed", object: name, value: String(id), message: `No license ${id} in this account` };
    if (l.status === STATUS.deleted) return { type: "value", object: name, value: String(id), message: `License ${id} is deleted` };
    return l;
  }

  function ownService(a: AccountRow, p: Params): ServiceRow | BillmgrError {
    const elid = intParam(p, "elid");
    if (isError(elid)) return elid;
    const s = store.service(elid);
    if (!s || s.account_id !== a.id) return { type: "missed", object: "elid", value: String(elid), message: `No module service ${elid} in this account` };
    return s;
  }

  function costOf(a: AccountRow, pricelist: number, months: number): Money | undefined {
    const period = store.tariffPeriods(a.region).find((t) => t.tariff_id === pricelist && t.months === months);
    return period ? { minor: period.cost_minor, currency: a.currency } : undefined;
  }

  /** Takes `cost` from the balance inside the caller's transaction, or says why it cannot. */
  function debit(a: AccountRow, cost: Money, func: string): BillmgrError | null {
    const balance = store.accountById(a.id)!.balance_minor;
    if (deps.refuseDebit(func) || balance < cost.minor) {
      return {
        ...INSUFFICIENT_FUNDS,
        value: toDecimal(cost),
        message: `Insufficient funds: ${toDecimal(cost)} ${cost.currency} needed, ${toDecimal({ minor: balance, currency: cost.currency })} ${cost.currency} on the balance`,
      };
    }
    store.setBalance(a.id, balance - cost.minor);
    return null;
  }

  function moduleFields(s: ServiceRow): Element[] {
    const tariff = store.tariff(store.accountById(s.account_id)!.region, s.pricelist);
    return [
      el("id", String(s.id)),
      el("item", String(s.license_id)),
      el("pricelist", String(s.pricelist)),
      el("name", tariff?.name ?? ""),
      el("period", String(s.period)),
      el("autoprolong", s.autoprolong === null ? "" : String(s.autoprolong)),
      el("status", String(statusOf(s))),
      el("expiredate", s.expiredate ?? ""),
      el("createdate", s.created_at.slice(0, 10)),
    ];
  }

  function licenseFields(l: LicenseRow): Element[] {
    return [
      el("id", String(l.id)),
      el("licname", l.licname),
      el("ip", l.ip),
      el("pricelist", String(l.pricelist)),
      el("expiredate", l.expiredate),
      el("status", String(statusOf(l))),
      el("createdate", l.created_at.slice(0, 10)),
    ];
  }

  /**
   * The key as soft.edit shows it: empty until it has been generated [code]. Key generation is
   * upstream's background work, so its delay runs on the wall clock, not the sandbox's clock (a
   * test that holds the sandbox's date still sees keys appear).
   */
  function keyOf(l: LicenseRow): string {
    return l.key_ready_at === null || Date.parse(l.key_ready_at) <= Date.now() ? l.lickey : "";
  }

  // ---- functions --------------------------------------------------------------------------

  function auth(p: Params): CallResult {
    const who = login(param(p, "username") ?? "", param(p, "password") ?? "");
    if (isError(who)) return failure(who);
    const sid = randomBytes(16).toString("hex");
    store.insertSession(sid, who.id);
    return { doc: doc([el("auth", sid, { id: sid })]), changed: false, account: who.email };
  }

  function priceList(a: AccountRow, p: Params): CallResult {
    const itemtype = param(p, "itemtype")?.trim() ?? "";
    if (itemtype !== "" && itemtype !== "addition" && itemtype !== "soft") {
      // Other item types are known but empty [assumed].
      if (["certificate", "domain", "vds", "vhost", "dedic"].includes(itemtype)) return { doc: doc([]), changed: false };
      return failure({ type: "value", object: "itemtype", value: itemtype, message: "Unknown item type" });
    }
    let only: number | null = null;
    if ((param(p, "pricelist")?.trim() ?? "") !== "") {
      const id = intParam(p, "pricelist");
      if (isError(id)) return failure(id);
      only = id;
    }
    // itemtype=soft: the license tariffs (PROTOCOL.md §4b); they carry no additionintname.
    const soft = itemtype === "soft";
    const periods = soft ? store.softTariffPeriods(a.region) : store.tariffPeriods(a.region);
    const tariffs = soft ? store.softTariffs(a.region) : store.tariffs(a.region);
    const rows = tariffs
      .filter((t) => only === null || t.id === only)
      .map((t) =>
        el("pricelist", [
          el("id", String(t.id)),
          el("name", t.name),
          el("intname", t.intname),
          ...(soft ? [] : [el("additionintname", t.intname)]),
          el(
            "price",
            periods.filter((x) => x.tariff_id === t.id).map((x) => periodElement(x.months, toDecimal({ minor: x.cost_minor, currency: t.currency }, 4))),
            { currency: t.currency },
          ),
        ]),
      );
    return { doc: doc(rows), changed: false };
  }

  /** One priced period; a trial's is written `type="trial" length="-100"` (the period soft.order.param takes) [assumed]. */
  function periodElement(months: number, cost: string): Element {
    if (months === TRIAL_PERIOD) return el("period", "trial", { cost, type: "trial", length: String(TRIAL_PERIOD) });
    return el("period", months === 1 ? "monthly" : months === 12 ? "annually" : `${months} months`, { cost, type: "month", length: String(months) });
  }

  /** A license period: 1, 12 … months, or -100 (trial). */
  function periodParam(p: Params): number | BillmgrError {
    const raw = param(p, "period")?.trim();
    if (raw === String(TRIAL_PERIOD)) return TRIAL_PERIOD;
    return intParam(p, "period");
  }

  /** The IP a license may be ordered for (or moved to), or why not: valid, no live license on it, one trial per IP [assumed]. */
  function ipProblem(ip: string | undefined, opts: { trial: boolean; except?: number }): BillmgrError | null {
    const v = ip?.trim() ?? "";
    if (v === "") return { type: "value", object: "ip", message: 'Field "ip" is required' };
    if (isIP(v) === 0) return { type: "value", object: "ip", value: truncateEcho(v), message: "Not a valid IP address" };
    const live = store.liveLicensesOnIp(v).filter((l) => l.id !== opts.except);
    if (live.length > 0) return { type: "exists", object: "ip", value: v, message: `A license for ${v} exists already` };
    if (opts.trial && store.trialIp(v)) return { type: "exists", object: "trial", value: v, message: `A trial license was issued for ${v} before` };
    return null;
  }

  /** The tariff and period of a license order, or the error that names the problem. */
  function softTariffOf(a: AccountRow, p: Params) {
    const pricelist = intParam(p, "pricelist");
    if (isError(pricelist)) return pricelist;
    const period = periodParam(p);
    if (isError(period)) return period;
    const tariff = store.softTariff(a.region, pricelist);
    if (!tariff) return { type: "missed", object: "pricelist", value: String(pricelist), message: `No license tariff ${pricelist} in this client area` } as BillmgrError;
    const row = store.softTariffPeriods(a.region).find((x) => x.tariff_id === pricelist && x.months === period);
    if (!row) return { type: "value", object: "period", value: String(period), message: `Tariff ${pricelist} has no period ${period}` } as BillmgrError;
    return { tariff, period, cost: { minor: row.cost_minor, currency: a.currency } as Money };
  }

  /**
   * soft.order.param: a new ispmanager license for an IP. The license exists at once; its key is
   * generated a little later (soft.edit shows an empty lickey until then) [code]. A trial
   * (period -100) lasts TRIAL_DAYS and is given once per IP, ever [assumed].
   */
  function orderLicense(a: AccountRow, p: Params): CallResult {
    const t = softTariffOf(a, p);
    if (isError(t)) return failure(t);
    const trial = t.tariff.trial === 1;
    if (trial !== (t.period === TRIAL_PERIOD)) {
      return failure({ type: "value", object: "period", value: String(t.period), message: trial ? "A trial tariff is ordered with period -100" : "Only trial tariffs take period -100" });
    }
    const ip = param(p, "ip")?.trim() ?? "";
    const licname = (param(p, "licname")?.trim() || t.tariff.name).slice(0, 200);
    const autoprolong = !trial && param(p, "autoprolong")?.trim() === String(t.period) ? t.period : null;
    const fields = [
      el("pricelist", String(t.tariff.id)),
      el("period", String(t.period)),
      el("ip", ip),
      el("licname", licname),
      el("autoprolong", autoprolong === null ? "" : String(autoprolong)),
      el("cost", toDecimal(t.cost, 4), { currency: t.cost.currency }),
    ];
    if (!confirmed(p)) return { doc: doc(fields), changed: false };
    const problem = ipProblem(ip, { trial });
    if (problem) return failure(problem);
    // Licenses are not put in a cart by the sandbox: an order without skipbasket=on is refused [assumed].
    if (!isOn(param(p, "skipbasket"))) return failure({ type: "value", object: "skipbasket", message: "The sandbox orders licenses with skipbasket=on only" });
    const remoteId = param(p, "remoteid")?.trim().slice(0, 200) || null;
    return store.transaction(() => {
      if (t.cost.minor > 0) {
        const refused = debit(a, t.cost, "soft.order.param");
        if (refused) return failure(refused);
      }
      const today = store.today();
      const l = store.insertLicense({
        accountId: a.id,
        ip,
        licname,
        pricelist: t.tariff.id,
        expiredate: trial ? expiryAfter({ rule: "days", days: TRIAL_DAYS }, today, 1) : endAfter(today, t.period),
        status: STATUS.active,
        remoteId,
        period: t.period,
        keyReadyAt: new Date(Date.now() + (deps.keyDelayMs?.() ?? 0)).toISOString(),
        trial,
      });
      if (trial) store.insertTrialIp(ip, l.id);
      if (t.cost.minor > 0) store.insertCharge({ account_id: a.id, service_id: l.id, func: "soft.order.param", amount_minor: t.cost.minor, currency: t.cost.currency });
      // The new license id at /doc/id [code].
      return { doc: doc([el("id", String(l.id))]), changed: true, ...(t.cost.minor > 0 ? { charged: t.cost } : {}) };
    });
  }

  /** soft.checkip: can a license of this tariff be ordered for this IP [doc]; ok or the reason. */
  function checkIp(a: AccountRow, p: Params): CallResult {
    const t = softTariffOf(a, p);
    if (isError(t)) return failure(t);
    const problem = ipProblem(param(p, "ip"), { trial: t.tariff.trial === 1 });
    return problem ? failure(problem) : { doc: okDocument(), changed: false };
  }

  function orderModule(a: AccountRow, p: Params): CallResult {
    const item = intParam(p, "item");
    if (isError(item)) return failure(item);
    const pricelist = intParam(p, "pricelist");
    if (isError(pricelist)) return failure(pricelist);
    const period = intParam(p, "period");
    if (isError(period)) return failure(period);
    const license = ownLicense(a, item, "item");
    if (isError(license)) return failure(license);
    if (!store.tariff(a.region, pricelist)) {
      return failure({ type: "missed", object: "pricelist", value: String(pricelist), message: `No module tariff ${pricelist} in this client area` });
    }
    const cost = costOf(a, pricelist, period);
    if (!cost) return failure({ type: "value", object: "period", value: String(period), message: `Tariff ${pricelist} has no ${period}-month period` });
    // Auto-renewal takes effect only when it equals the period; otherwise it is silently off [doc].
    const autoprolong = param(p, "autoprolong")?.trim() === String(period) ? period : null;
    const fields = [
      el("item", String(item)),
      el("pricelist", String(pricelist)),
      el("period", String(period)),
      el("autoprolong", autoprolong === null ? "" : String(autoprolong)),
      el("cost", toDecimal(cost, 4), { currency: cost.currency }),
    ];
    // Without sok the form only shows what would be ordered [doc convention].
    if (!confirmed(p)) return { doc: doc(fields), changed: false };
    const paid = isOn(param(p, "skipbasket"));
    const remoteId = param(p, "remoteid")?.trim().slice(0, 200) || null;

    return store.transaction(() => {
      if (paid) {
        const refused = debit(a, cost, "addition.order.param");
        if (refused) return failure(refused);
      }
      const s = store.insertService({
        account_id: a.id,
        license_id: item,
        pricelist,
        period,
        autoprolong,
        // Without skipbasket=on the order waits unpaid in the cart [assumed]: status 1, no debit.
        status: paid ? STATUS.active : STATUS.ordered,
        expiredate: paid ? endAfter(store.today(), period) : null,
        remote_id: remoteId,
      });
      if (!paid) return { doc: okDocument(), changed: true };
      store.insertCharge({ account_id: a.id, service_id: s.id, func: "addition.order.param", amount_minor: cost.minor, currency: cost.currency });
      // The new service id at /doc/id [code for soft.order.param; assumed for modules].
      return { doc: doc([el("id", String(s.id))]), changed: true, charged: cost };
    });
  }

  function editModule(a: AccountRow, p: Params): CallResult {
    const s = ownService(a, p);
    if (isError(s)) return failure(s);
    if (!confirmed(p)) return { doc: doc([el("elid", String(s.id)), ...moduleFields(s)]), changed: false };
    if (s.status === STATUS.deleted) return failure({ type: "value", object: "elid", value: String(s.id), message: `Module service ${s.id} is deleted` });
    const item = intParam(p, "item");
    if (isError(item)) return failure(item);
    const license = ownLicense(a, item, "item");
    if (isError(license)) return failure(license);
    if (license.id === s.license_id) return { doc: okDocument(), changed: false };
    store.updateService(s.id, { license_id: license.id });
    return { doc: okDocument(), changed: true };
  }

  function prolong(a: AccountRow, p: Params): CallResult {
    // Module service ids and license ids never overlap (500001… and 100001…).
    const elid = intParam(p, "elid");
    if (!isError(elid) && !store.service(elid) && store.license(elid)) return prolongLicense(a, p, elid);
    const s = ownService(a, p);
    if (isError(s)) return failure(s);
    if (s.status === STATUS.deleted) return failure({ type: "value", object: "elid", value: String(s.id), message: `Module service ${s.id} is deleted` });
    if (s.status === STATUS.ordered) return failure({ type: "value", object: "elid", value: String(s.id), message: `Module service ${s.id} is not paid yet` });
    const period = intParam(p, "period");
    if (isError(period)) return failure(period);
    const cost = costOf(a, s.pricelist, period);
    if (!cost) return failure({ type: "value", object: "period", value: String(period), message: `Tariff ${s.pricelist} has no ${period}-month period` });
    if (!confirmed(p)) {
      return {
        doc: doc([el("elid", String(s.id)), el("expiredate", s.expiredate ?? ""), el("period", String(period)), el("cost", toDecimal(cost, 4), { currency: cost.currency })]),
        changed: false,
      };
    }
    return store.transaction(() => {
      const refused = debit(a, cost, "service.prolong");
      if (refused) return failure(refused);
      // A renewal continues from the current end date, or from today once that has passed.
      const today = store.today();
      const from = s.expiredate !== null && s.expiredate > today ? s.expiredate : today;
      const newExpiry = endAfter(from, period);
      store.updateService(s.id, { status: STATUS.active, expiredate: newExpiry });
      store.insertCharge({ account_id: a.id, service_id: s.id, func: "service.prolong", amount_minor: cost.minor, currency: cost.currency });
      // The new end date at /doc/doc/newexpiredate [code].
      return { doc: doc([doc([el("newexpiredate", newExpiry)])]), changed: true, charged: cost };
    });
  }

  /** service.prolong of a license: as for a module; a trial cannot be renewed (it is upgraded by a new order). */
  function prolongLicense(a: AccountRow, p: Params, elid: number): CallResult {
    const l = ownLicense(a, elid, "elid");
    if (isError(l)) return failure(l);
    if (l.trial === 1) return failure({ type: "value", object: "elid", value: String(l.id), message: `License ${l.id} is a trial and cannot be renewed` });
    const period = intParam(p, "period");
    if (isError(period)) return failure(period);
    const row = store.softTariffPeriods(a.region).find((x) => x.tariff_id === l.pricelist && x.months === period);
    if (!row) return failure({ type: "value", object: "period", value: String(period), message: `Tariff ${l.pricelist} has no ${period}-month period` });
    const cost: Money = { minor: row.cost_minor, currency: a.currency };
    if (!confirmed(p)) {
      return { doc: doc([el("elid", String(l.id)), el("expiredate", l.expiredate), el("period", String(period)), el("cost", toDecimal(cost, 4), { currency: cost.currency })]), changed: false };
    }
    return store.transaction(() => {
      const refused = debit(a, cost, "service.prolong");
      if (refused) return failure(refused);
      const today = store.today();
      const newExpiry = endAfter(l.expiredate > today ? l.expiredate : today, period);
      store.updateLicense(l.id, { status: STATUS.active, expiredate: newExpiry });
      store.insertCharge({ account_id: a.id, service_id: l.id, func: "service.prolong", amount_minor: cost.minor, currency: cost.currency });
      return { doc: doc([doc([el("newexpiredate", newExpiry)])]), changed: true, charged: cost };
    });
  }

  function deleteModule(a: AccountRow, p: Params): CallResult {
    const s = ownService(a, p);
    if (isError(s)) return failure(s);
    // Deleting a deleted service answers ok again, so a retried deletion is harmless [assumed].
    if (s.status === STATUS.deleted) return { doc: okDocument(), changed: false };
    store.updateService(s.id, { status: STATUS.deleted });
    return { doc: okDocument(), changed: true };
  }

  function listModules(a: AccountRow): CallResult {
    return { doc: doc(store.services(a.id).map((s) => el("elem", moduleFields(s)))), changed: false };
  }

  /**
   * The partner's own personal account (BILLmanager's `subaccount` list at client level) with its
   * balance [assumed: BILLmanager 6 documents `balance` on the admin-level `account` list; the
   * client-level list and its field names are our inference]. One row per account; the balance is
   * a decimal in the account's currency.
   */
  function listSubaccounts(a: AccountRow): CallResult {
    const fresh = store.accountById(a.id)!;
    return {
      doc: doc([
        el("elem", [
          el("id", String(fresh.id)),
          el("name", fresh.email),
          el("balance", toDecimal({ minor: fresh.balance_minor, currency: fresh.currency })),
          el("currency", fresh.currency),
          el("credit", toDecimal({ minor: 0, currency: fresh.currency })),
        ]),
      ]),
      changed: false,
    };
  }

  function listLicenses(a: AccountRow): CallResult {
    return { doc: doc(store.licenses(a.id).map((l) => el("elem", licenseFields(l)))), changed: false };
  }

  /**
   * soft.edit: without sok the license's fields (lickey empty until generated); with sok a change of
   * `ip`, `licname` and/or `remoteid`; with clicked_button=newkey a new key at /doc/lickey [code].
   */
  function editLicense(a: AccountRow, p: Params): CallResult {
    const elid = intParam(p, "elid");
    if (isError(elid)) return failure(elid);
    const l = ownLicense(a, elid, "elid");
    if (isError(l)) return failure(l);
    if (!confirmed(p)) return { doc: doc([el("elid", String(l.id)), el("lickey", keyOf(l)), ...licenseFields(l)]), changed: false };
    if (param(p, "clicked_button")?.trim() === "newkey") {
      const lickey = lickeyOf(l.id, randomInt(1, 2 ** 31));
      store.updateLicense(l.id, { lickey, key_ready_at: null });
      return { doc: doc([el("lickey", lickey)]), changed: true };
    }
    const change: { ip?: string; licname?: string; remote_id?: string } = {};
    const ip = param(p, "ip")?.trim();
    if (ip !== undefined && ip !== l.ip) {
      const problem = ipProblem(ip, { trial: false, except: l.id });
      if (problem) return failure(problem);
      change.ip = ip;
    }
    const licname = param(p, "licname")?.trim();
    if (licname !== undefined && licname !== "" && licname !== l.licname) change.licname = licname.slice(0, 200);
    const remoteId = param(p, "remoteid")?.trim();
    if (remoteId !== undefined && remoteId !== "") change.remote_id = remoteId.slice(0, 200);
    if (Object.keys(change).length === 0) return { doc: okDocument(), changed: false };
    store.updateLicense(l.id, change);
    return { doc: okDocument(), changed: true };
  }

  /** soft.delete: the license is gone (status 4); deleting it again answers ok [assumed]. */
  function deleteLicense(a: AccountRow, p: Params): CallResult {
    const elid = intParam(p, "elid");
    if (isError(elid)) return failure(elid);
    const l = store.license(elid);
    if (!l || l.account_id !== a.id) return failure({ type: "missed", object: "elid", value: String(elid), message: `No license ${elid} in this account` });
    if (l.status === STATUS.deleted) return { doc: okDocument(), changed: false };
    store.updateLicense(l.id, { status: STATUS.deleted });
    return { doc: okDocument(), changed: true };
  }

  const FUNCS: Record<string, (a: AccountRow, p: Params) => CallResult> = {
    "pricelist.export": priceList,
    "addition.order.param": orderModule,
    "addition.edit": editModule,
    "service.prolong": prolong,
    "addition.delete": deleteModule,
    addition: listModules,
    subaccount: listSubaccounts,
    soft: listLicenses,
    "soft.edit": editLicense,
    "soft.order.param": orderLicense,
    "soft.checkip": checkIp,
    "soft.delete": deleteLicense,
  };

  /** Answers one call. Authentication comes first, for every function but `auth` itself. */
  function call(func: string, p: Params): CallResult {
    if (func === "auth") return auth(p);
    const who = authenticate(p);
    if (isError(who)) return failure(who);
    const handler = Object.hasOwn(FUNCS, func) ? FUNCS[func] : undefined;
    if (!handler) {
      return func === ""
        ? { ...failure({ type: "missed", object: "func", message: "Function not specified (func)" }), account: who.email }
        : { ...failure({ type: "missed", object: "func", value: func, message: `Unknown function ${truncateEcho(func)}` }), account: who.email };
    }
    return { ...handler(who, p), account: who.email };
  }

  return { call, statusOf };
}

export type SandboxApi = ReturnType<typeof createSandboxApi>;
