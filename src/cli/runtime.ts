// What every command that touches the database needs: config → database → migrations → container.
// Everything past the command line is imported when a command runs, not when the CLI starts:
// `partnerbill --help` loads commander and the command files only (docs/adr/0032).
import { userInfo } from "node:os";
import type { Config } from "../app/config.ts";
import type { Container } from "../app/container.ts";
import type { CatalogService } from "../modules/catalog/catalog.service.ts";
import type { Database } from "../db/database.ts";
import { isAppError } from "../lib/errors.ts";
import type { AuditContext } from "../modules/audit/audit.logic.ts";

export async function configOrExit(): Promise<Config> {
  const { loadConfig, ConfigError } = await import("../app/config.ts");
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

export async function openContainer(
  config: Config,
  opts: { migrate?: boolean; logLevel?: string; upstreamUrl?: string; upstreamCredentials?: { user: string; password: string } } = {},
): Promise<Container> {
  const [{ createDatabase }, { migrateToLatest }, { createContainer }, { createLogger }, { resolveSecretKey }] = await Promise.all([
    import("../db/database.ts"),
    import("../db/migrate.ts"),
    import("../app/container.ts"),
    import("../app/logger.ts"),
    import("../app/secret-key.ts"),
  ]);
  const database = createDatabase(config.DATABASE_URL);
  try {
    if (opts.migrate !== false) await migrateToLatest(database.db);
    return createContainer({
      config: await withStoredArea(config, database, opts.upstreamUrl),
      database,
      secretKey: resolveSecretKey(config),
      logger: createLogger(opts.logLevel ?? config.LOG_LEVEL),
      ...(opts.upstreamUrl ? { upstreamUrl: opts.upstreamUrl } : {}),
      ...(opts.upstreamCredentials ? { upstreamCredentials: opts.upstreamCredentials } : {}),
    });
  } catch (e) {
    await database.close();
    throw e;
  }
}

/**
 * The client area chosen in the set-up wizard replaces UPSTREAM_URL=eu|ru (and the region that
 * follows from it) from the next start; an explicit URL, the sandbox or UPSTREAM_REGION win.
 */
async function withStoredArea(config: Config, database: Database, upstreamUrl: string | undefined): Promise<Config> {
  if (upstreamUrl || config.envSet.has("UPSTREAM_REGION") || (config.UPSTREAM_URL !== "eu" && config.UPSTREAM_URL !== "ru")) return config;
  const [{ readStoredArea }, { createSettingsRepo }, { UPSTREAM_PRESETS }] = await Promise.all([
    import("../modules/setup/setup.service.ts"),
    import("../modules/settings/settings.repo.ts"),
    import("../app/config.ts"),
  ]);
  let area: "eu" | "ru" | null = null;
  try {
    area = await readStoredArea(createSettingsRepo(), database.db);
  } catch {
    return config; // not migrated yet (`migrate --dry-run` and the like)
  }
  if (!area || area === config.UPSTREAM_URL) return config;
  return { ...config, UPSTREAM_URL: area, UPSTREAM_REGION: area, upstreamBaseUrl: UPSTREAM_PRESETS[area] };
}

/** Who a CLI change is attributed to in timelines, the ledger and price history. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

/** The audit context of a command: the operator's OS user (null when it cannot be read). */
export function cliAuditContext(): AuditContext {
  let user: string | null = null;
  try {
    user = userInfo().username;
  } catch {
    user = null;
  }
  return { actor: { kind: "cli", id: user, label: user } };
}

/** Runs a one-shot command with a container, closing the database afterwards. */
export async function withContainer<T>(fn: (c: Container) => Promise<T>): Promise<T> {
  const c = await openContainer(await configOrExit(), { logLevel: "warn" });
  try {
    return await fn(c);
  } finally {
    await c.close();
    await c.database.close();
  }
}

/**
 * Runs a catalog command (`modules`, `prices`) with the database and the catalog service only:
 * building the whole container would load every module's code for a read of two tables (ADR
 * 0043). The catalog's change counter is bumped by the service, so running servers see the change.
 */
export async function withCatalog<T>(fn: (catalog: CatalogService) => Promise<T>): Promise<T> {
  const config = await configOrExit();
  const [{ createDatabase }, { migrateToLatest }, { createCatalogService }, { createCatalogRepo }, { createChangeCountersRepo }, { systemClock }, { randomIds }] = await Promise.all([
    import("../db/database.ts"),
    import("../db/migrate.ts"),
    import("../modules/catalog/catalog.service.ts"),
    import("../modules/catalog/catalog.repo.ts"),
    import("../db/change-counters.repo.ts"),
    import("../lib/clock.ts"),
    import("../lib/ids.ts"),
  ]);
  const database = createDatabase(config.DATABASE_URL);
  try {
    await migrateToLatest(database.db);
    const { UPSTREAM_REGION: region } = await withStoredArea(config, database, undefined);
    const catalog = createCatalogService({
      db: database.db,
      catalog: createCatalogRepo(),
      counters: createChangeCountersRepo(),
      clock: systemClock,
      ids: randomIds,
      region,
      // No price-list cache lives in a CLI process; servers notice the change counter.
      onChange: () => {},
    });
    return await fn(catalog);
  } finally {
    await database.close();
  }
}

/** Prints an error the way a person wants to read it and sets a failing exit code. */
export function reportError(e: unknown): void {
  if (isAppError(e)) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exitCode = e.code === "invalid_input" || e.code === "not_found" ? 2 : 1;
    return;
  }
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
