// Staff e-mail about alerts (docs/adr/0031): when an alert opens and no other alert of its kind is
// open, every staff member who opted in gets one e-mail through the outbox, in the opening
// transaction. More alerts of the same kind while it stays open send nothing (a digest, not a
// storm); the mail key also carries the hour, so even two alerts opening at once on two nodes
// cannot send a kind twice in an hour. The template words the kind (title, meaning, what to do)
// in each reader's language from the i18n catalogs, so the data carries only the facts.
import type { Executor } from "../../db/database.ts";
import type { DomainEvent } from "../events/domain-events.ts";
import type { MailQueue } from "../mail/mail.types.ts";
import type { AlertsRepo } from "./alerts.repo.ts";

export function createAlertMail(deps: { mail: MailQueue; alerts: Pick<AlertsRepo, "alertRecipients" | "countOpenOfKind">; warn?: (info: object, message: string) => void }) {
  return async function onEvent(ex: Executor, event: DomainEvent): Promise<void> {
    if (event.type !== "alert.opened" || !event.firstOfKind) return;
    const a = event.alert;
    const hour = a.created_at.slice(0, 13);
    const openCount = await deps.alerts.countOpenOfKind(ex, a.kind);
    for (const staff of await deps.alerts.alertRecipients(ex)) {
      try {
        await deps.mail.queue(ex, {
          to: staff.email,
          template: "staff_alert",
          key: `alert:${a.kind}:${hour}:${staff.id}`,
          data: { kind: a.kind, subject: a.subject, message: a.message, opened_at: a.created_at, open_count: openCount, url: "/admin" },
        });
      } catch (e) {
        // A bad stored address must not undo the change the alert is about.
        deps.warn?.({ err: e, staff: staff.id, alert: a.id }, "alert e-mail not queued");
      }
    }
  };
}
