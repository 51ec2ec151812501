// What a client gets when it asks for something that is not there or sends what cannot be read:
// browsers a readable page, /api clients JSON with a stable code, panels on /billmgr a BILLmanager
// error document — never a stack trace, never an unescaped echo.
import assert from "node:assert/strict";
import { it } from "node:test";
import { createTestApp } from "./helpers/app.ts";
import { describeEachDialect } from "./helpers/db.ts";

describeEachDialect("HTTP errors", (ctx) => {
  it("answers an unknown page with a readable HTML 404 that shows the path escaped", async () => {
    const { app } = await createTestApp(ctx());
    const res = await app.inject({ method: "GET", url: "/no/such/page" });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
    assert.match(res.body, /<title>Page not found · partnerbill<\/title>/);
    assert.match(res.body, /Nothing here: GET \/no\/such\/page/);

    for (const url of ["/<script>alert(1)</script>?x=<b>", "/%3Cscript%3Ealert(1)%3C/script%3E", `/"onmouseover="alert(1)`]) {
      const hostile = await app.inject({ method: "GET", url });
      assert.equal(hostile.statusCode, 404, url);
      assert.doesNotMatch(hostile.body, /<script|<b>|"onmouseover/i, url);
    }
    // The client encodes < > " in a path; & and ' reach the page and must come out escaped.
    const raw = await app.inject({ method: "GET", url: "/tom&jerry's?x=<b>" });
    assert.match(raw.body, /Nothing here: GET \/tom&amp;jerry&#39;s<\/p>/);
    assert.doesNotMatch(raw.body, /\?x=/, "the query string is not shown");
  });

  it("answers an unknown /api path with JSON carrying the code not_found", async () => {
    const { app } = await createTestApp(ctx());
    for (const [method, url] of [["GET", "/api/v1/nothing"], ["POST", "/api/v1/orders/ord_x/nothing"], ["GET", "/api/<x>"]] as const) {
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers["content-type"]), /^application\/json/);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "not_found");
      assert.equal(typeof body.error.message, "string");
      assert.doesNotMatch(res.body, /<x>/);
    }
  });

  it("answers an unreadable or oversized /billmgr body with an error document, also under a trailing slash", async () => {
    const { app } = await createTestApp(ctx());
    for (const url of ["/billmgr", "/billmgr/", "/manager/billmgr/"]) {
      const big = await app.inject({
        method: "POST",
        url: `${url}?out=json`,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: `func=pricelist.export&x=${"a".repeat(200_000)}`,
      });
      assert.equal(big.statusCode, 200, url);
      assert.equal(big.headers["content-type"], "application/json; charset=UTF-8", url);
      assert.equal((JSON.parse(big.body) as { doc: { error: { msg: { $: string } } } }).doc.error.msg.$, "Request body is too large");

      const broken = await app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload: "{not json" });
      assert.equal(broken.statusCode, 200, url);
      assert.match(broken.body, /^<\?xml[^>]*\?>\n<doc><error /);
    }
  });
});
