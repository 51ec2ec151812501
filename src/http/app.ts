// The fastify application: every HTTP surface of partnerbill (DESIGN.md §7) is registered here.
// This folder is the only code that imports fastify.
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import { createServer } from "node:http";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactory, type RouteOptions } from "fastify";
import type { Container } from "../app/container.ts";
import { notFound } from "../lib/errors.ts";
import { html } from "../lib/html.ts";
import { createOrderGaugeReader } from "../modules/ops/ops.metrics.ts";
import { createPriceListFastPath, registerBillmgrRoutes, type PriceListFastPath } from "./billmgr.routes.ts";
import { sendError, surfaceOf, type Surface } from "./errors.ts";
import { registerCheckoutRoutes } from "./checkout.routes.ts";
import { registerLicenseRoutes } from "./licenses.routes.ts";
import { DEMO_PANEL_PATH, registerDemoRoutes } from "./demo.routes.ts";
import { registerDemoMailboxRoutes } from "./demo-mailbox.routes.ts";
import { registerOpsRoutes } from "./ops.routes.ts";
import { registerAccountRoutes } from "./account.routes.ts";
import { registerPortalRoutes } from "./portal/routes.ts";
import { registerAdminAuthRoutes } from "./admin-auth.routes.ts";
import { registerDashboardRoutes } from "./admin/dashboard.routes.ts";
import { registerAdminOrderRoutes } from "./admin/orders.routes.ts";
import { registerAdminMoneyRoutes } from "./admin/money.routes.ts";
import { registerAdminCustomerRoutes } from "./admin/customers.routes.ts";
import { registerAdminRecordRoutes } from "./admin/records.routes.ts";
import { registerAdminSetupRoutes } from "./admin/setup.routes.ts";
import { registerAdminCatalogRoutes } from "./admin/catalog.routes.ts";
import { registerAdminSettingsRoutes } from "./admin/settings.routes.ts";
import { registerApiRoutes } from "./api.routes.ts";
import { registerAdminTokenRoutes } from "./admin/tokens.routes.ts";
import { registerAdminWebhookRoutes } from "./admin/webhooks.routes.ts";
import { registerAdminApprovalRoutes } from "./admin/approvals.routes.ts";
import { registerSessions } from "./session.ts";
import { registerStripeRoutes } from "./stripe.routes.ts";
import { page } from "./pages.ts";
import { pageLocale } from "./locale.ts";
import { t, tHtml, type MessageKey } from "../i18n/t.ts";
import { registerLocaleRoutes } from "./locale.routes.ts";
import { registerNulGuard } from "./nul-bytes.ts";
import { registerRateLimits } from "./rate-limit.ts";
import { registerAssetRoutes } from "./assets.ts";
import { registerSecurityHeaders, staticSecurityHeaders, type HeaderSettings } from "./security-headers.ts";
import { keyUrls } from "./key-urls.ts";

export { keyUrls };

declare module "fastify" {
  interface FastifyContextConfig {
    surface?: Surface;
  }
}

const STATUS_CLASS = ["1xx", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/**
 * The HTTP server, with the price-list fast path (see createPriceListFastPath) in front of
 * fastify's handler when there is one. Its limits keep slow or idle clients from holding
 * connections and file descriptors (docs/adr/0027-http-edge.md): the whole request must arrive
 * within HTTP_REQUEST_TIMEOUT_MS (checked every second, so a slow body is dropped at most a second
 * late), its headers within HTTP_HEADERS_TIMEOUT_MS, and no more than HTTP_MAX_CONNECTIONS are
 * held at once.
 */
function serverFactory(c: Container, fastPath: PriceListFastPath | undefined): FastifyServerFactory {
  return (handler) => {
    const cfg = c.config;
    const server = createServer(
      {
        requestTimeout: cfg.HTTP_REQUEST_TIMEOUT_MS,
        headersTimeout: cfg.HTTP_HEADERS_TIMEOUT_MS,
        keepAliveTimeout: cfg.HTTP_KEEP_ALIVE_TIMEOUT_MS,
        connectionsCheckingInterval: Math.min(1000, cfg.HTTP_HEADERS_TIMEOUT_MS),
      },
      fastPath
        ? (req, res) => {
            if (!fastPath.serve(req, res)) handler(req, res);
          }
        : handler,
    );
    server.maxConnections = cfg.HTTP_MAX_CONNECTIONS;
    return server;
  };
}

/** The security headers' settings (src/http/security-headers.ts): Stripe Checkout is a form target when card payments are on. */
function headerSettings(c: Container): HeaderSettings {
  const stripe = c.stripe.enabled() ? ["https://checkout.stripe.com", ...(c.config.STRIPE_API_URL ? [new URL(c.config.STRIPE_API_URL).origin] : [])] : [];
  return { publicUrl: c.config.PUBLIC_URL, formTargets: stripe };
}

/** `onRoute` sees every route as it is registered (tests compare /api routes with the OpenAPI document). */
export async function buildHttpApp(c: Container, opts: { onRoute?: (route: RouteOptions) => void } = {}): Promise<FastifyInstance> {
  // With every request logged, every request must go through fastify's logging.
  // The fast path answers without fastify, so it sends the security headers itself (the same
  // helmet options, computed once).
  const fastPath = c.config.LOG_REQUESTS ? undefined : createPriceListFastPath(c, staticSecurityHeaders(headerSettings(c)));
  const app = Fastify({
    loggerInstance: c.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: !c.config.LOG_REQUESTS }),
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    return503OnClosing: true,
    // Behind nginx (deploy/nginx.conf) the client's address and scheme arrive in X-Forwarded-*
    // headers, believed only from the proxies TRUST_PROXY names.
    trustProxy: c.config.TRUST_PROXY,
    serverFactory: serverFactory(c, fastPath),
  });
  if (opts.onRoute) app.addHook("onRoute", opts.onRoute);
  if (fastPath) {
    app.addHook("preClose", async () => fastPath.close());
    // The fast path counts its answers in batches; a scrape must see all of them.
    app.addHook("onRoute", (route) => {
      if (route.url !== "/metrics") return;
      const own = route.onRequest;
      const flush = async () => fastPath.flush();
      route.onRequest = own === undefined ? [flush] : Array.isArray(own) ? [flush, ...own] : [flush, own];
    });
  }

  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(cookie);
  await registerSecurityHeaders(app, headerSettings(c));
  registerNulGuard(app);
  // A body of any other type (text, XML, multipart…) is read and ignored: the query string still
  // counts, and no client gets a 415 for a content type we have no use for.
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, _body, done) => done(null, undefined));

  app.addHook("onResponse", (req, reply, done) => {
    const surface = req.routeOptions.config?.surface ?? surfaceOf(req.url);
    c.metrics.httpRequests.inc({ surface, status: STATUS_CLASS[Math.floor(reply.statusCode / 100)] ?? "5xx" });
    c.metrics.httpDuration.observe({ surface }, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));
  app.setNotFoundHandler((req, reply) => sendError(req, reply, notFound(`Nothing here: ${req.method} ${req.url.split("?", 1)[0]}`)));
  // Sessions and CSRF for every page route (src/http/session.ts): registered before any route.
  registerSessions(app, c);
  // Per-address limits on anonymous writes (docs/adr/0026-rate-limiting.md): after the sessions.
  registerRateLimits(app, c);

  registerAssetRoutes(app);
  registerBillmgrRoutes(app, c, fastPath);
  // The web role serves /metrics, so it is the one that reads the order gauges from the database.
  c.metrics.readOrdersFrom(createOrderGaugeReader({ db: c.db, clock: c.clock }));
  registerOpsRoutes(app, c);
  registerCheckoutRoutes(app, c);
  registerLicenseRoutes(app, c);
  await registerStripeRoutes(app, c);
  registerDemoRoutes(app, c);
  registerDemoMailboxRoutes(app, c);
  registerAccountRoutes(app, c);
  registerLocaleRoutes(app, c);
  registerPortalRoutes(app, c);
  registerAdminSetupRoutes(app, c);
  registerAdminCatalogRoutes(app, c);
  registerAdminSettingsRoutes(app, c);
  registerAdminAuthRoutes(app, c);
  // The console's day-to-day pages (docs/adr/0022-admin-console.md).
  registerDashboardRoutes(app, c);
  registerAdminOrderRoutes(app, c);
  // Transfers, invoices and exchange rates (docs/adr/0039-console.md).
  registerAdminMoneyRoutes(app, c);
  registerAdminCustomerRoutes(app, c);
  registerAdminRecordRoutes(app, c);
  // The JSON API (ADR 0017): bearer tokens only, sessions never authorize it.
  registerApiRoutes(app, c);
  registerAdminTokenRoutes(app, c);
  registerAdminWebhookRoutes(app, c);
  registerAdminApprovalRoutes(app, c);

  app.get("/", { config: { surface: "page" } }, async (req, reply) => {
    const urls = keyUrls(c.config.PUBLIC_URL);
    const l = pageLocale(req);
    const place = (href: string, name: MessageKey, text: MessageKey) => html`<li><a href="${href}">${t(l, name)}<span>${t(l, text)}</span></a></li>`;
    return reply.type("text/html; charset=utf-8").send(
      page(
        req,
        t(l, "page.home.title"),
        html`<div class="card"><h1>${t(l, "page.home.title")}</h1>
<p>${t(l, "page.home.lead")}</p>
<h2>${t(l, "page.home.go")}</h2>
<ul class="links">${place("/account", "page.home.account", "page.home.account.text")}${place("/admin", "page.home.console", "page.home.console.text")}${
          c.config.UPSTREAM_URL === "sandbox" ? place(DEMO_PANEL_PATH, "page.home.demo", "page.home.demo.text") : ""
        }</ul>
<h2>${t(l, "page.home.billing_url")}</h2><p><code>${urls.billing}</code></p>
<h2>${t(l, "page.home.price_list")}</h2><p><a href="${urls.priceList}"><code>${urls.priceList}</code></a></p>
<h2>${t(l, "page.home.operations")}</h2><p><a href="${urls.health}">${t(l, "page.home.health")}</a> · <a href="${urls.ready}">${t(l, "page.home.ready")}</a> · <a href="${urls.metrics}">${t(l, "page.home.metrics")}</a></p>
<p class="muted">${tHtml(l, "page.home.status", { upstream: html`<code>${c.config.UPSTREAM_URL}</code>`, mode: t(l, `page.home.mode.${c.setup.modeNow()}`), region: c.config.UPSTREAM_REGION.toUpperCase() })}</p></div>`,
      ),
    );
  });

  return app;
}
