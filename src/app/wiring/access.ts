// Who did what (ADR 0017), the API's tokens, and the per-address limits on anonymous writes that
// every node shares (docs/adr/0026-rate-limiting.md): the audit, api-tokens and ratelimit modules.
import type { Core } from "./core.ts";
import { createAuditService } from "../../modules/audit/audit.service.ts";
import { createApiTokensService } from "../../modules/api-tokens/api-tokens.service.ts";
import { createRateLimiter } from "../../modules/ratelimit/ratelimit.service.ts";

export function wireAccess(core: Core) {
  const { config, db, repos, clock, ids } = core;
  // Use cases pass their transaction to audit.record.
  const audit = createAuditService({ db, audit: repos.audit, clock, ids });
  const apiTokens = createApiTokensService({ db, tokens: repos.apiTokens, audit, clock, ids });
  const rateLimiter = createRateLimiter({
    db,
    repo: repos.rateLimits,
    clock,
    windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    limits: { signup: config.RATE_LIMIT_SIGNUP, forgot: config.RATE_LIMIT_FORGOT, buy: config.RATE_LIMIT_BUY, anonymous: config.RATE_LIMIT_ANONYMOUS },
  });
  return { audit, apiTokens, rateLimiter };
}
