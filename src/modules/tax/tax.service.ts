// Quotes with the seller's tax settings, read inside the caller's transaction (the payment's), so
// an order is charged with the settings its invoice copies.
import type { Db, Executor } from "../../db/database.ts";
import type { CustomerRow, OrderRow } from "../../db/schema.ts";
import type { Money } from "../../lib/money.ts";
import type { Charge } from "../orders/orders.logic.ts";
import type { SettingsService } from "../settings/settings.service.ts";
import { quote, type Quote } from "./tax.logic.ts";

export type TaxBuyerRow = Pick<CustomerRow, "country" | "vat_id">;

export function createTaxService(deps: { db: Db; settings: Pick<SettingsService, "get"> }) {
  const { db, settings } = deps;

  /** What `price` costs a buyer with these billing details (none: a consumer). */
  async function quotePrice(price: Money, buyer: TaxBuyerRow | null, ex: Executor = db): Promise<Quote> {
    const s = await settings.get(ex);
    return quote(price, s.tax, { country: buyer?.country ?? null, vatId: buyer?.vat_id ?? null });
  }

  /** The charge of an order for a buyer (OrderService's billing.quote). */
  async function chargeFor(ex: Executor, order: OrderRow, buyer: TaxBuyerRow): Promise<Charge> {
    const q = await quotePrice({ minor: Number(order.price_minor), currency: order.currency }, buyer, ex);
    return { net: q.net.minor, tax: q.tax.minor, total: q.total.minor, rateBp: q.rateBp, reverseCharge: q.reverseCharge };
  }

  return { quotePrice, chargeFor };
}

export type TaxService = ReturnType<typeof createTaxService>;
