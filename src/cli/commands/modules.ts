// `partnerbill modules list|enable|disable`: which ispmanager modules this billing sells.
import type { Command } from "commander";
import { format } from "../../lib/money.ts";
import { isSellable } from "../../modules/catalog/catalog.logic.ts";
import { withCatalog } from "../runtime.ts";
import { printTable } from "../table.ts";

export function registerModules(program: Command): void {
  const modules = program.command("modules").description("List the module catalog and switch modules on or off");

  modules
    .command("list")
    .description("List modules of the configured client area with their sell prices")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) =>
      withCatalog(async (catalog) => {
        const entries = await catalog.listModules();
        if (opts.json) {
          const rows = entries.map((e) => ({
            id: e.module.id,
            tariffId: e.module.tariff_id,
            name: e.module.name,
            intname: e.module.intname,
            region: e.module.region,
            enabled: e.module.enabled === 1,
            listed: isSellable(e),
            prices: Object.fromEntries(Object.entries(e.prices).map(([k, v]) => [k, v])),
          }));
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        printTable(
          ["tariff", "name", "intname", "enabled", "monthly", "yearly", "listed"],
          entries.map((e) => [
            String(e.module.tariff_id),
            e.module.name,
            e.module.intname,
            e.module.enabled === 1 ? "yes" : "no",
            e.prices[1] ? format(e.prices[1]) : "—",
            e.prices[12] ? format(e.prices[12]) : "—",
            isSellable(e) ? "yes" : "no",
          ]),
        );
      }),
    );

  for (const [name, enabled] of [["enable", true], ["disable", false]] as const) {
    modules
      .command(`${name} <id>`)
      .description(`${enabled ? "Sell" : "Stop selling"} a module (tariff id, e.g. 23221)`)
      .action(async (id: string) =>
        withCatalog(async (catalog) => {
          const m = await catalog.setEnabled(id, enabled);
          process.stdout.write(`${m.name} (${m.tariff_id}) is ${enabled ? "enabled" : "disabled"}.\n`);
        }),
      );
  }
}
