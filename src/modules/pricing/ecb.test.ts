import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseEcbRates } from "./ecb.ts";

const FEED = readFileSync(new URL("../../../test/fixtures/eurofxref-daily.xml", import.meta.url), "utf8");

const wrap = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" ` +
  `xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube>${inner}</Cube></gesmes:Envelope>`;

describe("ECB reference-rate feed", () => {
  it("reads the date and every rate per 1 EUR exactly as written", () => {
    const r = parseEcbRates(FEED);
    assert.equal(r.asOf, "2025-11-28");
    assert.equal(r.rates.length, 30);
    assert.deepEqual(r.rates[0], { currency: "USD", rate: "1.1590" });
    assert.deepEqual(r.rates.find((x) => x.currency === "GBP"), { currency: "GBP", rate: "0.87680" });
    assert.equal(r.rates.some((x) => x.currency === "RUB"), false);
  });

  it("reads a day with a single currency", () => {
    const r = parseEcbRates(wrap(`<Cube time="2025-11-28"><Cube currency="USD" rate="1.1590"/></Cube>`));
    assert.deepEqual(r, { asOf: "2025-11-28", rates: [{ currency: "USD", rate: "1.1590" }] });
  });

  it("refuses what is not the feed, with the reason", () => {
    assert.throws(() => parseEcbRates("<html><body>Service unavailable</body></html>"), /no <Cube time/);
    assert.throws(() => parseEcbRates("<doc><unclosed></doc>"), /not well-formed/);
    assert.throws(() => parseEcbRates(wrap(`<Cube time="yesterday"><Cube currency="USD" rate="1.1"/></Cube>`)), /not YYYY-MM-DD/);
    assert.throws(() => parseEcbRates(wrap(`<Cube time="2025-11-28"><Cube currency="USD" rate="-1.1"/></Cube>`)), /USD rate "-1.1"/);
    assert.throws(() => parseEcbRates(wrap(`<Cube time="2025-11-28"><Cube currency="usd1" rate="1.1"/></Cube>`)), /not a currency code/);
    assert.throws(() => parseEcbRates(wrap(`<Cube time="2025-11-28"></Cube>`)), /no rates/);
    const withDtd = FEED.replace("<gesmes:Envelope", '<!DOCTYPE gesmes:Envelope [<!ENTITY a "1.1590">]>\n<gesmes:Envelope');
    assert.throws(() => parseEcbRates(withDtd), /carries a DTD/);
  });
});
