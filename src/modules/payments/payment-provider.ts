// The one interface every way of paying implements (balance, bank transfer, Stripe). A provider
// turns "this customer wants to pay this order / top up by this much" into a result the checkout
// page can act on. Money always enters through the customer's balance: a provider that receives
// money from outside posts clearing:<provider> → customer (idempotent per provider event), then
// the order is paid from the balance with OrderService.payFromBalance. One path for every order
// payment, one place where tax, invoice and state transition happen.
import type { Money } from "../../lib/money.ts";

export type PaymentProviderId = "balance" | "bank_transfer" | "stripe";

export interface PayOrderInput {
  orderId: string;
  customerId: string;
  /** Absolute URL of the order's status page: where the customer comes back to. */
  returnUrl: string;
  /** Absolute URL of the checkout page: where a cancelled payment returns to. */
  cancelUrl: string;
  actor: string;
  /** The customer asked to keep the card for renewals (Stripe); providers that cannot, ignore it. */
  saveCard?: boolean;
}

export interface TopUpInput {
  customerId: string;
  amount: Money;
  returnUrl: string;
  cancelUrl: string;
  actor: string;
  /** The customer asked to keep the card for renewals (Stripe); providers that cannot, ignore it. */
  saveCard?: boolean;
}

export type PaymentStart =
  /** Paid now (balance): the order has moved on. */
  | { kind: "paid" }
  /** Send the browser there (Stripe Checkout); the money arrives by webhook or return URL. */
  | { kind: "redirect"; url: string }
  /** An invoice with a payment reference was issued (bank transfer); staff confirm receipt. */
  | { kind: "invoice"; invoiceId: string }
  /** A top-up by bank transfer: the customer transfers quoting `reference` (no invoice: ADR 0015). */
  | { kind: "transfer"; transferId: string; reference: string };

export interface PaymentProvider {
  id: PaymentProviderId;
  /** What the checkout page calls it ("Card", "Bank transfer", "Account balance"). */
  label: string;
  /** Configured and usable now (e.g. Stripe needs its keys; bank transfer the seller's bank details). */
  enabled(): boolean | Promise<boolean>;
  payOrder(input: PayOrderInput): Promise<PaymentStart>;
  /** Absent when the provider cannot add money to a balance (the balance itself). */
  topUp?(input: TopUpInput): Promise<PaymentStart>;
}
