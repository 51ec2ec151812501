// The fastify application: every HTTP surface of partnerbill (DESIGN.md §7) is registered here.
// This folder is the only code that imports fastify.
import formbody from "@fastify/formbody";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Container } from "../app/container.ts";
import { notFound } from "../lib/errors.ts";
import { html } from "../lib/html.ts";
import { registerBillmgrRoutes } from "./billmgr.routes.ts";
import { sendError, surfaceOf, type Surface } from "./errors.ts";
import { registerOpsRoutes } from "./ops.routes.ts";
import { page } from "./pages.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    surface?: Surface;
  }
}

/** The URLs an operator needs, printed at start-up and shown on the home page. */
export function keyUrls(publicUrl: string) {
  return {
    billing: `${publicUrl}/billmgr`,
    priceList: `${publicUrl}/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml`,
    health: `${publicUrl}/healthz`,
    ready: `${publicUrl}/readyz`,
    metrics: `${publicUrl}/metrics`,
  };
}

export async function buildHttpApp(c: Container): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: c.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !c.config.LOG_REQUESTS }),
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    return503OnClosing: true,
  });

  await app.register(formbody, { bodyLimit: 64 * 1024 });
  // A body of any other type (text, XML, multipart…) is read and ignored: the query string still
  // counts, and no client gets a 415 for a content type we have no use for.
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, _body, done) => done(null, undefined));

  app.addHook("onResponse", (req, reply, done) => {
    const surface = req.routeOptions.config?.surface ?? surfaceOf(req.url);
    const status = `${Math.floor(reply.statusCode / 100)}xx`;
    c.metrics.httpRequests.inc({ surface, status });
    c.metrics.httpDuration.observe({ surface }, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));
  app.setNotFoundHandler((req, reply) => sendError(req, reply, notFound(`Nothing here: ${req.method} ${req.url.split("?", 1)[0]}`)));

  registerBillmgrRoutes(app, c);
  registerOpsRoutes(app, c);

  app.get("/", { config: { surface: "page" } }, async (_req, reply) => {
    const urls = keyUrls(c.config.PUBLIC_URL);
    return reply.type("text/html; charset=utf-8").send(
      page(
        "partnerbill",
        html`<div class="card"><h1>partnerbill</h1>
<p>Billing for reselling ispmanager modules.</p>
<h2>Give this URL to ispmanager staff</h2><p><code>${urls.billing}</code></p>
<h2>Price list as panels read it</h2><p><a href="${urls.priceList}"><code>${urls.priceList}</code></a></p>
<h2>Operations</h2><p><a href="${urls.health}">health</a> · <a href="${urls.ready}">readiness</a> · <a href="${urls.metrics}">metrics</a></p>
<p class="muted">Upstream: ${c.config.UPSTREAM_URL} · fulfillment: ${c.config.FULFILLMENT_MODE} · region: ${c.config.UPSTREAM_REGION.toUpperCase()}</p></div>`,
      ),
    );
  });

  return app;
}
