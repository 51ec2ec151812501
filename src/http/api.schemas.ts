// The JSON API's shapes, as zod schemas: requests are validated with them and the OpenAPI
// document (src/http/openapi.ts) is generated from them, so the two cannot drift. Responses are
// described here too; the API tests check every answer against its schema.
import { z } from "zod";
import { ACTOR_KINDS } from "../modules/audit/audit.logic.ts";
import { ORDER_STATES } from "../modules/orders/orders.logic.ts";
import { WEBHOOK_EVENT_NAMES } from "../modules/webhooks/webhooks.logic.ts";

// ---- shared pieces -------------------------------------------------------------------------

export const Money = z
  .object({
    minor: z.number().int().describe("Integer amount in the currency's minor units (cents, kopecks)"),
    currency: z.string().describe("ISO 4217 code"),
  })
  .describe("An amount of money");

const ModuleRef = z
  .string()
  .regex(/^((eu|ru)-)?\d{1,9}$/)
  .describe("The module's tariff id in the configured region (23221) or its full id (eu-23221)");
const Period = z.enum(["1", "12"]).describe("Billing period in months");
const OrderId = z.string().regex(/^ord_[0-9a-z]{1,40}$/).describe("Order id (ord_…)");
const CustomerRef = z.string().min(1).max(254).describe("Customer id (cus_…) or e-mail address");
const Limit = (max: number) =>
  z
    .string()
    .regex(/^\d{1,4}$/)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be 1 to ${max}`)
    .describe(`Page size, 1 to ${max}`);
const Cursor = z.string().max(400).describe("The nextCursor of the previous page");
const Reason = z.string().trim().min(1).max(500);
const DecimalText = z.string().max(32).describe('A decimal amount as text, e.g. "950.00"');
const CurrencyText = z.string().max(8).describe("ISO 4217 code, e.g. EUR");

// ---- catalog and prices --------------------------------------------------------------------

export const ModuleParams = z.object({ module: ModuleRef });
export const PriceParams = z.object({ module: ModuleRef, period: Period });

export const ModuleView = z.object({
  id: z.string().describe("eu-23221"),
  tariffId: z.number().int(),
  name: z.string(),
  intname: z.string(),
  enabled: z.boolean().describe("On sale (staff switch)"),
  upstreamAvailable: z.boolean().describe("Offered by the client area now"),
  pricingMode: z.enum(["manual", "rules"]),
  prices: z.array(z.object({ periodMonths: z.number().int(), price: Money })).describe("Sell prices by period; a period without a price is not sold"),
});
export const ModuleList = z.object({ modules: z.array(ModuleView) });

export const PriceView = z.object({ module: z.string(), tariffId: z.number().int(), periodMonths: z.number().int(), price: Money });
export const PriceList = z.object({ prices: z.array(PriceView) });

export const SetPriceBody = z.strictObject({ amount: DecimalText, currency: CurrencyText });
export const SetPriceResult = z.object({ module: z.string(), periodMonths: z.number().int(), price: Money, previous: Money.nullable() });
export const ClearPriceResult = z.object({ module: z.string(), periodMonths: z.number().int(), cleared: z.boolean().describe("False when there was no price to clear") });

export const HistoryQuery = z.object({ limit: Limit(200).optional() });
export const PriceHistory = z.object({
  history: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      periodMonths: z.number().int(),
      old: Money.nullable(),
      new: Money.nullable(),
      source: z.string().describe("cli, admin, api, sync, seed"),
      actor: z.string().nullable(),
    }),
  ),
});

export const SyncResult = z.object({
  job: z.object({ id: z.string(), state: z.string(), created: z.boolean().describe("False when a sync requested in the same minute is already queued") }),
});

// ---- orders --------------------------------------------------------------------------------

export const OrderParams = z.object({ order: OrderId });
export const OrderListQuery = z.object({
  state: z.enum(ORDER_STATES).optional(),
  kind: z.enum(["purchase", "renewal"]).optional(),
  customer: z.string().max(60).optional().describe("Customer id (cus_…)"),
  license: z.string().regex(/^[1-9]\d{0,14}$/).transform(Number).optional().describe("ispmanager license id"),
  module: z.string().max(30).optional().describe("Module id, e.g. eu-23221"),
  from: z.string().max(40).optional().describe("Created at or after (date or ISO date-time)"),
  to: z.string().max(40).optional().describe("Created up to (a date: that whole day)"),
  q: z.string().max(254).optional().describe("Search: order id, license number, customer e-mail or id"),
  cursor: Cursor.optional(),
  limit: Limit(500).optional(),
});

export const OrderView = z.object({
  id: z.string(),
  kind: z.enum(["purchase", "renewal"]),
  state: z.string(),
  customerId: z.string().nullable(),
  moduleId: z.string(),
  tariffId: z.number().int(),
  licenseId: z.number().int(),
  ip: z.string().nullable(),
  periodMonths: z.number().int(),
  price: Money,
  fulfillment: z.enum(["automatic", "manual"]),
  upstreamServiceId: z.number().int().nullable(),
  upstreamExpiresOn: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  paidAt: z.string().nullable(),
  activatedAt: z.string().nullable(),
});
export const OrderList = z.object({ orders: z.array(OrderView), nextCursor: z.string().nullable() });
export const TimelineEvent = z.object({
  id: z.string(),
  at: z.string(),
  kind: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  actor: z.string().nullable(),
});
export const OrderDetail = z.object({ order: OrderView, timeline: z.array(TimelineEvent) });
export const OrderResult = z.object({ order: OrderView });

export const CancelBody = z.strictObject({ reason: Reason.optional() }).optional();
export const PlaceBody = z.strictObject({
  upstreamId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).describe("The module's id in the client area, as staff ordered it by hand"),
  expiresOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe("Upstream expiry date; default: the period from now"),
});
export const RejectBody = z.strictObject({ reason: Reason });
export const RefundBody = z.strictObject({ reason: Reason });
export const RefundResult = z.object({ order: OrderView, amount: Money, creditNote: z.object({ id: z.string(), number: z.string() }).nullable() });

// ---- customers -----------------------------------------------------------------------------

export const CustomerParams = z.object({ customer: CustomerRef });
export const CustomerListQuery = z.object({ limit: Limit(500).optional() });
export const CustomerView = z.object({ id: z.string(), email: z.string(), name: z.string().nullable(), createdAt: z.string() });
export const CustomerList = z.object({ customers: z.array(CustomerView) });
export const CustomerDetail = z.object({ customer: CustomerView, balances: z.array(Money) });
export const CustomerResult = z.object({ customer: CustomerView });
export const CreateCustomerBody = z.strictObject({ email: z.string().max(254), name: z.string().max(200).optional() });
export const Balances = z.object({ customerId: z.string(), balances: z.array(Money) });
export const CreditBody = z.strictObject({ amount: DecimalText, currency: CurrencyText, reason: Reason.describe("Why; kept in the ledger and the audit log") });
export const CreditResult = z.object({ customerId: z.string(), credited: Money, balances: z.array(Money) });

// ---- audit ---------------------------------------------------------------------------------

export const AuditQuery = z.object({
  actorKind: z.enum(ACTOR_KINDS).optional(),
  actorId: z.string().max(200).optional(),
  action: z.string().max(200).optional().describe("Exact (price.set) or a prefix ending in a dot (price.)"),
  subjectType: z.string().max(200).optional(),
  subjectId: z.string().max(200).optional(),
  from: z.string().max(40).optional().describe("At or after (ISO date or date-time)"),
  to: z.string().max(40).optional().describe("Before (ISO date or date-time)"),
  cursor: Cursor.optional(),
  limit: Limit(200).optional(),
});
export const AuditEntryView = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ kind: z.enum(ACTOR_KINDS), id: z.string().nullable(), label: z.string().nullable() }),
  action: z.string(),
  subject: z.object({ type: z.string(), id: z.string() }),
  before: z.unknown().describe("The subject before the change (secrets redacted), or null"),
  after: z.unknown().describe("The subject after the change (secrets redacted), or null"),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
});
export const AuditList = z.object({ entries: z.array(AuditEntryView), nextCursor: z.string().nullable() });

// ---- webhooks ------------------------------------------------------------------------------

export const WebhookParams = z.object({ endpoint: z.string().regex(/^whe_[0-9a-z]{1,40}$/).describe("Endpoint id (whe_…)") });
const WebhookEventName = z.enum(WEBHOOK_EVENT_NAMES);
export const WebhookEndpointView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(WebhookEventName),
  enabled: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const WebhookEndpointList = z.object({ endpoints: z.array(WebhookEndpointView) });
export const CreateWebhookBody = z.strictObject({
  url: z.string().max(2000).describe("http(s) URL the events are POSTed to"),
  description: z.string().max(200).optional(),
  events: z.array(WebhookEventName).min(1).max(20),
});
export const CreateWebhookResult = z.object({
  endpoint: WebhookEndpointView,
  secret: z.string().describe("The signing secret (whsec_…): returned only in this answer, store it with the receiver"),
});
export const WebhookDeliveryView = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string().describe("Shared by an event's deliveries to every endpoint; receivers de-duplicate on it"),
  eventType: z.string(),
  state: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});
export const WebhookDeliveryList = z.object({ deliveries: z.array(WebhookDeliveryView) });
export const WebhookDeliveriesQuery = z.object({ limit: Limit(500).optional() });
export const WebhookDeliveryResult = z.object({ delivery: WebhookDeliveryView });
export const DeleteWebhookResult = z.object({ deleted: z.literal(true) });

// ---- errors --------------------------------------------------------------------------------

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe("Stable: invalid_input, unauthenticated, forbidden, not_found, conflict, illegal_transition, insufficient_funds, upstream_unavailable, upstream_rejected, internal"),
    message: z.string().describe("For people; may change"),
  }),
});
