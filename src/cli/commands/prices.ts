// `partnerbill prices set|clear|history`: sell prices of modules.
import type { Command } from "commander";
import { format } from "../../lib/money.ts";
import { cliActor, withCatalog } from "../runtime.ts";
import { printTable } from "../table.ts";

export function registerPrices(program: Command): void {
  const prices = program.command("prices").description("Set and inspect module sell prices");

  prices
    .command("set <id>")
    .description("Set the sell price of a module for a period")
    .requiredOption("--period <months>", "1 or 12")
    .requiredOption("--amount <decimal>", "e.g. 950.00")
    .requiredOption("--currency <code>", "ISO 4217, e.g. RUB")
    .action(async (id: string, opts: { period: string; amount: string; currency: string }) =>
      withCatalog(async (catalog) => {
        const r = await catalog.setPrice(id, opts, { source: "cli", name: cliActor() });
        const before = r.previous ? format(r.previous) : "no price";
        process.stdout.write(`${r.module.name} (${r.module.tariff_id}), ${r.period} month(s): ${before} → ${format(r.price)}\n`);
      }),
    );

  prices
    .command("clear <id>")
    .description("Remove the sell price of a module for a period (without a monthly price a module is not listed)")
    .requiredOption("--period <months>", "1 or 12")
    .action(async (id: string, opts: { period: string }) =>
      withCatalog(async (catalog) => {
        const cleared = await catalog.clearPrice(id, opts.period, { source: "cli", name: cliActor() });
        process.stdout.write(cleared ? "Price cleared.\n" : "There was no price for that period.\n");
      }),
    );

  prices
    .command("history <id>")
    .description("Show the price changes of a module, newest first")
    .action(async (id: string) =>
      withCatalog(async (catalog) => {
        const rows = await catalog.history(id);
        const show = (minor: number | null, cur: string | null) => (minor === null || cur === null ? "—" : format({ minor: Number(minor), currency: cur }));
        printTable(
          ["when", "period", "from", "to", "source", "by"],
          rows.map((r) => [r.created_at, `${r.period_months}m`, show(r.old_amount_minor, r.old_currency), show(r.new_amount_minor, r.new_currency), r.source, r.actor ?? ""]),
        );
      }),
    );
}
