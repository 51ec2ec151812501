// First-run set-up (ADR 0023): the first owner, the client-area credentials (sealed), the
// fulfillment mode. The environment's values win over the stored ones.
import type { Core } from "./core.ts";
import { UPSTREAM_PRESETS } from "../config.ts";
import type { AuditService } from "../../modules/audit/audit.service.ts";
import type { StaffAuthService } from "../../modules/accounts/staff-auth.service.ts";
import { createSetupService } from "../../modules/setup/setup.service.ts";
import { runUpstreamCheck } from "../../upstream/check.ts";

export function wireSetup(
  core: Core,
  deps: { audit: AuditService; staffAuth: StaffAuthService; upstreamUrl: string | undefined; upstreamCredentials: { user: string; password: string } | undefined },
) {
  const { config, db, repos, clock, region } = core;
  const setup = createSetupService({
    db,
    settings: repos.settings,
    staffAuth: deps.staffAuth,
    audit: deps.audit,
    clock,
    secretKey: core.secretKey,
    running: {
      area: region,
      fixedUrl: deps.upstreamUrl ?? (config.UPSTREAM_URL === "eu" || config.UPSTREAM_URL === "ru" ? null : config.upstreamBaseUrl),
      envCredentials: config.UPSTREAM_USER && config.UPSTREAM_PASSWORD ? { user: config.UPSTREAM_USER, password: config.UPSTREAM_PASSWORD } : null,
      envFulfillment: config.envSet.has("FULFILLMENT_MODE") ? config.FULFILLMENT_MODE : null,
      defaultFulfillment: config.FULFILLMENT_MODE,
      defaultCredentials: deps.upstreamCredentials ?? null,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
    },
    urlOf: (a) => UPSTREAM_PRESETS[a],
    check: runUpstreamCheck,
    warn: core.warn,
  });
  void setup.refreshMode();
  return { setup };
}
