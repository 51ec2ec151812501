// `partnerbill reconcile [run]|show|list|accept-expiry|accept-status|accept-license`: compare the
// modules customers own here with the client area's list, read the stored reports, and — only when
// staff say so — make one local module match upstream.
import { userInfo } from "node:os";
import type { Command } from "commander";
import type { ReportWithFindings } from "../../modules/reconciliation/reconciliation.service.ts";
import { withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

const staff = () => `cli:${userInfo().username}`;

function printReport({ report, findings }: ReportWithFindings): void {
  process.stdout.write(
    `Reconciliation ${report.id} (${report.trigger}${report.actor ? `, ${report.actor}` : ""}) at ${report.started_at}: ${report.status}` +
      (report.status === "failed"
        ? ` — ${report.error ?? "unknown error"}\n`
        : ` — ${report.findings} finding(s); ${report.local_modules} active module(s) here, ${report.upstream_modules} upstream\n`),
  );
  if (findings.length === 0) return;
  process.stdout.write("\n");
  printTable(
    ["severity", "kind", "customer module", "upstream", "license", "here", "upstream value", "order"],
    findings.map((f) => [
      f.severity,
      f.kind,
      f.customer_module_id ?? "",
      f.upstream_service_id !== null ? String(f.upstream_service_id) : "",
      f.license_id !== null ? String(f.license_id) : "",
      f.local_value ?? "",
      f.upstream_value ?? "",
      f.order_id ?? "",
    ]),
  );
  process.stdout.write("\nFixes are explicit: `partnerbill reconcile accept-expiry|accept-status|accept-license <customer module>`.\n");
}

export function registerReconcile(program: Command): void {
  const reconcile = program.command("reconcile").description("Compare customers' modules with the client area; show reports; accept upstream's values");

  reconcile
    .command("run", { isDefault: true })
    .description("Run a reconciliation now, store its report and print it (the default)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const r = await c.reconciliation.run({ trigger: "cli", actor: staff() });
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
        else printReport(r);
        if (r.report.status === "failed") process.exitCode = 1;
      }),
    );

  reconcile
    .command("show [report]")
    .description("Show a stored report with its findings (default: the latest)")
    .option("--json", "print JSON")
    .action(async (id: string | undefined, opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const r = await c.reconciliation.show(id);
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
        else printReport(r);
      }),
    );

  reconcile
    .command("list")
    .description("List recent reports, newest first")
    .option("--limit <n>", "how many", "20")
    .action(async (opts: { limit: string }) =>
      withContainer(async (c) => {
        const rows = await c.reconciliation.list(Math.min(Math.max(Number(opts.limit) || 20, 1), 500));
        printTable(
          ["report", "started", "trigger", "status", "findings", "here", "upstream"],
          rows.map((r) => [r.id, r.started_at, r.trigger, r.status, String(r.findings), String(r.local_modules), String(r.upstream_modules)]),
        );
      }),
    );

  const accepts = [
    ["expiry", "Take upstream's expiry date for a customer's module"],
    ["status", "Take upstream's status: deleted → deleted, stopped → expired, active → active (with its expiry)"],
    ["license", "Take upstream's license for a customer's module (it was moved in the client area)"],
  ] as const;
  for (const [what, description] of accepts) {
    reconcile
      .command(`accept-${what} <customer-module>`)
      .description(description)
      .action(async (id: string) =>
        withContainer(async (c) => {
          const { before, after } = await c.reconciliation.accept(id, what, staff());
          const show = (cm: typeof before) => `${cm.state}, license ${cm.license_id}, expires ${cm.expires_on ?? "—"}`;
          process.stdout.write(before === after ? `Module ${id} already matches upstream (${show(after)}).\n` : `Module ${id}: ${show(before)} → ${show(after)}.\n`);
        }),
      );
  }
}
