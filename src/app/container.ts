// The one place that calls the factories: it wires repositories and services together for a
// process (or for a test, which passes its own database, clock and id generator).
import type { Config } from "./config.ts";
import type { Database } from "../db/database.ts";
import { createChangeCountersRepo } from "../db/change-counters.repo.ts";
import { systemClock, type Clock } from "../lib/clock.ts";
import { randomIds, type IdGenerator } from "../lib/ids.ts";
import { createCatalogRepo } from "../modules/catalog/catalog.repo.ts";
import { createCatalogService } from "../modules/catalog/catalog.service.ts";
import { createPriceListService } from "../modules/catalog/pricelist.service.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";

export interface ContainerOptions {
  config: Config;
  database: Database;
  secretKey: string;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
}

export function createContainer(opts: ContainerOptions) {
  const { config, database } = opts;
  const db = database.db;
  const clock = opts.clock ?? systemClock;
  const ids = opts.ids ?? randomIds;
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const region = config.UPSTREAM_REGION;

  const repos = {
    counters: createChangeCountersRepo(),
    catalog: createCatalogRepo(),
  };

  const priceList = createPriceListService({ db, catalog: repos.catalog, counters: repos.counters, region, metrics });
  const catalog = createCatalogService({
    db,
    catalog: repos.catalog,
    counters: repos.counters,
    clock,
    ids,
    region,
    onChange: () => priceList.invalidate(),
  });

  return {
    config,
    database,
    db,
    secretKey: opts.secretKey,
    clock,
    ids,
    logger,
    metrics,
    repos,
    catalog,
    priceList,
  };
}

export type Container = ReturnType<typeof createContainer>;
