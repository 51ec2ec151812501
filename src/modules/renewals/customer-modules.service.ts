// The modules customers own, after their purchase: listing, history, and moving a module to
// another ispmanager license (rebinding, `addition.edit` upstream).
//
// A move is validated like a Buy redirect (a positive whole license number, a valid IP) and, in
// automatic mode, against upstream: the new license must be in the partner's client-area account
// and carry the IP given. `addition.edit` spends no money, so a move is a direct call rather than
// a job; an unknown outcome is settled by reading the module back (is it on the new license?).
// A crash between upstream's answer and our commit leaves a license difference that
// reconciliation reports (license_drift) and `reconcile accept-license` fixes; running the move
// again also works (upstream answers ok for a module already on that license).
import { noDomainEvents, type DomainEvents } from "../events/domain-events.ts";
import type { Db, Executor } from "../../db/database.ts";
import type { CustomerModuleEventRow, CustomerModuleRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, conflict, invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { isUpstreamError, type UpstreamError } from "../../upstream/errors.ts";
import type { UpstreamClient } from "../../upstream/types.ts";
import type { CustomersService } from "../customers/customers.service.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import type { RenewalsRepo } from "./renewals.repo.ts";
import { parseMoveRequest, sameIp } from "./renewals.logic.ts";

export interface ModuleEvent extends Omit<CustomerModuleEventRow, "detail"> {
  detail: Record<string, unknown> | null;
}

export function createCustomerModulesService(deps: {
  db: Db;
  ordersRepo: Pick<OrdersRepo, "findCustomerModule" | "findActiveModuleOnLicense" | "listCustomerModules" | "updateCustomerModule">;
  renewals: Pick<RenewalsRepo, "insertModuleEvent" | "moduleEvents">;
  customers: Pick<CustomersService, "find">;
  upstream: Pick<UpstreamClient, "readLicense" | "rebindModule" | "readModule">;
  clock: Clock;
  ids: IdGenerator;
  /** FULFILLMENT_MODE: in manual mode staff move modules in the client area and record it here. */
  fulfillment: "automatic" | "manual";
  /** Told of every module event inside its transaction (mail, outgoing webhooks). */
  events?: DomainEvents;
}) {
  const { db, ordersRepo, renewals, upstream, clock, ids } = deps;
  const events = deps.events ?? noDomainEvents;
  const now = () => clock.now().toISOString();

  async function get(id: string, ex: Executor = db): Promise<CustomerModuleRow> {
    const cm = await ordersRepo.findCustomerModule(ex, id);
    if (!cm) throw notFound(`No customer module ${id}`);
    return cm;
  }

  async function listOf(customerRef: string): Promise<CustomerModuleRow[]> {
    const customer = await deps.customers.find(customerRef);
    return ordersRepo.listCustomerModules(db, { customerId: customer.id });
  }

  async function history(id: string): Promise<ModuleEvent[]> {
    await get(id);
    return (await renewals.moduleEvents(db, id)).map((e) => ({ ...e, detail: e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : null }));
  }

  /** Why an upstream failure stops a move, in words for the person who asked for it. */
  function upstreamProblem(e: UpstreamError, what: string): AppError {
    if (e.outcome === "not_done" && e.kind === "rejected") return invalidInput(`${what}: ${e.message}`, { upstream: e.kind });
    if (e.outcome === "not_done" && (e.kind === "auth" || e.kind === "access")) return new AppError("upstream_rejected", `${what}: ${e.message}`, { upstream: e.kind });
    return new AppError("upstream_unavailable", `${what}: ${e.message}`, { upstream: e.kind });
  }

  /** In automatic mode the new license must be the partner's upstream; returns its IP. */
  async function checkLicenseUpstream(license: number, ip: string | null): Promise<string | null> {
    let l;
    try {
      l = await upstream.readLicense(license);
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      if (e.outcome === "not_done" && e.kind === "rejected") {
        throw invalidInput(`License ${license} is not in the partner's client-area account (${e.message})`, { license });
      }
      throw upstreamProblem(e, `Cannot check license ${license} upstream`);
    }
    if (l.status === "deleted") throw invalidInput(`License ${license} is deleted upstream`, { license });
    if (ip !== null && l.ip && !sameIp(ip, l.ip)) {
      throw invalidInput(`License ${license} has IP ${l.ip} upstream, not ${ip}`, { license, ip, upstreamIp: l.ip });
    }
    return l.ip || ip;
  }

  /**
   * Moves an active module to another license. `customerId`, when given (a customer acting on
   * their own module), must own it. Returns the module as it is now.
   */
  async function move(id: string, input: { license: unknown; ip?: unknown }, opts: { actor: string; customerId?: string }): Promise<CustomerModuleRow> {
    const req = parseMoveRequest(input);
    const cm = await get(id);
    if (opts.customerId !== undefined && cm.customer_id !== opts.customerId) throw notFound(`No customer module ${id}`);
    if (cm.state !== "active") throw new AppError("illegal_transition", `Module ${cm.id} is ${cm.state}; only active modules can be moved`);
    if (Number(cm.license_id) === req.license) throw invalidInput(`Module ${cm.id} is already on license ${req.license}`);
    const occupied = await ordersRepo.findActiveModuleOnLicense(db, req.license, cm.module_id);
    if (occupied) throw conflict(`License ${req.license} already has this module (${occupied.id})`, { license: req.license, module: occupied.id });

    const from = { license: Number(cm.license_id), ip: cm.ip };
    let ip = req.ip;
    let how: string;
    let truth: Partial<CustomerModuleRow> = {};
    if (deps.fulfillment === "manual") {
      how = "recorded";
    } else {
      ip = await checkLicenseUpstream(req.license, req.ip);
      how = await rebindUpstream(Number(cm.upstream_service_id), req.license);
      truth = await upstreamTruth(cm);
    }

    return db.transaction().execute(async (tx) => {
      const fresh = await get(id, tx);
      if (fresh.state !== "active" || Number(fresh.license_id) !== from.license) {
        throw conflict(`Module ${cm.id} changed while it was being moved; look at it again`);
      }
      const at = now();
      await ordersRepo.updateCustomerModule(tx, cm.id, { license_id: req.license, ip, ...truth, updated_at: at });
      await renewals.insertModuleEvent(tx, {
        id: ids.next("cmev"),
        customer_module_id: cm.id,
        at,
        kind: "moved",
        detail: JSON.stringify({ from, to: { license: req.license, ip }, upstream: how }),
        actor: opts.actor,
      });
      await events.emit(tx, { type: "module.event", customerModuleId: cm.id, kind: "moved", detail: { from, to: { license: req.license, ip }, upstream: how }, actor: opts.actor });
      return { ...fresh, license_id: req.license, ip, ...truth, updated_at: at };
    });
  }

  /**
   * The module's expiry and status as upstream shows it after the move (ADR 0030): upstream's date
   * replaces ours, ours is kept beside it when they differ. Unreadable now → nothing changes here
   * (reconciliation compares later).
   */
  async function upstreamTruth(cm: CustomerModuleRow): Promise<Partial<CustomerModuleRow>> {
    let m;
    try {
      m = await upstream.readModule(Number(cm.upstream_service_id));
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      return {};
    }
    const at = now();
    if (!m.expiresOn) return { upstream_status: m.status, upstream_checked_at: at };
    return {
      expires_on: m.expiresOn,
      expected_expires_on: cm.expires_on !== null && cm.expires_on !== m.expiresOn ? cm.expires_on : (cm.expected_expires_on ?? null),
      upstream_status: m.status,
      upstream_checked_at: at,
    };
  }

  /** addition.edit; an unknown outcome is settled by reading the module back. Returns how it was settled. */
  async function rebindUpstream(elid: number, license: number): Promise<string> {
    try {
      await upstream.rebindModule(elid, license);
      return "addition.edit";
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      if (e.outcome === "not_done") throw upstreamProblem(e, `Upstream refused to move module service ${elid}`);
      let m;
      try {
        m = await upstream.readModule(elid);
      } catch (e2) {
        if (!isUpstreamError(e2)) throw e2;
        throw new AppError("upstream_unavailable", `The move of module service ${elid} may or may not have happened upstream (${e.message}), and the module cannot be read back (${e2.message}); nothing was changed here — run the move again later`);
      }
      if (m.license === license) return "addition.edit (confirmed by reading the module back)";
      throw new AppError("upstream_unavailable", `The move of module service ${elid} did not happen upstream (${e.message}; the module is still on license ${m.license}); nothing was changed — try again`);
    }
  }

  return { get: (id: string) => get(id), listOf, history, move };
}

export type CustomerModulesService = ReturnType<typeof createCustomerModulesService>;
