// `partnerbill alerts list|resolve`: conditions staff must look at (a price below cost, a failed
// price sync, …). Features resolve their alerts when the condition clears; staff can too.
import type { Command } from "commander";
import { withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

export function registerAlerts(program: Command): void {
  const alerts = program.command("alerts").description("Show and resolve alerts");

  alerts
    .command("list")
    .description("List open alerts, newest first")
    .option("--all", "include resolved alerts")
    .option("--kind <kind>", "only this kind, e.g. negative_margin")
    .action(async (opts: { all?: boolean; kind?: string }) =>
      withContainer(async (c) => {
        const rows = await c.alerts.list({ all: opts.all === true, ...(opts.kind ? { kind: opts.kind } : {}) });
        if (rows.length === 0) {
          process.stdout.write(opts.all ? "No alerts.\n" : "No open alerts.\n");
          return;
        }
        printTable(
          ["id", "kind", "subject", "first seen", "last seen", "resolved", "message"],
          rows.map((a) => [a.id, a.kind, a.subject ?? "", a.created_at, a.last_seen_at, a.resolved_at ?? "", a.message]),
        );
      }),
    );

  alerts
    .command("resolve <id>")
    .description("Mark an alert as dealt with")
    .action(async (id: string) =>
      withContainer(async (c) => {
        await c.alerts.resolveById(id);
        process.stdout.write("Alert resolved.\n");
      }),
    );
}
