// The contract of partnerbill's client for ispmanager's client area (PROTOCOL.md §3). Everything
// that talks upstream — fulfillment, price sync, reconciliation, `upstream check` — depends on this
// interface, never on HTTP details; tests use the real client against the sandbox over HTTP.
import type { Money } from "../lib/money.ts";

/** Module service status codes in upstream lists [doc]. */
export const SERVICE_STATUS = { ordered: 1, active: 2, stopped: 3, deleted: 4, processing: 5 } as const;
export type ServiceStatus = keyof typeof SERVICE_STATUS;

export interface UpstreamPeriod {
  /** Length in months (1, 12; 6 and trials exist upstream for some modules). */
  months: number;
  /** The cost exactly as upstream wrote it, e.g. "950.0000". */
  costText: string;
  /** The cost in minor units; fractions of a minor unit are rounded UP (costs are never understated). */
  cost: Money;
}

export interface UpstreamTariff {
  /** Tariff (pricelist) id, e.g. 23221. */
  id: number;
  name: string;
  intname: string;
  additionIntname: string;
  currency: string;
  periods: UpstreamPeriod[];
}

export interface UpstreamModule {
  /** The module's service id upstream (`elid` of addition.* functions). */
  id: number;
  /** The ispmanager license id the module is bound to (`item`). */
  license: number;
  /** Tariff id. */
  pricelist: number;
  status: ServiceStatus | "unknown";
  statusCode: number;
  /** ISO date (YYYY-MM-DD) or null when upstream gave none. */
  expiresOn: string | null;
}

export interface UpstreamLicense {
  id: number;
  name: string;
  ip: string;
  pricelist: number | null;
  status: ServiceStatus | "unknown";
  statusCode: number;
  expiresOn: string | null;
  /** soft.edit only: the license key, null while upstream has not generated it yet [code]. */
  key?: string | null;
}

/** The period of a trial license order (soft.order.param period=-100) [doc]. */
export const TRIAL_PERIOD = -100;

export interface OrderLicenseInput {
  /** License tariff id (pricelist.export&itemtype=soft). */
  pricelist: number;
  /** 1 or 12 months, or TRIAL_PERIOD for a trial tariff. */
  period: number;
  ip: string;
  /** The name shown upstream (licname); upstream's default when absent. */
  name?: string;
  autoprolong?: number | null;
  /** Our own id for the license: stored upstream [doc], never relied on (the list may not show it). */
  remoteId?: string;
}

/** The partner's balance in the client area (`subaccount` [assumed]); what ordering and renewing debit. */
export interface UpstreamBalance {
  /** May be negative where upstream allows credit. */
  balance: Money;
}

export interface OrderModuleInput {
  license: number;
  pricelist: number;
  /** 1 or 12 months. */
  period: number;
  /** Upstream auto-renewal: must equal `period` to take effect [doc]; null/undefined = none. */
  autoprolong?: number | null;
  /** Our own id for the service (upstream may ignore it [assumed]). */
  remoteId?: string;
}

/**
 * How sure we are about what happened upstream:
 *  - "not_done": upstream certainly did not act (auth, access, rejected, insufficient funds);
 *  - "unknown": it may or may not have acted (timeout, connection reset, 5xx, unparsable answer).
 * A money-spending call with an unknown outcome must never be blindly repeated.
 */
export type UpstreamOutcome = "not_done" | "unknown";

export type UpstreamErrorKind =
  | "auth"                // bad credentials (or an account with two-factor auth)
  | "access"              // not allowed
  | "rejected"            // a BILLmanager error document of any other type
  | "insufficient_funds"  // the partner's balance cannot pay
  | "timeout"
  | "connection"          // refused, reset, DNS, TLS
  | "server_error"        // HTTP 5xx
  | "unparsable";         // an answer we cannot read

/**
 * What more precisely went wrong, where the kind alone does not tell an operator what to do:
 *  - two_factor: an auth error about two-factor authentication (the API cannot use such an account);
 *  - refused / dns / tls / connect_timeout: the request never left this machine (so "not_done");
 *  - reset: the connection broke after the request may have been sent;
 *  - http_status: an unexpected HTTP status without a BILLmanager error document;
 *  - dtd: the answer carried a DTD, which is refused unread (XXE / entity expansion).
 */
export type UpstreamErrorReason =
  | "two_factor"
  | "refused"
  | "dns"
  | "tls"
  | "connect_timeout"
  | "reset"
  | "http_status"
  | "dtd";

/** One upstream call as reported to `onCall` (timelines, metrics). Never carries credentials. */
export interface UpstreamCallEvent {
  func: string;
  /** The func's own parameters; credentials are never among them. */
  params: Record<string, string>;
  /** addition.order.param, service.prolong and addition.edit with sok=ok debit or change paid services. */
  spendsMoney: boolean;
  durationMs: number;
  /** HTTP status of the answer, or null when none arrived. */
  httpStatus: number | null;
  /** "done" when the call succeeded; otherwise how sure we are that upstream did not act. */
  outcome: "done" | UpstreamOutcome;
  /** The error kind of a failed call. */
  kind?: UpstreamErrorKind;
  reason?: UpstreamErrorReason;
  /** A one-line description of the failure (never carries credentials). */
  message?: string;
}

export interface UpstreamClient {
  priceList(opts?: { pricelist?: number }): Promise<UpstreamTariff[]>;
  orderModule(input: OrderModuleInput): Promise<{ serviceId: number }>;
  readModule(elid: number): Promise<UpstreamModule>;
  rebindModule(elid: number, license: number): Promise<void>;
  prolong(elid: number, period: number): Promise<{ expiresOn: string | null }>;
  deleteModule(elid: number): Promise<void>;
  /**
   * The account's modules (`addition`); with `license`, only that license's (filtered as the answer
   * is read — upstream documents no filter — so callers filter again if they need to be sure).
   */
  listModules(filter?: { license?: number }): Promise<UpstreamModule[]>;
  listLicenses(): Promise<UpstreamLicense[]>;
  readLicense(elid: number): Promise<UpstreamLicense>;
  readBalance(): Promise<UpstreamBalance>;
  /** License tariffs with the partner's cost (pricelist.export&itemtype=soft); trials have a TRIAL_PERIOD period. */
  softPriceList(opts?: { pricelist?: number }): Promise<UpstreamTariff[]>;
  /** soft.order.param: spends money; the new license's id. */
  orderLicense(input: OrderLicenseInput): Promise<{ licenseId: number }>;
  /** soft.edit with sok: a new IP and/or name. */
  changeLicense(elid: number, change: { ip?: string; name?: string }): Promise<void>;
  /** soft.edit clicked_button=newkey: a new key for the license. */
  newLicenseKey(elid: number): Promise<{ key: string }>;
  /** soft.checkip: resolves when a license of this tariff and period can be ordered for `ip`; an UpstreamError (rejected) says why not. */
  checkLicenseIp(input: { pricelist: number; period: number; ip: string }): Promise<void>;
  /** soft.delete */
  deleteLicense(elid: number): Promise<void>;
}
