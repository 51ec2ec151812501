// The catalog and the cached price list (pricelist.export); a catalog change drops the cache.
import type { Core } from "./core.ts";
import { createCatalogService } from "../../modules/catalog/catalog.service.ts";
import { createPriceListService } from "../../modules/catalog/pricelist.service.ts";

export function wireCatalog(core: Core) {
  const { db, repos, clock, ids, region, metrics } = core;
  const priceList = createPriceListService({ db, catalog: repos.catalog, counters: repos.counters, region, metrics });
  const catalog = createCatalogService({ db, catalog: repos.catalog, counters: repos.counters, clock, ids, region, onChange: () => priceList.invalidate() });
  return { catalog, priceList };
}
