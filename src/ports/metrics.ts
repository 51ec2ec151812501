// The metrics the domain modules and the job worker record, as narrow interfaces (docs/ARCHITECTURE.md,
// layers): src/app/metrics.ts declares them with prom-client and the composition root hands them
// in, so nothing below src/app/ imports it.

/** A counter with labels `L` (prom-client's Counter fits). */
export interface CounterPort<L extends string = string> {
  inc(labels: Partial<Record<L, string | number>>, value?: number): void;
}

/** A gauge without labels. */
export interface GaugePort {
  set(value: number): void;
}

/** A histogram with labels `L`. */
export interface HistogramPort<L extends string = string> {
  observe(labels: Partial<Record<L, string | number>>, value: number): void;
}

/** The price-list cache (src/modules/catalog/pricelist.service.ts). */
export interface PriceListMetrics {
  pricelistCache: CounterPort<"result">;
  catalogVersion: GaugePort;
}

/** The job worker (src/jobs/worker.ts). */
export interface JobMetrics {
  jobsTotal: CounterPort<"kind" | "result">;
  jobDuration: HistogramPort<"kind">;
  jobsReady: GaugePort;
  jobsOldestReadyAge: GaugePort;
  jobsDead: GaugePort;
}
