// Money commands for staff (ADR 0015):
//   partnerbill settings show | set <key> <value> | reset <key>
//   partnerbill invoices list [--customer C] [--year Y] | show <invoice> [--html|--pdf FILE]
//   partnerbill payments confirm <invoice|reference> --amount A [--bank-ref R] | refund-balance …
//   partnerbill customers billing <customer> [--company …] | statement <customer> --currency C
//   partnerbill orders refund <order> --reason R   (an active order, to the balance, with a credit note)
//   partnerbill ledger figures [--from D] [--to D]
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { invalidInput } from "../../lib/errors.ts";
import { format } from "../../lib/money.ts";
import { cliActor, withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function registerMoney(program: Command): void {
  const settings = program.command("settings").description("Seller details, tax and invoice numbering");
  settings
    .command("show")
    .description("Show every setting with its value")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const rows = await c.settings.list();
        if (opts.json) {
          process.stdout.write(JSON.stringify(Object.fromEntries(rows.map((r) => [r.key, r.value])), null, 2) + "\n");
          return;
        }
        printTable(["key", "value", "", "meaning"], rows.map((r) => [r.key, r.value.replaceAll("\n", "\\n"), r.isDefault ? "(default)" : "", r.description]));
      }),
    );
  settings
    .command("set <key> <value>")
    .description("Set one setting (validated; see `settings show` for the keys)")
    .action(async (key: string, value: string) =>
      withContainer(async (c) => {
        const stored = await c.settings.set(key, value);
        process.stdout.write(`${key} = ${stored}\n`);
      }),
    );
  settings
    .command("reset <key>")
    .description("Put a setting back to its default")
    .action(async (key: string) =>
      withContainer(async (c) => {
        await c.settings.reset(key);
        process.stdout.write(`${key} reset to its default.\n`);
      }),
    );

  const invoices = program.command("invoices").description("Invoices and credit notes");
  invoices
    .command("list")
    .description("List invoices and credit notes, newest first")
    .option("--customer <customer>", "customer id or e-mail")
    .option("--year <year>", "calendar year of issue")
    .option("--limit <n>", "at most this many", "100")
    .option("--json", "print JSON")
    .action(async (opts: { customer?: string; year?: string; limit: string; json?: boolean }) =>
      withContainer(async (c) => {
        if (opts.year !== undefined && !/^\d{4}$/.test(opts.year)) throw invalidInput("--year must be a year like 2027");
        if (!/^\d{1,4}$/.test(opts.limit)) throw invalidInput("--limit must be a whole number");
        const customerId = opts.customer ? (await c.customers.find(opts.customer)).id : undefined;
        const rows = await c.invoices.list({
          ...(customerId ? { customerId } : {}),
          ...(opts.year ? { year: Number(opts.year) } : {}),
          limit: Number(opts.limit),
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        printTable(
          ["number", "kind", "issued", "customer", "order", "total", "status"],
          rows.map((r) => [r.number, r.kind, r.issued_at.slice(0, 10), r.buyer.email, r.order_id ?? "", format({ minor: r.total_minor, currency: r.currency }), r.status]),
        );
      }),
    );
  invoices
    .command("show <invoice>")
    .description("Show an invoice or credit note (id or number)")
    .option("--json", "print JSON")
    .option("--html <file>", "write the printable page to a file")
    .option("--pdf <file>", "write the PDF to a file")
    .action(async (ref: string, opts: { json?: boolean; html?: string; pdf?: string }) =>
      withContainer(async (c) => {
        const doc = await c.invoices.show(ref);
        if (opts.html) writeFileSync(opts.html, await c.invoices.html(ref));
        if (opts.pdf) writeFileSync(opts.pdf, await c.invoices.pdf(ref));
        if (opts.json) {
          process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
          return;
        }
        const inv = doc.invoice;
        const m = (minor: number) => format({ minor, currency: inv.currency });
        process.stdout.write(
          [
            `${inv.kind === "credit_note" ? "Credit note" : "Invoice"} ${inv.number} (${inv.id}) — ${doc.status}`,
            `  issued ${inv.issued_at}${inv.due_on ? `, due ${inv.due_on}` : ""}${doc.related ? `, related ${doc.related.number}` : ""}`,
            `  to ${inv.buyer.company ?? inv.buyer.name ?? inv.buyer.email} <${inv.buyer.email}>${inv.buyer.vatId ? `, VAT ${inv.buyer.vatId}` : ""}`,
            ...inv.lines.map((l) => `  ${l.description}: ${m(l.net)} + ${m(l.tax)} = ${m(l.total)}`),
            `  net ${m(inv.net_minor)}, ${inv.tax_name} ${m(inv.tax_minor)}, total ${m(inv.total_minor)}`,
            ...inv.notes.map((n) => `  ${n}`),
            ...(doc.transferReference ? [`  bank transfer reference ${doc.transferReference}`] : []),
          ].join("\n") + "\n",
        );
      }),
    );

  const payments = program.command("payments").description("Payments received outside (bank transfers)");
  payments
    .command("confirm <ref>")
    .description("Record a bank transfer that arrived (invoice number, invoice id or payment reference); pays its order")
    .requiredOption("--amount <decimal>", "the amount received, in the invoice's currency")
    .option("--bank-ref <id>", "the bank's id of this transfer, when one invoice is paid in several transfers")
    .action(async (ref: string, opts: { amount: string; bankRef?: string }) =>
      withContainer(async (c) => {
        const r = await c.payments.confirmTransfer(ref, { amount: opts.amount, ...(opts.bankRef ? { bankRef: opts.bankRef } : {}), actor: cliActor() });
        const lines = [r.credited ? `Received ${format(r.amount)} for ${r.transfer.reference}: credited to the customer's balance.` : `${r.transfer.reference} was confirmed before: nothing credited again.`];
        if (r.order) {
          lines.push(r.order.paid ? `Order ${r.order.id} is paid (${r.order.state}).` : `Order ${r.order.id} is not paid: ${r.order.problem ?? r.order.state}. The money stays on the balance.`);
        }
        const { balances } = await c.customers.show(r.transfer.customer_id);
        lines.push(`Balance: ${balances.map(format).join(", ") || "0"}`);
        process.stdout.write(lines.join("\n") + "\n");
      }),
    );
  payments
    .command("refund-balance <customer>")
    .description("Record money sent back from a customer's balance by bank transfer")
    .requiredOption("--amount <decimal>", "e.g. 100.00")
    .requiredOption("--currency <code>", "ISO 4217")
    .requiredOption("--reason <text>", "why (kept in the ledger)")
    .action(async (customer: string, opts: { amount: string; currency: string; reason: string }) =>
      withContainer(async (c) => {
        const row = await c.customers.find(customer);
        const amount = await c.payments.refundToOutside({ customerId: row.id, providerId: "bank_transfer", ...opts, actor: cliActor() });
        process.stdout.write(`Recorded ${format(amount)} sent back to ${row.email}.\n`);
      }),
    );

  const customers = group(program, "customers", "Customer accounts and balances");
  customers
    .command("billing <customer>")
    .description("Set a customer's billing details for invoices (empty text clears a field)")
    .option("--company <name>")
    .option("--address <text>", "postal address (\\n between lines)")
    .option("--country <code>", "ISO 3166-1 two letters")
    .option("--vat-id <number>", "VAT number (EU: checked against the country's format)")
    .action(async (customer: string, opts: { company?: string; address?: string; country?: string; vatId?: string }) =>
      withContainer(async (c) => {
        const current = await c.customers.find(customer);
        const row = await c.customers.updateBilling(customer, {
          company: opts.company ?? current.company ?? null,
          address: opts.address !== undefined ? opts.address.replaceAll("\\n", "\n") : (current.address ?? null),
          country: opts.country ?? current.country ?? null,
          vatId: opts.vatId ?? current.vat_id ?? null,
        });
        process.stdout.write(`${row.email}: ${[row.company, row.country, row.vat_id ? `VAT ${row.vat_id}` : null].filter(Boolean).join(", ") || "no billing details"}\n`);
      }),
    );
  customers
    .command("statement <customer>")
    .description("A customer's balance movements with the running balance")
    .requiredOption("--currency <code>", "ISO 4217")
    .option("--limit <n>", "the latest n movements", "50")
    .action(async (customer: string, opts: { currency: string; limit: string }) =>
      withContainer(async (c) => {
        const row = await c.customers.find(customer);
        if (!/^\d{1,5}$/.test(opts.limit)) throw invalidInput("--limit must be a whole number");
        const rows = await c.ledger.statement(c.db, row.id, opts.currency.trim().toUpperCase(), Number(opts.limit));
        printTable(["at", "kind", "amount", "balance", "order", "memo"], rows.map((r) => [r.at, r.kind, format(r.amount), format(r.balance), r.orderId ?? "", r.memo]));
      }),
    );

  const orders = group(program, "orders", "Orders");
  orders
    .command("refund <order>")
    .description("Refund an active order to the customer's balance (revenue and tax back, a credit note issued)")
    .requiredOption("--reason <text>", "why (on the credit note)")
    .action(async (orderId: string, opts: { reason: string }) =>
      withContainer(async (c) => {
        const r = await c.orders.refundActive(orderId, opts.reason, cliActor());
        process.stdout.write(`Refunded ${format(r.amount)} to the customer's balance${r.creditNote ? `; credit note ${r.creditNote.number}` : ""}.\n`);
      }),
    );

  const ledger = group(program, "ledger", "The double-entry ledger");
  ledger
    .command("figures")
    .description("Revenue (net of tax), tax collected, upstream cost and margin per currency")
    .option("--from <date>", "first day (YYYY-MM-DD)", "1970-01-01")
    .option("--to <date>", "day after the last (YYYY-MM-DD)", "9999-12-31")
    .action(async (opts: { from: string; to: string }) =>
      withContainer(async (c) => {
        if (!DAY.test(opts.from) || !DAY.test(opts.to)) throw invalidInput("--from and --to are dates like 2027-01-31");
        const rows = await c.ledger.figures(c.db, { from: opts.from, to: opts.to });
        printTable(["currency", "revenue", "tax", "upstream cost", "margin"], rows.map((r) => [r.currency, format(r.revenue), format(r.tax), format(r.upstreamCost), format(r.margin)]));
      }),
    );
}
