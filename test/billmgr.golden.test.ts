// The /billmgr documents panels parse, pinned byte for byte (test/golden/). Both dialects must
// produce the very same bytes. `UPDATE_GOLDEN=1 npm test -- test/billmgr.golden.test.ts` rewrites
// the files after an intended change.
import assert from "node:assert/strict";
import { it } from "node:test";
import { createTestApp } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { assertGolden } from "./helpers/golden.ts";

const EXPORT = "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on";

describeEachDialect("billmgr golden documents", (ctx) => {
  async function appWithKnownCatalog() {
    const t = await createTestApp(ctx());
    await seedKnownCatalog(t.c);
    return t;
  }

  it("writes the price list as the seed's XML", async () => {
    const { app } = await appWithKnownCatalog();
    const res = await app.inject({ method: "GET", url: `${EXPORT}&out=xml` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["content-type"], "text/xml; charset=UTF-8");
    assertGolden("pricelist.xml", res.rawPayload);
  });

  for (const out of ["json", "sjson", "bjson"] as const) {
    it(`writes the price list as ${out}`, async () => {
      const { app } = await appWithKnownCatalog();
      const res = await app.inject({ method: "GET", url: `${EXPORT}&out=${out}` });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers["content-type"], "application/json; charset=UTF-8");
      assertGolden(`pricelist.${out}`, res.rawPayload);
    });
  }

  it("lists modules withdrawn upstream when onlyavailable is absent", async () => {
    const { app } = await appWithKnownCatalog();
    const res = await app.inject({ method: "GET", url: "/billmgr?func=pricelist.export&itemtype=addition&out=xml" });
    assertGolden("pricelist-all.xml", res.rawPayload);
  });

  it("answers an empty document for an item type partnerbill does not sell", async () => {
    const { app } = await appWithKnownCatalog();
    const res = await app.inject({ method: "GET", url: "/billmgr?func=pricelist.export&itemtype=soft&out=xml" });
    assertGolden("pricelist-soft.xml", res.rawPayload);
  });

  for (const out of ["xml", "json", "sjson", "bjson"] as const) {
    it(`answers an unknown function with a BILLmanager error document (${out})`, async () => {
      const { app } = await appWithKnownCatalog();
      const res = await app.inject({ method: "GET", url: `/billmgr?func=order.unknown&out=${out}` });
      assert.equal(res.statusCode, 200);
      assertGolden(`error-unknown-func.${out}`, res.rawPayload);
    });
  }

  it("answers a request without func with a BILLmanager error document", async () => {
    const { app } = await appWithKnownCatalog();
    assertGolden("error-missing-func.xml", (await app.inject({ method: "GET", url: "/billmgr" })).rawPayload);
    assertGolden("error-missing-func.json", (await app.inject({ method: "GET", url: "/billmgr?out=json" })).rawPayload);
  });

  it("answers a bad parameter value with a BILLmanager error document", async () => {
    const { app } = await appWithKnownCatalog();
    const itemtype = await app.inject({ method: "GET", url: "/billmgr?func=pricelist.export&itemtype=<b>&out=xml" });
    assertGolden("error-bad-itemtype.xml", itemtype.rawPayload);
    const pricelist = await app.inject({ method: "GET", url: "/billmgr?func=pricelist.export&pricelist=x%26y&out=json" });
    assertGolden("error-bad-pricelist.json", pricelist.rawPayload);
  });
});
