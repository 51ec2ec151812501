// The rules of PROTOCOL.md §2 as pure functions: an answer (or the rows read from it) in, a verdict
// out. No I/O here — ./run.ts decides what to ask and ./http.ts asks it. Answers are read with the
// same parser partnerbill uses for upstream (src/upstream/document.ts): XML with DTDs refused, and
// both JSON flavours, into one element tree.
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import type { Element } from "../protocol/document.ts";
import { child, childrenNamed, DocumentError, field, parseDocument } from "../upstream/document.ts";
import { specOf, type CheckId } from "./catalog.ts";
import type { CheckStatus, ProbeAnswer, ProbeResponse } from "./types.ts";

export interface Verdict {
  readonly status: CheckStatus;
  readonly detail?: string;
}

export const pass = (detail?: string): Verdict => (detail === undefined ? { status: "pass" } : { status: "pass", detail });
export const skip = (detail: string): Verdict => ({ status: "skip", detail });
/** A breach of the check's rule, reported at the check's severity (./catalog.ts). */
export const breach = (id: CheckId, detail: string): Verdict => ({ status: specOf(id).severity, detail });

/** Tariff ids of PROTOCOL.md §4 (EU and Russian client areas). */
export const KNOWN_TARIFF_IDS: ReadonlySet<string> = new Set(["23221", "55361", "55362", "55363", "55371", "55377", "55378", "55379", "55390"]);
/** Error types of PROTOCOL.md §2.3: seen ones [code] and the ones we assume follow the scheme. */
export const KNOWN_ERROR_TYPES: ReadonlySet<string> = new Set(["auth", "access", "exists", "xml", "missed", "value"]);
/** ISO 4217 as the runtime's ICU knows it. */
const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));
/** A cost as the protocol writes it: decimal, exactly four decimals [doc]. */
export const COST = /^\d+\.\d{4}$/;
const TARIFF_ID = /^[1-9]\d{0,17}$/;

// ---- text from the outside world ----

/**
 * Text from the target made safe for one report line: control characters (a hostile billing could
 * send terminal escapes) become spaces, and it is cut to `max` characters.
 */
export function oneLine(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** "a, b, c and 4 more". */
export function some(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

/** The body as text, decompressed as its content-encoding says. Throws if it does not decode. */
export function bodyText(a: ProbeAnswer): string {
  if (a.body.length === 0) return "";
  const enc = (a.headers["content-encoding"] ?? "").trim().toLowerCase();
  const bytes =
    enc === "gzip" || enc === "x-gzip" ? gunzipSync(a.body) :
    enc === "deflate" ? inflateSync(a.body) :
    enc === "br" ? brotliDecompressSync(a.body) :
    a.body;
  return bytes.toString("utf8");
}

export function describeAnswer(r: ProbeResponse): string {
  if (r.kind === "failed") return r.reason;
  const ct = r.headers["content-type"];
  return ct ? `HTTP ${r.status}, ${oneLine(ct, 60)}` : `HTTP ${r.status}`;
}

// ---- documents ----

export type DocFormat = "xml" | "json";

export interface ReadDocument {
  readonly doc: Element;
  readonly format: DocFormat;
  readonly text: string;
}

export type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Any answer read as a BILLmanager document, whatever its status. */
export function readDocument(r: ProbeResponse): Read<ReadDocument> {
  if (r.kind === "failed") return { ok: false, reason: r.reason };
  let text: string;
  try {
    text = bodyText(r);
  } catch {
    return { ok: false, reason: `HTTP ${r.status}: the body does not decode as content-encoding "${oneLine(r.headers["content-encoding"] ?? "", 20)}"` };
  }
  if (/^\s*(<!doctype html|<html)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
    return { ok: false, reason: `${describeAnswer(r)}: an HTML page${title ? ` ("${oneLine(title, 60)}")` : ""}, not a BILLmanager document` };
  }
  try {
    const doc = parseDocument(text);
    const format: DocFormat = text.replace(/^\uFEFF/, "").trimStart().startsWith("{") ? "json" : "xml";
    return { ok: true, value: { doc, format, text } };
  } catch (e) {
    if (!(e instanceof DocumentError)) throw e;
    const start = text.trim() === "" ? "an empty body" : `"${oneLine(text, 40)}"`;
    return { ok: false, reason: `${describeAnswer(r)}: not a BILLmanager document (${e.message}; body starts ${start})` };
  }
}

export interface ErrorInfo {
  readonly type?: string;
  readonly object?: string;
  readonly msg?: string;
}

/** The error of an error document (doc/error), or undefined for any other document. */
export function errorOf(doc: Element): ErrorInfo | undefined {
  const e = child(doc, "error");
  if (!e) return undefined;
  const msg = child(e, "msg");
  const type = field(e, "type");
  const object = field(e, "object");
  return {
    ...(type !== undefined ? { type } : {}),
    ...(object !== undefined ? { object } : {}),
    ...(msg?.text !== undefined ? { msg: msg.text } : {}),
  };
}

function describeError(e: ErrorInfo): string {
  return `an error document (type ${e.type === undefined ? "missing" : `"${oneLine(e.type, 30)}"`}${e.msg ? `: "${oneLine(e.msg, 80)}"` : ""})`;
}

// ---- price list rows ----

export interface Period {
  readonly type?: string;
  readonly length?: string;
  readonly cost?: string;
}

export interface Row {
  readonly id?: string;
  readonly name?: string;
  readonly intname?: string;
  readonly additionintname?: string;
  readonly hasPrice: boolean;
  readonly currency?: string;
  readonly periods: readonly Period[];
}

/**
 * How attributes travel: as attributes (XML; json and sjson, where "$cost" is read as an attribute)
 * or as plain keys (bjson, PROTOCOL.md §2.2). A panel reading XML looks at attributes only, so an
 * XML `<cost>` child is not a cost.
 */
export type Markup = "attributes" | "plain";

function textOf(e: Element, name: string): string | undefined {
  const c = child(e, name);
  return c === undefined ? undefined : (c.text ?? "");
}

function attrOf(e: Element, name: string, markup: Markup): string | undefined {
  return markup === "attributes" ? e.attrs?.[name] : field(e, name);
}

export function readRows(doc: Element, markup: Markup): Row[] {
  return childrenNamed(doc, "pricelist").map((p) => {
    const price = child(p, "price");
    const id = textOf(p, "id");
    const name = textOf(p, "name");
    const intname = textOf(p, "intname");
    const additionintname = textOf(p, "additionintname");
    const currency = price ? attrOf(price, "currency", markup) : undefined;
    return {
      ...(id !== undefined ? { id: id.trim() } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(intname !== undefined ? { intname } : {}),
      ...(additionintname !== undefined ? { additionintname } : {}),
      hasPrice: price !== undefined,
      ...(currency !== undefined ? { currency } : {}),
      periods: price
        ? childrenNamed(price, "period").map((x) => {
            const type = attrOf(x, "type", markup);
            const length = attrOf(x, "length", markup);
            const cost = attrOf(x, "cost", markup);
            return { ...(type !== undefined ? { type } : {}), ...(length !== undefined ? { length } : {}), ...(cost !== undefined ? { cost } : {}) };
          })
        : [],
    };
  });
}

export interface PriceList {
  readonly rows: readonly Row[];
  readonly doc: Element;
  readonly format: DocFormat;
}

/**
 * An answer to pricelist.export read as a price list: HTTP 200, a document in the expected format,
 * not an error document. The reason says what a panel would have choked on.
 */
export function readPriceList(r: ProbeResponse, expect: DocFormat, markup: Markup): Read<PriceList> {
  if (r.kind === "failed") return { ok: false, reason: r.reason };
  if (r.status !== 200) return { ok: false, reason: `${describeAnswer(r)}, not 200` };
  const d = readDocument(r);
  if (!d.ok) return d;
  if (d.value.format !== expect) return { ok: false, reason: `answered ${d.value.format.toUpperCase()} where ${expect.toUpperCase()} was asked for` };
  const err = errorOf(d.value.doc);
  if (err) return { ok: false, reason: `answered ${describeError(err)}` };
  return { ok: true, value: { rows: readRows(d.value.doc, markup), doc: d.value.doc, format: d.value.format } };
}

export function labelOf(row: Row, index: number): string {
  return row.id !== undefined && row.id !== "" ? row.id : `row ${index + 1}`;
}

const isMonthly = (p: Period) => p.type === "month" && p.length === "1";
const q = (s: string) => JSON.stringify(oneLine(s, 30));

/** Each row check as one verdict, keyed by check id. An empty list leaves them to the caller. */
export function checkRows(rows: readonly Row[]): Partial<Record<CheckId, Verdict>> {
  const n = `${rows.length} module${rows.length === 1 ? "" : "s"}`;
  const offenders = (test: (r: Row, i: number) => string | undefined) =>
    rows.flatMap((r, i) => {
      const why = test(r, i);
      return why === undefined ? [] : [why];
    });
  const verdict = (id: CheckId, found: string[], okDetail = n): Verdict => (found.length === 0 ? pass(okDetail) : breach(id, some(found)));

  const badIds = offenders((r, i) => (r.id === undefined ? `row ${i + 1} (no <id>)` : TARIFF_ID.test(r.id) ? undefined : `row ${i + 1} (id ${q(r.id)})`));
  const seen = new Map<string, number>();
  for (const r of rows) if (r.id !== undefined && TARIFF_ID.test(r.id)) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  const duplicated = [...seen].filter(([, c]) => c > 1).map(([id, c]) => `${id} (${c} times)`);

  const names = offenders((r, i) => (r.name === undefined ? `${labelOf(r, i)} (no <name>)` : r.name.trim() === "" ? `${labelOf(r, i)} (empty <name>)` : undefined));
  const intnames = offenders((r, i) => {
    const missing = (["intname", "additionintname"] as const).filter((k) => (r[k] ?? "").trim() === "");
    return missing.length === 0 ? undefined : `${labelOf(r, i)} (no ${missing.map((k) => `<${k}>`).join(" or ")})`;
  });
  const currencies = offenders((r, i) =>
    !r.hasPrice ? `${labelOf(r, i)} (no <price>)` :
    r.currency === undefined ? `${labelOf(r, i)} (no currency)` :
    /^[A-Z]{3}$/.test(r.currency) ? undefined : `${labelOf(r, i)} (currency ${q(r.currency)})`,
  );
  const unknownCurrencies = offenders((r, i) =>
    r.currency !== undefined && /^[A-Z]{3}$/.test(r.currency) && !ISO_CURRENCIES.has(r.currency) ? `${labelOf(r, i)} (${r.currency})` : undefined,
  );
  const noMonthly = offenders((r, i) =>
    r.periods.some(isMonthly) ? undefined : `${labelOf(r, i)} (periods: ${r.periods.length === 0 ? "none" : r.periods.map((p) => `${p.type ?? "?"}/${p.length ?? "?"}`).join(", ")})`,
  );
  const monthlyNotFirst = offenders((r, i) => (r.periods.some(isMonthly) && !isMonthly(r.periods[0]!) ? `${labelOf(r, i)} (first: ${r.periods[0]!.type ?? "?"}/${r.periods[0]!.length ?? "?"})` : undefined));
  const badCosts = rows.flatMap((r, i) =>
    r.periods
      .filter((p) => p.cost === undefined || !COST.test(p.cost))
      .map((p) => `${labelOf(r, i)} (${p.type ?? "?"}/${p.length ?? "?"} ${p.cost === undefined ? "no cost" : `cost ${q(p.cost)}`})`),
  );
  const zeroCosts = rows.flatMap((r, i) =>
    r.periods.filter((p) => p.cost !== undefined && COST.test(p.cost) && !/[1-9]/.test(p.cost)).map((p) => `${labelOf(r, i)} (${p.type ?? "?"}/${p.length ?? "?"} cost ${p.cost})`),
  );
  const periods = rows.reduce((s, r) => s + r.periods.length, 0);
  const unknownIds = offenders((r) => (r.id !== undefined && TARIFF_ID.test(r.id) && !KNOWN_TARIFF_IDS.has(r.id) ? r.id : undefined));

  return {
    "rows.id": verdict("rows.id", badIds),
    "rows.id-unique": verdict("rows.id-unique", duplicated),
    "rows.name": verdict("rows.name", names),
    "rows.intname": verdict("rows.intname", intnames),
    "rows.currency": verdict("rows.currency", currencies, `${n}: ${[...new Set(rows.map((r) => r.currency))].join(", ")}`),
    "rows.currency-known": verdict("rows.currency-known", unknownCurrencies),
    "rows.monthly": verdict("rows.monthly", noMonthly),
    "rows.monthly-first": verdict("rows.monthly-first", monthlyNotFirst),
    "rows.cost-format": verdict("rows.cost-format", badCosts, `${periods} period${periods === 1 ? "" : "s"}`),
    "rows.cost-positive": verdict("rows.cost-positive", zeroCosts, `${periods} period${periods === 1 ? "" : "s"}`),
    "rows.known-ids": unknownIds.length === 0 ? pass(n) : breach("rows.known-ids", `not in PROTOCOL.md §4: ${some(unknownIds)} — panels ignore modules they do not support`),
  };
}

/** json/sjson: every price and period carries its attributes as "$name" keys. */
export function missingMarkup(rows: readonly Row[]): string[] {
  return rows.flatMap((r, i) => {
    const gaps: string[] = [];
    if (r.hasPrice && r.currency === undefined) gaps.push("$currency");
    if (r.periods.some((p) => p.cost === undefined)) gaps.push("$cost");
    if (r.periods.some((p) => p.type === undefined)) gaps.push("$type");
    if (r.periods.some((p) => p.length === undefined)) gaps.push("$length");
    return gaps.length === 0 ? [] : [`${labelOf(r, i)} (no ${gaps.join(", ")})`];
  });
}

function signature(r: Row): string {
  return `${r.currency ?? "?"} ${r.periods.map((p) => `${p.type ?? "?"}/${p.length ?? "?"}=${p.cost ?? "?"}`).join(" ")}`;
}

/**
 * How `actual` differs from `expected` in what a panel uses — which tariff ids are listed and
 * their currency and periods — or undefined if it does not. Names are not compared (lang may
 * translate them).
 */
export function differences(expected: readonly Row[], actual: readonly Row[]): string | undefined {
  const want = new Map(expected.map((r, i) => [labelOf(r, i), signature(r)]));
  const got = new Map(actual.map((r, i) => [labelOf(r, i), signature(r)]));
  const missing = [...want.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !want.has(k));
  const changed = [...want].filter(([k, v]) => got.has(k) && got.get(k) !== v).map(([k, v]) => `${k}: ${oneLine(got.get(k)!, 60)} instead of ${oneLine(v, 60)}`);
  const parts = [
    ...(missing.length > 0 ? [`missing ${some(missing)}`] : []),
    ...(extra.length > 0 ? [`extra ${some(extra)}`] : []),
    ...(changed.length > 0 ? [some(changed, 2)] : []),
  ];
  return parts.length === 0 ? undefined : parts.join("; ");
}

export const idsOf = (rows: readonly Row[]): string[] => rows.map(labelOf);

// ---- judging single answers ----

export function contentTypeFits(r: ProbeAnswer, format: DocFormat): boolean {
  const ct = (r.headers["content-type"] ?? "").toLowerCase();
  return format === "xml" ? /^[a-z]+\/([a-z.+-]+\+)?xml\b/.test(ct) : /^[a-z]+\/([a-z.+-]+\+)?json\b/.test(ct);
}

/**
 * An answer to a request that must be refused with a BILLmanager error document (PROTOCOL.md §2.3):
 * a 5xx or no answer fails at any severity; anything but doc/error with a type is a breach;
 * an error type outside the known ones only warns.
 */
export function judgeErrorDocument(id: CheckId, r: ProbeResponse, expect: DocFormat): Verdict {
  if (r.kind === "failed") return { status: "fail", detail: r.reason };
  if (r.status >= 500) return { status: "fail", detail: describeAnswer(r) };
  const d = readDocument(r);
  if (!d.ok) return breach(id, d.reason);
  if (d.value.format !== expect) return breach(id, `${describeAnswer(r)}: answered ${d.value.format.toUpperCase()} where ${expect.toUpperCase()} was asked for`);
  const e = errorOf(d.value.doc);
  if (!e) return breach(id, `${describeAnswer(r)}: a document without <error>`);
  if (e.type === undefined || e.type === "") return breach(id, `${describeAnswer(r)}: <error> has no type`);
  const said = `HTTP ${r.status}, type "${oneLine(e.type, 30)}"`;
  if (!KNOWN_ERROR_TYPES.has(e.type)) return { status: "warn", detail: `${said}: not one of ${[...KNOWN_ERROR_TYPES].join(", ")}` };
  return pass(said);
}

/**
 * The raw (unescaped) form of the marker in a body. Escaped forms (&lt;…, \u003c…) are fine; the
 * raw one would be markup in XML or HTML.
 */
export function echoesMarker(text: string, marker: string): boolean {
  // The opening "<" and the name are what make it a tag; a ">" escaped on its own does not help.
  return text.includes(marker.replace(/>$/, ""));
}

/**
 * An answer to hostile input: never a 5xx; never the marker unescaped. A JSON document that
 * carries it inside a string is still valid JSON, so that only warns (it is markup only if a
 * browser is made to read the JSON as HTML). No answer at all only warns too — closing the
 * connection on a huge request is a fair refusal; hostile.still-alive catches a crash.
 */
export function judgeHostile(r: ProbeResponse, marker: string): Verdict {
  if (r.kind === "failed") return { status: "warn", detail: `no answer: ${r.reason}` };
  if (r.status >= 500) return { status: "fail", detail: describeAnswer(r) };
  let text: string;
  try {
    text = bodyText(r);
  } catch {
    return { status: "fail", detail: `${describeAnswer(r)}: the body does not decode` };
  }
  if (echoesMarker(text, marker)) {
    const d = readDocument(r);
    if (d.ok && d.value.format === "json") return { status: "warn", detail: `${describeAnswer(r)}: the input is echoed inside a JSON string without escaping < as \\u003c` };
    return { status: "fail", detail: `${describeAnswer(r)}: the input is echoed unescaped` };
  }
  return pass(describeAnswer(r));
}

const isPage = (r: ProbeAnswer) => /^text\/html\b|^application\/xhtml\+xml\b/i.test(r.headers["content-type"] ?? "");

/**
 * A valid Buy redirect (PROTOCOL.md §2.4): a browser arrives, so the answer is a page (2xx) or a
 * redirect (3xx with Location; `followed` is what the Location answered, if it was followed).
 * A 4xx only warns: a billing that checks licenses upstream may refuse our fake license.
 */
export function judgeBuyValid(r: ProbeResponse, followed?: { location: string; response: ProbeResponse }): Verdict {
  if (r.kind === "failed") return { status: "fail", detail: r.reason };
  if (r.status >= 500) return { status: "fail", detail: describeAnswer(r) };
  if (r.status >= 300 && r.status < 400) {
    const location = r.headers["location"];
    if (!location) return { status: "fail", detail: `HTTP ${r.status} without a Location` };
    if (!followed) return pass(`HTTP ${r.status} → ${oneLine(location, 80)} (another site: not followed)`);
    const f = followed.response;
    if (f.kind === "failed" || f.status >= 500) return { status: "fail", detail: `HTTP ${r.status} → ${oneLine(location, 80)} → ${describeAnswer(f)}` };
    return pass(`HTTP ${r.status} → ${oneLine(location, 80)} → HTTP ${f.status}`);
  }
  if (r.status >= 400) {
    return { status: "warn", detail: `${describeAnswer(r)}: refused (if the billing checks licenses, pass a real one with --license)` };
  }
  const d = readDocument(r);
  if (d.ok && errorOf(d.value.doc)) return { status: "fail", detail: `${describeAnswer(r)}: answered ${describeError(errorOf(d.value.doc)!)}, not a page — the Buy redirect is not handled` };
  if (!isPage(r)) return { status: "warn", detail: `${describeAnswer(r)}: not an HTML page` };
  return pass(describeAnswer(r));
}

/**
 * An invalid Buy redirect: a readable refusal (4xx, or a page or error document that says so),
 * never a 5xx, never the input echoed unescaped. A redirect onwards only warns: the data was
 * taken as valid, or judged somewhere we do not follow.
 */
export function judgeBuyInvalid(r: ProbeResponse, marker: string): Verdict {
  const h = judgeHostile(r, marker);
  if (h.status !== "pass") return r.kind === "failed" ? { status: "fail", detail: r.reason } : h;
  const answer = r as ProbeAnswer;
  if (answer.status >= 300 && answer.status < 400) {
    return { status: "warn", detail: `HTTP ${answer.status} → ${oneLine(answer.headers["location"] ?? "(no Location)", 80)}: accepted as valid?` };
  }
  return pass(describeAnswer(r));
}
