// The modules customers own: `partnerbill customers modules <customer>` (list),
// `partnerbill customers module <customer-module>` (one, with its history) and
// `partnerbill modules move <customer-module> --license N [--ip IP]` (to another license). They
// join the `customers` and `modules` command groups, which their own files create.
import type { Command } from "commander";
import { format } from "../../lib/money.ts";
import { cliActor, withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

/** The command group `name`, created by its own file when registered before us; else a new one. */
function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export function registerCustomerModules(program: Command): void {
  const customers = group(program, "customers", "Customer accounts and balances");
  const modules = group(program, "modules", "Modules");

  customers
    .command("modules <customer>")
    .description("List a customer's modules (customer id or e-mail)")
    .option("--json", "print JSON")
    .action(async (customer: string, opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const rows = await c.customerModules.listOf(customer);
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        printTable(
          ["customer module", "state", "tariff", "license", "ip", "upstream", "period", "price", "expires", "renewal"],
          rows.map((m) => [
            m.id,
            m.state,
            String(m.tariff_id),
            String(m.license_id),
            m.ip ?? "",
            String(m.upstream_service_id),
            `${m.period_months} mo`,
            format({ minor: Number(m.price_minor), currency: m.currency }),
            m.expires_on ?? "",
            m.renewal,
          ]),
        );
      }),
    );

  customers
    .command("module <customer-module>")
    .description("Show one customer module and its history (renewed, expired, moved, fixed)")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const m = await c.customerModules.get(id);
        const history = await c.customerModules.history(id);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ module: m, history }, null, 2) + "\n");
          return;
        }
        process.stdout.write(
          `${m.id} — ${m.state}: tariff ${m.tariff_id} on license ${m.license_id}${m.ip ? ` (${m.ip})` : ""}, upstream service ${m.upstream_service_id}, ` +
            `expires ${m.expires_on ?? "—"}, renews by ${m.renewal}; customer ${m.customer_id}, bought with order ${m.created_order_id}\n\n`,
        );
        printTable(["at", "event", "actor", "detail"], history.map((e) => [e.at, e.kind, e.actor ?? "", e.detail ? JSON.stringify(e.detail) : ""]));
      }),
    );

  modules
    .command("move <customer-module>")
    .description("Move a customer's active module to another ispmanager license (addition.edit upstream)")
    .requiredOption("--license <id>", "the new license id")
    .option("--ip <address>", "the new license's IP (checked against upstream)")
    .action(async (id: string, opts: { license: string; ip?: string }) =>
      withContainer(async (c) => {
        const before = await c.customerModules.get(id);
        const m = await c.customerModules.move(id, { license: opts.license, ip: opts.ip }, { actor: cliActor() });
        process.stdout.write(`Module ${m.id} moved from license ${before.license_id} to ${m.license_id}${m.ip ? ` (${m.ip})` : ""}.\n`);
      }),
    );
}
