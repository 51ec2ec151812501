// Turns parsed upstream documents into typed results (PROTOCOL.md §3). Pure: no I/O. Anything a
// reader cannot make sense of throws AnswerError, which the client reports as "unparsable" with an
// unknown outcome. Rows of a list are never skipped silently: the exactly-once check relies on a
// module list being complete, so one unreadable row makes the whole list unreadable.
import { parseDecimal, isCurrency } from "../lib/money.ts";
import type { Element } from "../protocol/document.ts";
import { child, childrenNamed, field } from "./document.ts";
import type { BillmgrErrorInfo } from "./errors.ts";
import {
  SERVICE_STATUS,
  TRIAL_PERIOD,
  type ServiceStatus,
  type UpstreamBalance,
  type UpstreamLicense,
  type UpstreamModule,
  type UpstreamPeriod,
  type UpstreamTariff,
} from "./types.ts";

export class AnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnswerError";
  }
}

/** The error of a BILLmanager error document, or undefined when the document is not one. */
export function errorOf(doc: Element): BillmgrErrorInfo | undefined {
  const e = child(doc, "error");
  if (e === undefined) return undefined;
  return { type: field(e, "type") ?? "", object: field(e, "object") ?? "", msg: field(e, "msg") ?? "" };
}

function positiveInt(text: string | undefined, what: string): number {
  const t = text?.trim() ?? "";
  if (!/^\d+$/.test(t) || Number(t) <= 0 || !Number.isSafeInteger(Number(t))) {
    throw new AnswerError(`${what} is ${text === undefined ? "missing" : `not a positive integer ("${t.slice(0, 32)}")`}`);
  }
  return Number(t);
}

function optionalInt(text: string | undefined): number | null {
  const t = text?.trim() ?? "";
  return /^\d+$/.test(t) && Number(t) > 0 ? Number(t) : null;
}

const STATUS_BY_CODE = new Map<number, ServiceStatus>(
  Object.entries(SERVICE_STATUS).map(([name, code]) => [code, name as ServiceStatus]),
);

/** Status codes as lists give them [doc]; a status name ("active") is understood too. */
export function statusOf(text: string | undefined): { status: ServiceStatus | "unknown"; statusCode: number } {
  const t = text?.trim().toLowerCase() ?? "";
  if (/^\d+$/.test(t)) {
    const code = Number(t);
    return { status: STATUS_BY_CODE.get(code) ?? "unknown", statusCode: code };
  }
  if (Object.hasOwn(SERVICE_STATUS, t)) return { status: t as ServiceStatus, statusCode: SERVICE_STATUS[t as ServiceStatus] };
  return { status: "unknown", statusCode: 0 };
}

/** "2027-01-31" or "2027-01-31 00:00:00" → "2027-01-31"; empty or "0000-00-00" → null. */
export function dateOf(text: string | undefined): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text?.trim() ?? "");
  if (!m || m[1] === "0000") return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

function periodMonths(type: string | undefined, length: string | undefined, trials: boolean): number | null {
  // A trial period (license price lists) is ordered with period -100 [doc]; its markup is assumed.
  if (trials && type === "trial") return TRIAL_PERIOD;
  const n = optionalInt(length);
  if (n === null) return null;
  if (type === "month") return n;
  if (type === "year") return n * 12;
  return null;
}

/**
 * pricelist.export → tariffs. Costs become Money here, once: fractions of a minor unit round UP, so
 * a cost is never understated. Periods other than months/years (days, trials) are left out; a
 * tariff in a currency partnerbill cannot represent is reported through `skipped`.
 */
export function readPriceList(doc: Element, opts: { trials?: boolean } = {}): { tariffs: UpstreamTariff[]; skipped: { id: number; currency: string }[] } {
  const tariffs: UpstreamTariff[] = [];
  const skipped: { id: number; currency: string }[] = [];
  for (const row of childrenNamed(doc, "pricelist")) {
    const id = positiveInt(field(row, "id"), "pricelist id");
    const prices = childrenNamed(row, "price");
    const currency = (prices.map((p) => field(p, "currency")).find((c) => c) ?? "").trim().toUpperCase();
    const periods: UpstreamPeriod[] = [];
    if (prices.length > 0 && !isCurrency(currency)) {
      skipped.push({ id, currency });
      continue;
    }
    for (const price of prices) {
      for (const p of childrenNamed(price, "period")) {
        const months = periodMonths(field(p, "type"), field(p, "length"), opts.trials ?? false);
        const costText = field(p, "cost")?.trim();
        if (months === null || !costText) continue;
        let cost;
        try {
          cost = parseDecimal(costText, currency, "up");
        } catch {
          throw new AnswerError(`cost "${costText.slice(0, 32)}" of tariff ${id} is not a decimal amount`);
        }
        if (cost.minor < 0) throw new AnswerError(`cost of tariff ${id} is negative`);
        periods.push({ months, costText, cost });
      }
    }
    tariffs.push({
      id,
      name: field(row, "name") ?? "",
      intname: field(row, "intname") ?? "",
      additionIntname: field(row, "additionintname") ?? "",
      currency,
      periods,
    });
  }
  return { tariffs, skipped };
}

/** addition.order.param → the new service id at /doc/id [code for soft.order.param; assumed here]. */
export function readOrderAnswer(doc: Element): { serviceId: number } {
  const id = field(doc, "id") ?? field(doc, "elid");
  if (id === undefined) throw new AnswerError("the order answer carries no service id");
  return { serviceId: positiveInt(id, "service id") };
}

/** A submit (sok=ok, delete) succeeded only if the answer says ok. */
export function readOk(doc: Element): void {
  if (child(doc, "ok") === undefined) throw new AnswerError("the answer does not confirm success (no <ok/>)");
}

/** service.prolong → the new end date at /doc/doc/newexpiredate [code]; /doc/newexpiredate also read. */
export function readProlongAnswer(doc: Element): { expiresOn: string | null } {
  const inner = child(doc, "doc");
  const text = (inner && field(inner, "newexpiredate")) ?? field(doc, "newexpiredate");
  if (text !== undefined) {
    const d = dateOf(text);
    if (d === null) throw new AnswerError(`new expiry date "${text.slice(0, 32)}" is not a date`);
    return { expiresOn: d };
  }
  if (child(doc, "ok") !== undefined) return { expiresOn: null };
  throw new AnswerError("the prolong answer carries neither a new expiry date nor <ok/>");
}

function moduleOf(e: Element, id: number): UpstreamModule {
  return {
    id,
    license: positiveInt(field(e, "item"), `license (item) of module ${id}`),
    pricelist: positiveInt(field(e, "pricelist"), `tariff (pricelist) of module ${id}`),
    ...statusOf(field(e, "status")),
    expiresOn: dateOf(field(e, "expiredate")),
  };
}

/** addition list: <elem> rows with id, item, pricelist, status, expiredate [assumed]. */
export function readModuleList(doc: Element): UpstreamModule[] {
  return childrenNamed(doc, "elem").map((e) => moduleOf(e, positiveInt(field(e, "id"), "module id")));
}

/** addition.edit without sok: the module's fields at the top of <doc> [doc convention]. */
export function readModuleForm(doc: Element, elid: number): UpstreamModule {
  return moduleOf(doc, elid);
}

function licenseOf(e: Element, id: number): UpstreamLicense {
  return {
    id,
    name: field(e, "licname") ?? field(e, "name") ?? "",
    ip: field(e, "ip") ?? "",
    pricelist: optionalInt(field(e, "pricelist")),
    ...statusOf(field(e, "status")),
    expiresOn: dateOf(field(e, "expiredate")),
  };
}

/** soft list: <elem> rows with id, licname, ip, pricelist, expiredate, status [doc]. */
export function readLicenseList(doc: Element): UpstreamLicense[] {
  return childrenNamed(doc, "elem").map((e) => licenseOf(e, positiveInt(field(e, "id"), "license id")));
}

/** soft.edit: the license's fields at the top of <doc> [code], with its key (empty until generated). */
export function readLicenseForm(doc: Element, elid: number): UpstreamLicense {
  const key = field(doc, "lickey")?.trim() ?? "";
  return { ...licenseOf(doc, elid), key: key === "" ? null : key };
}

/** soft.order.param → the new license id at /doc/id [code]. */
export function readLicenseOrderAnswer(doc: Element): { licenseId: number } {
  return { licenseId: readOrderAnswer(doc).serviceId };
}

/** soft.edit clicked_button=newkey → the new key at /doc/lickey [code]. */
export function readNewKey(doc: Element): { key: string } {
  const key = field(doc, "lickey")?.trim() ?? "";
  if (key === "") throw new AnswerError("the new-key answer carries no lickey");
  return { key };
}

const CURRENCY_SIGNS: Record<string, string> = { "€": "EUR", "$": "USD", "₽": "RUB", "руб": "RUB", "руб.": "RUB", "р.": "RUB" };

/**
 * subaccount: the partner's personal account(s) with `balance` [assumed — see PROTOCOL.md §3].
 * The balance is read tolerantly: "100000.00", "100 000,00 EUR", "-3.50 €"; the currency from a
 * `currency` field or the text's own code or sign. Several rows (several currencies) → the first
 * one; none, or no currency → unreadable, never a guessed zero.
 */
export function readBalance(doc: Element): UpstreamBalance {
  const rows = childrenNamed(doc, "elem");
  const row = rows[0] ?? (field(doc, "balance") !== undefined ? doc : undefined);
  if (!row) throw new AnswerError("the account list carries no row with a balance");
  const text = (field(row, "balance") ?? "").replace(/[\s\u00a0]/g, "");
  const m = /^(-?\d+(?:[.,]\d+)?)([^\d]*)$/.exec(text);
  if (!m) throw new AnswerError(`balance "${text.slice(0, 32)}" is not an amount`);
  const suffix = m[2]!.trim();
  const code = (field(row, "currency")?.trim() || CURRENCY_SIGNS[suffix.toLowerCase()] || suffix).toUpperCase();
  if (!isCurrency(code)) throw new AnswerError(`the balance's currency "${code.slice(0, 16)}" is not known`);
  try {
    return { balance: parseDecimal(m[1]!.replace(",", "."), code, "down") };
  } catch {
    throw new AnswerError(`balance "${text.slice(0, 32)}" is not an amount in ${code}`);
  }
}
