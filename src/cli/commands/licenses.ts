// `partnerbill licenses …`: ispmanager licenses (issue 15) — the license tariffs this billing sells
// (`tariffs`, `enable`, `disable`; prices are set with `prices set <tariff> …` as for modules, or
// follow the pricing rules), and the licenses customers hold (`list`, `show`, `change-ip`,
// `newkey`). Every change is audited with the operator's OS user.
import type { Command } from "commander";
import { invalidInput } from "../../lib/errors.ts";
import { format } from "../../lib/money.ts";
import { isSellable } from "../../modules/catalog/catalog.logic.ts";
import { cliAuditContext, withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

const cliContext = cliAuditContext;

const print = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + "\n");

export function registerLicenses(program: Command): void {
  const licenses = program.command("licenses").description("ispmanager licenses: the tariffs sold and the licenses customers hold");

  licenses
    .command("tariffs")
    .description("List the license tariffs read from upstream (price sync) with cost and sell prices")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const [entries, costs] = await Promise.all([c.catalog.listLicenseTariffs(), c.repos.pricing.listCosts(c.db, c.config.UPSTREAM_REGION)]);
        const costOf = (id: string, months: number) => {
          const r = costs.find((x) => x.module_id === id && x.period_months === months);
          return r ? { minor: Number(r.cost_minor), currency: r.currency } : null;
        };
        const rows = entries.map((e) => ({
          id: e.module.id,
          tariffId: e.module.tariff_id,
          name: e.module.name,
          edition: e.module.edition,
          trial: e.module.trial === 1,
          enabled: e.module.enabled === 1,
          upstreamAvailable: e.module.upstream_available === 1,
          pricing: e.module.pricing_mode,
          cost: { 1: costOf(e.module.id, 1), 12: costOf(e.module.id, 12) },
          prices: e.prices,
          // Trials are not sold through checkout yet (issue 15): never "on sale" here.
          onSale: e.module.trial !== 1 && isSellable(e),
        }));
        if (opts.json) {
          print(rows);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write("No license tariffs yet: run `partnerbill prices sync` to read them from upstream.\n");
          return;
        }
        printTable(
          ["tariff", "name", "edition", "trial", "enabled", "cost 1/12", "monthly", "yearly", "on sale"],
          rows.map((r) => [
            String(r.tariffId),
            r.name,
            r.edition ?? "—",
            r.trial ? "yes" : "no",
            r.enabled ? "yes" : "no",
            `${r.cost[1] ? format(r.cost[1]) : "—"} / ${r.cost[12] ? format(r.cost[12]) : "—"}`,
            r.prices[1] ? format(r.prices[1]) : "—",
            r.prices[12] ? format(r.prices[12]) : "—",
            r.onSale ? "yes" : "no",
          ]),
        );
      }),
    );

  for (const [name, enabled] of [["enable", true], ["disable", false]] as const) {
    licenses
      .command(`${name} <tariff>`)
      .description(`${enabled ? "Sell" : "Stop selling"} a license tariff (tariff id, e.g. 55228)`)
      .action(async (tariff: string) =>
        withContainer(async (c) => {
          const m = (await c.catalog.getModule(tariff)).module;
          if (m.product !== "license") throw invalidInput(`${tariff} is a module, not a license tariff: use \`partnerbill modules ${name}\``);
          await c.catalog.setEnabled(tariff, enabled);
          process.stdout.write(`${m.name} (${m.tariff_id}) is ${enabled ? "enabled" : "disabled"}.\n`);
        }),
      );
  }

  licenses
    .command("list")
    .description("List the licenses customers hold")
    .option("--customer <id>", "only this customer's (customer id)")
    .option("--json", "print JSON")
    .action(async (opts: { customer?: string; json?: boolean }) =>
      withContainer(async (c) => {
        const rows = await c.licenses.list(opts.customer ? { customerId: opts.customer } : {});
        if (opts.json) {
          print(rows);
          return;
        }
        printTable(
          ["id", "license", "tariff", "ip", "name", "expires", "state", "key"],
          rows.map((l) => [l.id, String(l.upstreamId), String(l.tariff), l.ip, l.name ?? "—", l.expiresOn ?? "—", l.state, l.keyState]),
        );
      }),
    );

  licenses
    .command("show <license>")
    .description("Show one license (local id or upstream license id); --reveal-key prints the key (audited)")
    .option("--reveal-key", "print the license key; the reveal is written to the audit log")
    .action(async (ref: string, opts: { revealKey?: boolean }) =>
      withContainer(async (c) => {
        if (opts.revealKey) {
          print(await c.licenses.revealKey(ref, { audit: cliContext() }));
          return;
        }
        print(await c.licenses.show(ref));
      }),
    );

  licenses
    .command("change-ip <license> <ip>")
    .description("Move a license to another server IP (soft.edit); staff are not limited, every change is audited")
    .action(async (ref: string, ip: string) =>
      withContainer(async (c) => {
        const l = await c.licenses.changeIp(ref, ip, { audit: cliContext() });
        process.stdout.write(`License ${l.upstreamId} is now on ${l.ip}.\n`);
      }),
    );

  licenses
    .command("newkey <license>")
    .description("Issue a new key for a license (soft.edit newkey); it is stored and mailed to the customer")
    .action(async (ref: string) =>
      withContainer(async (c) => {
        const l = await c.licenses.newKey(ref, { audit: cliContext() });
        process.stdout.write(`License ${l.upstreamId} has a new key; it was mailed to the customer.\n`);
      }),
    );
}
