// Operator endpoints: liveness, readiness (the database answers), Prometheus metrics.
import type { FastifyInstance } from "fastify";
import type { Container } from "../app/container.ts";
import { ping } from "../db/ping.ts";
import { AppError } from "../lib/errors.ts";
import { addressMatcher } from "./address-list.ts";
import { VERSION } from "../app/version.ts";

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerOpsRoutes(app: FastifyInstance, c: Container): void {
  app.get("/healthz", { config: { surface: "ops" } }, async (_req, reply) => {
    return reply.header("cache-control", "no-store").send({ status: "ok", version: VERSION });
  });

  app.get("/readyz", { config: { surface: "ops" } }, async (req, reply) => {
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    try {
      await withTimeout(ping(c.db), 2000);
      checks["database"] = { ok: true };
    } catch (err) {
      req.log.warn({ err }, "readiness: database check failed");
      checks["database"] = { ok: false, error: "database unreachable" };
    }
    const ok = Object.values(checks).every((x) => x.ok);
    return reply.code(ok ? 200 : 503).header("cache-control", "no-store").send({ status: ok ? "ready" : "not ready", checks });
  });

  // The app itself refuses /metrics to clients outside METRICS_ALLOW, whatever path spelling a
  // proxy in front lets through (/metrics/, /%6Detrics…): the allow-list holds without nginx too.
  const metricsAllowed = addressMatcher(c.config.METRICS_ALLOW);
  app.get("/metrics", { config: { surface: "ops" } }, async (req, reply) => {
    if (!metricsAllowed(req.ip)) throw new AppError("forbidden", "Metrics are served to the monitoring only (METRICS_ALLOW)");
    const body = await c.metrics.registry.metrics();
    return reply.header("content-type", c.metrics.registry.contentType).header("cache-control", "no-store").send(body);
  });
}
