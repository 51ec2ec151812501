// `partnerbill renewals scan|list|complete`: renewal invoices for staff. The hourly scheduler runs
// the scan on its own; `scan` runs it now.
import type { Command } from "commander";
import { format } from "../../lib/money.ts";
import { cliActor, withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

export function registerRenewals(program: Command): void {
  const renewals = program.command("renewals").description("Renewal invoices: scan now, list open ones, complete manual ones");

  renewals
    .command("scan")
    .description("Raise due renewal invoices, pay them from balances, record reminders, expire unpaid modules — now")
    .action(async () =>
      withContainer(async (c) => {
        const s = await c.renewals.scan();
        process.stdout.write(`Invoiced ${s.invoiced}, paid ${s.paid}, reminded ${s.reminded}, expired ${s.expired}, resumed ${s.resumed}.\n`);
        for (const f of s.failures) process.stderr.write(`  ${f.customerModuleId}: ${f.error}\n`);
        if (s.failures.length > 0) process.exitCode = 1;
      }),
    );

  renewals
    .command("list")
    .description("List renewals not finished yet (unpaid, or paid and under way), oldest first")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const rows = await c.renewals.listOpen();
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        printTable(
          ["order", "state", "customer module", "expires", "price", "customer", "reminders"],
          rows.map((r) => [
            r.order.id,
            r.order.state,
            r.order.customer_module_id ?? "",
            r.renewal?.term_expires_on ?? "",
            format({ minor: Number(r.order.price_minor), currency: r.order.currency }),
            r.order.customer_id ?? "",
            r.reminders.map((m) => m.stage).join(", "),
          ]),
        );
      }),
    );

  renewals
    .command("complete <order>")
    .description("Record a renewal staff prolonged by hand in the client area (manual queue or needs attention)")
    .requiredOption("--expires <date>", "the module's new expiry upstream, YYYY-MM-DD")
    .action(async (id: string, opts: { expires: string }) =>
      withContainer(async (c) => {
        const o = await c.renewals.completeManually(id, { expiresOn: opts.expires }, cliActor());
        process.stdout.write(`Renewal ${o.id} is ${o.state}; the module now expires ${o.upstream_expires_on}.\n`);
      }),
    );
}
