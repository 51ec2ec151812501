// Licenses customers hold (issue 15): key delivery, IP changes, new keys, names, and the views the
// CLI, console and portal use. Ordering is fulfillment's (src/modules/fulfillment); this module
// takes over once an order is active. Every upstream call happens outside a transaction; what
// upstream answered is then stored in one.
import type { Db, Tx } from "../../db/database.ts";
import type { CustomerLicenseRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, conflict, invalidInput, notFound } from "../../lib/errors.ts";
import { open, seal } from "../../lib/secret-box.ts";
import { isUpstreamError } from "../../upstream/errors.ts";
import type { UpstreamClient } from "../../upstream/types.ts";
import type { AuditContext } from "../audit/audit.logic.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { MailQueue } from "../mail/mail.types.ts";
import { DEFAULT_IP_CHANGE_LIMIT, parseLicenseIp, parseLicenseName } from "./licenses.logic.ts";
import type { LicensesRepo } from "./licenses.repo.ts";

/** What the key-delivery job should do next. */
export type KeyResult = { status: "done"; key: "ready" | "gone" } | { status: "retry"; reason: string };

const keyContext = (id: string) => `customer_licenses.key:${id}`;

export function createLicensesService(deps: {
  db: Db;
  repo: LicensesRepo;
  upstream: Pick<UpstreamClient, "readLicense" | "changeLicense" | "newLicenseKey">;
  audit: Pick<AuditService, "record">;
  clock: Clock;
  secretKey: string;
  /** The e-mail outbox: the key is mailed once, in the transaction that stores it. */
  mail?: MailQueue;
  customerEmail?: (tx: Tx, customerId: string) => Promise<string | null>;
  /** Customer IP changes allowed per license (LICENSE_IP_CHANGES_MAX); staff are not limited. */
  ipChangeLimit?: number;
  alert?: (kind: string, subject: string, message: string) => Promise<void>;
}) {
  const { db, repo, upstream, audit, clock, secretKey } = deps;
  const now = () => clock.now().toISOString();
  const ipChangeLimit = deps.ipChangeLimit ?? DEFAULT_IP_CHANGE_LIMIT;

  async function get(ref: string, customerId?: string): Promise<CustomerLicenseRow> {
    const byUpstream = /^\d{1,12}$/.test(ref.trim()) ? await repo.findByUpstreamId(db, Number(ref.trim())) : undefined;
    const l = byUpstream ?? (await repo.find(db, ref.trim()));
    // Another customer's license reads exactly like a missing one.
    if (!l || (customerId !== undefined && l.customer_id !== customerId)) throw notFound(`No license ${ref}`);
    return l;
  }

  /** A license as shown to people: never the key itself (see revealKey). */
  function view(l: CustomerLicenseRow) {
    return {
      id: l.id,
      upstreamId: Number(l.upstream_license_id),
      customerId: l.customer_id,
      tariff: l.tariff_id,
      moduleId: l.module_id,
      ip: l.ip,
      name: l.name,
      periodMonths: l.period_months,
      expiresOn: l.expires_on,
      state: l.state,
      keyState: l.key_state,
      keyReadyAt: l.key_ready_at,
      keyMailedAt: l.key_mailed_at,
      ipChanges: l.ip_changes,
      order: l.created_order_id,
    };
  }

  /** Stores a key (encrypted) and mails it once, in one transaction. */
  async function storeKey(tx: Tx, l: CustomerLicenseRow, key: string, mailIt: boolean): Promise<void> {
    const at = now();
    await repo.update(tx, l.id, { key_state: "ready", key_enc: seal(secretKey, key, keyContext(l.id)), key_ready_at: l.key_ready_at ?? at, updated_at: at });
    if (!mailIt || !deps.mail || !deps.customerEmail) return;
    const to = await deps.customerEmail(tx, l.customer_id);
    if (!to) return;
    // The key itself travels in the mail body, which the outbox stores encrypted (ADR 0014).
    await deps.mail.queue(tx, {
      to,
      template: "license_key",
      key: `license:${l.id}:key:${l.key_mailed_at ? at : "first"}`,
      data: { license: String(l.upstream_license_id), ip: l.ip, name: l.name ?? "", key, expires_on: l.expires_on ?? "", url: `/account/licenses/${encodeURIComponent(l.id)}` },
    });
    await repo.update(tx, l.id, { key_mailed_at: at });
  }

  /**
   * One poll for a new license's key (the license.deliver_key job): soft.edit until lickey is
   * non-empty, then store and mail it. Safe to repeat: a stored key ends it.
   */
  async function deliverKey(customerLicenseId: string, opts: { finalAttempt?: boolean } = {}): Promise<KeyResult> {
    const l = await repo.find(db, customerLicenseId);
    if (!l) throw notFound(`No license ${customerLicenseId}`);
    if (l.key_state === "ready") return { status: "done", key: "ready" };
    if (l.state !== "active") return { status: "done", key: "gone" };
    let key: string | null;
    try {
      key = (await upstream.readLicense(Number(l.upstream_license_id))).key ?? null;
    } catch (e) {
      if (!isUpstreamError(e)) throw e;
      if (opts.finalAttempt) await deps.alert?.("license_key_missing", l.id, `The key of license ${l.upstream_license_id} could not be read (${e.kind}): ${e.message}`);
      return { status: "retry", reason: `cannot read license ${l.upstream_license_id} (${e.kind})` };
    }
    if (!key) {
      if (opts.finalAttempt) await deps.alert?.("license_key_missing", l.id, `Upstream has not generated the key of license ${l.upstream_license_id} yet; it is not delivered`);
      return { status: "retry", reason: `license ${l.upstream_license_id} has no key yet` };
    }
    await db.transaction().execute(async (tx) => {
      const fresh = (await repo.find(tx, l.id))!;
      if (fresh.key_state !== "ready") await storeKey(tx, fresh, key, true);
    });
    return { status: "done", key: "ready" };
  }

  /** The key in clear: for its owner (portal), or staff on request — audited. */
  async function revealKey(ref: string, by: { customerId?: string; audit?: AuditContext }): Promise<{ license: ReturnType<typeof view>; key: string | null }> {
    const l = await get(ref, by.customerId);
    const key = l.key_enc ? open(secretKey, l.key_enc, keyContext(l.id)) : null;
    if (by.audit) {
      await db.transaction().execute((tx) =>
        audit.record(tx, { ...by.audit!, action: "license.key_reveal", subject: { type: "license", id: l.id }, after: { upstreamId: Number(l.upstream_license_id), keyState: l.key_state } }),
      );
    }
    return { license: view(l), key };
  }

  /**
   * Moves a license to another IP (soft.edit ip=…). Customers have `ipChangeLimit` changes per
   * license; staff are not limited. The IP is checked locally first; upstream refuses an IP that
   * has a license already.
   */
  async function changeIp(ref: string, rawIp: string, by: { customerId?: string; audit: AuditContext }): Promise<ReturnType<typeof view>> {
    const l = await get(ref, by.customerId);
    if (l.state !== "active") throw new AppError("illegal_transition", `License ${l.upstream_license_id} is ${l.state}`);
    const ip = parseLicenseIp(rawIp);
    if (ip === l.ip) throw invalidInput(`License ${l.upstream_license_id} is already on ${ip}`);
    if (by.customerId !== undefined && l.ip_changes >= ipChangeLimit) {
      throw invalidInput(`This license's IP has been changed ${l.ip_changes} times, the most allowed; ask support to change it`);
    }
    if ((await repo.liveOnIp(db, ip)).some((x) => x.id !== l.id)) throw conflict(`A license for ${ip} exists already`);
    try {
      await upstream.changeLicense(Number(l.upstream_license_id), { ip });
    } catch (e) {
      if (isUpstreamError(e) && e.kind === "rejected") throw invalidInput(`ispmanager refused ${ip}: ${e.billmgr?.msg || e.message}`);
      if (isUpstreamError(e)) throw new AppError("upstream_unavailable", `The IP could not be changed now (${e.kind}); nothing was changed here. Try again in a few minutes.`);
      throw e;
    }
    return db.transaction().execute(async (tx) => {
      const fresh = (await repo.find(tx, l.id))!;
      const patch = { ip, ip_changes: fresh.ip_changes + 1, updated_at: now() };
      await repo.update(tx, l.id, patch);
      await audit.record(tx, { ...by.audit, action: "license.change_ip", subject: { type: "license", id: l.id }, before: { ip: fresh.ip }, after: { ip, upstreamId: Number(l.upstream_license_id) } });
      return view({ ...fresh, ...patch });
    });
  }

  /** A new key (soft.edit clicked_button=newkey), stored and mailed. */
  async function newKey(ref: string, by: { customerId?: string; audit: AuditContext }): Promise<ReturnType<typeof view>> {
    const l = await get(ref, by.customerId);
    if (l.state !== "active") throw new AppError("illegal_transition", `License ${l.upstream_license_id} is ${l.state}`);
    let key: string;
    try {
      key = (await upstream.newLicenseKey(Number(l.upstream_license_id))).key;
    } catch (e) {
      if (isUpstreamError(e)) throw new AppError("upstream_unavailable", `A new key could not be issued now (${e.kind}). Try again in a few minutes.`);
      throw e;
    }
    return db.transaction().execute(async (tx) => {
      const fresh = (await repo.find(tx, l.id))!;
      await storeKey(tx, fresh, key, true);
      await audit.record(tx, { ...by.audit, action: "license.new_key", subject: { type: "license", id: l.id }, after: { upstreamId: Number(l.upstream_license_id) } });
      return view((await repo.find(tx, l.id))!);
    });
  }

  /** Renames a license upstream (licname) and here. */
  async function rename(ref: string, rawName: string, by: { customerId?: string; audit: AuditContext }): Promise<ReturnType<typeof view>> {
    const l = await get(ref, by.customerId);
    const name = parseLicenseName(rawName);
    if (!name) throw invalidInput("A name is required");
    try {
      await upstream.changeLicense(Number(l.upstream_license_id), { name });
    } catch (e) {
      if (isUpstreamError(e)) throw new AppError("upstream_unavailable", `The license could not be renamed now (${e.kind}).`);
      throw e;
    }
    return db.transaction().execute(async (tx) => {
      await repo.update(tx, l.id, { name, updated_at: now() });
      await audit.record(tx, { ...by.audit, action: "license.rename", subject: { type: "license", id: l.id }, before: { name: l.name }, after: { name } });
      return view({ ...l, name });
    });
  }

  async function list(filter: { customerId?: string } = {}) {
    return (await repo.list(db, filter)).map(view);
  }

  async function show(ref: string, customerId?: string) {
    return view(await get(ref, customerId));
  }

  return { deliverKey, revealKey, changeIp, newKey, rename, list, show };
}

export type LicensesService = ReturnType<typeof createLicensesService>;
