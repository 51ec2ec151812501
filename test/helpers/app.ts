// Builds a whole partnerbill (container + fastify app) over a test database, with a manual clock
// and sequential ids, and logs captured in memory so tests can assert on them.
import { Writable } from "node:stream";
import { loadConfig, type Config } from "../../src/app/config.ts";
import { createContainer, type Container, type ContainerOptions } from "../../src/app/container.ts";
import { createLogger } from "../../src/app/logger.ts";
import { buildHttpApp } from "../../src/http/app.ts";
import { manualClock } from "../../src/lib/clock.ts";
import { sequentialIds } from "../../src/lib/ids.ts";
import type { TestDatabase } from "./db.ts";

export const TEST_SECRET = "test-secret-key-test-secret-key-0123456789";

const RELAXED_RATE_LIMITS = { RATE_LIMIT_SIGNUP: "100000", RATE_LIMIT_FORGOT: "100000", RATE_LIMIT_BUY: "100000", RATE_LIMIT_ANONYMOUS: "100000" };

export function testConfig(env: Record<string, string> = {}): Config {
  // Tests send many forms from one address; the rate limits have their own test (edge.ratelimit).
  return loadConfig({ DATA_DIR: "/nonexistent-test-data-dir", LOG_LEVEL: "info", ...RELAXED_RATE_LIMITS, ...env });
}

export function createTestContainer(t: TestDatabase, env: Record<string, string> = {}, overrides: Pick<ContainerOptions, "passwords"> = {}) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const clock = manualClock("2026-12-01T10:00:00Z");
  const container = createContainer({
    config: testConfig(env),
    database: t.database,
    secretKey: TEST_SECRET,
    clock,
    ids: sequentialIds(),
    logger: createLogger("info", sink),
    ...overrides,
  });
  return { container, clock, logs: lines };
}

export async function createTestApp(t: TestDatabase, env: Record<string, string> = {}, overrides: Pick<ContainerOptions, "passwords"> = {}) {
  const built = createTestContainer(t, env, overrides);
  const app = await buildHttpApp(built.container);
  await app.ready();
  return { ...built, app, c: built.container as Container };
}

/** What `listenOnSandbox` starts: the container, the app listening on a free port, and its base URL. */
export interface ListeningApp {
  c: Container;
  app: Awaited<ReturnType<typeof buildHttpApp>>;
  base: string;
}

/**
 * The whole product as `npm start` runs it, over real HTTP: demo prices, the sandbox of the client
 * area as upstream (also over HTTP), the app listening on a free port of 127.0.0.1.
 */
export async function listenOnSandbox(
  t: TestDatabase,
  sandbox: { billmgrUrl: string; credentials: ContainerOptions["upstreamCredentials"] },
  env: Record<string, string> = {},
): Promise<ListeningApp> {
  const c = createContainer({
    config: testConfig({ UPSTREAM_URL: "sandbox", ...env }),
    database: t.database,
    secretKey: TEST_SECRET,
    logger: createLogger("silent"),
    upstreamUrl: sandbox.billmgrUrl,
    upstreamCredentials: sandbox.credentials,
  });
  await c.catalog.seedDemoPrices();
  const app = await buildHttpApp(c);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  return { c, app, base: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}` };
}
