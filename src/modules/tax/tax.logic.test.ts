import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { quote, REVERSE_CHARGE_NOTE, type TaxRules } from "./tax.logic.ts";
import { isValidEuVatId, normalizeVatId } from "./vat.logic.ts";

const EUR = (minor: number) => ({ minor, currency: "EUR" });
const DE_19: TaxRules = { rateBp: 1900, name: "VAT", pricesIncludeTax: false, sellerCountry: "DE" };

describe("tax quote", () => {
  it("adds the seller's rate on top of a net price, rounded half-up once", () => {
    const q = quote(EUR(1999), DE_19, { country: "DE", vatId: null });
    // 19.99 × 19 % = 3.7981 → 3.80
    assert.deepEqual([q.net.minor, q.tax.minor, q.total.minor, q.rateBp, q.reverseCharge], [1999, 380, 2379, 1900, false]);
  });

  it("splits a gross price into net and the tax it contains", () => {
    const q = quote(EUR(2380), { ...DE_19, pricesIncludeTax: true }, { country: "DE", vatId: null });
    assert.deepEqual([q.net.minor, q.tax.minor, q.total.minor], [2000, 380, 2380]);
  });

  it("charges a business in another EU country with a well-formed VAT number no tax (reverse charge)", () => {
    const q = quote(EUR(2000), DE_19, { country: "FR", vatId: "FR40303265045" });
    assert.deepEqual([q.net.minor, q.tax.minor, q.total.minor, q.rateBp, q.reverseCharge], [2000, 0, 2000, 0, true]);
    // With gross prices the reverse-charge buyer pays the net part only.
    const gross = quote(EUR(2380), { ...DE_19, pricesIncludeTax: true }, { country: "AT", vatId: "ATU12345678" });
    assert.deepEqual([gross.net.minor, gross.tax.minor, gross.total.minor, gross.reverseCharge], [2000, 0, 2000, true]);
    assert.match(REVERSE_CHARGE_NOTE, /Article 196/);
  });

  it("charges the seller's rate to a business in the seller's own country, to consumers, outside the EU and on a malformed number", () => {
    for (const buyer of [
      { country: "DE", vatId: "DE123456789" },
      { country: "FR", vatId: null },
      { country: "US", vatId: "US123" },
      { country: "FR", vatId: "FR123" },
      { country: "FR", vatId: "DE123456789" },
      { country: null, vatId: "FR40303265045" },
    ]) {
      const q = quote(EUR(1000), DE_19, buyer);
      assert.equal(q.reverseCharge, false, JSON.stringify(buyer));
      assert.equal(q.tax.minor, 190, JSON.stringify(buyer));
    }
  });

  it("never applies the reverse charge when the seller's country is not set or outside the EU", () => {
    assert.equal(quote(EUR(1000), { ...DE_19, sellerCountry: null }, { country: "FR", vatId: "FR40303265045" }).reverseCharge, false);
    assert.equal(quote(EUR(1000), { ...DE_19, sellerCountry: "CH" }, { country: "FR", vatId: "FR40303265045" }).reverseCharge, false);
  });

  it("charges nothing at rate zero and keeps currencies without minor units whole", () => {
    const q = quote(EUR(999), { ...DE_19, rateBp: 0 }, { country: "DE", vatId: null });
    assert.deepEqual([q.tax.minor, q.total.minor], [0, 999]);
    const yen = quote({ minor: 1001, currency: "JPY" }, { ...DE_19, rateBp: 1000 }, { country: "DE", vatId: null });
    assert.deepEqual([yen.tax.minor, yen.total.minor], [100, 1101]);
  });
});

describe("EU VAT numbers", () => {
  it("accepts each country's shape and normalises spacing, case and a missing prefix", () => {
    assert.equal(normalizeVatId("de 123.456.789", "DE"), "DE123456789");
    assert.equal(normalizeVatId("123456789", "DE"), "DE123456789");
    assert.equal(normalizeVatId("U12345678", "AT"), "ATU12345678");
    assert.equal(normalizeVatId("EL123456789", "GR"), "EL123456789");
    assert.equal(normalizeVatId("nl123456789b01", "NL"), "NL123456789B01");
    assert.equal(normalizeVatId("ESX1234567A", "ES"), "ESX1234567A");
    assert.equal(normalizeVatId("SE123456789001", "SE"), "SE123456789001");
    assert.ok(isValidEuVatId("IE1234567WA", "IE"));
  });

  it("refuses numbers of the wrong shape or of another country, naming the problem", () => {
    assert.throws(() => normalizeVatId("DE12345678", "DE"), { code: "invalid_input", message: /not a valid DE VAT number/ });
    assert.throws(() => normalizeVatId("FR40303265045", "DE"), { code: "invalid_input", message: /of FR, not of DE/ });
    assert.throws(() => normalizeVatId("<script>", "DE"), { code: "invalid_input" });
    assert.throws(() => normalizeVatId("123", null), { code: "invalid_input", message: /country/ });
    assert.equal(isValidEuVatId("GR123456789", "GR"), false);
  });

  it("keeps a non-EU tax number as typed (compacted)", () => {
    assert.equal(normalizeVatId("che-123.456.789", "CH"), "CHE123456789");
  });
});
