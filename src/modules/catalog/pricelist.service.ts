// Serves pricelist.export from memory. The catalog is read once per catalog version into a
// snapshot; each (itemtype, onlyavailable, pricelist, out) document is written once from it, with
// its gzip form and ETag, and then served as bytes. A change anywhere — this process, the CLI,
// another node — bumps the `catalog` change counter; `refresh()` (called on a timer and right
// after local changes) drops the cache when the counter moved.
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Db } from "../../db/database.ts";
import type { ChangeCountersRepo } from "../../db/change-counters.repo.ts";
import type { PriceListMetrics } from "../../ports/metrics.ts";
import { contentTypeOf, write } from "../../protocol/write.ts";
import type { CatalogRepo } from "./catalog.repo.ts";
import { joinPrices, type CatalogEntry } from "./catalog.logic.ts";
import { buildPriceList, cacheKey, type PriceListQuery } from "./pricelist.logic.ts";

export interface RenderedDocument {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
  readonly contentType: string;
}

export function renderDocument(text: string, contentType: string): RenderedDocument {
  const body = Buffer.from(text, "utf8");
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  return { body, gzip: gzipSync(body, { level: 9 }), etag, contentType };
}

interface Snapshot {
  version: number;
  entries: CatalogEntry[];
  tariffs: Set<number>;
  docs: Map<string, RenderedDocument>;
  /** The same documents by query object, for callers that keep their query objects (the fast path). */
  byQuery: WeakMap<PriceListQuery, RenderedDocument>;
}

export function createPriceListService(deps: {
  db: Db;
  catalog: Pick<CatalogRepo, "listModules" | "listPrices">;
  counters: Pick<ChangeCountersRepo, "read">;
  region: "eu" | "ru";
  metrics: PriceListMetrics;
}) {
  let current: Snapshot | null = null;
  let loading: Promise<Snapshot> | null = null;
  // Bumped by every invalidation, so a load that started before it cannot install stale data.
  let generation = 0;

  async function load(): Promise<Snapshot> {
    const gen = generation;
    // Read the version first: if the catalog changes while we read, the version we record is
    // older than the data and the next refresh() reloads — never the other way round.
    const version = await deps.counters.read(deps.db, "catalog");
    const [modules, prices] = await Promise.all([
      deps.catalog.listModules(deps.db, deps.region),
      deps.catalog.listPrices(deps.db, deps.region),
    ]);
    const entries = joinPrices(modules, prices);
    const snap: Snapshot = { version, entries, tariffs: new Set(modules.map((m) => m.tariff_id)), docs: new Map(), byQuery: new WeakMap() };
    if (gen === generation) {
      current = snap;
      deps.metrics.catalogVersion.set(version);
    }
    return snap;
  }

  function snapshot(): Snapshot | Promise<Snapshot> {
    if (current) return current;
    loading ??= load().finally(() => { loading = null; });
    return loading;
  }

  function documentFrom(snap: Snapshot, q: PriceListQuery): RenderedDocument {
    const key = cacheKey(q, snap.tariffs);
    const hit = snap.docs.get(key);
    if (hit) {
      deps.metrics.pricelistCache.inc({ result: "hit" });
      return hit;
    }
    deps.metrics.pricelistCache.inc({ result: "rebuild" });
    const doc = renderDocument(write(buildPriceList(snap.entries, q), q.out), contentTypeOf(q.out));
    snap.docs.set(key, doc);
    return doc;
  }

  function get(q: PriceListQuery): RenderedDocument | Promise<RenderedDocument> {
    const snap = snapshot();
    return snap instanceof Promise ? snap.then((s) => documentFrom(s, q)) : documentFrom(snap, q);
  }

  function getBuilt(q: PriceListQuery): RenderedDocument | undefined {
    if (!current) return undefined;
    let d = current.byQuery.get(q);
    if (d === undefined) {
      d = current.docs.get(cacheKey(q, current.tariffs));
      if (d !== undefined) current.byQuery.set(q, d);
    }
    return d;
  }

  function invalidate(): void {
    generation++;
    current = null;
  }

  async function refresh(): Promise<boolean> {
    const version = await deps.counters.read(deps.db, "catalog");
    if (current && current.version === version) return false;
    invalidate();
    return true;
  }

  function watch(intervalMs: number, onError: (e: unknown) => void): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      refresh().catch(onError).finally(() => { running = false; });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  return {
    /** The document for a query; synchronous on a warm cache (the hot path). */
    get,
    /**
     * The document only if it is already built from the current catalog, else undefined; never
     * builds, never reads the database, never counts (the caller counts its cache hits).
     */
    getBuilt,
    /** Drops the cache if the catalog changed since it was built. Returns true when it did. */
    refresh,
    /** Drops the cache unconditionally (after a local change). */
    invalidate,
    /** Polls the change counter every `intervalMs` until the returned stop function is called. */
    watch,
  };
}

export type PriceListService = ReturnType<typeof createPriceListService>;
