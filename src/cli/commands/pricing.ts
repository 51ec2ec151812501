// `partnerbill prices sync|rule|mode` and `partnerbill rates …`: prices computed from upstream
// costs by markup rules, and the exchange rates they use (ADR 0006). `prices set|clear|history`
// (hand-set prices) live in ./prices.ts; these join the same `prices` command.
import type { Command } from "commander";
import { invalidInput } from "../../lib/errors.ts";
import { format, type Money } from "../../lib/money.ts";
import { describeRule, parsePricingMode } from "../../modules/pricing/pricing.logic.ts";
import type { SyncReport } from "../../modules/pricing/pricing.service.ts";
import { withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

const show = (m: Money | null) => (m ? format(m) : "—");
const change = (a: Money | null, b: Money | null) =>
  a?.minor === b?.minor && a?.currency === b?.currency ? show(b) : `${show(a)} → ${show(b)}`;

/** The diff of a sync as table rows and summary lines, for people. */
export function describeSyncReport(report: SyncReport): { headers: string[]; rows: string[][]; summary: string[] } {
  const rows = report.rows.map((r) => [
    `${r.name} (${r.tariffId})`,
    r.period === 1 ? "1m" : "12m",
    change(r.oldCost, r.newCost),
    change(r.oldPrice, r.newPrice),
    r.action,
    r.note,
  ]);
  const count = (action: string) => report.rows.filter((r) => r.action === action).length;
  const summary = [
    `${report.dryRun ? "Dry run, nothing was written: " : ""}${count("updated")} updated, ${count("withheld")} withheld, ` +
      `${count("kept-last-safe")} kept at the last safe price, ${count("unchanged")} unchanged.`,
  ];
  for (const a of report.availability) {
    summary.push(`${a.name} (${a.tariffId}): ${a.available ? "listed by upstream again" : "no longer listed by upstream (marked unavailable)"}.`);
  }
  if (report.unknownTariffs.length > 0) {
    summary.push(`Upstream also lists tariffs that are not in the catalog (not sold): ${report.unknownTariffs.join(", ")}.`);
  }
  if (report.alerts.length > 0) {
    summary.push(`${report.alerts.length} alert(s)${report.dryRun ? " would be raised" : ""}: see \`partnerbill alerts list\`.`);
  }
  summary.push(report.priceListChanged ? `The price list ${report.dryRun ? "would change" : "changed"}.` : "The price list is unchanged.");
  return { headers: ["module", "period", "cost", "price", "action", "why"], rows, summary };
}

export function registerPricing(program: Command): void {
  const prices =
    program.commands.find((c) => c.name() === "prices") ?? program.command("prices").description("Set and inspect module sell prices");

  prices
    .command("sync")
    .description("Read module costs from upstream and recompute rule-priced modules (the daily job does the same)")
    .option("--dry-run", "show what would change and write nothing")
    .option("--json", "print the diff as JSON")
    .action(async (opts: { dryRun?: boolean; json?: boolean }) =>
      withContainer(async (c) => {
        const report = await c.pricing.sync({ dryRun: opts.dryRun === true });
        if (opts.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + "\n");
          return;
        }
        const d = describeSyncReport(report);
        printTable(d.headers, d.rows);
        process.stdout.write(d.summary.join("\n") + "\n");
      }),
    );

  const rule = prices.command("rule").description("Markup rules: the global one, and per-module rules that replace it");

  rule
    .command("set")
    .description("Set the global rule, or with --module a module's own rule (which also switches that module to rule pricing)")
    .option("--module <id>", "tariff id, e.g. 23221; without it the global rule is set")
    .option("--markup-percent <percent>", "e.g. 20 or 12.5 (negative for a discount, e.g. --markup-percent=-5)")
    .option("--markup-fixed <amount>", "added after the percentage, in the sell currency, e.g. 1.00")
    .option("--rounding <mode>", "whole (up to whole units), 99 (up to x.99) or none", "none")
    .requiredOption("--currency <code>", "the sell currency, e.g. EUR")
    .action(async (opts: { module?: string; markupPercent?: string; markupFixed?: string; rounding: string; currency: string }) =>
      withContainer(async (c) => {
        const r = await c.pricing.setRule(opts);
        const what = r.module ? `${r.module.name} (${r.module.tariff_id})` : "Global rule";
        process.stdout.write(`${what}: ${describeRule(r.rule)}.\n`);
        if (!r.module && r.manualModules > 0) {
          process.stdout.write(
            `${r.manualModules} module(s) are priced by hand and keep their prices; ` +
              "switch them with `partnerbill prices mode rules --all` (or give module ids).\n",
          );
        }
        process.stdout.write("Prices follow at the next sync: `partnerbill prices sync --dry-run` shows the result.\n");
      }),
    );

  rule
    .command("list")
    .description("Show the rules and how each module is priced")
    .action(async () =>
      withContainer(async (c) => {
        const l = await c.pricing.listRules();
        process.stdout.write(`Global rule: ${l.global ? describeRule(l.global) : "none"}\n\n`);
        printTable(
          ["tariff", "name", "mode", "priced by", "own rule"],
          l.modules.map((m) => [String(m.tariffId), m.name, m.mode, m.pricedBy, m.rule ? describeRule(m.rule) : "—"]),
        );
      }),
    );

  rule
    .command("remove")
    .description("Remove the global rule, or with --module a module's own rule (it then follows the global rule)")
    .option("--module <id>", "tariff id")
    .action(async (opts: { module?: string }) =>
      withContainer(async (c) => {
        await c.pricing.removeRule(opts.module);
        process.stdout.write("Rule removed. Prices follow at the next sync.\n");
      }),
    );

  prices
    .command("mode <mode> [ids...]")
    .description("Price modules by hand (manual) or from cost by the rules (rules)")
    .option("--all", "every module of the catalog")
    .action(async (modeText: string, ids: string[], opts: { all?: boolean }) =>
      withContainer(async (c) => {
        const mode = parsePricingMode(modeText);
        if (!opts.all && ids.length === 0) throw invalidInput("Give module ids or --all");
        const n = await c.pricing.setMode(opts.all ? "all" : ids, mode);
        process.stdout.write(`${n} module(s) switched to ${mode} pricing.${mode === "rules" ? " Prices follow at the next sync." : ""}\n`);
      }),
    );

  const rates = program.command("rates").description("Exchange rates used to convert costs into sell currencies");

  rates
    .command("set <base> <quote> <rate>")
    .description("Set a rate by hand: 1 base = rate quote (e.g. `rates set EUR RUB 98.50`); manual rates win over the ECB's")
    .action(async (base: string, quote: string, rate: string) =>
      withContainer(async (c) => {
        const r = await c.pricing.setRate(base, quote, rate);
        process.stdout.write(`1 ${r.base} = ${r.rate} ${r.quote} (manual, as of ${r.as_of}).\n`);
      }),
    );

  rates
    .command("list")
    .description("List stored rates")
    .action(async () =>
      withContainer(async (c) => {
        const rows = await c.pricing.listRates();
        printTable(["pair", "rate", "source", "as of"], rows.map((r) => [`${r.base}/${r.quote}`, r.rate, r.source, r.as_of]));
      }),
    );

  rates
    .command("remove <base> <quote>")
    .description("Remove a stored rate")
    .action(async (base: string, quote: string) =>
      withContainer(async (c) => {
        await c.pricing.removeRate(base, quote);
        process.stdout.write("Rate removed.\n");
      }),
    );

  rates
    .command("fetch-ecb")
    .description("Fetch the ECB daily reference rates (per 1 EUR; no RUB). Once fetched, the daily sync refreshes them.")
    .option("--url <url>", "feed URL (default: ECB_RATES_URL)")
    .action(async (opts: { url?: string }) =>
      withContainer(async (c) => {
        const r = await c.pricing.fetchEcbRates(opts.url);
        process.stdout.write(`ECB rates of ${r.asOf}: ${r.stored.length} stored.\n`);
        if (r.keptManual.length > 0) process.stdout.write(`Kept manual rates for ${r.keptManual.join(", ")}.\n`);
        if (r.skipped.length > 0) process.stdout.write(`Not used (currencies partnerbill does not handle): ${r.skipped.join(", ")}.\n`);
      }),
    );
}
