// The customer portal (/account/…): every page of the signed-in customer's own modules, orders,
// invoices, balance and billing details (docs/adr/0021-customer-portal.md). Sign-in, sign-up and
// password pages are in ../account.routes.ts.
import type { FastifyInstance } from "fastify";
import type { Container } from "../../app/container.ts";
import { registerPortalBalanceRoutes } from "./balance.routes.ts";
import { registerPortalDetailsRoutes } from "./details.routes.ts";
import { registerPortalInvoiceRoutes } from "./invoices.routes.ts";
import { registerPortalModuleRoutes } from "./modules.routes.ts";
import { registerPortalOrderRoutes } from "./orders.routes.ts";

export function registerPortalRoutes(app: FastifyInstance, c: Container): void {
  registerPortalModuleRoutes(app, c);
  registerPortalOrderRoutes(app, c);
  registerPortalInvoiceRoutes(app, c);
  registerPortalBalanceRoutes(app, c);
  registerPortalDetailsRoutes(app, c);
}
