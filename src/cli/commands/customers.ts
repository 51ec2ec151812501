// `partnerbill customers add|credit|show|list`: customer accounts and balances, for staff.
import type { Command } from "commander";
import { format } from "../../lib/money.ts";
import { cliActor, withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

export function registerCustomers(program: Command): void {
  const customers = program.command("customers").description("Customer accounts and balances");

  customers
    .command("add <email>")
    .description("Create a customer account")
    .option("--name <name>", "display name")
    .action(async (email: string, opts: { name?: string }) =>
      withContainer(async (c) => {
        const row = await c.customers.add({ email, name: opts.name ?? null });
        process.stdout.write(`Customer ${row.id} <${row.email}> created.\n`);
      }),
    );

  customers
    .command("credit <customer>")
    .description("Add money to a customer's balance (customer id or e-mail)")
    .requiredOption("--amount <decimal>", "e.g. 1000.00")
    .requiredOption("--currency <code>", "ISO 4217, e.g. RUB")
    .option("--reason <text>", "why (kept in the ledger)", "staff credit")
    .action(async (customer: string, opts: { amount: string; currency: string; reason: string }) =>
      withContainer(async (c) => {
        const amount = await c.customers.credit(customer, { ...opts, actor: cliActor() });
        const { balances } = await c.customers.show(customer);
        process.stdout.write(`Credited ${format(amount)}. Balance: ${balances.map(format).join(", ") || "0"}\n`);
      }),
    );

  customers
    .command("show <customer>")
    .description("Show a customer with balances, modules and recent orders")
    .option("--json", "print JSON")
    .action(async (customer: string, opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const { customer: row, balances } = await c.customers.show(customer);
        const orders = await c.orders.list({ customerId: row.id, limit: 20 });
        if (opts.json) {
          process.stdout.write(JSON.stringify({ customer: row, balances, orders }, null, 2) + "\n");
          return;
        }
        process.stdout.write(`${row.id}  <${row.email}>${row.name ? `  ${row.name}` : ""}\nBalance: ${balances.map(format).join(", ") || "0"}\n\n`);
        printTable(
          ["order", "state", "module", "license", "price", "created"],
          orders.map((o) => [o.id, o.state, String(o.tariff_id), String(o.license_id), format({ minor: Number(o.price_minor), currency: o.currency }), o.created_at]),
        );
      }),
    );

  customers
    .command("list")
    .description("List customers, newest first")
    .action(async () =>
      withContainer(async (c) => {
        const rows = await c.customers.list(200);
        printTable(["id", "email", "name", "created"], rows.map((r) => [r.id, r.email, r.name ?? "", r.created_at]));
      }),
    );
}
