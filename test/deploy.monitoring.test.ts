// Monitoring as shipped: the order gauges read the database when Prometheus scrapes, and the alert
// rules (deploy/prometheus/partnerbill.rules.yml) and the Grafana dashboard
// (deploy/grafana/partnerbill.json) name only metrics and labels that partnerbill exports, and
// cover what operators need to see.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createMetrics } from "../src/app/metrics.ts";
import { createTestApp } from "./helpers/app.ts";
import { ROOT } from "./helpers/cli.ts";
import { describeEachDialect } from "./helpers/db.ts";

const RULES = readFileSync(join(ROOT, "deploy", "prometheus", "partnerbill.rules.yml"), "utf8");
const DASHBOARD = JSON.parse(readFileSync(join(ROOT, "deploy", "grafana", "partnerbill.json"), "utf8")) as {
  uid: string;
  panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }>; gridPos: { x: number; y: number; w: number; h: number } }>;
};

/** Every metric partnerbill exports, with its type and label names. */
function exported(): Map<string, { type: string; labels: string[] }> {
  const m = createMetrics();
  return new Map(
    m.registry.getMetricsAsArray().map((x) => {
      const metric = x as unknown as { name: string; type?: string; labelNames?: string[] };
      return [metric.name, { type: String(metric.type ?? (x as unknown as { constructor: { name: string } }).constructor.name), labels: metric.labelNames ?? [] }];
    }),
  );
}

interface Alert {
  name: string;
  expr?: string;
  for?: string;
  severity?: string;
  summary?: string;
}

/** The alerts of the rules file: its shape is fixed (one `expr:` line per rule), so lines suffice. */
function alerts(): Alert[] {
  const out: Alert[] = [];
  for (const line of RULES.split("\n")) {
    const alert = /^\s+- alert: (\S+)$/.exec(line);
    if (alert) {
      out.push({ name: alert[1]! });
      continue;
    }
    const cur = out.at(-1);
    const kv = /^\s+(expr|for|severity|summary): (.*)$/.exec(line);
    if (cur && kv) cur[kv[1] as "expr" | "for" | "severity" | "summary"] = kv[2]!.replace(/^"(.*)"$/, "$1");
  }
  return out;
}

const dashboardExprs = () => DASHBOARD.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
const ruleExprs = () => alerts().map((a) => ({ where: `alert ${a.name}`, expr: a.expr ?? "" }));

/** Problems with the metrics and labels an expression names. */
function problems(where: string, expr: string, metrics: Map<string, { type: string; labels: string[] }>): string[] {
  const out: string[] = [];
  const used = new Set<string>();
  for (const m of expr.matchAll(/\b(partnerbill_[a-z0-9_]+)(\{[^}]*\})?/g)) {
    const name = m[1]!;
    const base = metrics.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    const found = metrics.get(base);
    if (!found) {
      out.push(`${where}: ${name} is not a partnerbill metric`);
      continue;
    }
    used.add(base);
    const allowed = new Set([...found.labels, ...(name.endsWith("_bucket") ? ["le"] : [])]);
    for (const l of (m[2] ?? "").matchAll(/(\w+)\s*(=~|!~|!=|=)/g)) {
      if (!allowed.has(l[1]!)) out.push(`${where}: ${name} has no label ${l[1]}`);
    }
  }
  const known = new Set(["le", "instance", "job", ...[...used].flatMap((u) => metrics.get(u)!.labels)]);
  for (const g of expr.matchAll(/\b(?:by|without|ignoring|on)\s*\(([^)]*)\)/g)) {
    for (const l of g[1]!.split(",").map((x) => x.trim()).filter(Boolean)) {
      if (!known.has(l)) out.push(`${where}: groups by ${l}, a label none of its metrics has`);
    }
  }
  return out;
}

describe("the shipped alert rules and dashboard", () => {
  const metrics = exported();

  it("name only metrics and labels partnerbill exports", () => {
    const exprs = [...ruleExprs(), ...dashboardExprs()];
    assert.ok(exprs.length > 30);
    assert.deepEqual(exprs.flatMap((e) => problems(e.where, e.expr.replace(/\bup\{job="partnerbill"\}/, ""), metrics)), []);
  });

  it("catch a metric that does not exist", () => {
    assert.equal(problems("t", 'max(partnerbill_orders_pending{state="paid"})', metrics).length, 1);
    assert.equal(problems("t", 'max by (kind) (partnerbill_orders{colour="red"})', metrics).length, 2);
    assert.deepEqual(problems("t", "sum by (le) (rate(partnerbill_upstream_call_duration_seconds_bucket[5m]))", metrics), []);
  });

  it("show orders by state, paid-not-active age, the job queue, upstream calls and price-list requests", () => {
    const shown = dashboardExprs().map((e) => e.expr).join("\n");
    for (const m of [
      "partnerbill_orders",
      "partnerbill_orders_paid_not_active_oldest_seconds",
      "partnerbill_jobs_ready",
      "partnerbill_jobs_oldest_ready_age_seconds",
      "partnerbill_jobs_dead",
      "partnerbill_upstream_calls_total",
      "partnerbill_upstream_call_duration_seconds_bucket",
      "partnerbill_pricelist_requests_total",
    ]) {
      assert.match(shown, new RegExp(`\\b${m}\\b`), m);
    }
  });

  it("alert on stuck paid orders, a stalled queue, failing upstream calls and a down node", () => {
    const list = alerts();
    const names = list.map((a) => a.name);
    assert.equal(new Set(names).size, names.length, "alert names are unique");
    for (const n of ["PartnerbillUpstreamBalanceLow", "PartnerbillAlertsOpen", "PartnerbillDown", "PartnerbillPaidOrderNotActive", "PartnerbillOrderNeedsAttention", "PartnerbillJobBacklog", "PartnerbillDeadJobs", "PartnerbillUpstreamErrors", "PartnerbillUpstreamAuthFailing"]) {
      assert.ok(names.includes(n), n);
    }
    for (const a of list) {
      assert.ok(a.expr, `${a.name} has an expression`);
      assert.ok(["critical", "warning", "info"].includes(a.severity ?? ""), `${a.name} has a severity`);
      assert.ok(a.summary, `${a.name} has a summary`);
      // Each node reports the same whole-database figures: they are combined with max(), never summed.
      assert.doesNotMatch(a.expr ?? "", /sum[^(]*\(\s*partnerbill_(orders|jobs_ready|jobs_dead|jobs_oldest|alerts_open)/, a.name);
    }
  });

  it("lay the dashboard's panels out without overlaps", () => {
    assert.equal(DASHBOARD.uid, "partnerbill");
    const cells = new Set<string>();
    for (const p of DASHBOARD.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `panel "${p.title}" overlaps another at ${x},${y}`);
          assert.ok(x < 24, `panel "${p.title}" is wider than the dashboard`);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});

describe("the order gauges without a database", () => {
  it("leave the gauges out and count the failure when the database cannot be read", async () => {
    const m = createMetrics();
    m.readOrdersFrom(() => Promise.reject(new Error("database unreachable")));
    const text = await m.registry.metrics();
    assert.doesNotMatch(text, /^partnerbill_orders\{/m);
    assert.match(text, /^partnerbill_metrics_read_failures_total\{source="orders"\} 1$/m);
  });

  it("read the database once per scrape for both gauges", async () => {
    const m = createMetrics();
    let reads = 0;
    m.readOrdersFrom(async () => {
      reads++;
      return { byState: { paid: 2 }, paidNotActiveOldestSeconds: { paid: 30 }, alertsOpen: {} };
    });
    const text = await m.registry.metrics();
    assert.equal(reads, 1);
    assert.match(text, /^partnerbill_orders\{state="paid"\} 2$/m);
    assert.match(text, /^partnerbill_orders_paid_not_active_oldest_seconds\{state="paid"\} 30$/m);
    await m.registry.metrics();
    assert.equal(reads, 2, "every scrape reads afresh");
  });
});

describeEachDialect("the order gauges on /metrics", (ctx) => {
  it("count orders by state and age the oldest payment still waiting for its module", async () => {
    const { app, c, clock } = await createTestApp(ctx());
    await c.catalog.setPrice("23221", { period: 1, amount: "11.90", currency: "EUR" }, { source: "cli" });
    const ann = await c.customers.add({ email: "ann@example.com" });
    await c.customers.credit(ann.id, { amount: "100", currency: "EUR", reason: "test", actor: "test" });
    const buy = (license: string) => c.orders.intake({ module: "DDoSGUARD", license, ip: "192.0.2.10", module_id: "23221" }, null);
    const first = (await buy("100001")).order;
    await c.orders.payFromBalance(first.id, ann.id, "test");
    clock.advance(5 * 60_000);
    const second = (await buy("100002")).order;
    await c.orders.payFromBalance(second.id, ann.id, "test");
    await buy("100003");
    clock.advance(5 * 60_000);

    const res = await app.inject({ method: "GET", url: "/metrics" });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^partnerbill_orders\{state="paid"\} 2$/m);
    assert.match(res.body, /^partnerbill_orders\{state="pending_payment"\} 1$/m);
    assert.match(res.body, /^partnerbill_orders\{state="active"\} 0$/m, "every state is reported, 0 when none");
    assert.match(res.body, /^partnerbill_orders_paid_not_active_oldest_seconds\{state="paid"\} 600$/m, "the first payment, ten minutes ago");
    assert.match(res.body, /^partnerbill_orders_paid_not_active_oldest_seconds\{state="placing"\} 0$/m);
    await app.close();
  });

  it("count open alerts by kind, every known kind reported, and drop a kind once its alert closes", async () => {
    const { app, c } = await createTestApp(ctx());
    await c.alerts.raise(c.db, { kind: "upstream_low_balance", subject: null, message: "low" });
    await c.alerts.raise(c.db, { kind: "order_needs_attention", subject: "ord_1", message: "x" });
    await c.alerts.raise(c.db, { kind: "order_needs_attention", subject: "ord_2", message: "y" });
    let body = (await app.inject({ method: "GET", url: "/metrics" })).body;
    assert.match(body, /^partnerbill_alerts_open\{kind="upstream_low_balance"\} 1$/m);
    assert.match(body, /^partnerbill_alerts_open\{kind="order_needs_attention"\} 2$/m);
    assert.match(body, /^partnerbill_alerts_open\{kind="upstream_insufficient_funds"\} 0$/m, "every known kind is reported");
    await c.alerts.resolve(c.db, ["upstream_low_balance"], null);
    body = (await app.inject({ method: "GET", url: "/metrics" })).body;
    assert.match(body, /^partnerbill_alerts_open\{kind="upstream_low_balance"\} 0$/m);
    await app.close();
  });
});
