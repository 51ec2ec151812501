// `partnerbill <command>`: one binary for the server and every operator task. Commands are
// registered from one file each under ./commands.
import { Command, CommanderError } from "commander";
import { registerCustomers } from "./commands/customers.ts";
import { registerJobs } from "./commands/jobs.ts";
import { registerMigrate } from "./commands/migrate.ts";
import { registerBackup } from "./commands/backup.ts";
import { registerOrders } from "./commands/orders.ts";
import { registerModules } from "./commands/modules.ts";
import { registerLicenses } from "./commands/licenses.ts";
import { registerPrices } from "./commands/prices.ts";
import { registerPricing } from "./commands/pricing.ts";
import { registerAlerts } from "./commands/alerts.ts";
import { registerConformance } from "./commands/conformance.ts";
import { registerSandbox } from "./commands/sandbox.ts";
import { registerServe } from "./commands/serve.ts";
import { registerUpstream } from "./commands/upstream.ts";
import { registerCustomerModules } from "./commands/customer-modules.ts";
import { registerReconcile } from "./commands/reconcile.ts";
import { registerRenewals } from "./commands/renewals.ts";
import { registerStaff } from "./commands/staff.ts";
import { registerTokens } from "./commands/tokens.ts";
import { registerMoney } from "./commands/money.ts";
import { registerMail } from "./commands/mail.ts";
import { reportError } from "./runtime.ts";
import { VERSION } from "../app/version.ts";

export function buildProgram(): Command {
  const program = new Command()
    .name("partnerbill")
    .description("Billing for reselling ispmanager modules")
    .version(VERSION, "-V, --version", "print partnerbill's version")
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerMigrate(program);
  registerBackup(program);
  registerModules(program);
  registerLicenses(program);
  registerPrices(program);
  registerPricing(program);
  registerAlerts(program);
  registerSandbox(program);
  registerUpstream(program);
  registerCustomers(program);
  registerOrders(program);
  registerJobs(program);
  // After registerCustomers and registerModules: it adds to their command groups.
  registerCustomerModules(program);
  // After registerCustomers and registerOrders too: settings, invoices, payments, billing, refunds.
  registerMoney(program);
  registerRenewals(program);
  registerReconcile(program);
  registerStaff(program);
  registerTokens(program);
  registerMail(program);
  registerConformance(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    reportError(e);
  }
}
