// Licenses customers hold (issue 15): key delivery, IP changes, new keys (src/modules/licenses).
import type { Core } from "./core.ts";
import type { AlertsService } from "../../modules/alerts/alerts.service.ts";
import type { AuditService } from "../../modules/audit/audit.service.ts";
import type { MailService } from "../../modules/mail/mail.service.ts";
import { createLicensesService } from "../../modules/licenses/licenses.service.ts";

export function wireLicenses(core: Core, deps: { audit: AuditService; mail: MailService; alerts: AlertsService }) {
  const { config, db, repos, clock } = core;
  const licenses = createLicensesService({
    db,
    repo: repos.licenses,
    upstream: core.upstream,
    audit: deps.audit,
    clock,
    secretKey: core.secretKey,
    mail: deps.mail,
    customerEmail: async (tx, id) => (await repos.customers.findById(tx, id))?.email ?? null,
    ipChangeLimit: config.LICENSE_IP_CHANGES_MAX,
    alert: async (kind, subject, message) => { await deps.alerts.raise(db, { kind, subject, message }); },
  });
  return { licenses };
}
