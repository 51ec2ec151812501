// pricelist.export as panels read it (PROTOCOL.md §2.1): the query, and the document built from
// the catalog. Pure: the service caches what this produces.
import { toDecimal } from "../../lib/money.ts";
import { doc, el, parseOutputFormat, type Element, type OutputFormat } from "../../protocol/document.ts";
import type { BillmgrError } from "../../protocol/errors.ts";
import { isSellable, PERIODS, type CatalogEntry } from "./catalog.logic.ts";

export interface PriceListQuery {
  /** "addition" (modules), "other" (a known item type we do not sell: soft, certificate), or "all" when absent. */
  itemtype: "addition" | "other" | "all";
  onlyAvailable: boolean;
  /** A tariff id filter, or null for all. */
  pricelist: number | null;
  out: OutputFormat;
}

export type Params = Record<string, unknown>;

/** The first value of a parameter: duplicated keys arrive as arrays; anything else is ignored. */
export function param(params: Params, name: string): string | undefined {
  const v = params[name];
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  return undefined;
}

const KNOWN_ITEMTYPES = new Set(["soft", "certificate", "domain", "vds", "vhost", "dedic"]);

export function parsePriceListQuery(params: Params): PriceListQuery | BillmgrError {
  const out = parseOutputFormat(param(params, "out"));
  const rawType = param(params, "itemtype")?.trim();
  let itemtype: PriceListQuery["itemtype"];
  if (rawType === undefined || rawType === "") itemtype = "all";
  else if (rawType === "addition") itemtype = "addition";
  else if (KNOWN_ITEMTYPES.has(rawType)) itemtype = "other";
  else return { type: "value", object: "itemtype", value: rawType, message: "Unknown item type" };

  const rawOnly = param(params, "onlyavailable")?.trim().toLowerCase();
  const onlyAvailable = rawOnly === "on" || rawOnly === "yes" || rawOnly === "true" || rawOnly === "1";

  const rawPricelist = param(params, "pricelist")?.trim();
  let pricelist: number | null = null;
  if (rawPricelist !== undefined && rawPricelist !== "") {
    if (!/^\d{1,9}$/.test(rawPricelist)) {
      return { type: "value", object: "pricelist", value: rawPricelist, message: "Tariff id must be a positive integer" };
    }
    pricelist = Number(rawPricelist);
  }
  return { itemtype, onlyAvailable, pricelist, out };
}

/** The words BILLmanager writes inside <period> for our two periods ("monthly" is from the seed; "annually" [assumed]). */
const PERIOD_TEXT: Record<number, string> = { 1: "monthly", 12: "annually" };

function pricelistElement(e: CatalogEntry): Element {
  const monthly = e.prices[1];
  if (!monthly) throw new Error("pricelistElement needs a monthly price");
  // The monthly period comes first: panels read only type="month" length="1" (seed). Other periods
  // follow only when they are in the same currency — one <price> carries one currency.
  const periods = PERIODS.flatMap((months) => {
    const p = e.prices[months];
    if (!p || p.currency !== monthly.currency) return [];
    return [el("period", PERIOD_TEXT[months] ?? `${months} months`, { cost: toDecimal(p, 4), type: "month", length: String(months) })];
  });
  return el("pricelist", [
    el("id", String(e.module.tariff_id)),
    el("name", e.module.name),
    el("intname", e.module.intname),
    el("additionintname", e.module.addition_intname),
    el("price", periods, { currency: monthly.currency }),
  ]);
}

/** Builds the price list document. Disabled and unpriced modules are never listed. */
export function buildPriceList(entries: CatalogEntry[], q: PriceListQuery): Element {
  if (q.itemtype === "other") return doc([]);
  const rows = entries
    .filter(isSellable)
    .filter((e) => !q.onlyAvailable || e.module.upstream_available === 1)
    .filter((e) => q.pricelist === null || e.module.tariff_id === q.pricelist)
    .map(pricelistElement);
  return doc(rows);
}

/** The cache key: a bounded set (tariff ids not in the catalog share one key). */
export function cacheKey(q: PriceListQuery, knownTariffs: ReadonlySet<number>): string {
  const pl = q.pricelist === null ? "*" : knownTariffs.has(q.pricelist) ? String(q.pricelist) : "unknown";
  return `${q.itemtype}|${q.onlyAvailable ? 1 : 0}|${pl}|${q.out}`;
}
