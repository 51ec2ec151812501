// `partnerbill serve`: the long-running process. Roles: web (HTTP). The worker and scheduler
// roles arrive with the job queue.
import type { Command } from "commander";
import { buildHttpApp, keyUrls } from "../../http/app.ts";
import { configOrExit, openContainer } from "../runtime.ts";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Run the server: migrate the database, then serve HTTP")
    .action(async () => {
      const config = configOrExit();
      const c = await openContainer(config);
      const log = c.logger;
      if (config.DEMO_DATA) {
        const seeded = await c.catalog.seedDemoPrices();
        if (seeded > 0) log.info({ modules: seeded }, "demo prices seeded into an empty catalog");
      }
      const app = await buildHttpApp(c);
      const stopWatching = c.priceList.watch(config.CATALOG_POLL_MS, (err) => log.warn({ err }, "catalog change poll failed"));
      await app.listen({ port: config.PORT, host: config.HOST });
      const addr = app.server.address();
      const port = typeof addr === "object" && addr ? addr.port : config.PORT;
      const publicUrl = config.PUBLIC_URL.replace(/:0$/, `:${port}`);
      const urls = keyUrls(publicUrl);
      process.stdout.write(
        [
          "",
          `partnerbill is serving on http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`,
          `  database:       ${c.database.displayUrl}`,
          `  upstream:       ${config.UPSTREAM_URL} (${config.UPSTREAM_REGION.toUpperCase()} catalog, ${config.FULFILLMENT_MODE} fulfillment)`,
          `  billing URL for ispmanager staff: ${urls.billing}`,
          `  price list:     ${urls.priceList}`,
          `  health:         ${urls.health}   readiness: ${urls.ready}`,
          `  metrics:        ${urls.metrics}`,
          "",
        ].join("\n"),
      );

      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, "shutting down: finishing requests in flight");
        const force = setTimeout(() => {
          log.error("shutdown took over 15 s; exiting");
          process.exit(1);
        }, 15_000);
        force.unref();
        stopWatching();
        await app.close();
        await c.database.close();
        log.info("stopped");
        process.exit(0);
      };
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
      process.on("SIGINT", () => void shutdown("SIGINT"));
    });
}
