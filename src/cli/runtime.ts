// What every command that touches the database needs: config → database → migrations → container.
import { userInfo } from "node:os";
import { loadConfig, ConfigError, type Config } from "../app/config.ts";
import { createContainer, type Container } from "../app/container.ts";
import { createLogger } from "../app/logger.ts";
import { resolveSecretKey } from "../app/secret-key.ts";
import { createDatabase } from "../db/database.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { isAppError } from "../lib/errors.ts";

export function configOrExit(): Config {
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
  const database = createDatabase(config.DATABASE_URL);
  try {
    if (opts.migrate !== false) await migrateToLatest(database.db);
    return createContainer({
      config,
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

/** Who a CLI change is attributed to in timelines, the ledger and price history. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

/** Runs a one-shot command with a container, closing the database afterwards. */
export async function withContainer<T>(fn: (c: Container) => Promise<T>): Promise<T> {
  const c = await openContainer(configOrExit(), { logLevel: "warn" });
  try {
    return await fn(c);
  } finally {
    await c.close();
    await c.database.close();
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
