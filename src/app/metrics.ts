// Every Prometheus metric partnerbill exports is declared here, once, with its name and labels.
// One registry per process (per container, so tests can build several apps side by side).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { OrderGauges } from "../modules/ops/ops.metrics.ts";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "partnerbill_process_" });

  // The order gauges are read from the database when scraped, by a reader that the owner of the
  // database binds with readOrdersFrom() (until then they are empty). prom-client collects every
  // metric of a scrape at once, so the two gauges and the failure counter share the one query
  // that is in flight.
  let orderReader: (() => Promise<OrderGauges>) | null = null;
  let orderRead: Promise<OrderGauges | null> | null = null;
  const metricsReadFailures = new Counter({
    name: "partnerbill_metrics_read_failures_total",
    help: "Scrapes in which figures read from the database could not be read (source=orders); those gauges are left out of that scrape.",
    labelNames: ["source"] as const,
    registers: [registry],
    // Joins the scrape's read, so that a failure shows in the same scrape.
    async collect() {
      await readOrders();
    },
  });
  const readOrders = (): Promise<OrderGauges | null> => {
    if (!orderReader) return Promise.resolve(null);
    orderRead ??= orderReader()
      .catch(() => {
        metricsReadFailures.inc({ source: "orders" });
        return null;
      })
      .finally(() => {
        orderRead = null;
      });
    return orderRead;
  };
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
    metricsReadFailures,
    orders: new Gauge({
      name: "partnerbill_orders",
      help: "Orders by state (whole database, read when scraped; every node reports the same figure).",
      labelNames: ["state"] as const,
      registers: [registry],
      async collect() {
        const g = await readOrders();
        this.reset();
        if (g) for (const [state, n] of Object.entries(g.byState)) this.set({ state }, n);
      },
    }),
    ordersPaidNotActiveOldest: new Gauge({
      name: "partnerbill_orders_paid_not_active_oldest_seconds",
      help: "Age of the oldest payment whose module is not active yet, per state (paid, placing, awaiting_funds, needs_attention, manual_queue; 0 when none).",
      labelNames: ["state"] as const,
      registers: [registry],
      async collect() {
        const g = await readOrders();
        this.reset();
        if (g) for (const [state, s] of Object.entries(g.paidNotActiveOldestSeconds)) this.set({ state }, s);
      },
    }),
    alertsOpen: new Gauge({
      name: "partnerbill_alerts_open",
      help: "Open alerts by kind (read when scraped; every known kind is reported, 0 when none). Each kind and what to do: README, Operations.",
      labelNames: ["kind"] as const,
      registers: [registry],
      async collect() {
        const g = await readOrders();
        this.reset();
        if (g) for (const [kind, n] of Object.entries(g.alertsOpen)) this.set({ kind }, n);
      },
    }),
    /** Binds the database reader of the order gauges (once per process, by the web role). */
    readOrdersFrom(reader: () => Promise<OrderGauges>): void {
      orderReader = reader;
    },
    upstreamCalls: new Counter({
      name: "partnerbill_upstream_calls_total",
      help: "Calls to the client area's API by func and result: ok, or the error kind (auth, access, rejected, insufficient_funds, timeout, connection, server_error, unparsable).",
      labelNames: ["func", "result"] as const,
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: "partnerbill_upstream_call_duration_seconds",
      help: "Latency of calls to the client area's API by func, failed calls included.",
      labelNames: ["func"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
