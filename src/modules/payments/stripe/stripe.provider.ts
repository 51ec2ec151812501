// The `stripe` PaymentProvider: card payments through Stripe Checkout. Enabled only when
// STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are configured.
import type { PaymentProvider } from "../payment-provider.ts";
import type { StripeService } from "./stripe.service.ts";

export function createStripeProvider(stripe: Pick<StripeService, "enabled" | "payOrder" | "topUp">): PaymentProvider {
  return {
    id: "stripe",
    label: "Card",
    enabled: () => stripe.enabled(),
    payOrder: (input) => stripe.payOrder(input),
    topUp: (input) => stripe.topUp(input),
  };
}
