// Pure comparison of what partnerbill believes customers own with what the client area lists.
// Drift findings need a person (an alert is raised per kind); info findings are expected states
// shown for completeness. Nothing here decides to change anything — except that modules renewed by
// upstream autoprolong (renewal = "upstream") follow a later upstream expiry, which is how that
// renewal mode works (docs/adr/0010-renewals-rebinding-reconciliation.md).
import type { UpstreamModule } from "../../upstream/types.ts";

export const DRIFT_KINDS = ["missing_upstream", "unknown_upstream", "expiry_drift", "status_drift", "license_drift"] as const;
export const INFO_KINDS = ["pending_placement", "renewal_in_progress", "expiry_followed"] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];
export type FindingKind = DriftKind | (typeof INFO_KINDS)[number];

/** The alert raised while findings of a drift kind exist (resolved by the first report without them). */
export function alertKindOf(kind: DriftKind): string {
  return `reconcile_${kind}`;
}
/** Raised when a reconciliation could not read upstream at all. */
export const RECONCILE_FAILED_ALERT = "reconcile_failed";

export interface LocalModule {
  id: string;
  licenseId: number;
  tariffId: number;
  upstreamServiceId: number;
  expiresOn: string | null;
  /** active | expired | deleted */
  state: string;
  /** charge | upstream */
  renewal: string;
}

export interface InFlightPurchase {
  orderId: string;
  licenseId: number;
  tariffId: number;
  state: string;
}

export interface Finding {
  kind: FindingKind;
  severity: "drift" | "info";
  customerModuleId: string | null;
  upstreamServiceId: number | null;
  orderId: string | null;
  licenseId: number | null;
  tariffId: number | null;
  localValue: string | null;
  upstreamValue: string | null;
  message: string;
}

export interface Comparison {
  findings: Finding[];
  /** Upstream-renewed modules whose expiry moves forward to upstream's. */
  follow: Array<{ customerModuleId: string; from: string | null; to: string }>;
}

/** Statuses in which an upstream module runs (and costs the partner money). */
const RUNNING = new Set(["active", "processing"]);

export function compare(input: {
  local: LocalModule[];
  upstream: UpstreamModule[];
  inFlightPurchases: InFlightPurchase[];
  /** Customer modules with a paid renewal under way: their expiry and status may be mid-change. */
  renewing: ReadonlySet<string>;
  /** Tariff ids of the catalog: upstream modules of other tariffs are not partnerbill's business. */
  ourTariffs: ReadonlySet<number>;
}): Comparison {
  const findings: Finding[] = [];
  const follow: Comparison["follow"] = [];
  const upstreamById = new Map(input.upstream.map((m) => [m.id, m]));
  const owned = new Set(input.local.map((l) => l.upstreamServiceId));

  const of = (l: LocalModule, u: UpstreamModule | undefined, kind: FindingKind, severity: Finding["severity"], localValue: string | null, upstreamValue: string | null, message: string): Finding => ({
    kind,
    severity,
    customerModuleId: l.id,
    upstreamServiceId: l.upstreamServiceId,
    orderId: null,
    licenseId: u?.license ?? l.licenseId,
    tariffId: l.tariffId,
    localValue,
    upstreamValue,
    message,
  });

  for (const l of [...input.local].sort((a, b) => a.id.localeCompare(b.id))) {
    const u = upstreamById.get(l.upstreamServiceId);
    const name = `module ${l.id} (service ${l.upstreamServiceId}, license ${l.licenseId}, tariff ${l.tariffId})`;
    if (l.state !== "active") {
      if (u && RUNNING.has(u.status)) {
        findings.push(of(l, u, "status_drift", "drift", l.state, u.status, `${name} is ${l.state} here but ${u.status} upstream (until ${u.expiresOn ?? "—"})`));
      }
      continue;
    }
    if (!u || u.status === "deleted") {
      findings.push(of(l, u, "missing_upstream", "drift", "active", u ? "deleted" : "absent", `${name} is active here but ${u ? "deleted" : "absent"} upstream`));
      continue;
    }
    if (u.license !== l.licenseId) {
      findings.push(of(l, u, "license_drift", "drift", String(l.licenseId), String(u.license), `${name} is on license ${u.license} upstream`));
    }
    const statusDiffers = !RUNNING.has(u.status);
    const expiryDiffers = u.expiresOn !== l.expiresOn;
    if (input.renewing.has(l.id)) {
      if (statusDiffers || expiryDiffers) {
        findings.push(of(l, u, "renewal_in_progress", "info", l.expiresOn, u.expiresOn, `${name} is being renewed: here until ${l.expiresOn ?? "—"}, upstream ${u.status} until ${u.expiresOn ?? "—"}`));
      }
      continue;
    }
    if (statusDiffers) {
      findings.push(of(l, u, "status_drift", "drift", "active", u.status, `${name} is active here but ${u.status} upstream`));
    }
    if (expiryDiffers) {
      const followsUpstream = l.renewal === "upstream" && !statusDiffers && u.expiresOn !== null && (l.expiresOn === null || u.expiresOn > l.expiresOn);
      if (followsUpstream) {
        follow.push({ customerModuleId: l.id, from: l.expiresOn, to: u.expiresOn! });
        findings.push(of(l, u, "expiry_followed", "info", l.expiresOn, u.expiresOn, `${name} was renewed upstream (autoprolong): expiry ${l.expiresOn ?? "—"} → ${u.expiresOn}`));
      } else {
        findings.push(of(l, u, "expiry_drift", "drift", l.expiresOn, u.expiresOn, `${name} expires ${l.expiresOn ?? "—"} here but ${u.expiresOn ?? "—"} upstream`));
      }
    }
  }

  const pendingAt = new Map<string, InFlightPurchase>();
  for (const p of input.inFlightPurchases) pendingAt.set(`${p.licenseId}:${p.tariffId}`, p);
  for (const u of [...input.upstream].sort((a, b) => a.id - b.id)) {
    if (owned.has(u.id) || !RUNNING.has(u.status) || !input.ourTariffs.has(u.pricelist)) continue;
    const base = { customerModuleId: null, upstreamServiceId: u.id, licenseId: u.license, tariffId: u.pricelist, localValue: null, upstreamValue: u.status } as const;
    const pending = pendingAt.get(`${u.license}:${u.pricelist}`);
    if (pending) {
      findings.push({ ...base, kind: "pending_placement", severity: "info", orderId: pending.orderId, message: `upstream module ${u.id} (license ${u.license}, tariff ${u.pricelist}) is probably order ${pending.orderId}'s, which is ${pending.state}` });
    } else {
      findings.push({ ...base, kind: "unknown_upstream", severity: "drift", orderId: null, message: `upstream module ${u.id} (license ${u.license}, tariff ${u.pricelist}, ${u.status} until ${u.expiresOn ?? "—"}) belongs to no customer here` });
    }
  }
  return { findings, follow };
}

/** One alert message per drift kind: how many, and the first few subjects. */
export function alertMessage(kind: DriftKind, findings: Finding[], reportId: string): string {
  const subjects = findings.map((f) => f.customerModuleId ?? `upstream ${f.upstreamServiceId}`);
  const shown = subjects.slice(0, 10).join(", ") + (subjects.length > 10 ? `, … (${subjects.length - 10} more)` : "");
  return `${findings.length} × ${kind.replace(/_/g, " ")}: ${shown}. See \`partnerbill reconcile show ${reportId}\`.`;
}
