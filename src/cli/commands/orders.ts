// `partnerbill orders list|show|pay|place|resume|adopt|reject`: orders for staff (the admin console comes later).
import type { Command } from "commander";
import { format } from "../../lib/money.ts";
import { cliActor, withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

export function registerOrders(program: Command): void {
  const orders = program.command("orders").description("Orders: list, inspect, pay from balance, manual queue");

  orders
    .command("list")
    .description("List orders, newest first")
    .option("--state <state>", "only this state (e.g. manual_queue, needs_attention)")
    .option("--license <id>", "only this ispmanager license")
    .option("--limit <n>", "how many", "50")
    .option("--json", "print JSON")
    .action(async (opts: { state?: string; license?: string; limit: string; json?: boolean }) =>
      withContainer(async (c) => {
        const rows = await c.orders.list({
          ...(opts.state ? { state: opts.state } : {}),
          ...(opts.license ? { licenseId: Number(opts.license) } : {}),
          limit: Math.min(Math.max(Number(opts.limit) || 50, 1), 1000),
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
          return;
        }
        printTable(
          ["order", "state", "module", "license", "price", "customer", "upstream", "created"],
          rows.map((o) => [o.id, o.state, String(o.tariff_id), String(o.license_id), format({ minor: Number(o.price_minor), currency: o.currency }), o.customer_id ?? "", o.upstream_service_id ? String(o.upstream_service_id) : "", o.created_at]),
        );
      }),
    );

  orders
    .command("show <order>")
    .description("Show an order and its timeline (transitions and upstream calls)")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) =>
      withContainer(async (c) => {
        const o = await c.orders.get(id);
        const timeline = await c.orders.timeline(id);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ order: o, timeline }, null, 2) + "\n");
          return;
        }
        process.stdout.write(
          [
            `Order ${o.id} — ${o.state}${o.reason ? ` (${o.reason})` : ""}`,
            `  module ${o.tariff_id} on license ${o.license_id}${o.ip ? ` (${o.ip})` : ""}, ${o.period_months} month(s), ${format({ minor: Number(o.price_minor), currency: o.currency })}`,
            `  customer ${o.customer_id ?? "—"}, fulfillment ${o.fulfillment}, upstream service ${o.upstream_service_id ?? "—"}, expires ${o.upstream_expires_on ?? "—"}`,
            "",
          ].join("\n"),
        );
        printTable(
          ["at", "event", "from → to", "detail"],
          timeline.map((e) => [e.at, e.kind, e.from_state || e.to_state ? `${e.from_state ?? ""} → ${e.to_state ?? ""}` : "", e.detail ? JSON.stringify(e.detail) : ""]),
        );
      }),
    );

  orders
    .command("pay <order>")
    .description("Attach a customer to a pending order and pay it from their balance")
    .requiredOption("--customer <email|id>", "the paying customer")
    .action(async (id: string, opts: { customer: string }) =>
      withContainer(async (c) => {
        const o = await c.orders.payFromBalance(id, opts.customer, cliActor());
        process.stdout.write(`Order ${o.id} is ${o.state}.\n`);
      }),
    );

  orders
    .command("place <order>")
    .description("Mark an order placed upstream by hand (manual queue or needs attention)")
    .requiredOption("--upstream-id <n>", "the module's service id in the client area")
    .option("--expires <date>", "expiry date upstream, YYYY-MM-DD (default: today + period)")
    .action(async (id: string, opts: { upstreamId: string; expires?: string }) =>
      withContainer(async (c) => {
        const upstreamId = /^\d{1,15}$/.test(opts.upstreamId) ? Number(opts.upstreamId) : NaN;
        const o = await c.orders.placeManually(id, { upstreamId, expiresOn: opts.expires ?? null }, cliActor());
        process.stdout.write(`Order ${o.id} is ${o.state} (upstream service ${o.upstream_service_id}).\n`);
      }),
    );

  orders
    .command("cancel <order>")
    .description("Cancel an unpaid order")
    .option("--reason <text>", "why", "cancelled by staff")
    .action(async (id: string, opts: { reason: string }) =>
      withContainer(async (c) => {
        const o = await c.orders.cancel(id, cliActor(), opts.reason);
        process.stdout.write(`Order ${o.id} is ${o.state}.\n`);
      }),
    );

  orders
    .command("resume <order>")
    .description("Awaiting funds: try the order upstream again now (after topping up the client-area balance)")
    .action(async (id: string) =>
      withContainer(async (c) => {
        const user = cliActor();
        const o = await c.funds.resumeNow(id, { actor: { kind: "cli", id: user, label: user } });
        process.stdout.write(`Order ${o.id} sent upstream again; \`partnerbill orders show ${o.id}\` shows the outcome.\n`);
      }),
    );

  orders
    .command("adopt <order> <upstream-service-id>")
    .description("Needs attention: adopt upstream module service N for the order (read upstream first: license, tariff, expiry)")
    .action(async (id: string, serviceId: string) =>
      withContainer(async (c) => {
        const user = cliActor();
        const o = await c.attention.adopt(id, Number(serviceId), user, async (tx, ch) => {
          await c.audit.record(tx, { actor: { kind: "cli", id: user, label: user }, action: "order.adopt", subject: { type: "order", id: ch.after.id }, before: { state: ch.before.state }, after: { state: ch.after.state, upstreamServiceId: ch.after.upstream_service_id, upstreamExpiresOn: ch.after.upstream_expires_on } });
        });
        process.stdout.write(`Order ${o.id} is ${o.state} with upstream service ${o.upstream_service_id} until ${o.upstream_expires_on ?? "—"}.\n`);
      }),
    );

  orders
    .command("reject <order>")
    .description("Reject an order and refund the customer's balance")
    .requiredOption("--reason <text>", "why (shown to the customer)")
    .action(async (id: string, opts: { reason: string }) =>
      withContainer(async (c) => {
        const o = await c.orders.reject(id, opts.reason, cliActor());
        process.stdout.write(`Order ${o.id} is ${o.state}; the payment went back to the customer's balance.\n`);
      }),
    );
}
