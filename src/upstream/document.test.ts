import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { doc, el } from "../protocol/document.ts";
import { write } from "../protocol/write.ts";
import { DocumentError, field, parseDocument } from "./document.ts";

const sample = doc([
  el("pricelist", [
    el("id", "23221"),
    el("name", "DDoS <GUARD> & \"co\""),
    el("price", [el("period", "monthly", { cost: "950.0000", type: "month", length: "1" })], { currency: "RUB" }),
  ]),
  el("pricelist", [el("id", "55377")]),
]);

describe("upstream document parsing", () => {
  it("reads XML, json, sjson and bjson answers of the same document into the same fields", () => {
    for (const format of ["xml", "json", "sjson", "bjson"] as const) {
      const d = parseDocument(write(sample, format));
      assert.equal(d.name, "doc", format);
      const rows = d.children!.filter((c) => c.name === "pricelist");
      assert.equal(rows.length, 2, format);
      assert.equal(field(rows[0]!, "name"), 'DDoS <GUARD> & "co"', format);
      const price = rows[0]!.children!.find((c) => c.name === "price")!;
      assert.equal(field(price, "currency"), "RUB", format);
      const period = price.children!.find((c) => c.name === "period")!;
      assert.equal(field(period, "cost"), "950.0000", format);
      assert.equal(field(period, "length"), "1", format);
    }
  });

  it("decodes predefined entities and character references once, and keeps CDATA literal", () => {
    const d = parseDocument('<?xml version="1.0"?><doc><a x="1&amp;2">&amp;lt; &#65;&#x42; &unknown;<![CDATA[&amp;]]></a></doc>');
    const a = d.children![0]!;
    assert.equal(a.attrs!["x"], "1&2");
    assert.equal(a.text, "&lt; AB &unknown;&amp;");
  });

  it("refuses a document with a DTD instead of expanding its entities (XXE, billion laughs)", () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE doc [<!ENTITY x SYSTEM "file:///etc/passwd">]><doc><id>&x;</id></doc>';
    const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><doc><id>&lol2;</id></doc>';
    for (const body of [xxe, laughs]) {
      assert.throws(() => parseDocument(body), (e: unknown) => e instanceof DocumentError && e.dtd);
    }
  });

  it("refuses garbage, HTML pages and documents whose root is not <doc>", () => {
    for (const body of ["", "garbage ☃", "<html><body>502 Bad Gateway</body></html>", "<doc><a></doc>", "{\"doc\":", "[1,2]", "{\"html\":{}}", "<?xml version=\"1.0\"?>"]) {
      assert.throws(() => parseDocument(body), DocumentError, JSON.stringify(body));
    }
  });
});
