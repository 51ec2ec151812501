// The order state machine (DESIGN.md §4) and the validation of a Buy redirect. Pure.
//
//  Buy redirect ─▶ pending_payment ─paid─▶ paid ─▶ placing ─▶ active
//  (or a renewal)     └─▶ cancelled                │      ├─▶ needs_attention (outcome unknown and
//                                                  │      │     unprovable, out of retries)
//                                                  │      ├─▶ awaiting_funds (upstream balance too low)
//                                                  │      └─▶ rejected ─▶ refunded
//                                                  ├─▶ manual_queue (manual mode) ─▶ active | rejected
//                                                  └─▶ rejected (certain refusal before any call)
//  A renewal (kind "renewal") goes the same way; "placing" means service.prolong, not a new order.
import { isIP } from "node:net";
import type { OrderRow } from "../../db/schema.ts";
import { AppError, invalidInput } from "../../lib/errors.ts";

export const ORDER_STATES = [
  "pending_payment",
  "paid",
  "placing",
  "active",
  "needs_attention",
  "awaiting_funds",
  "manual_queue",
  "rejected",
  "refunded",
  "cancelled",
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  pending_payment: ["paid", "cancelled"],
  // paid → rejected: refused for certain before any upstream call (a renewal's module is gone).
  paid: ["placing", "manual_queue", "needs_attention", "rejected"],
  placing: ["placing", "active", "needs_attention", "awaiting_funds", "rejected"],
  awaiting_funds: ["placing", "needs_attention", "rejected"],
  needs_attention: ["placing", "active", "rejected"],
  manual_queue: ["active", "rejected"],
  rejected: ["refunded"],
  active: [],
  refunded: [],
  cancelled: [],
};

/** States in which the customer's money is held for the order (paid, not yet earned or returned). */
export const MONEY_HELD: ReadonlySet<OrderState> = new Set(["paid", "placing", "needs_attention", "awaiting_funds", "manual_queue", "rejected"]);

export function isOrderState(s: string): s is OrderState {
  return (ORDER_STATES as readonly string[]).includes(s);
}

export function assertTransition(from: string, to: OrderState): void {
  if (!isOrderState(from) || !TRANSITIONS[from].includes(to)) {
    throw new AppError("illegal_transition", `An order in state ${from} cannot become ${to}`, { from, to });
  }
}

/** States an order may leave for `to`. */
export function statesLeadingTo(to: OrderState): OrderState[] {
  return ORDER_STATES.filter((s) => TRANSITIONS[s].includes(to));
}

export interface BuyRedirect {
  moduleId: number;
  license: number;
  ip: string | null;
  /** The module's service name as the panel sent it (informational; module_id is the truth). */
  moduleName: string | null;
}

function one(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  return undefined;
}

const POSITIVE_INT = /^[1-9]\d{0,14}$/;

/** Validates the panel's Buy redirect (PROTOCOL.md §2.4). Throws invalid_input naming the problem. */
export function parseBuyRedirect(params: Record<string, unknown>): BuyRedirect {
  // Each problem in English (the error's message, logs, the API) and as a code (pages word it).
  const problems: string[] = [];
  const codes: string[] = [];
  const problem = (code: string, text: string) => {
    codes.push(code);
    problems.push(text);
  };
  const rawModuleId = one(params, "module_id")?.trim();
  const rawLicense = one(params, "license")?.trim();
  const rawIp = one(params, "ip")?.trim();
  const moduleName = one(params, "module")?.trim() || null;

  if (!rawModuleId) problem("module_id_missing", "module_id is missing");
  else if (!POSITIVE_INT.test(rawModuleId)) problem("module_id_invalid", "module_id must be a positive whole number");
  if (!rawLicense) problem("license_missing", "license is missing");
  else if (!POSITIVE_INT.test(rawLicense)) problem("license_invalid", "license must be a positive whole number");
  if (rawIp && isIP(rawIp) === 0) problem("ip_invalid", "ip is not a valid IPv4 or IPv6 address");
  if (moduleName !== null && moduleName.length > 100) problem("module_name_long", "module is too long");

  if (problems.length > 0) throw invalidInput(problems.join("; "), { problems, codes });
  return { moduleId: Number(rawModuleId), license: Number(rawLicense), ip: rawIp ? rawIp : null, moduleName };
}

/** YYYY-MM-DD `months` after `from` (clamped to the month's last day, like billing systems do). */
export function addMonths(from: string, months: number): string {
  const [y, m, d] = from.slice(0, 10).split("-").map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

/** What a new order is made of; everything else starts empty (pending, unpaid, never sent upstream). */
export type NewOrder = Pick<
  OrderRow,
  "id" | "kind" | "customer_id" | "module_id" | "tariff_id" | "license_id" | "ip" | "period_months" | "price_minor" | "currency" | "fulfillment"
> &
  Partial<Pick<OrderRow, "browser_key" | "customer_module_id" | "upstream_service_id" | "product" | "license_name" | "customer_license_id">>;

/** A pending_payment order row, created at `at`. */
export function newOrder(init: NewOrder, at: string): OrderRow {
  return {
    browser_key: null,
    customer_module_id: null,
    upstream_service_id: null,
    product: "module",
    license_name: null,
    customer_license_id: null,
    ...init,
    state: "pending_payment",
    upstream_expires_on: null,
    intent_at: null,
    intent_known_ids: null,
    upstream_attempts: 0,
    funds_refusals: 0,
    funds_retry_at: null,
    precheck_at: null,
    precheck_known_ids: null,
    refunded_at: null,
    reason: null,
    version: 0,
    created_at: at,
    updated_at: at,
    paid_at: null,
    activated_at: null,
    // Fixed when the order is paid or invoiced (src/modules/invoices).
    net_minor: null,
    tax_minor: null,
    tax_rate_bp: null,
    reverse_charge: null,
    total_minor: null,
    invoice_id: null,
  };
}

/** What a customer pays (or paid) for an order, split into net and tax. */
export interface Charge {
  net: number;
  tax: number;
  total: number;
  rateBp: number;
  reverseCharge: boolean;
}

/**
 * The figures an order was charged with. Orders paid before tax existed (migration 0007) have no
 * stored figures: they were charged their price, with no tax.
 */
export function chargeOf(o: Pick<OrderRow, "price_minor" | "net_minor" | "tax_minor" | "total_minor" | "tax_rate_bp" | "reverse_charge">): Charge {
  if (o.total_minor === null || o.total_minor === undefined) {
    const price = Number(o.price_minor);
    return { net: price, tax: 0, total: price, rateBp: 0, reverseCharge: false };
  }
  return {
    net: Number(o.net_minor),
    tax: Number(o.tax_minor),
    total: Number(o.total_minor),
    rateBp: Number(o.tax_rate_bp ?? 0),
    reverseCharge: o.reverse_charge === 1,
  };
}
