// A known catalog for tests that pin or inspect the price list (EU client area, EUR):
//   23221 DDoS-GUARD   11.90 monthly, 119.00 yearly          → listed, two periods (monthly first)
//   55361 Dr.Web Lite   4.90 monthly only                    → listed, one period
//   55362 Dr.Web Pro   89.00 yearly only                     → not listed (no monthly price)
//   55363 Dr.Web Host  14.90 monthly, disabled by staff      → not listed
//   55371 BitNinja      9.90 monthly, 99.00 yearly, withdrawn upstream (upstream_available = 0)
//                                                           → listed only without onlyavailable
// Everything goes through the catalog service (as staff would set it), except the upstream flag,
// which only the price sync sets; it is written through the repository here.
import type { Container } from "../../src/app/container.ts";

export async function seedKnownCatalog(c: Container): Promise<void> {
  const by = { source: "cli", name: "fixture" } as const;
  // The yearly price is set first so that the monthly-first order cannot come from insertion order.
  await c.catalog.setPrice("23221", { period: 12, amount: "119.00", currency: "EUR" }, by);
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, by);
  await c.catalog.setPrice("55361", { period: 1, amount: "4.90", currency: "EUR" }, by);
  await c.catalog.setPrice("55362", { period: 12, amount: "89.00", currency: "EUR" }, by);
  await c.catalog.setPrice("55363", { period: 1, amount: "14.90", currency: "EUR" }, by);
  await c.catalog.setEnabled("55363", false);
  await c.catalog.setPrice("55371", { period: 12, amount: "99.00", currency: "EUR" }, by);
  await c.catalog.setPrice("55371", { period: 1, amount: "9.90", currency: "EUR" }, by);
  await markWithdrawnUpstream(c, "eu-55371");
}

/** What the price sync does when upstream stops offering a module. */
export async function markWithdrawnUpstream(c: Container, moduleId: string): Promise<void> {
  await c.db.transaction().execute(async (tx) => {
    await c.repos.catalog.setModuleFlags(tx, moduleId, { upstream_available: 0 }, c.clock.now().toISOString());
    await c.repos.counters.bump(tx, "catalog");
  });
  c.priceList.invalidate();
}
