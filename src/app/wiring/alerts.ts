// Alerts (ADR 0031): order alerts close on the order's transitions; opening and closing become
// webhooks (alert.opened / alert.resolved) and one e-mail per new kind to staff who opted in.
import type { Core } from "./core.ts";
import type { MailService } from "../../modules/mail/mail.service.ts";
import { createAlertsService } from "../../modules/alerts/alerts.service.ts";
import { createAlertMail } from "../../modules/alerts/alerts.notify.ts";

export function wireAlerts(core: Core, deps: { mail: MailService }) {
  const { db, repos, clock, ids, events } = core;
  const alerts = createAlertsService({ db, alerts: repos.alerts, clock, ids, events });
  events.on(alerts.onEvent);
  events.on(createAlertMail({ mail: deps.mail, alerts: repos.alerts, warn: core.warn }));
  return { alerts };
}
