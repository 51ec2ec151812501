// Every Prometheus metric partnerbill exports is declared here, once, with its name and labels.
// One registry per process (per container, so tests can build several apps side by side).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "partnerbill_process_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "partnerbill_http_requests_total",
      help: "HTTP requests by surface and status class.",
      labelNames: ["surface", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "partnerbill_http_request_duration_seconds",
      help: "HTTP request latency by surface.",
      labelNames: ["surface"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    pricelistCache: new Counter({
      name: "partnerbill_pricelist_cache_total",
      help: "Price-list document look-ups: result=hit (served from memory) or rebuild (built from the catalog).",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    pricelistRequests: new Counter({
      name: "partnerbill_pricelist_requests_total",
      help: "pricelist.export requests answered, by output format.",
      labelNames: ["out"] as const,
      registers: [registry],
    }),
    catalogVersion: new Gauge({
      name: "partnerbill_catalog_version",
      help: "Catalog change counter this node's price-list cache was built from.",
      registers: [registry],
    }),
    jobsTotal: new Counter({
      name: "partnerbill_jobs_total",
      help: "Job attempts finished by this node, by kind and result: done, retry (failed, queued again), dead (dead letter), released (handed back at shutdown), lost (lease lost to another node).",
      labelNames: ["kind", "result"] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: "partnerbill_job_duration_seconds",
      help: "Time a job handler ran, by kind.",
      labelNames: ["kind"] as const,
      buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 120],
      registers: [registry],
    }),
    jobsReady: new Gauge({
      name: "partnerbill_jobs_ready",
      help: "Jobs queued and due now (whole queue, as last seen by this node's worker).",
      registers: [registry],
    }),
    jobsOldestReadyAge: new Gauge({
      name: "partnerbill_jobs_oldest_ready_age_seconds",
      help: "How long the oldest due job has been waiting (0 when none).",
      registers: [registry],
    }),
    jobsDead: new Gauge({
      name: "partnerbill_jobs_dead",
      help: "Jobs in the dead-letter state (see `partnerbill jobs list --dead`).",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
