// The price-list fast path (src/http/billmgr.routes.ts, docs/adr/0003-price-list-fast-path.md):
// a poll the fastify route has answered once is answered again from the node:http listener,
// before fastify. Over real HTTP, because app.inject() never passes through that listener. A
// counting onRequest hook tells which way a request went: fastify runs it, the fast path does not.
import assert from "node:assert/strict";
import { request } from "node:http";
import { it, type TestContext } from "node:test";
import type { FastifyInstance } from "fastify";
import { buildHttpApp } from "../src/http/app.ts";
import { FAST_PATH_MAX_QUERIES } from "../src/http/billmgr.routes.ts";
import { createTestContainer } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { describeEachDialect } from "./helpers/db.ts";

const EXPORT = "func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";

interface Answer {
  status: number;
  /** Raw headers in the order sent, without Date (it changes every second). */
  headers: string[];
  body: Buffer;
}

function send(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A GET body must carry its length: node's client sends it neither chunked nor measured.
    const headers = opts.body === undefined ? opts.headers : { ...opts.headers, "content-length": String(Buffer.byteLength(opts.body)) };
    const req = request({ host: "127.0.0.1", port, method: opts.method ?? "GET", path: opts.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() !== "date") headers.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

describeEachDialect("billmgr price-list fast path", (ctx) => {
  async function serve(t: TestContext, env: Record<string, string> = {}) {
    const { container: c } = createTestContainer(ctx(), env);
    await seedKnownCatalog(c);
    const app: FastifyInstance = await buildHttpApp(c);
    let throughFastify = 0;
    app.addHook("onRequest", async () => {
      throughFastify++;
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    t.after(() => app.close());
    const addr = app.server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    return {
      c,
      port,
      get: (query: string, headers: Record<string, string> = {}, path = "/billmgr") => send(port, { path: `${path}?${query}`, headers }),
      /** How many requests fastify has seen so far. */
      fastifyCount: () => throughFastify,
    };
  }

  it("answers a repeated poll without fastify, with the same status, headers and bytes as the route", async (t) => {
    const s = await serve(t);
    const plain = await s.get(EXPORT);
    const etag = plain.headers.find((h) => h.startsWith("etag: "))!.slice(6);
    const variants: Array<Record<string, string>> = [{}, { "accept-encoding": "gzip, deflate, br" }, { "if-none-match": etag }];
    for (const [i, headers] of variants.entries()) {
      // A query not seen before, so that the first answer comes from the route.
      const query = `${EXPORT}&lang=${i}`;
      const before = s.fastifyCount();
      const viaRoute = await s.get(query, headers, "/manager/billmgr");
      const viaFastPath = await s.get(query, headers, "/manager/billmgr");
      assert.equal(s.fastifyCount(), before + 1, `only the first request goes through fastify (${JSON.stringify(headers)})`);
      assert.deepEqual(viaFastPath, viaRoute, JSON.stringify(headers));
    }
    assert.equal(plain.status, 200);
    assert.match(plain.body.toString("utf8"), /<pricelist><id>23221<\/id>/);
  });

  it("answers from the fast path with the document of the current catalog", async (t) => {
    const s = await serve(t);
    const first = await s.get(EXPORT);
    await s.get(EXPORT);
    const before = s.fastifyCount();
    await s.c.catalog.setPrice("55361", { period: 1, amount: "5.00", currency: "EUR" }, { source: "cli" });
    // The cache was dropped: this request rebuilds through fastify, the next one is fast again.
    const changed = await s.get(EXPORT);
    const again = await s.get(EXPORT);
    assert.equal(s.fastifyCount(), before + 1);
    assert.notDeepEqual(changed.headers, first.headers, "a new ETag");
    assert.match(again.body.toString("utf8"), /cost="5\.0000"/);
    assert.deepEqual(again, changed);
  });

  it("counts fast-path answers in the scraped metrics like the route's answers", async (t) => {
    const s = await serve(t);
    const etag = (await s.get(EXPORT)).headers.find((h) => h.startsWith("etag: "))!.slice(6);
    for (let i = 0; i < 4; i++) await s.get(EXPORT);
    for (let i = 0; i < 2; i++) await s.get(EXPORT, { "if-none-match": etag });
    assert.equal(s.fastifyCount(), 1, "one answer came from the route, six from the fast path");
    const text = (await send(s.port, { path: "/metrics" })).body.toString("utf8");
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
    assert.equal(value('partnerbill_http_requests_total{surface="billmgr",status="2xx"}'), 5);
    assert.equal(value('partnerbill_http_requests_total{surface="billmgr",status="3xx"}'), 2);
    assert.equal(value('partnerbill_http_request_duration_seconds_count{surface="billmgr"}'), 7);
    assert.equal(value('partnerbill_pricelist_requests_total{out="xml"}'), 7);
    assert.equal(value('partnerbill_pricelist_cache_total{result="hit"}'), 6);
  });

  it("leaves everything but a learned GET without a body to fastify", async (t) => {
    const s = await serve(t);
    await s.get(EXPORT);
    await s.get(EXPORT);
    const learned = s.fastifyCount();
    const others: Array<() => Promise<Answer>> = [
      () => send(s.port, { method: "HEAD", path: `/billmgr?${EXPORT}` }),
      () => send(s.port, { method: "POST", path: `/billmgr?${EXPORT}`, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "out=json" }),
      () => send(s.port, { method: "GET", path: `/billmgr?${EXPORT}`, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "out=json" }),
      () => s.get(EXPORT, {}, "/billmgr/"),
      () => s.get(`${EXPORT}&lang=en`),
      () => s.get("func=pricelist.export&itemtype=nonsense"),
      () => s.get("func=pricelist.export&itemtype=nonsense"),
    ];
    for (const [i, r] of others.entries()) {
      await r();
      assert.equal(s.fastifyCount(), learned + i + 1, `request #${i} went through fastify`);
    }
  });

  it("remembers a bounded number of query strings, forgetting the oldest first", async (t) => {
    const s = await serve(t);
    const query = (i: number) => `${EXPORT}&x=${i}`;
    for (let i = 0; i <= FAST_PATH_MAX_QUERIES; i++) await s.get(query(i));
    const before = s.fastifyCount();
    await s.get(query(FAST_PATH_MAX_QUERIES));
    assert.equal(s.fastifyCount(), before, "the newest is remembered");
    await s.get(query(0));
    assert.equal(s.fastifyCount(), before + 1, "the oldest was forgotten");
  });

  it("sends every request through fastify when every request is logged", async (t) => {
    const s = await serve(t, { LOG_REQUESTS: "true" });
    for (let i = 0; i < 3; i++) await s.get(EXPORT);
    assert.equal(s.fastifyCount(), 3);
  });
});
