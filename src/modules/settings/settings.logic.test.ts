import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalSetting, settingsFrom } from "./settings.logic.ts";

describe("settings", () => {
  it("gives defaults for keys never set: no tax, VAT, net prices, INV-/CN- numbers of 6 digits", () => {
    const s = settingsFrom({});
    assert.deepEqual(s.tax, { rateBp: 0, name: "VAT", pricesIncludeTax: false, sellerCountry: null });
    assert.deepEqual(s.invoice, { prefix: "INV-", creditNotePrefix: "CN-", digits: 6, paymentDays: 14 });
  });

  it("validates and canonicalises values before they are stored", () => {
    const s = settingsFrom({ "seller.country": "DE" });
    assert.equal(canonicalSetting("seller.country", " de ", s), "DE");
    assert.equal(canonicalSetting("tax.rate_bp", "1900", s), "1900");
    assert.equal(canonicalSetting("tax.prices_include_tax", "yes", s), "true");
    assert.equal(canonicalSetting("seller.iban", "de89 3704 0044 0532 0130 00", s), "DE89370400440532013000");
    assert.equal(canonicalSetting("seller.vat_id", "de 123 456 789", s), "DE123456789");
    assert.equal(canonicalSetting("seller.address", "Street 1\\n10115 Berlin", s), "Street 1\n10115 Berlin");
  });

  it("refuses unknown keys and bad values with a message naming the key", () => {
    const s = settingsFrom({});
    assert.throws(() => canonicalSetting("tax.rate", "19", s), { code: "invalid_input", message: /Unknown setting/ });
    assert.throws(() => canonicalSetting("tax.rate_bp", "19.5", s), { code: "invalid_input", message: /tax\.rate_bp/ });
    assert.throws(() => canonicalSetting("tax.rate_bp", "10001", s), { code: "invalid_input" });
    assert.throws(() => canonicalSetting("seller.country", "Germany", s), { code: "invalid_input" });
    assert.throws(() => canonicalSetting("seller.iban", "not an iban", s), { code: "invalid_input", message: /IBAN/ });
    assert.throws(() => canonicalSetting("invoice.prefix", "<b>", s), { code: "invalid_input" });
    assert.throws(() => canonicalSetting("seller.vat_id", "DE123", settingsFrom({ "seller.country": "DE" })), { code: "invalid_input" });
  });
});
