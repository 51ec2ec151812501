// What every module's wiring gets: the process's config, database, clock, ids, logger and metrics,
// the repositories, the job queue, the domain events and the upstream client. container.ts builds
// it once; each file beside this one wires one module (or a few small ones that belong together)
// from it and from the services of the modules it names.
import type { Config } from "../config.ts";
import type { Database, Db } from "../../db/database.ts";
import type { Clock } from "../../lib/clock.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import type { UpstreamClient } from "../../upstream/types.ts";
import type { createDomainEvents } from "../../modules/events/domain-events.ts";
import type { JobQueue } from "../../jobs/queue.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Repos } from "./repos.ts";

export interface Core {
  config: Config;
  database: Database;
  db: Db;
  secretKey: string;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  metrics: Metrics;
  region: "eu" | "ru";
  repos: Repos;
  queue: JobQueue;
  /** Domain events; listeners register with events.on(...). */
  events: ReturnType<typeof createDomainEvents>;
  /** Resolved per call (wiring/upstream.ts): most commands never talk upstream. */
  upstream: UpstreamClient;
  /** Logs a warning; for services that report what they could not do. */
  warn: (info: object, message: string) => void;
}
