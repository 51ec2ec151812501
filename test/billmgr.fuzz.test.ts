// Generated hostile input for /billmgr (ADR 0002 says what "no unescaped echo" means): thousands
// of random query strings and form bodies from a seeded PRNG — invalid percent-encoding, control
// characters, markup, huge values, duplicated keys, `a[]=` arrays, unicode, empty keys. None may
// produce a 5xx, and every answer must be a well-formed document that carries no raw markup from
// the request. A failure prints the seed and the request; `FUZZ_SEED=<n>` replays a run.
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { truncateEcho } from "../src/protocol/errors.ts";
import { createTestApp } from "./helpers/app.ts";
import { seedKnownCatalog } from "./helpers/catalog-fixture.ts";
import { describeEachDialect } from "./helpers/db.ts";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20261201);
const QUERIES = 1000;
const FORM_BODIES = 1000;
const OTHER_BODIES = 200;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
type Rng = ReturnType<typeof prng>;

/** A string that must never appear raw in an answer: it would be markup in XML and in a browser. */
const MARKER = `<pbx-injected a="1" b='2'>&amp;`;

const KNOWN_KEYS = ["func", "out", "itemtype", "onlyavailable", "pricelist", "lang", "authinfo", "elid", "sok", "module", "license"];
const HOSTILE_KEYS = ["", "a[]", "func[]", "out[0]", "func[x]", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "ключ", "<script>", "%zz", "a%00b", "func%00", "fu%6Ec", "FUNC", " func"];
const KNOWN_VALUES = ["pricelist.export", "pricelist.export", "addition", "soft", "certificate", "on", "yes", "off", "xml", "json", "sjson", "bjson", "23221", "55361", "99999", "ru", "en", "partner@example.com:pass"];
const HOSTILE_VALUES = [
  "<script>alert(1)</script>", "<SCRIPT SRC=//x>", MARKER, `"'><`, "]]>", "<![CDATA[x]]>", "<?xml version='1.0'?>", "&amp;", "&#x3c;", "&lt;",
  "\u0000", "\u0001\u001f\u007f", "\u0085\u2028\u2029", "\uFFFE\uFFFF", "\uD800", "\uDC00x", "😀", "Привет", "\u202Eevil", "\uFEFF",
  "%", "%zz", "%E0%A4%A", "%C0%AF", "%FF%FE", "%00", "%3Cscript%3E", "%253C", "+", "\r\n", "\t", " ", "=", "&", "#", "?", "[]", "{}", "\\", `"}]`,
  "-1", "0", "999999999999", "1e3", "NaN", "pricelist.export\u0000", " pricelist.export ", "PRICELIST.EXPORT",
];

function valueOf(r: Rng): string {
  if (r.chance(0.02)) return r.pick(["A", "<", "é", "%", "&x"]).repeat(1_000 + r.int(120_000));
  const parts = 1 + r.int(3);
  let s = "";
  for (let i = 0; i < parts; i++) s += r.chance(0.5) ? r.pick(KNOWN_VALUES) : r.pick(HOSTILE_VALUES);
  return s;
}

const keyOf = (r: Rng) => (r.chance(0.7) ? r.pick(KNOWN_KEYS) : r.pick(HOSTILE_KEYS));

/** Proper percent-encoding of the UTF-8 bytes (a lone surrogate becomes U+FFFD, as on the wire). */
function encode(s: string): string {
  return [...Buffer.from(s, "utf8")].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
}

/** Encodes some components properly and sends others raw, so invalid encodings reach the parser. */
function component(r: Rng, s: string, raw: (s: string) => string): string {
  return r.chance(0.6) ? encode(s) : raw(s);
}

/** key=value pairs with duplicates, bare keys, empty pairs and stray separators. */
function pairs(r: Rng, raw: (s: string) => string): string {
  const out: string[] = [];
  const used: string[] = [];
  if (r.chance(0.5)) out.push("func=pricelist.export");
  const n = r.int(9);
  for (let i = 0; i < n; i++) {
    const key = used.length > 0 && r.chance(0.2) ? r.pick(used) : keyOf(r);
    used.push(key);
    const k = component(r, key, raw);
    if (r.chance(0.05)) out.push(k);
    else if (r.chance(0.05)) out.push("");
    else out.push(`${k}${r.chance(0.1) ? "[]" : ""}=${component(r, valueOf(r), raw)}`);
  }
  return out.join(r.chance(0.1) ? "&&" : "&");
}

// In a URL a raw `#` would end the query and the client library would drop it anyway; everything
// else goes as it is, control characters and unencoded non-ASCII included.
const rawInUrl = (s: string) => s.replace(/#/g, "%23");
const rawInBody = (s: string) => s;

const PATHS = ["/billmgr", "/manager/billmgr", "/billmgr/", "/manager/billmgr/"];
const ACCEPT_ENCODINGS = [undefined, undefined, "gzip", "gzip, deflate, br", "identity", "gzip;q=0", "*", "\u0000"];
const IF_NONE_MATCH = [undefined, undefined, undefined, '"x"', "W/", "*", "\u00ff"];

interface Generated {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  payload?: Buffer;
}

function headersOf(r: Rng): Record<string, string> {
  const h: Record<string, string> = {};
  const ae = r.pick(ACCEPT_ENCODINGS);
  if (ae !== undefined) h["accept-encoding"] = ae.replace(/[^\t\x20-\x7e]/g, "");
  const inm = r.pick(IF_NONE_MATCH);
  if (inm !== undefined) h["if-none-match"] = inm.replace(/[^\t\x20-\x7e]/g, "");
  return h;
}

function generatedQuery(r: Rng): Generated {
  return { method: "GET", url: `${r.pick(PATHS)}?${pairs(r, rawInUrl)}`, headers: headersOf(r) };
}

/** A form body, sometimes with invalid UTF-8 bytes spliced in, and sometimes a query string as well. */
function generatedForm(r: Rng): Generated {
  let payload = Buffer.from(pairs(r, rawInBody), "utf8");
  if (r.chance(0.1)) {
    const junk = Buffer.from(r.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe0, 0xa4], [0x00], [0x80, 0x80]]));
    const at = r.int(payload.length + 1);
    payload = Buffer.concat([payload.subarray(0, at), junk, payload.subarray(at)]);
  }
  const query = r.chance(0.3) ? `?${pairs(r, rawInUrl)}` : "";
  const contentType = r.pick(["application/x-www-form-urlencoded", "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8", "application/x-www-form-urlencoded; charset=latin1"]);
  return { method: "POST", url: `${r.pick(PATHS)}${query}`, headers: { ...headersOf(r), "content-type": contentType }, payload };
}

/** Bodies that are not forms: JSON (valid and not), text, multipart without a boundary, XML. */
function generatedOtherBody(r: Rng): Generated {
  const contentType = r.pick(["application/json", "text/plain", "multipart/form-data", "text/xml", "application/octet-stream", "application/x-www-form-urlencoded; boundary=\"x"]);
  const payload = r.pick([
    JSON.stringify({ func: valueOf(r), out: r.pick(["json", "xml", "bjson"]) }),
    JSON.stringify({ func: { $: valueOf(r) }, out: [valueOf(r)] }),
    JSON.stringify([valueOf(r)]),
    "{bad json", "null", "\"string\"", "42", pairs(r, rawInBody), `<doc>${valueOf(r)}</doc>`,
  ]);
  return { method: "POST", url: `${r.pick(PATHS)}?${pairs(r, rawInUrl)}`, headers: { ...headersOf(r), "content-type": contentType }, payload: Buffer.from(payload, "utf8") };
}

const VOCABULARY = new Set(["doc", "pricelist", "id", "name", "intname", "additionintname", "price", "period", "error", "param", "msg", "ok"]);
// Characters XML 1.0 cannot carry (the writer drops them; they must never reach an answer).
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** What an answer must satisfy whatever the request was; returns the problems found. */
function problemsOf(res: { statusCode: number; headers: Record<string, unknown>; rawPayload: Buffer }): string[] {
  const problems: string[] = [];
  if (res.statusCode >= 500) problems.push(`status ${res.statusCode}`);
  if (res.statusCode === 304) return problems;
  const bytes = res.headers["content-encoding"] === "gzip" ? gunzipSync(res.rawPayload) : res.rawPayload;
  let body: string;
  try {
    body = utf8.decode(bytes);
  } catch {
    return [...problems, "body is not valid UTF-8"];
  }
  if (/<script/i.test(body)) problems.push("raw <script in body");
  if (body.includes("<pbx-injected")) problems.push("raw injected marker in body");
  if (XML_INVALID.test(body)) problems.push("a character XML cannot carry");
  const type = String(res.headers["content-type"]);
  if (type.startsWith("text/xml")) {
    const valid = XMLValidator.validate(body);
    if (valid !== true) problems.push(`XML not well-formed: ${JSON.stringify(valid.err)}`);
    if (!body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<doc')) problems.push("XML does not start with the declaration and <doc>");
    for (const m of body.slice(body.indexOf("?>") + 2).matchAll(/<\/?([^\s>/]*)/g)) {
      if (!VOCABULARY.has(m[1]!)) problems.push(`element <${m[1]!.slice(0, 40)}> is not part of the protocol`);
    }
  } else if (type.startsWith("application/json")) {
    if (/[<>&\u2028\u2029]/.test(body)) problems.push("JSON carries a raw <, >, & or line separator");
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      if (Object.keys(parsed).join() !== "doc") problems.push("JSON root is not doc");
    } catch (e) {
      problems.push(`JSON does not parse: ${(e as Error).message}`);
    }
  } else if (type.startsWith("text/html")) {
    // A Buy redirect (module, license, module_id without func) is a browser arriving: it gets a
    // page (PROTOCOL.md §2.4). Its echoes are HTML-escaped, quotes included.
    if (!body.startsWith("<!doctype html>")) problems.push("HTML page without a doctype");
    if (body.includes(` a="1" b='2'`)) problems.push("quotes from the request unescaped in HTML");
  } else if (res.statusCode >= 300 && res.statusCode < 400 && bytes.length === 0) {
    // A redirect of the Buy flow: no body to check.
  } else {
    problems.push(`unexpected content type ${type}`);
  }
  return problems;
}

function describeRequest(g: Generated): string {
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  return JSON.stringify({ method: g.method, url: clip(g.url), headers: g.headers, payload: g.payload ? clip(g.payload.toString("latin1")) : undefined });
}

describe("the answer checker of the generated-input test", () => {
  const answer = (type: string, body: string, statusCode = 200) => ({ statusCode, headers: { "content-type": type }, rawPayload: Buffer.from(body, "utf8") });
  const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

  it("accepts the documents and pages partnerbill writes", () => {
    assert.deepEqual(problemsOf(answer("text/html; charset=utf-8", "<!doctype html><p>&lt;pbx-injected a=&quot;1&quot; b=&#39;2&#39;&gt;</p>")), []);
    assert.deepEqual(problemsOf(answer("text/xml; charset=UTF-8", `${XML_HEAD}<doc><error type="missed"><msg>&lt;script&gt;</msg></error></doc>\n`)), []);
    assert.deepEqual(problemsOf(answer("application/json; charset=UTF-8", '{"doc":{"msg":{"$":"\\u003cscript\\u003e"}}}')), []);
  });

  it("rejects a 5xx, raw markup, broken XML and unescaped JSON", () => {
    assert.notDeepEqual(problemsOf(answer("text/xml", `${XML_HEAD}<doc/>`, 500)), []);
    assert.notDeepEqual(problemsOf(answer("text/xml", `${XML_HEAD}<doc><msg><b>x</b></msg></doc>`)), []);
    assert.notDeepEqual(problemsOf(answer("text/xml", `${XML_HEAD}<doc><msg a="x"y">x</msg></doc>`)), []);
    assert.notDeepEqual(problemsOf(answer("text/xml", `${XML_HEAD}<doc><msg>a & b</msg></doc>`)), []);
    assert.notDeepEqual(problemsOf(answer("text/xml", `${XML_HEAD}<doc><msg>\u0001</msg></doc>`)), []);
    assert.notDeepEqual(problemsOf(answer("application/json", '{"doc":{"msg":"<script>"}}')), []);
    assert.notDeepEqual(problemsOf(answer("application/json", '{"doc":{"msg":"a&b"}}')), []);
    assert.notDeepEqual(problemsOf(answer("application/json", '{"doc":')), []);
    assert.notDeepEqual(problemsOf(answer("text/html", "<!doctype html><p><script>x</script></p>")), []);
    assert.notDeepEqual(problemsOf(answer("text/html", `<!doctype html><p title="<pbx-injected a="1" b='2'>"></p>`)), []);
    assert.notDeepEqual(problemsOf(answer("text/plain", "x")), []);
  });
});

describeEachDialect("billmgr under generated hostile input", (ctx) => {
  async function run(label: string, count: number, seedOffset: number, gen: (r: Rng) => Generated) {
    const { app, c } = await createTestApp(ctx());
    await seedKnownCatalog(c);
    const r = prng(SEED + seedOffset);
    const failures: string[] = [];
    let priceLists = 0;
    for (let i = 0; i < count; i++) {
      const g = gen(r);
      const res = await app.inject({ method: g.method, url: g.url, headers: g.headers, ...(g.payload ? { payload: g.payload } : {}) });
      const problems = problemsOf(res);
      if (res.statusCode === 200 && /<pricelist>|"pricelist"/.test(res.headers["content-encoding"] === "gzip" ? gunzipSync(res.rawPayload).toString() : res.body)) priceLists++;
      if (problems.length > 0 && failures.length < 5) failures.push(`#${i}: ${problems.join("; ")}\n    request: ${describeRequest(g)}`);
    }
    assert.deepEqual(failures, [], `${label}: FUZZ_SEED=${SEED} reproduces these`);
    // The generator must reach the price list itself, not only error documents.
    assert.ok(priceLists > count / 10, `${label}: only ${priceLists} of ${count} requests got a price list`);
  }

  it(`survives ${QUERIES} random query strings without a 5xx or an unescaped echo`, async () => {
    await run("query strings", QUERIES, 0, generatedQuery);
  });

  it(`survives ${FORM_BODIES} random form bodies without a 5xx or an unescaped echo`, async () => {
    await run("form bodies", FORM_BODIES, 1, generatedForm);
  });

  it(`survives ${OTHER_BODIES} bodies of other content types`, async () => {
    const { app, c } = await createTestApp(ctx());
    await seedKnownCatalog(c);
    const r = prng(SEED + 2);
    const failures: string[] = [];
    for (let i = 0; i < OTHER_BODIES; i++) {
      const g = generatedOtherBody(r);
      const problems = problemsOf(await app.inject({ method: g.method, url: g.url, headers: g.headers, payload: g.payload! }));
      if (problems.length > 0 && failures.length < 5) failures.push(`#${i}: ${problems.join("; ")}\n    request: ${describeRequest(g)}`);
    }
    assert.deepEqual(failures, [], `FUZZ_SEED=${SEED} reproduces these`);
  });

  it("echoes a hostile func value escaped, so that a parser reads back exactly what was sent", async () => {
    const { app } = await createTestApp(ctx());
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", trimValues: false, parseTagValue: false, parseAttributeValue: false });
    const samples = [MARKER, "<script>alert(1)</script>", `"'&<>`, "]]>", "&amp;lt;", "Привет 😀 \u202E", "a\u0001b\u0002c", "\uFFFEx", "x".repeat(200), `${"é".repeat(63)}😀tail`];
    // (A NUL byte never reaches the writers: the edge refuses it first, test/edge.nul.test.ts.)
    for (const s of samples) {
      // What the writers promise: trimmed, truncated for echo, and without characters XML cannot carry.
      const expected = truncateEcho(s.trim()).replace(new RegExp(XML_INVALID.source, "gu"), "");
      for (const out of ["xml", "json", "bjson"] as const) {
        const res = await app.inject({ method: "GET", url: `/billmgr?out=${out}&func=${encode(s)}` });
        assert.equal(res.statusCode, 200);
        assert.equal(problemsOf(res).join("; "), "", `${out} ${JSON.stringify(s)}`);
        let echoed: string;
        if (out === "xml") {
          const params = parser.parse(res.body).doc.error.param as Array<Record<string, string>>;
          echoed = params.find((p) => p["@name"] === "value")!["#text"]!;
        } else if (out === "json") {
          const params = (JSON.parse(res.body) as { doc: { error: { param: Array<Record<string, string>> } } }).doc.error.param;
          echoed = params.find((p) => p["$name"] === "value")!["$"]!;
        } else {
          const params = (JSON.parse(res.body) as { doc: { error: { param: Array<Record<string, string>> } } }).doc.error.param;
          echoed = params.find((p) => p["name"] === "value")!["value"]!;
        }
        assert.equal(echoed, expected, `${out} ${JSON.stringify(s)}`);
      }
    }
  });
});
