// Payments (ADR 0015, 0016): balance and bank transfer built in; card payments by Stripe Checkout
// when both Stripe secrets are configured.
import type { Core } from "./core.ts";
import type { OrderRow } from "../../db/schema.ts";
import type { AlertsService } from "../../modules/alerts/alerts.service.ts";
import type { LedgerService } from "../../modules/ledger/ledger.service.ts";
import type { OrderService } from "../../modules/orders/orders.service.ts";
import type { SettingsService } from "../../modules/settings/settings.service.ts";
import { createPaymentsService } from "../../modules/payments/payments.service.ts";
import { createStripeGateway } from "../../modules/payments/stripe/stripe.gateway.ts";
import { createStripeService } from "../../modules/payments/stripe/stripe.service.ts";
import { createStripeProvider } from "../../modules/payments/stripe/stripe.provider.ts";

export function wirePayments(
  core: Core,
  deps: { orders: OrderService; ledger: LedgerService; settings: SettingsService; alerts: AlertsService; paymentPrecheck: (order: OrderRow) => Promise<void> },
) {
  const { config, db, repos, clock, ids } = core;
  const { orders, ledger, settings } = deps;
  // Bank transfer is offered once the seller's bank details are set (ADR 0040): it reads the settings.
  const payments = createPaymentsService({ db, payments: repos.payments, invoices: repos.invoices, customers: repos.customers, orders, ledger, settings, clock, ids });
  const stripe = createStripeService({
    db,
    repo: repos.stripe,
    gateway: config.STRIPE_SECRET_KEY && config.STRIPE_WEBHOOK_SECRET
      ? createStripeGateway({ secretKey: config.STRIPE_SECRET_KEY, webhookSecret: config.STRIPE_WEBHOOK_SECRET, apiUrl: config.STRIPE_API_URL })
      : null,
    customers: repos.customers,
    orders: repos.orders,
    payOrder: (tx, orderId, customerId, actor) => orders.payFromBalanceIn(tx, orderId, customerId, actor),
    totalOf: (o) => payments.totalOf(o),
    // Before a card payment: no purchase of this license's module in flight, then upstream (automatic mode).
    precheck: async (o) => {
      await orders.refuseDuplicatePurchase(o);
      if (o.fulfillment === "automatic") await deps.paymentPrecheck(o);
    },
    ledger,
    alerts: deps.alerts,
    clock,
    ids,
    publicUrl: config.PUBLIC_URL,
    warn: core.warn,
  });
  payments.register(createStripeProvider(stripe));
  return { payments, stripe };
}
