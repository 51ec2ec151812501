// The client of the partner's client area, built on first use: most CLI commands never talk
// upstream, and with UPSTREAM_URL=sandbox the URL exists only once `serve` has started the
// in-process sandbox. The credentials are looked up per call (the environment's, else the ones
// stored by /admin/setup), so a change in the console applies from the next call on every node;
// a new pair replaces the client.
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { AppError } from "../../lib/errors.ts";
import type { UpstreamClient } from "../../upstream/types.ts";
import { createUpstreamClient, type UpstreamHttpClient } from "../../upstream/client.ts";

export function wireUpstream(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** The upstream API URL when it is only known at run time (the in-process sandbox's port). */
  upstreamUrl: string | undefined;
  /** The credentials in force (setup.credentials, bound late: setup needs the audit log first). */
  credentials: () => Promise<{ user: string; password: string } | null>;
}) {
  const { config, logger, metrics } = deps;
  let current: { client: UpstreamHttpClient; user: string; password: string } | undefined;
  async function upstream(): Promise<UpstreamHttpClient> {
    const baseUrl = deps.upstreamUrl ?? config.upstreamBaseUrl;
    if (baseUrl === "sandbox") {
      throw new AppError("upstream_unavailable", "UPSTREAM_URL is sandbox: the sandbox runs inside `partnerbill serve` (or start one with `partnerbill sandbox` and set UPSTREAM_URL to its /billmgr URL)");
    }
    const creds = await deps.credentials();
    if (!creds) {
      throw new AppError("upstream_unavailable", "No client-area credentials: enter them in the set-up wizard (/admin/setup) or set UPSTREAM_USER and UPSTREAM_PASSWORD");
    }
    const old = current;
    if (old && old.user === creds.user && old.password === creds.password) return old.client;
    const client = createUpstreamClient({
      baseUrl,
      ...creds,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      logger,
      onCall: (e) => {
        metrics.upstreamCalls.inc({ func: e.func, result: e.outcome === "done" ? "ok" : (e.kind ?? "unknown") });
        metrics.upstreamDuration.observe({ func: e.func }, e.durationMs / 1000);
      },
    });
    current = { client, ...creds };
    // Calls in flight on the old client finish; it holds no state worth keeping.
    if (old) void old.client.close().catch(() => {});
    return client;
  }
  /** The upstream client, resolved per call (see `upstream()`). */
  const lazyUpstream: UpstreamClient = {
    priceList: async (o) => (await upstream()).priceList(o),
    orderModule: async (i) => (await upstream()).orderModule(i),
    readModule: async (id) => (await upstream()).readModule(id),
    rebindModule: async (id, license) => (await upstream()).rebindModule(id, license),
    prolong: async (id, period) => (await upstream()).prolong(id, period),
    deleteModule: async (id) => (await upstream()).deleteModule(id),
    listModules: async (f) => (await upstream()).listModules(f),
    listLicenses: async () => (await upstream()).listLicenses(),
    readLicense: async (id) => (await upstream()).readLicense(id),
    readBalance: async () => (await upstream()).readBalance(),
    // Licenses (issue 15).
    softPriceList: async (o) => (await upstream()).softPriceList(o),
    orderLicense: async (i) => (await upstream()).orderLicense(i),
    changeLicense: async (id, change) => (await upstream()).changeLicense(id, change),
    newLicenseKey: async (id) => (await upstream()).newLicenseKey(id),
    checkLicenseIp: async (i) => (await upstream()).checkLicenseIp(i),
    deleteLicense: async (id) => (await upstream()).deleteLicense(id),
  };
  return {
    upstream: lazyUpstream,
    /** Closes the connections of the client in use (idempotent). */
    async close(): Promise<void> {
      const old = current;
      current = undefined;
      await old?.client.close();
    },
  };
}
