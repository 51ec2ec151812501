// What a customer pays for a price: net, tax and total (ADR 0015). Pure.
//
// The catalog price is either net (tax is added on top — the default, as in the price lists
// panels show to businesses) or gross (tax included: the setting
// tax.prices_include_tax). One rate, the seller's, applies to everyone — except an EU business
// buying from a seller in another EU member state with a VAT number of its country's shape: then
// the reverse charge applies, no tax is charged, and the invoice says why. Tax is rounded half-up
// once, on the whole amount (one line per invoice).
import { multiplyRatio, percentOf, type Money } from "../../lib/money.ts";
import { EU_COUNTRIES, isValidEuVatId } from "./vat.logic.ts";

export interface TaxRules {
  /** The seller's rate in basis points (1900 = 19 %). */
  rateBp: number;
  /** What invoices call the tax ("VAT", "НДС"). */
  name: string;
  /** Catalog prices include the tax (gross) rather than exclude it (net). */
  pricesIncludeTax: boolean;
  /** The seller's country (ISO 3166-1 alpha-2), null while not set. */
  sellerCountry: string | null;
}

export interface TaxBuyer {
  country: string | null | undefined;
  vatId: string | null | undefined;
}

export interface Quote {
  net: Money;
  tax: Money;
  total: Money;
  rateBp: number;
  taxName: string;
  reverseCharge: boolean;
}

/** The note an invoice carries when the reverse charge applies (Art. 196 of the VAT Directive). */
export const REVERSE_CHARGE_NOTE =
  "Reverse charge: VAT to be accounted for by the recipient under Article 196 of Council Directive 2006/112/EC.";

/** An EU business in another member state than the seller's, with a well-formed VAT number. */
export function isReverseCharge(rules: Pick<TaxRules, "sellerCountry">, buyer: TaxBuyer): boolean {
  const seller = rules.sellerCountry;
  const country = buyer.country ?? null;
  if (!seller || !country || !buyer.vatId) return false;
  if (!EU_COUNTRIES.has(seller) || !EU_COUNTRIES.has(country) || seller === country) return false;
  return isValidEuVatId(buyer.vatId, country);
}

/** The tax contained in a gross amount: gross × rate / (1 + rate), half-up. */
function taxInGross(gross: Money, rateBp: number): Money {
  return multiplyRatio(gross, BigInt(rateBp), BigInt(10_000 + rateBp), "half_up");
}

export function quote(price: Money, rules: TaxRules, buyer: TaxBuyer): Quote {
  const zero = { minor: 0, currency: price.currency };
  const reverseCharge = isReverseCharge(rules, buyer);
  const rateBp = reverseCharge ? 0 : rules.rateBp;
  if (rules.pricesIncludeTax) {
    // A gross price: the net part is the same for everyone; the reverse-charge buyer pays only it.
    const net = { minor: price.minor - taxInGross(price, rules.rateBp).minor, currency: price.currency };
    if (reverseCharge) return { net, tax: zero, total: net, rateBp, taxName: rules.name, reverseCharge };
    return { net, tax: { minor: price.minor - net.minor, currency: price.currency }, total: price, rateBp, taxName: rules.name, reverseCharge };
  }
  const tax = rateBp === 0 ? zero : percentOf(price, rateBp, "half_up");
  return { net: price, tax, total: { minor: price.minor + tax.minor, currency: price.currency }, rateBp, taxName: rules.name, reverseCharge };
}
