// What `partnerbill conformance` asks a billing, in order, and which rule judges each answer.
// The network is behind a Probe (./http.ts in production): this file only builds requests and
// hands the answers to ./rules.ts. Requests go one at a time, so a billing in production feels
// no more than a few panels polling.
import { randomBytes } from "node:crypto";
import { CHECKS, type CheckId } from "./catalog.ts";
import {
  breach,
  contentTypeFits,
  checkRows,
  describeAnswer,
  differences,
  idsOf,
  judgeBuyInvalid,
  judgeBuyValid,
  judgeErrorDocument,
  judgeHostile,
  missingMarkup,
  pass,
  readPriceList,
  skip,
  some,
  oneLine,
  type PriceList,
  type Read,
  type Row,
  type Verdict,
} from "./rules.ts";
import type { CheckResult, CheckStatus, Probe, ProbeResponse } from "./types.ts";

/** Where the billing is: its origin and the path before /billmgr ("" for most). */
export interface Target {
  readonly origin: string;
  readonly prefix: string;
}

/**
 * Reads the URL an operator gives — the base (https://billing.example.com), the /billmgr URL, or
 * the full price-list URL — into a target; a string is the reason it cannot be used.
 */
export function parseTarget(input: string): Target | string {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    return `"${oneLine(input, 80)}" is not a URL (e.g. https://billing.example.com or http://127.0.0.1:8080/billmgr)`;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return `the URL must be http or https, not ${u.protocol.replace(/:$/, "")}`;
  if (u.username || u.password) return "the URL must not carry credentials: a panel sends none";
  const prefix = u.pathname.replace(/\/+$/, "").replace(/(\/manager)?\/billmgr$/, "").replace(/\/+$/, "");
  return { origin: u.origin, prefix };
}

export function targetUrl(t: Target): string {
  return `${t.origin}${t.prefix}/billmgr`;
}

export interface ConformanceOptions {
  /** Follow a valid Buy redirect (it creates a pending order on the target). */
  readonly buy: boolean;
  /** The license id sent in Buy redirects; a clearly fake one unless the operator gives a real one. */
  readonly license: string;
  /** The string injected as hostile markup; random per run unless given. */
  readonly marker?: string;
}

export interface ConformanceReport {
  readonly target: string;
  /** No check failed. */
  readonly ok: boolean;
  readonly summary: Readonly<Record<CheckStatus, number>>;
  readonly checks: readonly CheckResult[];
}

export { FAKE_LICENSE } from "./catalog.ts";
import { FAKE_LICENSE } from "./catalog.ts";
/** A documentation address (RFC 5737 TEST-NET-1): no license has it. */
const FAKE_IP = "192.0.2.1";
/** Credentials no billing accepts, to prove authinfo is ignored by the price list. */
const FAKE_AUTHINFO = "conformance@example.invalid:not-a-password";

const EXPORT = "func=pricelist.export&itemtype=addition&onlyavailable=on";
const XML_LIST = `${EXPORT}&out=xml`;
const enc = encodeURIComponent;

export function buildReport(target: Target, verdicts: ReadonlyMap<CheckId, Verdict>, notRun = "not run"): ConformanceReport {
  const checks: CheckResult[] = CHECKS.map((spec) => {
    const v = verdicts.get(spec.id) ?? skip(notRun);
    return { id: spec.id, status: v.status, title: spec.title, ...(v.detail !== undefined ? { detail: v.detail } : {}) };
  });
  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, info: 0, skip: 0 };
  for (const c of checks) summary[c.status]++;
  return { target: targetUrl(target), ok: summary.fail === 0, summary, checks };
}

export async function runConformance(probe: Probe, target: Target, opts: ConformanceOptions): Promise<ConformanceReport> {
  const verdicts = new Map<CheckId, Verdict>();
  const set = (id: CheckId, v: Verdict) => verdicts.set(id, v);
  const marker = opts.marker ?? `<pbconf${randomBytes(4).toString("hex")}>`;
  const billmgr = `${target.prefix}/billmgr`;
  const manager = `${target.prefix}/manager/billmgr`;
  const get = (path: string, query: string, headers?: Record<string, string>) =>
    probe({ method: "GET", path: `${path}?${query}`, ...(headers ? { headers } : {}) });
  const post = (path: string, form: string) => probe({ method: "POST", path, form });
  const modules = (rows: readonly Row[]) => `${rows.length} module${rows.length === 1 ? "" : "s"}`;
  const listVerdict = (id: CheckId, rd: Read<PriceList>): Verdict => (rd.ok ? pass(`HTTP 200, ${modules(rd.value.rows)}`) : breach(id, rd.reason));

  // ---- reachable, and the price list as the seed asks for it ----
  const first = await get(billmgr, XML_LIST);
  if (first.kind === "failed") {
    set("reachable", { status: "fail", detail: `${targetUrl(target)}: ${first.reason}` });
    return buildReport(target, verdicts, "not run: the billing is not reachable");
  }
  set("reachable", pass(`HTTP ${first.status} in ${first.ms} ms`));
  const baseRead = readPriceList(first, "xml", "attributes");
  set("export.get.billmgr", listVerdict("export.get.billmgr", baseRead));
  const base = baseRead.ok ? baseRead.value.rows : undefined;
  const noBase = "no readable price list (export.get.billmgr)";

  const variants: Array<[CheckId, string, ProbeResponse]> = [
    ["export.post.billmgr", "POST /billmgr", await post(billmgr, XML_LIST)],
    ["export.get.manager-billmgr", "GET /manager/billmgr", await get(manager, XML_LIST)],
    ["export.post.manager-billmgr", "POST /manager/billmgr", await post(manager, XML_LIST)],
  ];
  const compared: string[] = [];
  const disagree: string[] = [];
  for (const [id, label, r] of variants) {
    const rd = readPriceList(r, "xml", "attributes");
    set(id, listVerdict(id, rd));
    if (!rd.ok || !base) continue;
    compared.push(label);
    const d = differences(base, rd.value.rows);
    if (d) disagree.push(`${label}: ${d}`);
  }
  set(
    "export.same-everywhere",
    !base ? skip(noBase) :
    compared.length === 0 ? skip("no other answer to compare") :
    disagree.length > 0 ? breach("export.same-everywhere", some(disagree, 2)) :
    pass(`GET /billmgr and ${compared.join(", ")} agree`),
  );

  // ---- the rows ----
  const rowIds = CHECKS.map((c) => c.id).filter((id) => id.startsWith("rows."));
  if (!base) {
    set("export.lists-modules", skip(noBase));
    for (const id of rowIds) set(id, skip(noBase));
  } else if (base.length === 0) {
    set("export.lists-modules", breach("export.lists-modules", "the price list is empty: nothing to sell, and the row rules could not be checked"));
    for (const id of rowIds) set(id, skip("no modules listed"));
  } else {
    set("export.lists-modules", pass(modules(base)));
    for (const [id, v] of Object.entries(checkRows(base))) set(id as CheckId, v);
  }
  const pick = base?.find((r) => r.id !== undefined && /^[1-9]\d*$/.test(r.id));

  // ---- JSON flavours ----
  const jsonAnswer = await get(billmgr, `${EXPORT}&out=json`);
  const jsonRead = readPriceList(jsonAnswer, "json", "attributes");
  set("json.parse", listVerdict("json.parse", jsonRead));
  if (jsonRead.ok) {
    const gaps = missingMarkup(jsonRead.value.rows);
    set(
      "json.markup",
      jsonRead.value.rows.length === 0 ? skip("no modules listed") :
      gaps.length > 0 ? breach("json.markup", some(gaps)) :
      pass(modules(jsonRead.value.rows)),
    );
    const d = base ? differences(base, jsonRead.value.rows) : undefined;
    set("json.same-as-xml", !base ? skip(noBase) : d ? breach("json.same-as-xml", d) : pass(modules(base)));
  } else {
    set("json.markup", skip("out=json is unreadable (json.parse)"));
    set("json.same-as-xml", skip("out=json is unreadable (json.parse)"));
  }
  for (const [flavour, id] of [["sjson", "sjson.same-as-xml"], ["bjson", "bjson.same-as-xml"]] as const) {
    const rd = readPriceList(await get(billmgr, `${EXPORT}&out=${flavour}`), "json", flavour === "bjson" ? "plain" : "attributes");
    const d = rd.ok && base ? differences(base, rd.value.rows) : undefined;
    set(id, !rd.ok ? breach(id, rd.reason) : !base ? skip(noBase) : d ? breach(id, d) : pass(modules(base)));
  }

  const typed: string[] = [];
  const mistyped: string[] = [];
  if (baseRead.ok) (contentTypeFits(first, "xml") ? typed : mistyped).push(`XML as "${oneLine(first.headers["content-type"] ?? "(none)", 50)}"`);
  if (jsonRead.ok && jsonAnswer.kind === "answer") (contentTypeFits(jsonAnswer, "json") ? typed : mistyped).push(`JSON as "${oneLine(jsonAnswer.headers["content-type"] ?? "(none)", 50)}"`);
  set(
    "export.content-type",
    typed.length + mistyped.length === 0 ? skip("no readable XML or JSON answer") :
    mistyped.length > 0 ? breach("export.content-type", mistyped.join(", ")) :
    pass(typed.join(", ")),
  );

  // ---- filters and parameters ----
  const sameAsBase = async (id: CheckId, query: string): Promise<Verdict> => {
    if (!base) return skip(noBase);
    const rd = readPriceList(await get(billmgr, query), "xml", "attributes");
    if (!rd.ok) return breach(id, rd.reason);
    const d = differences(base, rd.value.rows);
    return d ? breach(id, d) : pass(`same ${modules(base)}`);
  };

  if (!pick) {
    set("filter.pricelist", skip(base ? "no module listed" : noBase));
  } else {
    const rd = readPriceList(await get(billmgr, `${XML_LIST}&pricelist=${pick.id}`), "xml", "attributes");
    const ids = rd.ok ? idsOf(rd.value.rows) : [];
    set(
      "filter.pricelist",
      !rd.ok ? breach("filter.pricelist", `pricelist=${pick.id}: ${rd.reason}`) :
      ids.length === 1 && ids[0] === pick.id ? pass(`pricelist=${pick.id} → ${pick.id}`) :
      breach("filter.pricelist", `pricelist=${pick.id} listed ${ids.length === 0 ? "nothing" : some(ids)}`),
    );
  }

  if (!base) {
    set("filter.onlyavailable", skip(noBase));
  } else {
    const all = readPriceList(await get(billmgr, "func=pricelist.export&itemtype=addition&out=xml"), "xml", "attributes");
    if (!all.ok) {
      set("filter.onlyavailable", { status: "warn", detail: `onlyavailable=on is accepted, but the list without it is unreadable: ${all.reason}` });
    } else {
      const full = new Set(idsOf(all.value.rows));
      const outside = idsOf(base).filter((id) => !full.has(id));
      set(
        "filter.onlyavailable",
        outside.length > 0
          ? breach("filter.onlyavailable", `listed with onlyavailable=on but not without it: ${some(outside)}`)
          : pass(`${base.length} of ${all.value.rows.length} modules orderable now`),
      );
    }
  }
  set("filter.onlyavailable-yes", await sameAsBase("filter.onlyavailable-yes", "func=pricelist.export&itemtype=addition&onlyavailable=yes&out=xml"));
  set("params.authinfo", await sameAsBase("params.authinfo", `${XML_LIST}&authinfo=${enc(FAKE_AUTHINFO)}`));
  set("params.lang", await sameAsBase("params.lang", `${XML_LIST}&lang=en`));
  set("params.unknown-ignored", await sameAsBase("params.unknown-ignored", `${XML_LIST}&pbconf_probe=1&pbconf_flag`));

  // ---- error documents ----
  set("errors.unknown-func", judgeErrorDocument("errors.unknown-func", await get(billmgr, "func=pbconf.nosuchfunc&out=xml"), "xml"));
  set("errors.unknown-func-json", judgeErrorDocument("errors.unknown-func-json", await get(billmgr, "func=pbconf.nosuchfunc&out=json"), "json"));
  set("errors.missing-func", judgeErrorDocument("errors.missing-func", await get(billmgr, "out=xml"), "xml"));

  // ---- hostile input ----
  const m = enc(marker);
  set("hostile.markup", judgeHostile(await get(billmgr, `func=${m}&out=xml&pricelist=${m}&itemtype=${m}`), marker));
  set("hostile.markup-json", judgeHostile(await get(billmgr, `func=${m}&out=json`), marker));
  set("hostile.percent-encoding", judgeHostile(await get(billmgr, "func=pricelist.export&itemtype=%zz&pricelist=%E0%A4%A&out=%&lang=%C0%AF%FF"), marker));
  set("hostile.control-chars", judgeHostile(await get(billmgr, `func=pbconf.x%00%01%1B%5B31m${m}&out=xml&pricelist=1%00&lang=%0D%0A%7F`), marker));
  set("hostile.long-value", judgeHostile(await get(billmgr, `func=pricelist.export&pricelist=${"9".repeat(6000)}&lang=${"x".repeat(1000)}`), marker));
  set("hostile.huge-body", judgeHostile(await post(billmgr, `func=pricelist.export&out=xml&pricelist=${"1".repeat(300_000)}`), marker));
  set(
    "hostile.array-keys",
    judgeHostile(await get(billmgr, "func%5B%5D=pricelist.export&out%5Bx%5D=json&__proto__=1&constructor=x&=empty&func=pricelist.export&func=pbconf.other&pricelist=1&pricelist=2"), marker),
  );
  // A billing whose list was unreadable from the start only has to be answering at all.
  const again = await get(billmgr, XML_LIST);
  const after = readPriceList(again, "xml", "attributes");
  set(
    "hostile.still-alive",
    after.ok ? pass(`HTTP 200, ${modules(after.value.rows)}`) :
    base ? breach("hostile.still-alive", after.reason) :
    again.kind === "answer" && again.status < 500 ? pass(`${describeAnswer(again)}, as before`) :
    breach("hostile.still-alive", describeAnswer(again)),
  );

  // ---- caching and compression (optional features) ----
  const etag = first.headers["etag"];
  if (!baseRead.ok) {
    set("cache.etag", skip(noBase));
  } else if (!etag) {
    set("cache.etag", { status: "info", detail: "no ETag: panels download the whole list on every poll" });
  } else {
    const r = await get(billmgr, XML_LIST, { "if-none-match": etag });
    set(
      "cache.etag",
      r.kind === "failed" || r.status >= 500 ? { status: "fail", detail: `If-None-Match: ${describeAnswer(r)}` } :
      r.status === 304 ? pass(`ETag ${oneLine(etag, 40)} → 304`) :
      { status: "info", detail: `If-None-Match answered ${describeAnswer(r)}, not 304` },
    );
  }
  const gz = await get(billmgr, XML_LIST, { "accept-encoding": "gzip" });
  if (gz.kind === "failed" || gz.status >= 500) {
    set("cache.gzip", { status: "fail", detail: `Accept-Encoding: gzip: ${describeAnswer(gz)}` });
  } else if ((gz.headers["content-encoding"] ?? "").toLowerCase() !== "gzip") {
    set("cache.gzip", { status: "info", detail: "not compressed" });
  } else {
    // A body that claims gzip and does not decode breaks every client that asked for it.
    const rd = readPriceList(gz, "xml", "attributes");
    const d = rd.ok && base ? differences(base, rd.value.rows) : undefined;
    set(
      "cache.gzip",
      !rd.ok ? { status: "fail", detail: rd.reason } :
      d ? { status: "fail", detail: `the compressed list differs: ${d}` } :
      pass(`${gz.body.length} bytes compressed`),
    );
  }

  // ---- the Buy redirect (a browser arriving from the panel) ----
  const buyIds: CheckId[] = ["buy.valid", "buy.invalid-license", "buy.hostile-ip"];
  if (!opts.buy) {
    for (const id of buyIds) set(id, skip("--no-buy"));
  } else if (!pick) {
    for (const id of buyIds) set(id, skip(base ? "no module listed to buy" : noBase));
  } else {
    const name = enc(pick.additionintname || pick.intname || pick.name || "");
    const license = enc(opts.license);
    const valid = await get(billmgr, `module=${name}&license=${license}&ip=${FAKE_IP}&module_id=${pick.id}`);
    let followed: { location: string; response: ProbeResponse } | undefined;
    const location = valid.kind === "answer" && valid.status >= 300 && valid.status < 400 ? valid.headers["location"] : undefined;
    if (location) {
      let next: URL | undefined;
      try {
        next = new URL(location, `${target.origin}${billmgr}`);
      } catch {
        next = undefined;
      }
      // Only into the billing itself: a payment provider or a login elsewhere is not ours to call.
      if (next && next.origin === target.origin) followed = { location, response: await probe({ method: "GET", path: `${next.pathname}${next.search}` }) };
    }
    set("buy.valid", judgeBuyValid(valid, followed));
    set("buy.invalid-license", judgeBuyInvalid(await get(billmgr, `module=${name}&license=not-a-number&ip=${FAKE_IP}&module_id=${pick.id}`), marker));
    set("buy.hostile-ip", judgeBuyInvalid(await get(billmgr, `module=${name}&license=${license}&ip=${m}&module_id=${pick.id}`), marker));
  }

  return buildReport(target, verdicts);
}

