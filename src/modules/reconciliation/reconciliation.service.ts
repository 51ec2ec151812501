// Reconciliation (daily, and `partnerbill reconcile`): compares the modules customers own here with
// the client area's module list, stores a report with its findings, and raises one alert per kind
// of drift (resolving the kinds that are gone). It changes no order and no module — fixes are
// explicit staff actions (`accept*` below) — with one exception by design: a module renewed by
// upstream autoprolong follows a later upstream expiry (README.md beside this file).
import { noDomainEvents, type DomainEvents } from "../events/domain-events.ts";
import type { Db, Executor } from "../../db/database.ts";
import type { CustomerModuleRow, ReconciliationFindingRow, ReconciliationReportRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, conflict, invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { isUpstreamError } from "../../upstream/errors.ts";
import type { UpstreamClient, UpstreamModule } from "../../upstream/types.ts";
import type { AlertsService } from "../alerts/alerts.service.ts";
import type { CatalogRepo } from "../catalog/catalog.repo.ts";
import type { OrderService } from "../orders/orders.service.ts";
import type { OrdersRepo } from "../orders/orders.repo.ts";
import type { RenewalsRepo } from "../renewals/renewals.repo.ts";
import type { ReconciliationRepo } from "./reconciliation.repo.ts";
import { alertKindOf, alertMessage, compare, DRIFT_KINDS, RECONCILE_FAILED_ALERT, type Finding } from "./reconciliation.logic.ts";

export const RECONCILE_ACTOR = "system:reconciliation";

export type AcceptWhat = "expiry" | "status" | "license";

export interface ReportWithFindings {
  report: ReconciliationReportRow;
  findings: ReconciliationFindingRow[];
}

export function createReconciliationService(deps: {
  db: Db;
  repo: ReconciliationRepo;
  renewals: Pick<RenewalsRepo, "insertModuleEvent" | "openRenewalOrder">;
  ordersRepo: Pick<OrdersRepo, "findCustomerModule" | "findActiveModuleOnLicense" | "updateCustomerModule" | "findById">;
  orders: Pick<OrderService, "move">;
  catalog: Pick<CatalogRepo, "listModules">;
  alerts: Pick<AlertsService, "raise" | "resolve">;
  upstream: Pick<UpstreamClient, "listModules" | "readModule">;
  clock: Clock;
  ids: IdGenerator;
  region: "eu" | "ru";
  /** Told of every module event inside its transaction (mail, outgoing webhooks). */
  events?: DomainEvents;
}) {
  const { db, repo, renewals, ordersRepo, orders, alerts, upstream, clock, ids } = deps;
  const events = deps.events ?? noDomainEvents;
  const now = () => clock.now().toISOString();

  function findingRow(reportId: string, f: Finding): ReconciliationFindingRow {
    return {
      id: ids.next("rcf"),
      report_id: reportId,
      kind: f.kind,
      severity: f.severity,
      customer_module_id: f.customerModuleId,
      upstream_service_id: f.upstreamServiceId,
      order_id: f.orderId,
      license_id: f.licenseId,
      tariff_id: f.tariffId,
      local_value: f.localValue,
      upstream_value: f.upstreamValue,
      message: f.message,
    };
  }

  async function moduleEvent(ex: Executor, customerModuleId: string, kind: string, detail: Record<string, unknown>, actor: string): Promise<void> {
    await renewals.insertModuleEvent(ex, { id: ids.next("cmev"), customer_module_id: customerModuleId, at: now(), kind, detail: JSON.stringify(detail), actor });
    await events.emit(ex, { type: "module.event", customerModuleId, kind, detail, actor });
  }

  /** Runs one reconciliation and stores its report. A report of status "failed" means upstream could not be read. */
  async function run(opts: { trigger: string; actor?: string | null }): Promise<ReportWithFindings> {
    const startedAt = now();
    const reportId = ids.next("rcn");
    const base = { id: reportId, trigger: opts.trigger, actor: opts.actor ?? null, started_at: startedAt };

    let listed: UpstreamModule[];
    try {
      listed = await upstream.listModules();
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      const report: ReconciliationReportRow = { ...base, finished_at: now(), status: "failed", upstream_modules: 0, local_modules: 0, findings: 0, error: e.message };
      await db.transaction().execute(async (tx) => {
        await repo.insertReport(tx, report, []);
        await alerts.raise(tx, { kind: RECONCILE_FAILED_ALERT, subject: null, message: `Reconciliation could not list the modules upstream: ${e.message}` });
      });
      return { report, findings: [] };
    }

    const [local, inFlight, renewing, catalogModules] = await Promise.all([
      repo.allCustomerModules(db),
      repo.inFlightPurchases(db),
      repo.modulesBeingRenewed(db),
      deps.catalog.listModules(db, deps.region),
    ]);
    const { findings, follow } = compare({
      local: local.map((cm) => ({
        id: cm.id,
        licenseId: Number(cm.license_id),
        tariffId: cm.tariff_id,
        upstreamServiceId: Number(cm.upstream_service_id),
        expiresOn: cm.expires_on,
        state: cm.state,
        renewal: cm.renewal,
      })),
      upstream: listed,
      inFlightPurchases: inFlight.map((o) => ({ orderId: o.id, licenseId: Number(o.license_id), tariffId: o.tariff_id, state: o.state })),
      renewing,
      ourTariffs: new Set(catalogModules.map((m) => m.tariff_id)),
    });
    const drift = findings.filter((f) => f.severity === "drift");
    const report: ReconciliationReportRow = {
      ...base,
      finished_at: now(),
      status: drift.length > 0 ? "drift" : "clean",
      upstream_modules: listed.length,
      local_modules: local.filter((cm) => cm.state === "active").length,
      findings: findings.length,
      error: null,
    };
    const rows = findings.map((f) => findingRow(reportId, f));
    await db.transaction().execute(async (tx) => {
      await repo.insertReport(tx, report, rows);
      for (const f of follow) {
        if (await repo.followExpiry(tx, f.customerModuleId, f.from, f.to, now())) {
          await moduleEvent(tx, f.customerModuleId, "expiry_followed", { from: f.from, to: f.to, report: reportId }, RECONCILE_ACTOR);
        }
      }
      for (const kind of DRIFT_KINDS) {
        const ofKind = drift.filter((f) => f.kind === kind);
        if (ofKind.length > 0) await alerts.raise(tx, { kind: alertKindOf(kind), subject: null, message: alertMessage(kind, ofKind, reportId) });
        else await alerts.resolve(tx, [alertKindOf(kind)], null);
      }
      await alerts.resolve(tx, [RECONCILE_FAILED_ALERT], null);
    });
    return { report, findings: rows };
  }

  async function show(reportId?: string): Promise<ReportWithFindings> {
    const report = reportId ? await repo.findReport(db, reportId) : await repo.latestReport(db);
    if (!report) throw notFound(reportId ? `No reconciliation report ${reportId}` : "No reconciliation has run yet; run `partnerbill reconcile`");
    return { report, findings: await repo.findings(db, report.id) };
  }

  /** The module as upstream has it now; a module not in the account reads as null. */
  async function readUpstream(elid: number): Promise<UpstreamModule | null> {
    try {
      return await upstream.readModule(elid);
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      if (e.outcome === "not_done" && e.kind === "rejected") return null;
      throw new AppError(e.code, `Cannot read module service ${elid} upstream: ${e.message}`);
    }
  }

  /**
   * Staff fix: make one aspect of a local module match upstream as it is now (read live, not from
   * an old report). Refused while a paid renewal is under way — it is about to change the module.
   */
  async function accept(customerModuleId: string, what: AcceptWhat, actor: string): Promise<{ before: CustomerModuleRow; after: CustomerModuleRow }> {
    const cm = await ordersRepo.findCustomerModule(db, customerModuleId);
    if (!cm) throw notFound(`No customer module ${customerModuleId}`);
    const open = await renewals.openRenewalOrder(db, cm.id);
    if (open && open.state !== "pending_payment") {
      throw conflict(`Renewal ${open.id} of module ${cm.id} is ${open.state}; let it finish (or reject it) first`);
    }
    const m = await readUpstream(Number(cm.upstream_service_id));
    const patch: Partial<CustomerModuleRow> = {};
    if (what === "expiry") {
      if (!m || m.status === "deleted") throw invalidInput(`Module service ${cm.upstream_service_id} no longer exists upstream; use accept-status`);
      if (!m.expiresOn) throw invalidInput(`Upstream shows no expiry for module service ${m.id}`);
      patch.expires_on = m.expiresOn;
    } else if (what === "license") {
      if (!m || m.status === "deleted") throw invalidInput(`Module service ${cm.upstream_service_id} no longer exists upstream; use accept-status`);
      const occupied = await ordersRepo.findActiveModuleOnLicense(db, m.license, cm.module_id);
      if (occupied && occupied.id !== cm.id) throw conflict(`License ${m.license} already has this module here (${occupied.id})`);
      patch.license_id = m.license;
    } else {
      if (!m || m.status === "deleted") patch.state = "deleted";
      else if (m.status === "stopped") patch.state = "expired";
      else if (m.status === "active" || m.status === "processing") {
        patch.state = "active";
        // Active upstream until its date: a past local expiry would expire it again at once.
        if (m.expiresOn) patch.expires_on = m.expiresOn;
      } else throw invalidInput(`Upstream shows module service ${m.id} as ${m.status}; there is no local state to match it`);
    }
    const changed = (Object.keys(patch) as Array<keyof CustomerModuleRow>).filter((k) => String(patch[k]) !== String(cm[k]));
    if (changed.length === 0) return { before: cm, after: cm };

    const after = await db.transaction().execute(async (tx) => {
      const fresh = await ordersRepo.findCustomerModule(tx, cm.id);
      if (!fresh || fresh.updated_at !== cm.updated_at) throw conflict(`Module ${cm.id} changed meanwhile; look at it again`);
      const at = now();
      await ordersRepo.updateCustomerModule(tx, cm.id, { ...patch, updated_at: at });
      // A module that stops being active here has no renewal to pay any more.
      if (patch.state && patch.state !== "active" && open?.state === "pending_payment") {
        const o = (await ordersRepo.findById(tx, open.id))!;
        await orders.move(tx, o, "cancelled", { reason: `module ${patch.state} upstream` }, { kind: "transition", actor, detail: { reason: `staff accepted upstream status ${m?.status ?? "absent"}` } });
      }
      await moduleEvent(tx, cm.id, `${what}_accepted`, {
        from: Object.fromEntries(changed.map((k) => [k, cm[k]])),
        to: Object.fromEntries(changed.map((k) => [k, patch[k]])),
        upstream: m ? { id: m.id, license: m.license, status: m.status, expiresOn: m.expiresOn } : null,
      }, actor);
      return { ...fresh, ...patch, updated_at: at } as CustomerModuleRow;
    });
    return { before: cm, after };
  }

  return {
    run,
    show,
    list: (limit = 20) => repo.listReports(db, limit),
    accept,
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;
