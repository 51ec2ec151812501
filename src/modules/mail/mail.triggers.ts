// Which business facts send which e-mail. Two sources:
//   - domain events (src/modules/events): the listener runs inside the transaction that changed the
//     order or module and only queues outbox rows, so a rolled-back change sends nothing;
//   - the renewal_reminders table, an outbox of its own written by the renewals scan: each unsent
//     row becomes a renewal_reminder mail and gets its sent_at, in one transaction.
// Every mail carries a key naming its fact ("receipt:ord_…"), so a repeated event sends nothing new.
//
// The listener must not break the change it listens to: a customer without a usable address, or
// data a template refuses, is skipped (and logged); only database errors propagate.
import type { Db, Executor } from "../../db/database.ts";
import type { CustomerModuleRow, OrderRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { isAppError } from "../../lib/errors.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import type { CustomersRepo } from "../customers/customers.repo.ts";
import type { DomainEvent } from "../events/domain-events.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import type { RenewalsRepo } from "../renewals/renewals.repo.ts";
import { isMailAddress } from "./mail.service.ts";
import type { MailQueue, MailRequest } from "./mail.types.ts";

/** The mail an order transition calls for, keyed by the state it reaches. */
const ORDER_MAILS = {
  paid: "receipt",
  active: "module_active",
  rejected: "order_failed",
  refunded: "refund",
} as const;

export function createMailTriggers(deps: {
  db: Db;
  mail: MailQueue;
  customers: Pick<CustomersRepo, "findById">;
  catalog: Pick<CatalogRepo, "findModule">;
  orders: Pick<OrdersRepo, "findById" | "findCustomerModule">;
  renewals: Pick<RenewalsRepo, "unsentReminders" | "markReminderSent">;
  clock: Clock;
  warn: (info: Record<string, unknown>, message: string) => void;
}) {
  const { db, mail, customers, catalog, orders, renewals, clock } = deps;

  /** The customer's address and name, or undefined when there is nobody to write to. */
  async function recipient(ex: Executor, customerId: string | null): Promise<{ to: string; name: string | null } | undefined> {
    if (!customerId) return undefined;
    const c = await customers.findById(ex, customerId);
    if (!c || !isMailAddress(c.email.trim())) return undefined;
    return { to: c.email.trim(), name: c.name };
  }

  async function moduleName(ex: Executor, moduleId: string, tariffId: number): Promise<string> {
    return (await catalog.findModule(ex, moduleId))?.name ?? `Module ${tariffId}`;
  }

  function licenseText(licenseId: number, ip: string | null): string {
    return ip ? `${licenseId} (${ip})` : String(licenseId);
  }

  async function orderData(ex: Executor, o: OrderRow): Promise<MailRequest["data"]> {
    return {
      order_id: o.id,
      kind: o.kind,
      module: await moduleName(ex, o.module_id, o.tariff_id),
      license: o.product === "license" ? (o.ip ?? "") : licenseText(o.license_id, o.ip),
      // Numbers, not text: the template words them in the reader's language.
      period_months: o.period_months,
      // What the customer paid: the taxed total once fixed at payment (migration 0007).
      amount_minor: Number(o.total_minor ?? o.price_minor),
      currency: o.currency,
      expires_on: o.upstream_expires_on,
      url: `/checkout/${o.id}`,
    };
  }

  async function queueSafely(ex: Executor, req: MailRequest): Promise<void> {
    try {
      await mail.queue(ex, req);
    } catch (e) {
      // Validation happens before any write, so skipping leaves the transaction usable.
      if (isAppError(e) && e.code === "invalid_input") {
        deps.warn({ template: req.template, key: req.key, problem: e.message }, "e-mail not queued");
        return;
      }
      throw e;
    }
  }

  async function onOrderTransition(ex: Executor, order: OrderRow, to: string): Promise<void> {
    if (!(to in ORDER_MAILS) || order.customer_id === null) return;
    // An active license order is announced by its key mail (license_key), once the key exists.
    if (to === "active" && order.product === "license") return;
    const template = ORDER_MAILS[to as keyof typeof ORDER_MAILS];
    const who = await recipient(ex, order.customer_id);
    if (!who) return;
    await queueSafely(ex, { to: who.to, template, key: `${template}:${order.id}`, data: { ...(await orderData(ex, order)), name: who.name } });
  }

  async function onModuleExpired(ex: Executor, cm: CustomerModuleRow, expiresOn: string | null): Promise<void> {
    const who = await recipient(ex, cm.customer_id);
    if (!who) return;
    await queueSafely(ex, {
      to: who.to,
      template: "module_expired",
      key: `module_expired:${cm.id}:${expiresOn ?? "unknown"}`,
      data: {
        name: who.name,
        module: await moduleName(ex, cm.module_id, cm.tariff_id),
        license: licenseText(cm.license_id, cm.ip),
        expires_on: expiresOn,
      },
    });
  }

  return {
    /** The domain-event listener (registered in src/app/container.ts). */
    async onEvent(ex: Executor, event: DomainEvent): Promise<void> {
      if (event.type === "order.transition") return onOrderTransition(ex, event.order, event.to);
      if (event.type === "module.event" && event.kind === "expired") {
        const cm = await orders.findCustomerModule(ex, event.customerModuleId);
        if (!cm) return;
        const expiresOn = typeof event.detail["expiresOn"] === "string" ? event.detail["expiresOn"] : cm.expires_on;
        return onModuleExpired(ex, cm, expiresOn);
      }
    },

    /**
     * Turns unsent renewal reminders into mail: per reminder one transaction that claims it (sets
     * sent_at) and queues the mail. A reminder whose renewal was paid or cancelled meanwhile is
     * marked without a mail. Returns how many mails were queued.
     */
    async sendRenewalReminders(opts: { limit?: number } = {}): Promise<{ queued: number; skipped: number }> {
      const pending = await renewals.unsentReminders(db, opts.limit ?? 500);
      let queued = 0;
      let skipped = 0;
      for (const r of pending) {
        const sent = await db.transaction().execute(async (tx) => {
          if (!(await renewals.markReminderSent(tx, r.id, clock.now().toISOString()))) return null;
          const order = await orders.findById(tx, r.order_id);
          if (!order || order.state !== "pending_payment") return false;
          const who = await recipient(tx, r.customer_id);
          if (!who) return false;
          const cm = await orders.findCustomerModule(tx, r.customer_module_id);
          await queueSafely(tx, {
            to: who.to,
            template: "renewal_reminder",
            key: `renewal_reminder:${r.id}`,
            data: {
              ...(await orderData(tx, order)),
              name: who.name,
              ...(cm ? { license: licenseText(cm.license_id, cm.ip) } : {}),
              stage: r.stage,
              amount_minor: Number(r.amount_minor),
              currency: r.currency,
              expires_on: r.expires_on,
            },
          });
          return true;
        });
        if (sent === true) queued++;
        else if (sent === false) skipped++;
      }
      return { queued, skipped };
    },
  };
}

export type MailTriggers = ReturnType<typeof createMailTriggers>;
