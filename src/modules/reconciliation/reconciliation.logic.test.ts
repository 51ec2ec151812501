import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UpstreamModule } from "../../upstream/types.ts";
import { alertMessage, compare, type LocalModule } from "./reconciliation.logic.ts";

const local = (id: string, upstreamServiceId: number, over: Partial<LocalModule> = {}): LocalModule => ({
  id, licenseId: 100001, tariffId: 23221, upstreamServiceId, expiresOn: "2027-01-01", state: "active", renewal: "charge", ...over,
});
const up = (id: number, over: Partial<UpstreamModule> = {}): UpstreamModule => ({
  id, license: 100001, pricelist: 23221, status: "active", statusCode: 2, expiresOn: "2027-01-01", ...over,
});
const base = { inFlightPurchases: [], renewing: new Set<string>(), ourTariffs: new Set([23221]) };

describe("reconciliation comparison", () => {
  it("finds nothing when both sides agree", () => {
    assert.deepEqual(compare({ ...base, local: [local("a", 1)], upstream: [up(1)] }), { findings: [], follow: [] });
  });

  it("names each kind of drift", () => {
    const r = compare({
      ...base,
      local: [local("gone", 1), local("deleted", 2), local("late", 3), local("stopped", 4), local("moved", 5), local("expired", 6, { state: "expired" })],
      upstream: [up(2, { status: "deleted" }), up(3, { expiresOn: "2027-02-01" }), up(4, { status: "stopped" }), up(5, { license: 100002 }), up(6), up(7)],
    });
    assert.deepEqual(r.findings.map((f) => [f.kind, f.customerModuleId ?? f.upstreamServiceId, f.localValue, f.upstreamValue]), [
      ["missing_upstream", "deleted", "active", "deleted"],
      ["status_drift", "expired", "expired", "active"],
      ["missing_upstream", "gone", "active", "absent"],
      ["expiry_drift", "late", "2027-01-01", "2027-02-01"],
      ["license_drift", "moved", "100001", "100002"],
      ["status_drift", "stopped", "active", "stopped"],
      ["unknown_upstream", 7, null, "active"],
    ]);
    assert.ok(r.findings.every((f) => f.severity === "drift"));
    assert.deepEqual(r.follow, []);
  });

  it("ignores upstream modules of other tariffs and ones that do not run; marks in-flight purchases as pending", () => {
    const r = compare({
      ...base,
      local: [],
      upstream: [up(1, { pricelist: 99999 }), up(2, { status: "deleted" }), up(3, { status: "stopped" }), up(4, { license: 100009 })],
      inFlightPurchases: [{ orderId: "ord_1", licenseId: 100009, tariffId: 23221, state: "placing" }],
    });
    assert.deepEqual(r.findings.map((f) => [f.kind, f.severity, f.upstreamServiceId, f.orderId]), [["pending_placement", "info", 4, "ord_1"]]);
  });

  it("treats a module with a paid renewal under way as information", () => {
    const r = compare({ ...base, renewing: new Set(["a"]), local: [local("a", 1)], upstream: [up(1, { expiresOn: "2027-02-01" })] });
    assert.deepEqual(r.findings.map((f) => [f.kind, f.severity]), [["renewal_in_progress", "info"]]);
  });

  it("follows a later upstream expiry only for modules upstream renews", () => {
    const r = compare({
      ...base,
      local: [local("auto", 1, { renewal: "upstream" }), local("earlier", 2, { renewal: "upstream" }), local("charged", 3)],
      upstream: [up(1, { expiresOn: "2027-02-01" }), up(2, { expiresOn: "2026-12-01" }), up(3, { expiresOn: "2027-02-01" })],
    });
    assert.deepEqual(r.follow, [{ customerModuleId: "auto", from: "2027-01-01", to: "2027-02-01" }]);
    assert.deepEqual(r.findings.map((f) => [f.kind, f.customerModuleId]), [["expiry_followed", "auto"], ["expiry_drift", "charged"], ["expiry_drift", "earlier"]]);
  });

  it("summarises a kind in one alert message, naming the report", () => {
    const r = compare({ ...base, local: Array.from({ length: 12 }, (_, i) => local(`m${String(i).padStart(2, "0")}`, i + 1)), upstream: [] });
    assert.match(alertMessage("missing_upstream", r.findings, "rcn_1"), /^12 × missing upstream: m00, m01, .*m09, … \(2 more\)\. See `partnerbill reconcile show rcn_1`\.$/);
  });
});
