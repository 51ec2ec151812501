// pricelist.export and the rest of /billmgr as panels use it (PROTOCOL.md §2): every parameter,
// GET and POST, both paths, caching headers, compression, and which modules are listed.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { it } from "node:test";
import { XMLParser } from "fast-xml-parser";
import { createTestApp } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { describeEachDialect } from "./helpers/db.ts";

const EXPORT = "func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", isArray: (name) => name === "pricelist" || name === "period" });

interface Listed {
  id: string;
  currency: string;
  periods: Array<{ cost: string; type: string; length: string; text: string }>;
}

/** The rows of a price list document as a panel reads them. */
function rowsOf(body: string): Listed[] {
  const parsed = xml.parse(body) as { doc: "" | { pricelist?: Array<Record<string, any>> } };
  const list = parsed.doc === "" ? [] : (parsed.doc.pricelist ?? []);
  return list.map((p) => ({
    id: String(p["id"]),
    currency: p["price"]["@currency"],
    periods: (p["price"]["period"] as Array<Record<string, string>>).map((x) => ({
      cost: x["@cost"]!, type: x["@type"]!, length: x["@length"]!, text: x["#text"]!,
    })),
  }));
}

const ids = (body: string) => rowsOf(body).map((r) => r.id);

describeEachDialect("billmgr pricelist.export", (ctx) => {
  async function setup() {
    const t = await createTestApp(ctx());
    await seedKnownCatalog(t.c);
    const get = async (query: string, headers: Record<string, string> = {}) =>
      t.app.inject({ method: "GET", url: `/billmgr?${query}`, headers });
    return { ...t, get };
  }

  it("lists only enabled modules with a monthly price, and withdrawn ones only without onlyavailable", async () => {
    const { get } = await setup();
    assert.deepEqual(ids((await get(EXPORT)).body), ["23221", "55361"]);
    assert.deepEqual(ids((await get("func=pricelist.export&itemtype=addition&out=xml")).body), ["23221", "55361", "55371"]);
    // 55362 has only a yearly price; 55363 is disabled by staff.
  });

  it("accepts onlyavailable=on and onlyavailable=yes alike, and treats off or absent as all", async () => {
    const { get } = await setup();
    const on = (await get("func=pricelist.export&itemtype=addition&onlyavailable=on")).body;
    assert.equal((await get("func=pricelist.export&itemtype=addition&onlyavailable=yes")).body, on);
    assert.deepEqual(ids((await get("func=pricelist.export&itemtype=addition&onlyavailable=off")).body), ["23221", "55361", "55371"]);
    assert.deepEqual(ids((await get("func=pricelist.export&itemtype=addition")).body), ["23221", "55361", "55371"]);
  });

  it("puts the monthly period first and writes costs with exactly four decimals", async () => {
    const { get } = await setup();
    const rows = rowsOf((await get(EXPORT)).body);
    const ddos = rows.find((r) => r.id === "23221")!;
    assert.equal(ddos.currency, "EUR");
    assert.deepEqual(ddos.periods[0], { cost: "11.9000", type: "month", length: "1", text: "monthly" });
    assert.deepEqual(ddos.periods[1], { cost: "119.0000", type: "month", length: "12", text: "annually" });
    for (const r of rows) for (const p of r.periods) assert.match(p.cost, /^\d+\.\d{4}$/);
  });

  it("filters by pricelist=<tariff id> and lists nothing for an id not in the catalog", async () => {
    const { get } = await setup();
    assert.deepEqual(ids((await get(`${EXPORT}&pricelist=55361`)).body), ["55361"]);
    assert.deepEqual(ids((await get(`${EXPORT}&pricelist=55362`)).body), []);
    assert.deepEqual(ids((await get(`${EXPORT}&pricelist=99999`)).body), []);
    const bad = await get(`${EXPORT}&pricelist=abc`);
    assert.equal(bad.statusCode, 200);
    assert.match(bad.body, /<error type="value" object="pricelist"/);
  });

  it("serves modules for itemtype=addition or no itemtype, nothing for other item types, and an error for unknown ones", async () => {
    const { get } = await setup();
    const withType = (await get(EXPORT)).body;
    assert.equal((await get("func=pricelist.export&onlyavailable=on&out=xml")).body, withType);
    for (const other of ["soft", "certificate"]) {
      assert.deepEqual(ids((await get(`func=pricelist.export&itemtype=${other}`)).body), [], other);
    }
    assert.match((await get("func=pricelist.export&itemtype=bogus")).body, /<error type="value" object="itemtype"/);
  });

  it("answers XML for out=xml, a missing or an unknown out, and JSON for json, sjson and bjson", async () => {
    const { get } = await setup();
    const x = await get(EXPORT);
    for (const q of ["func=pricelist.export&itemtype=addition&onlyavailable=on", "func=pricelist.export&itemtype=addition&onlyavailable=on&out=html"]) {
      const r = await get(q);
      assert.equal(r.headers["content-type"], "text/xml; charset=UTF-8");
      assert.equal(r.body, x.body);
    }
    for (const out of ["json", "sjson", "bjson"]) {
      const r = await get(`func=pricelist.export&itemtype=addition&onlyavailable=on&out=${out}`);
      assert.equal(r.headers["content-type"], "application/json; charset=UTF-8");
      const parsed = JSON.parse(r.body) as { doc: { pricelist: unknown[] } };
      assert.equal(parsed.doc.pricelist.length, 2, out);
    }
  });

  it("accepts authinfo without requiring it and never echoes it", async () => {
    const { get } = await setup();
    const plain = (await get(EXPORT)).body;
    assert.equal((await get(`${EXPORT}&authinfo=partner%40example.com:s3cr3t-pass`)).body, plain);
    const err = await get("func=order.unknown&authinfo=partner%40example.com:s3cr3t-pass");
    assert.doesNotMatch(err.body, /s3cr3t|partner@example/);
  });

  it("ignores lang and unknown parameters", async () => {
    const { get } = await setup();
    const plain = (await get(EXPORT)).body;
    assert.equal((await get(`${EXPORT}&lang=ru`)).body, plain);
    assert.equal((await get(`${EXPORT}&lang=en&sok=ok&elid=7&clicked_button=ok&foo[]=1&=x`)).body, plain);
  });

  it("answers the same on /billmgr and /manager/billmgr, by GET and by POST form body", async () => {
    const { app, get } = await setup();
    const viaGet = await get(EXPORT);
    const viaManager = await app.inject({ method: "GET", url: `/manager/billmgr?${EXPORT}` });
    assert.equal(viaManager.statusCode, 200);
    assert.equal(viaManager.body, viaGet.body);
    for (const url of ["/billmgr", "/manager/billmgr"]) {
      const viaPost = await app.inject({ method: "POST", url, headers: FORM, payload: EXPORT });
      assert.equal(viaPost.statusCode, 200, url);
      assert.equal(viaPost.body, viaGet.body, url);
    }
  });

  it("lets the form body win over the query string where both carry a field", async () => {
    const { app, get } = await setup();
    const json = (await get("func=pricelist.export&itemtype=addition&onlyavailable=on&out=json")).body;
    const r = await app.inject({
      method: "POST",
      url: "/billmgr?func=order.unknown&out=xml&pricelist=55361",
      headers: FORM,
      payload: "func=pricelist.export&itemtype=addition&onlyavailable=on&out=json&pricelist=",
    });
    assert.equal(r.headers["content-type"], "application/json; charset=UTF-8");
    assert.equal(r.body, json);
    // A field only in the query string still counts.
    const q = await app.inject({ method: "POST", url: "/billmgr?pricelist=55361", headers: FORM, payload: EXPORT });
    assert.deepEqual(ids(q.body), ["55361"]);
  });

  it("reads the query string of a POST whose body is not a form", async () => {
    const { app, get } = await setup();
    const r = await app.inject({ method: "POST", url: `/billmgr?${EXPORT}`, headers: { "content-type": "text/plain" }, payload: "func=nothing" });
    assert.equal(r.statusCode, 200);
    assert.equal(r.body, (await get(EXPORT)).body);
  });

  it("changes the answer and the ETag when a price changes", async () => {
    const { c, get } = await setup();
    const before = await get(EXPORT);
    assert.equal((await get(EXPORT)).headers["etag"], before.headers["etag"]);
    await c.catalog.setPrice("23221", { period: 1, amount: "12.50", currency: "EUR" }, { source: "cli" });
    const after = await get(EXPORT);
    assert.notEqual(after.headers["etag"], before.headers["etag"]);
    assert.equal(rowsOf(after.body).find((r) => r.id === "23221")!.periods[0]!.cost, "12.5000");
  });

  it("answers 304 without a body when If-None-Match carries the current ETag", async () => {
    const { c, get } = await setup();
    const first = await get(EXPORT);
    const etag = String(first.headers["etag"]);
    assert.match(etag, /^"[^"]+"$/);
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const r = await get(EXPORT, { "if-none-match": inm });
      assert.equal(r.statusCode, 304, inm);
      assert.equal(r.rawPayload.length, 0);
      assert.equal(r.headers["etag"], etag);
    }
    assert.equal((await get(EXPORT, { "if-none-match": '"other"' })).statusCode, 200);
    // Another format is another document with its own ETag.
    assert.equal((await get(EXPORT.replace("out=xml", "out=json"), { "if-none-match": etag })).statusCode, 200);
    await c.catalog.setPrice("55361", { period: 1, amount: "5.00", currency: "EUR" }, { source: "cli" });
    const changed = await get(EXPORT, { "if-none-match": etag });
    assert.equal(changed.statusCode, 200);
    assert.match(changed.body, /cost="5\.0000"/);
  });

  it("compresses with gzip only when the client accepts it", async () => {
    const { get } = await setup();
    const plain = await get(EXPORT);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.match(String(plain.headers["vary"]), /Accept-Encoding/i);
    for (const ae of ["gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8"]) {
      const r = await get(EXPORT, { "accept-encoding": ae });
      assert.equal(r.headers["content-encoding"], "gzip", ae);
      assert.equal(gunzipSync(r.rawPayload).toString("utf8"), plain.body);
      assert.equal(r.headers["etag"], plain.headers["etag"]);
    }
    for (const ae of ["identity", "br", "gzip;q=0", "deflate"]) {
      const r = await get(EXPORT, { "accept-encoding": ae });
      assert.equal(r.headers["content-encoding"], undefined, ae);
      assert.equal(r.body, plain.body, ae);
    }
  });

  it("answers an unknown or missing func with an error document in the requested format", async () => {
    const { app, get } = await setup();
    const unknown = await get("func=order.unknown&out=json");
    assert.equal(unknown.statusCode, 200);
    const doc = JSON.parse(unknown.body) as { doc: { error: { $type: string; $object: string; msg: { $: string } } } };
    assert.equal(doc.doc.error.$type, "missed");
    assert.equal(doc.doc.error.$object, "func");
    assert.match(doc.doc.error.msg.$, /order\.unknown/);
    const bjson = JSON.parse((await get("func=order.unknown&out=bjson")).body) as { doc: { error: { type: string; msg: string } } };
    assert.equal(bjson.doc.error.type, "missed");
    const missing = await app.inject({ method: "POST", url: "/manager/billmgr", headers: FORM, payload: "out=xml" });
    assert.equal(missing.statusCode, 200);
    assert.match(missing.body, /^<\?xml[^>]*\?>\n<doc><error type="missed" object="func"/);
    assert.equal(missing.headers["cache-control"], "no-store");
  });
});
