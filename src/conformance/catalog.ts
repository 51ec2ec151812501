// Every check of `partnerbill conformance`, in report order, with the strongest status it can give.
// A report always lists all of them: a check that did not run is a `skip` with its reason, so two
// reports of different billings line up line by line. docs/adr/0008-conformance.md says why each
// rule fails or only warns; the PROTOCOL.md section and confidence tag are given per check.

export type Severity = "fail" | "warn" | "info";

/** The license id of the Buy checks unless --license is given: positive, and plainly not real. */
export const FAKE_LICENSE = "999999999";

export interface CheckSpec {
  readonly id: string;
  readonly title: string;
  /** What a breach of the rule reports. A few checks report worse for a worse breach (a gzip body
   * that does not decode fails; a Buy redirect answering 5xx fails where a 4xx only warns). */
  readonly severity: Severity;
  /** Where the rule comes from (PROTOCOL.md section and confidence tag, or our ADR). */
  readonly source: string;
}

export const CHECKS = [
  { id: "reachable", severity: "fail", source: "§2.1", title: "the billing answers HTTP at /billmgr" },
  { id: "export.get.billmgr", severity: "fail", source: "§2.1 [seed]", title: "GET /billmgr?func=pricelist.export answers 200 with a <doc> price list" },
  { id: "export.post.billmgr", severity: "fail", source: "§2.1 [doc]", title: "POST /billmgr (form body) answers 200 with a <doc> price list" },
  { id: "export.get.manager-billmgr", severity: "fail", source: "§2.1 [doc]", title: "GET /manager/billmgr answers 200 with a <doc> price list" },
  { id: "export.post.manager-billmgr", severity: "fail", source: "§2.1 [doc]", title: "POST /manager/billmgr (form body) answers 200 with a <doc> price list" },
  { id: "export.same-everywhere", severity: "fail", source: "§2.1 [doc]", title: "both paths and both methods list the same modules and costs" },
  { id: "export.content-type", severity: "warn", source: "§2.1", title: "XML is served as */xml and JSON as */json" },
  { id: "export.lists-modules", severity: "warn", source: "§2.1", title: "the price list lists at least one module" },
  { id: "rows.id", severity: "fail", source: "§2.1 [seed, doc]", title: "every <pricelist> has a numeric <id> (the module's tariff id)" },
  { id: "rows.id-unique", severity: "warn", source: "§2.1 [inference]", title: "no tariff id is listed twice" },
  { id: "rows.name", severity: "fail", source: "§2.1 [seed]", title: "every <pricelist> has a non-empty <name>" },
  { id: "rows.intname", severity: "fail", source: "§2.1 [seed]", title: "every <pricelist> has a non-empty <intname> and <additionintname>" },
  { id: "rows.currency", severity: "fail", source: "§2.1 [seed, doc]", title: "every <price> has a currency attribute of three capital letters" },
  { id: "rows.currency-known", severity: "warn", source: "§2.1 [seed, doc]", title: "every currency is an ISO 4217 code" },
  { id: "rows.monthly", severity: "fail", source: "§2.1 [seed]", title: "every module has a period type=\"month\" length=\"1\"" },
  { id: "rows.monthly-first", severity: "warn", source: "§2.1 [seed]; ADR 0001", title: "the monthly period comes first" },
  { id: "rows.cost-format", severity: "fail", source: "§2.1 [doc]", title: "every cost is a decimal with exactly four decimals (950.0000)" },
  { id: "rows.cost-positive", severity: "warn", source: "§2.1", title: "every cost is greater than zero" },
  { id: "rows.known-ids", severity: "warn", source: "§2.1 [seed], §4", title: "every tariff id is a known ispmanager module (panels ignore others)" },
  { id: "json.parse", severity: "fail", source: "§2.2 [seed, code]", title: "out=json answers 200 with a JSON document whose root is doc" },
  { id: "json.markup", severity: "fail", source: "§2.2 [code]", title: "out=json carries attributes with \"$\" markup ($currency, $cost, $type, $length)" },
  { id: "json.same-as-xml", severity: "fail", source: "§2.2 [code]", title: "out=json lists the same modules and costs as XML" },
  { id: "sjson.same-as-xml", severity: "warn", source: "§2.2 [code]", title: "out=sjson parses and lists the same modules and costs as XML" },
  { id: "bjson.same-as-xml", severity: "warn", source: "§2.2 [code]", title: "out=bjson parses and lists the same modules and costs as XML" },
  { id: "filter.pricelist", severity: "fail", source: "§2.1 [seed]", title: "pricelist=<id> lists exactly that module" },
  { id: "filter.onlyavailable", severity: "fail", source: "§2.1 [seed, code]", title: "onlyavailable=on is accepted and lists a subset of the full list" },
  { id: "filter.onlyavailable-yes", severity: "warn", source: "§2.1 [code]", title: "onlyavailable=yes answers like onlyavailable=on" },
  { id: "params.authinfo", severity: "fail", source: "§2.1 [doc]", title: "authinfo is accepted and not required (same answer with and without)" },
  { id: "params.lang", severity: "fail", source: "§2.1 [doc]", title: "lang=en is accepted (same modules and costs)" },
  { id: "params.unknown-ignored", severity: "fail", source: "§2.1", title: "unknown parameters are ignored (same answer)" },
  { id: "errors.unknown-func", severity: "fail", source: "§2.3 [code]", title: "an unknown func answers a BILLmanager error document (doc/error with a type), no 5xx" },
  { id: "errors.unknown-func-json", severity: "fail", source: "§2.2, §2.3 [code]", title: "an unknown func with out=json answers a JSON error document, no 5xx" },
  { id: "errors.missing-func", severity: "warn", source: "ADR 0001", title: "a request without func answers an error document, no 5xx" },
  { id: "hostile.markup", severity: "fail", source: "§2; ADR 0002", title: "markup in func and pricelist: no 5xx, no unescaped echo" },
  { id: "hostile.markup-json", severity: "fail", source: "§2; ADR 0002", title: "markup in func with out=json: no 5xx, no unescaped echo" },
  { id: "hostile.percent-encoding", severity: "fail", source: "§2; ADR 0002", title: "invalid percent-encoding: no 5xx" },
  { id: "hostile.control-chars", severity: "fail", source: "§2; ADR 0002", title: "control characters: no 5xx, no unescaped echo" },
  { id: "hostile.long-value", severity: "fail", source: "§2; ADR 0002", title: "a 7 kB query string: no 5xx" },
  { id: "hostile.huge-body", severity: "fail", source: "§2; ADR 0002", title: "a 300 kB form body: no 5xx" },
  { id: "hostile.array-keys", severity: "fail", source: "§2; ADR 0002", title: "array, prototype, empty and repeated keys: no 5xx" },
  { id: "hostile.still-alive", severity: "fail", source: "§2", title: "the price list still answers after the hostile requests" },
  { id: "cache.etag", severity: "info", source: "ADR 0001", title: "an ETag is sent and If-None-Match answers 304" },
  { id: "cache.gzip", severity: "info", source: "ADR 0001", title: "Accept-Encoding: gzip answers a compressed copy of the same list" },
  { id: "buy.valid", severity: "fail", source: "§2.4 [seed]", title: "a valid Buy redirect answers a page or a redirect (creates a pending order)" },
  { id: "buy.invalid-license", severity: "fail", source: "§2.4 [seed]", title: "a Buy redirect with a non-numeric license is refused readably, no 5xx" },
  { id: "buy.hostile-ip", severity: "fail", source: "§2.4 [seed]", title: "a Buy redirect with markup in ip: no 5xx, no unescaped echo" },
] as const satisfies readonly CheckSpec[];

export type CheckId = (typeof CHECKS)[number]["id"];

export function specOf(id: CheckId): CheckSpec {
  return CHECKS.find((c) => c.id === id)!;
}
