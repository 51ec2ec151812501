// Outgoing webhooks (ADR 0019): deliveries written by this listener inside the changing
// transaction, POSTed by the webhook.deliver job to targets the policy allows (ADR 0029).
import type { Core } from "./core.ts";
import type { AuditService } from "../../modules/audit/audit.service.ts";
import { JOB_KINDS } from "../../jobs/kinds.ts";
import { describeError } from "../../jobs/job.ts";
import { createWebhooksService } from "../../modules/webhooks/webhooks.service.ts";
import { createWebhookSender, WEBHOOK_TIMEOUT_MS } from "../../modules/webhooks/webhook.transport.ts";
import { createWebhookTargetPolicy } from "../../modules/webhooks/webhook-target.ts";

export function wireWebhooks(core: Core, deps: { audit: AuditService }) {
  const { config, db, repos, queue, clock, ids } = core;
  const targets = createWebhookTargetPolicy({ allowPrivate: config.WEBHOOKS_ALLOW_PRIVATE_TARGETS });
  const sender = createWebhookSender({ timeoutMs: WEBHOOK_TIMEOUT_MS, policy: targets });
  const webhooks = createWebhooksService({
    db,
    webhooks: repos.webhooks,
    customerModules: repos.orders,
    audit: deps.audit,
    queue,
    clock,
    ids,
    secretKey: core.secretKey,
    sender,
    targets,
    deliverJobKind: JOB_KINDS.deliverWebhook,
    describeError,
  });
  core.events.on(webhooks.onEvent);
  return { webhooks, close: () => sender.close() };
}
