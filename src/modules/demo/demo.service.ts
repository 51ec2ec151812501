// Demo mode (docs/adr/0020-checkout.md): with the built-in sandbox as upstream and demo data on,
// a newcomer can walk the whole purchase on a laptop. A customer gets demo money once, when their
// e-mail address is confirmed: funding → customer, keyed per customer, inside the confirming
// transaction. Outside demo mode nothing here moves money.
import type { Executor, Tx } from "../../db/database.ts";
import { parseDecimal, type Money } from "../../lib/money.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import { transfer } from "../ledger/ledger.logic.ts";
import type { LedgerRepo } from "../ledger/ledger.repo.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";

/** The demo credit: enough for any module of the demo catalog, monthly or yearly. */
export function demoCreditOf(currency: string): Money {
  return parseDecimal(currency === "RUB" ? "15000" : "200", currency);
}

const REGION_CURRENCY = { eu: "EUR", ru: "RUB" } as const;

export const DEMO_CREDIT_KIND = "demo_credit";

export function demoCreditKey(customerId: string): string {
  return `demo:credit:${customerId}`;
}

export function createDemoService(deps: {
  /** UPSTREAM_URL=sandbox and DEMO_DATA: decided once, in the container. */
  enabled: boolean;
  ledger: Pick<LedgerService, "post">;
  ledgerRepo: Pick<LedgerRepo, "findTransactionByKey">;
  catalog: Pick<CatalogRepo, "listModules" | "pricesOf">;
  region: "eu" | "ru";
}) {
  const { enabled, ledger, ledgerRepo, catalog, region } = deps;

  /** The currency the price list sells in (the first priced module's), else the region's. */
  async function currencyOf(ex: Executor): Promise<string> {
    for (const m of await catalog.listModules(ex, region)) {
      if (m.enabled !== 1) continue;
      const p = (await catalog.pricesOf(ex, m.id))[0];
      if (p) return p.currency;
    }
    return REGION_CURRENCY[region];
  }

  /** Gives a newly confirmed customer their demo money, once (inside the confirming transaction). */
  async function creditNewCustomer(tx: Tx, customerId: string): Promise<void> {
    if (!enabled) return;
    const amount = demoCreditOf(await currencyOf(tx));
    await ledger.post(tx, {
      kind: DEMO_CREDIT_KIND,
      memo: "Demo money (demo mode: the sandbox, nothing is charged for real)",
      actor: "system:demo",
      key: demoCreditKey(customerId),
      postings: transfer({ kind: "funding" }, { kind: "customer", owner: customerId }, amount),
    });
  }

  /** Whether this customer was given demo money (the checkout page says so). */
  async function hasCredit(ex: Executor, customerId: string): Promise<boolean> {
    if (!enabled) return false;
    return (await ledgerRepo.findTransactionByKey(ex, demoCreditKey(customerId))) !== undefined;
  }

  return { enabled: () => enabled, creditNewCustomer, hasCredit };
}

export type DemoService = ReturnType<typeof createDemoService>;
