// `partnerbill serve`: the long-running process. It runs the roles web (HTTP), worker (jobs) and
// scheduler (periodic work), all three by default; `--roles=web` and so on split them across
// processes or machines (DESIGN.md §2). On SIGTERM it stops taking work, lets requests and jobs in
// flight finish, and hands unfinished jobs back to the queue for another node.
import { join } from "node:path";
import type { Command } from "commander";
import { invalidInput } from "../../lib/errors.ts";
import { VERSION } from "../../app/version.ts";
import type { Config } from "../../app/config.ts";
import { configOrExit, openContainer } from "../runtime.ts";

async function startEmbeddedSandbox(config: Config) {
  const { createSandbox, DEMO_ACCOUNTS } = await import("../../sandbox/sandbox.ts");
  const sandbox = createSandbox({ dbFile: join(config.DATA_DIR, "sandbox.db") });
  const { url } = await sandbox.listen(config.SANDBOX_PORT, config.HOST);
  const account = DEMO_ACCOUNTS[config.UPSTREAM_REGION];
  return {
    url,
    billmgrUrl: `${url}/billmgr`,
    credentials: { user: account.email, password: account.password },
    close: () => sandbox.close(),
  };
}

export const ROLES = ["web", "worker", "scheduler"] as const;
export type Role = (typeof ROLES)[number];

/** Parses `--roles web,worker`; refuses unknown and empty lists. */
export function parseRoles(text: string): Set<Role> {
  const names = text.split(",").map((r) => r.trim()).filter((r) => r !== "");
  if (names.length === 0) throw invalidInput(`--roles needs at least one of ${ROLES.join(", ")}`);
  for (const n of names) {
    if (!(ROLES as readonly string[]).includes(n)) throw invalidInput(`Unknown role "${n}" in --roles (choose from ${ROLES.join(", ")})`);
  }
  return new Set(names as Role[]);
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Run the server: migrate the database, then serve HTTP, run jobs and schedule periodic work")
    .option("--roles <list>", `comma-separated roles to run: ${ROLES.join(", ")}`, ROLES.join(","))
    .action(async (opts: { roles: string }) => {
      const roles = parseRoles(opts.roles);
      const config = await configOrExit();
      // UPSTREAM_URL=sandbox: the emulator of the client area runs in this process, on its own
      // port, and partnerbill talks to it over real HTTP like it would to the real API.
      const sandbox = config.UPSTREAM_URL === "sandbox" ? await startEmbeddedSandbox(config) : null;
      const c = await openContainer(config, sandbox ? { upstreamUrl: sandbox.billmgrUrl, upstreamCredentials: sandbox.credentials } : {});
      const log = c.logger;
      if (config.DEMO_DATA) {
        const seeded = await c.catalog.seedDemoPrices();
        if (seeded > 0) log.info({ modules: seeded }, "demo prices seeded into an empty catalog");
        // Licenses (issue 15): their tariffs come from upstream's price list; the demo puts them on sale.
        if (sandbox && (await c.catalog.listLicenseTariffs()).length === 0) {
          try {
            await c.pricing.sync();
            const licenses = await c.catalog.seedDemoLicensePrices();
            if (licenses > 0) log.info({ licenses }, "demo license tariffs put on sale");
          } catch (err) {
            log.warn({ err }, "demo license tariffs could not be read from the sandbox");
          }
        }
      }
      const worker = roles.has("worker") ? c.jobs.createWorker() : null;
      const scheduler = roles.has("scheduler") ? c.jobs.createScheduler() : null;
      await worker?.start();
      scheduler?.start();
      const http = roles.has("web") ? await import("../../http/app.ts") : null;
      const app = http ? await http.buildHttpApp(c) : null;
      const stopWatching = app
        ? c.priceList.watch(config.CATALOG_POLL_MS, (err) => log.warn({ err }, "catalog change poll failed"))
        : () => {};
      if (app && http) {
        const { DEMO_PANEL_PATH } = await import("../../http/demo.routes.ts");
        await app.listen({ port: config.PORT, host: config.HOST });
        const addr = app.server.address();
        const port = typeof addr === "object" && addr ? addr.port : config.PORT;
        const publicUrl = config.PUBLIC_URL.replace(/:0$/, `:${port}`);
        const urls = http.keyUrls(publicUrl);
        process.stdout.write(
          [
            "",
            `partnerbill is serving on http://${config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST}:${port}`,
            `  version:        ${VERSION} (Node.js ${process.version})`,
            `  roles:          ${[...roles].join(", ")}`,
            `  database:       ${c.database.displayUrl}`,
            `  upstream:       ${sandbox ? `sandbox at ${sandbox.url} (state: ${sandbox.url}/sandbox-control/state)` : c.config.UPSTREAM_URL} (${c.config.UPSTREAM_REGION.toUpperCase()} catalog, ${c.setup.modeNow()} fulfillment)`,
            `  billing URL for ispmanager staff: ${urls.billing}`,
            `  price list:     ${urls.priceList}`,
            ...(sandbox ? [`  demo panel:     ${publicUrl}${DEMO_PANEL_PATH}  (try the whole flow in a browser)`] : []),
            `  health:         ${urls.health}   readiness: ${urls.ready}`,
            `  metrics:        ${urls.metrics}`,
            "",
          ].join("\n"),
        );
      } else {
        process.stdout.write(`\npartnerbill is running (roles: ${[...roles].join(", ")}; database: ${c.database.displayUrl}; version ${VERSION})\n\n`);
      }

      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, "shutting down: finishing requests and jobs in flight");
        const force = setTimeout(() => {
          log.error("shutdown took over 15 s; exiting");
          process.exit(1);
        }, 15_000);
        force.unref();
        stopWatching();
        // No new periodic jobs, no new requests, no new claims; the worker's grace period (10 s)
        // ends before the forced exit, and whatever is still running is released, not lost.
        await scheduler?.stop();
        await Promise.all([app?.close(), worker?.stop()]);
        await c.close();
        await sandbox?.close();
        await c.database.close();
        log.info("stopped");
        process.exit(0);
      };
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
      process.on("SIGINT", () => void shutdown("SIGINT"));
    });
}
