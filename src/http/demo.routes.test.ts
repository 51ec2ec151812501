import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readPriceList, selfBaseUrl } from "./demo.routes.ts";

describe("demo panel: reading the price list as a panel does", () => {
  it("lists modules with their monthly price and leaves out those without one", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<doc>
  <pricelist><id>23221</id><name>DDoS-GUARD</name><intname>DDoSGUARD</intname><additionintname>DDoSGUARD</additionintname>
    <price currency="EUR"><period cost="11.9000" type="month" length="1">monthly</period><period cost="119.0000" type="month" length="12">yearly</period></price></pricelist>
  <pricelist><id>55371</id><name>BitNinja</name><intname>BitNinja</intname>
    <price currency="EUR"><period cost="99.0000" type="month" length="12">yearly</period></price></pricelist>
  <pricelist><id>55361</id><name>Dr.Web Lite</name><additionintname>DrWebLite</additionintname>
    <price currency="RUB"><period cost="390.0000" type="month" length="1">monthly</period></price></pricelist>
</doc>`;
    assert.deepEqual(readPriceList(xml), [
      { id: 23221, name: "DDoS-GUARD", intname: "DDoSGUARD", monthly: { minor: 1190, currency: "EUR" } },
      { id: 55361, name: "Dr.Web Lite", intname: "DrWebLite", monthly: { minor: 39000, currency: "RUB" } },
    ]);
  });

  it("reads the JSON flavour too", () => {
    const json = JSON.stringify({
      doc: { pricelist: { id: { $: "23221" }, name: { $: "DDoS-GUARD" }, intname: { $: "DDoSGUARD" }, price: { $currency: "EUR", period: { $cost: "11.9000", $type: "month", $length: "1", $: "monthly" } } } },
    });
    assert.deepEqual(readPriceList(json), [{ id: 23221, name: "DDoS-GUARD", intname: "DDoSGUARD", monthly: { minor: 1190, currency: "EUR" } }]);
  });

  it("refuses an error document with its message", () => {
    assert.throws(
      () => readPriceList(`<doc><error type="value" object="itemtype"><msg>Unknown item type</msg></error></doc>`),
      /Unknown item type/,
    );
  });
});

describe("demo panel: where the server reaches itself", () => {
  it("uses the bound port on the configured host, and loopback for a wildcard bind", () => {
    const addr = (port: number, address = "127.0.0.1") => ({ port, address, family: "IPv4" });
    assert.equal(selfBaseUrl(addr(41355), "127.0.0.1"), "http://127.0.0.1:41355");
    assert.equal(selfBaseUrl(addr(8080, "0.0.0.0"), "0.0.0.0"), "http://127.0.0.1:8080");
    assert.equal(selfBaseUrl(addr(8080, "::"), "::"), "http://[::1]:8080");
    assert.equal(selfBaseUrl(addr(8080, "::1"), "::1"), "http://[::1]:8080");
    assert.equal(selfBaseUrl(addr(8080), "localhost"), "http://localhost:8080");
  });

  it("fails when the server is not listening on a TCP port", () => {
    assert.throws(() => selfBaseUrl(null, "127.0.0.1"), /listen on a TCP port/);
    assert.throws(() => selfBaseUrl("/tmp/partnerbill.sock", "127.0.0.1"), /listen on a TCP port/);
  });
});
