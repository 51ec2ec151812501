// Upstream costs, markup rules and sell prices (src/modules/pricing); margins for the console;
// "Sync now" queues the prices.sync job. A price change drops the cached price list.
import type { Core } from "./core.ts";
import type { AlertsService } from "../../modules/alerts/alerts.service.ts";
import type { AuditService } from "../../modules/audit/audit.service.ts";
import type { CatalogService } from "../../modules/catalog/catalog.service.ts";
import type { PriceListService } from "../../modules/catalog/pricelist.service.ts";
import { JOB_KINDS } from "../../jobs/kinds.ts";
import { createPricingService } from "../../modules/pricing/pricing.service.ts";
import { createMarginsService } from "../../modules/pricing/margins.service.ts";
import { createPriceSyncRequests } from "../../modules/pricing/sync-request.service.ts";

export function wirePricing(core: Core, deps: { alerts: AlertsService; audit: AuditService; catalog: CatalogService; priceList: PriceListService }) {
  const { config, db, repos, clock, ids, region } = core;
  const pricing = createPricingService({
    db,
    pricing: repos.pricing,
    catalog: repos.catalog,
    counters: repos.counters,
    alerts: deps.alerts,
    upstream: core.upstream,
    clock,
    ids,
    region,
    ecbUrl: config.ECB_RATES_URL,
    onChange: () => deps.priceList.invalidate(),
  });
  const margins = createMarginsService({ db, pricing: repos.pricing, catalog: deps.catalog, region });
  const priceSyncRequests = createPriceSyncRequests({ db, queue: core.queue, jobKind: JOB_KINDS.syncPrices, audit: deps.audit, clock });
  return { pricing, margins, priceSyncRequests };
}
