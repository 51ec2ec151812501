// A container against the sandbox with the license catalog read from it (price sync) and
// ispmanager 6 Pro on sale at 15.00 / 150.00 EUR — what the license tests start from.
import { createContainer } from "../../src/app/container.ts";
import { createLogger } from "../../src/app/logger.ts";
import { manualClock } from "../../src/lib/clock.ts";
import { randomIds } from "../../src/lib/ids.ts";
import { SOFT_TARIFF_IDS } from "../../src/sandbox/seed.ts";
import type { TestDatabase } from "./db.ts";
import { TEST_SECRET, testConfig } from "./app.ts";
import type { TestSandbox } from "./sandbox.ts";

export const PRO = SOFT_TARIFF_IDS.eu.pro;

export async function licenseContainer(t: TestDatabase, sb: TestSandbox, env: Record<string, string> = {}) {
  const clock = manualClock("2026-12-01T10:00:00Z");
  const c = createContainer({
    config: testConfig({ UPSTREAM_TIMEOUT_MS: "1500", ...env }),
    database: t.database,
    secretKey: TEST_SECRET,
    clock,
    ids: randomIds,
    logger: createLogger("silent"),
    upstreamUrl: sb.billmgrUrl,
    upstreamCredentials: sb.credentials,
  });
  // Price sync needs one priced module; it reads the license tariffs too.
  await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
  await c.pricing.sync();
  await c.catalog.setEnabled(String(PRO), true);
  await c.catalog.setPrice(String(PRO), { period: 1, amount: "15.00", currency: "EUR" }, { source: "cli" });
  await c.catalog.setPrice(String(PRO), { period: 12, amount: "150.00", currency: "EUR" }, { source: "cli" });
  return { c, clock };
}
