// Domain events: facts other modules react to (e-mail, outgoing webhooks) without the module that
// produced them knowing who listens. Listeners run INSIDE the transaction that made the change and
// may only write to the database (an outbox row, a job): a rolled-back change leaves no mail, no
// webhook. Nothing here calls the network.
import type { Executor } from "../../db/database.ts";
import type { AlertRow, OrderRow } from "../../db/schema.ts";

export type DomainEvent =
  /** An order changed state (every transition, purchases and renewals). `order` is the new row. */
  | { type: "order.transition"; order: OrderRow; from: string; to: string; actor: string | null }
  /** Something happened to a customer's module after its purchase: renewed, expired, moved, … */
  | { type: "module.event"; customerModuleId: string; kind: string; detail: Record<string, unknown>; actor: string | null }
  /** An alert opened; `firstOfKind`: no other alert of its kind was open (staff e-mail is per kind). */
  | { type: "alert.opened"; alert: AlertRow; firstOfKind: boolean }
  /** An alert closed: its condition cleared (resolved_by "condition") or staff resolved it. */
  | { type: "alert.resolved"; alert: AlertRow };

export type DomainEventListener = (ex: Executor, event: DomainEvent) => Promise<void>;

export interface DomainEvents {
  emit(ex: Executor, event: DomainEvent): Promise<void>;
}

export function createDomainEvents() {
  const listeners: DomainEventListener[] = [];
  return {
    /** Registers a listener (at wiring time, in src/app/container.ts). */
    on(listener: DomainEventListener): void {
      listeners.push(listener);
    },
    async emit(ex: Executor, event: DomainEvent): Promise<void> {
      for (const l of listeners) await l(ex, event);
    },
  };
}

export const noDomainEvents: DomainEvents = { emit: async () => {} };
