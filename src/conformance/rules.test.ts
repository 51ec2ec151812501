import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { doc, el, type Element } from "../protocol/document.ts";
import { errorDocument } from "../protocol/errors.ts";
import { write } from "../protocol/write.ts";
import { CHECKS } from "./catalog.ts";
import { formatText } from "./report.ts";
import {
  checkRows,
  differences,
  judgeBuyInvalid,
  judgeBuyValid,
  judgeErrorDocument,
  judgeHostile,
  oneLine,
  readPriceList,
  readRows,
  type Row,
} from "./rules.ts";
import { buildReport, parseTarget } from "./run.ts";
import type { ProbeAnswer, ProbeResponse } from "./types.ts";

const MARKER = "<pbconf1234abcd>";

function answer(status: number, body: string | Buffer, headers: Record<string, string> = {}): ProbeAnswer {
  return { kind: "answer", status, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body), ms: 1 };
}

function row(id: string, periods: Array<[length: string, cost: string]>, currency = "RUB", type = "month"): Element {
  return el("pricelist", [
    el("id", id),
    el("name", `Module ${id}`),
    el("intname", `M${id}`),
    el("additionintname", `M${id}`),
    el("price", periods.map(([length, cost]) => el("period", "x", { cost, type, length })), { currency }),
  ]);
}

const good = doc([row("23221", [["1", "950.0000"], ["12", "9500.0000"]]), row("55377", [["1", "290.0000"]])]);
const rowsOf = (d: Element, markup: "attributes" | "plain" = "attributes") => readRows(d, markup);

describe("conformance rules for price list rows", () => {
  it("passes every row rule for a list written like the protocol's example", () => {
    const verdicts = checkRows(rowsOf(good));
    for (const [id, v] of Object.entries(verdicts)) assert.equal(v.status, "pass", `${id}: ${v.detail}`);
    assert.equal(Object.keys(verdicts).length, CHECKS.filter((c) => c.id.startsWith("rows.")).length);
  });

  it("fails costs that do not have exactly four decimals, naming the module and the cost", () => {
    for (const cost of ["950.0", "950", "950.00000", "950,0000", "-950.0000", " 950.0000"]) {
      const v = checkRows(rowsOf(doc([row("23221", [["1", cost]])])))["rows.cost-format"]!;
      assert.equal(v.status, "fail", cost);
      assert.match(v.detail!, /23221 \(month\/1 cost/, cost);
    }
  });

  it("fails a module without a monthly period, and only warns when the monthly period is not first", () => {
    const yearlyOnly = checkRows(rowsOf(doc([row("55377", [["12", "2900.0000"]])])));
    assert.equal(yearlyOnly["rows.monthly"]!.status, "fail");
    assert.match(yearlyOnly["rows.monthly"]!.detail!, /55377 \(periods: month\/12\)/);
    const yearlyFirst = checkRows(rowsOf(doc([row("23221", [["12", "9500.0000"], ["1", "950.0000"]])])));
    assert.equal(yearlyFirst["rows.monthly"]!.status, "pass");
    assert.equal(yearlyFirst["rows.monthly-first"]!.status, "warn");
  });

  it("fails a currency that is not three capital letters and warns about one ISO 4217 does not know", () => {
    assert.equal(checkRows(rowsOf(doc([row("23221", [["1", "1.0000"]], "rub")])))["rows.currency"]!.status, "fail");
    assert.equal(checkRows(rowsOf(doc([row("23221", [["1", "1.0000"]], "Руб")])))["rows.currency"]!.status, "fail");
    const made = checkRows(rowsOf(doc([row("23221", [["1", "1.0000"]], "ZZQ")])));
    assert.equal(made["rows.currency"]!.status, "pass");
    assert.equal(made["rows.currency-known"]!.status, "warn");
  });

  it("fails rows without a numeric id, a name or the service names, and warns about unknown and repeated ids and zero costs", () => {
    const broken = doc([
      el("pricelist", [el("id", "abc"), el("name", ""), el("price", [el("period", "m", { cost: "1.0000", type: "month", length: "1" })], { currency: "RUB" })]),
      row("12345", [["1", "0.0000"]]),
      row("12345", [["1", "1.0000"]]),
    ]);
    const v = checkRows(rowsOf(broken));
    assert.equal(v["rows.id"]!.status, "fail");
    assert.equal(v["rows.name"]!.status, "fail");
    assert.equal(v["rows.intname"]!.status, "fail");
    assert.equal(v["rows.id-unique"]!.status, "warn");
    assert.equal(v["rows.known-ids"]!.status, "warn");
    assert.equal(v["rows.cost-positive"]!.status, "warn");
  });

  it("reads an XML <cost> child as no cost: a panel reads attributes", () => {
    const childCost = doc([el("pricelist", [el("id", "23221"), el("price", [el("period", [el("cost", "950.0000")], { type: "month", length: "1" })], { currency: "RUB" })])]);
    assert.equal(checkRows(rowsOf(childCost))["rows.cost-format"]!.status, "fail");
    // bjson has no attributes: plain keys are the fields there.
    assert.equal(checkRows(rowsOf(childCost, "plain"))["rows.cost-format"]!.status, "pass");
  });
});

describe("conformance: reading price list answers", () => {
  it("reads the same rows from XML, json and bjson, and tells the formats apart", () => {
    const xml = readPriceList(answer(200, write(good, "xml")), "xml", "attributes");
    const json = readPriceList(answer(200, write(good, "json")), "json", "attributes");
    const bjson = readPriceList(answer(200, write(good, "bjson")), "json", "plain");
    assert.ok(xml.ok && json.ok && bjson.ok);
    assert.equal(differences(xml.value.rows, json.value.rows), undefined);
    assert.equal(differences(xml.value.rows, bjson.value.rows), undefined);
    const wrong = readPriceList(answer(200, write(good, "xml")), "json", "attributes");
    assert.ok(!wrong.ok && /answered XML where JSON was asked for/.test(wrong.reason));
  });

  it("refuses error documents, other statuses, HTML pages, DTDs and bodies that do not decode", () => {
    const cases: Array<[ProbeResponse, RegExp]> = [
      [answer(200, write(errorDocument({ type: "auth", object: "authinfo", message: "Authentication required" }), "xml")), /error document \(type "auth": "Authentication required"\)/],
      [answer(503, "busy", { "content-type": "text/plain" }), /HTTP 503, text\/plain, not 200/],
      [answer(200, "<!DOCTYPE html><html><title>Login</title></html>", { "content-type": "text/html" }), /an HTML page \("Login"\)/],
      [answer(200, '<?xml version="1.0"?><!DOCTYPE doc [<!ENTITY x "y">]><doc>&x;</doc>'), /declares a DTD/],
      [answer(200, Buffer.from("not gzip"), { "content-encoding": "gzip" }), /does not decode/],
      [{ kind: "failed", reason: "connection refused", ms: 1 }, /connection refused/],
    ];
    for (const [r, why] of cases) {
      const rd = readPriceList(r, "xml", "attributes");
      assert.ok(!rd.ok, String(why));
      assert.match(rd.reason, why);
    }
  });

  it("reads a gzip body as the list it compresses", () => {
    const rd = readPriceList(answer(200, gzipSync(write(good, "xml")), { "content-encoding": "gzip" }), "xml", "attributes");
    assert.ok(rd.ok);
    assert.equal(rd.value.rows.length, 2);
  });

  it("names what is missing, extra and different between two lists, ignoring names and order", () => {
    const a = rowsOf(good);
    const reordered: Row[] = [{ ...a[1]!, name: "Renamed" }, a[0]!];
    assert.equal(differences(a, reordered), undefined);
    const other = rowsOf(doc([row("23221", [["1", "900.0000"], ["12", "9500.0000"]]), row("55390", [["1", "1.0000"]])]));
    const d = differences(a, other)!;
    assert.match(d, /missing 55377/);
    assert.match(d, /extra 55390/);
    assert.match(d, /23221: RUB month\/1=900\.0000 month\/12=9500\.0000 instead of RUB month\/1=950\.0000/);
  });
});

describe("conformance: judging single answers", () => {
  it("wants a BILLmanager error document for an unknown func, and fails on HTML or a 5xx", () => {
    const errXml = write(errorDocument({ type: "missed", object: "func", message: "Unknown function" }), "xml");
    assert.equal(judgeErrorDocument("errors.unknown-func", answer(200, errXml), "xml").status, "pass");
    assert.equal(judgeErrorDocument("errors.unknown-func", answer(404, errXml), "xml").status, "pass");
    assert.equal(judgeErrorDocument("errors.unknown-func", answer(200, "<html><body>no</body></html>", { "content-type": "text/html" }), "xml").status, "fail");
    assert.equal(judgeErrorDocument("errors.unknown-func", answer(500, errXml), "xml").status, "fail");
    assert.equal(judgeErrorDocument("errors.unknown-func", answer(200, write(good, "xml")), "xml").status, "fail");
    assert.equal(judgeErrorDocument("errors.unknown-func", answer(200, '<doc><error type="weird"/></doc>'), "xml").status, "warn");
    assert.equal(judgeErrorDocument("errors.unknown-func-json", answer(200, errXml), "json").status, "fail");
    // A warn-level rule still fails a 5xx.
    assert.equal(judgeErrorDocument("errors.missing-func", answer(200, "<html></html>"), "xml").status, "warn");
    assert.equal(judgeErrorDocument("errors.missing-func", answer(502, ""), "xml").status, "fail");
  });

  it("fails hostile input that gets a 5xx or comes back unescaped, and only warns for raw markup inside valid JSON", () => {
    assert.equal(judgeHostile(answer(500, "oops"), MARKER).status, "fail");
    assert.equal(judgeHostile(answer(200, `<doc><error><msg>Unknown ${MARKER}</msg></error></doc>`), MARKER).status, "fail");
    assert.equal(judgeHostile(answer(200, `<p>Unknown <pbconf1234abcd&gt;</p>`), MARKER).status, "fail");
    assert.equal(judgeHostile(answer(200, `<doc><error><msg>Unknown &lt;pbconf1234abcd&gt;</msg></error></doc>`), MARKER).status, "pass");
    assert.equal(judgeHostile(answer(200, `{"doc":{"error":{"msg":{"$":"\\u003cpbconf1234abcd\\u003e"}}}}`), MARKER).status, "pass");
    assert.equal(judgeHostile(answer(200, `{"doc":{"error":{"msg":{"$":"${MARKER}"}}}}`), MARKER).status, "warn");
    assert.equal(judgeHostile(answer(413, "too large"), MARKER).status, "pass");
    assert.equal(judgeHostile({ kind: "failed", reason: "the server closed the connection", ms: 1 }, MARKER).status, "warn");
  });

  it("wants a page or a redirect for a valid Buy redirect, following the redirect only when asked", () => {
    const redirect = answer(303, "", { location: "/checkout/ord_1" });
    assert.equal(judgeBuyValid(redirect, { location: "/checkout/ord_1", response: answer(200, "<!doctype html>", { "content-type": "text/html" }) }).status, "pass");
    assert.equal(judgeBuyValid(redirect, { location: "/checkout/ord_1", response: answer(500, "") }).status, "fail");
    assert.equal(judgeBuyValid(redirect).status, "pass");
    assert.equal(judgeBuyValid(answer(302, "")).status, "fail");
    assert.equal(judgeBuyValid(answer(200, "<!doctype html><p>Pay</p>", { "content-type": "text/html; charset=utf-8" })).status, "pass");
    assert.equal(judgeBuyValid(answer(200, write(errorDocument({ type: "missed", object: "func", message: "no func" }), "xml"))).status, "fail");
    assert.equal(judgeBuyValid(answer(404, "<!doctype html>", { "content-type": "text/html" })).status, "warn");
    assert.equal(judgeBuyValid(answer(502, "")).status, "fail");
  });

  it("wants invalid Buy data refused without a 5xx or an unescaped echo", () => {
    assert.equal(judgeBuyInvalid(answer(400, "<!doctype html><p>license must be a number</p>"), MARKER).status, "pass");
    assert.equal(judgeBuyInvalid(answer(200, `<!doctype html><p>bad ip ${MARKER}</p>`), MARKER).status, "fail");
    assert.equal(judgeBuyInvalid(answer(500, ""), MARKER).status, "fail");
    assert.equal(judgeBuyInvalid(answer(302, "", { location: "/pay" }), MARKER).status, "warn");
    assert.equal(judgeBuyInvalid({ kind: "failed", reason: "connection refused", ms: 1 }, MARKER).status, "fail");
  });
});

describe("conformance: target and report", () => {
  it("takes the billing's address, its /billmgr URL or a full price list URL", () => {
    for (const input of ["https://b.example", "https://b.example/", "https://b.example/billmgr", "https://b.example/manager/billmgr/", "https://b.example/billmgr?func=pricelist.export&out=xml"]) {
      assert.deepEqual(parseTarget(input), { origin: "https://b.example", prefix: "" }, input);
    }
    assert.deepEqual(parseTarget("http://127.0.0.1:8080/partner/billmgr"), { origin: "http://127.0.0.1:8080", prefix: "/partner" });
    for (const bad of ["b.example", "ftp://b.example", "https://u:p@b.example/billmgr"]) assert.equal(typeof parseTarget(bad), "string", bad);
  });

  it("keeps terminal escapes and newlines a hostile billing sends out of the report", () => {
    assert.equal(oneLine("bad\u001b[2J\r\nline\u0007"), "bad [2J line");
    assert.equal(oneLine("x".repeat(200), 10), `${"x".repeat(10)}…`);
  });

  it("prints one line per check in catalog order, then the summary, and is ok only without a FAIL", () => {
    const target = { origin: "http://b.example", prefix: "" };
    const report = buildReport(target, new Map([["rows.cost-format", { status: "fail", detail: "23221 (month/1 cost \"950.0\")" }], ["reachable", { status: "pass" }]]));
    assert.equal(report.ok, false);
    assert.equal(report.checks.length, CHECKS.length);
    const lines = formatText(report).trimEnd().split("\n");
    assert.equal(lines.length, CHECKS.length + 3);
    assert.match(lines[0]!, /^PASS {2}reachable +the billing answers HTTP at \/billmgr$/);
    assert.ok(lines.some((l) => /^FAIL {2}rows\.cost-format +every cost .* \(23221 \(month\/1 cost "950\.0"\)\)$/.test(l)));
    assert.ok(lines.some((l) => /^SKIP {2}json\.parse +.*\(not run\)$/.test(l)));
    assert.equal(lines.at(-1), "NOT conformant: rows.cost-format");
    const clean = buildReport(target, new Map([["reachable", { status: "pass" }], ["cache.gzip", { status: "info", detail: "not compressed" }]]));
    assert.equal(clean.ok, true);
    assert.equal(clean.summary.skip, CHECKS.length - 2);
  });
});
