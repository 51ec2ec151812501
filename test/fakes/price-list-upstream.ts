// An in-memory upstream for price sync tests. It honours the UpstreamClient contract for
// priceList(): tariffs with costs parsed from 4-decimal text and rounded up to a minor unit, the
// `pricelist` filter, and failures thrown as the real client's UpstreamError. The other functions
// are not part of price sync and refuse loudly, so a test cannot lean on them by mistake.
import { parseDecimal } from "../../src/lib/money.ts";
import { UpstreamError } from "../../src/upstream/errors.ts";
import type { UpstreamClient, UpstreamErrorKind, UpstreamTariff } from "../../src/upstream/types.ts";

export interface FakeTariff {
  id: number;
  name?: string;
  intname?: string;
  currency: string;
  /** Cost text by period length in months, as upstream writes it: { 1: "950.0000", 12: "9500.0000" }. */
  costs: Partial<Record<number, string>>;
}

function toTariff(t: FakeTariff): UpstreamTariff {
  const intname = t.intname ?? `Module${t.id}`;
  return {
    id: t.id,
    name: t.name ?? `Module ${t.id}`,
    intname,
    additionIntname: intname,
    currency: t.currency,
    periods: Object.entries(t.costs).map(([months, costText]) => ({
      months: Number(months),
      costText: costText!,
      cost: parseDecimal(costText!, t.currency, "up"),
    })),
  };
}

export function createPriceListUpstream(initial: FakeTariff[] = []) {
  let tariffs = initial;
  let failure: UpstreamError | null = null;
  let calls = 0;
  const refuse = (func: string) => async (): Promise<never> => {
    throw new Error(`price-list fake upstream: ${func} is not emulated`);
  };
  const client: UpstreamClient = {
    async priceList(opts) {
      calls++;
      if (failure) throw failure;
      return tariffs.filter((t) => opts?.pricelist === undefined || t.id === opts.pricelist).map(toTariff);
    },
    orderModule: refuse("addition.order.param"),
    readModule: refuse("addition.edit"),
    rebindModule: refuse("addition.edit"),
    prolong: refuse("service.prolong"),
    deleteModule: refuse("addition.delete"),
    listModules: refuse("addition"),
    listLicenses: refuse("soft"),
    readLicense: refuse("soft.edit"),
    readBalance: refuse("subaccount"),
    // Sells no licenses: an empty license price list.
    async softPriceList() {
      return [];
    },
    orderLicense: refuse("soft.order.param"),
    changeLicense: refuse("soft.edit"),
    newLicenseKey: refuse("soft.edit"),
    checkLicenseIp: refuse("soft.checkip"),
    deleteLicense: refuse("soft.delete"),
  };
  return {
    client,
    setTariffs(next: FakeTariff[]): void {
      tariffs = next;
    },
    /** Makes priceList() fail like the real client does; `null` heals it. */
    failWith(kind: UpstreamErrorKind | null, message = "the client area did not answer"): void {
      failure = kind === null ? null : new UpstreamError({ kind, func: "pricelist.export", message });
    },
    calls: () => calls,
  };
}

export type PriceListUpstream = ReturnType<typeof createPriceListUpstream>;
