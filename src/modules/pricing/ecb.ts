// The ECB's euro foreign exchange reference rates (eurofxref-daily.xml): one <Cube time="…"> with
// one <Cube currency="USD" rate="1.1590"/> per currency, each rate meaning "1 EUR = rate units".
// Published on ECB working days around 16:00 CET. RUB is not in the feed (suspended since March
// 2022): rates involving RUB are entered by hand. Parsing is pure; fetching is the one network call.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { AppError } from "../../lib/errors.ts";
import { parseRatio } from "../../lib/money.ts";

export interface EcbRates {
  /** The reference date (YYYY-MM-DD). */
  asOf: string;
  /** Rates per 1 EUR as the feed writes them, e.g. { currency: "USD", rate: "1.1590" }. */
  rates: Array<{ currency: string; rate: string }>;
}

/** Deadline of one fetch of the feed: it is small and served from a CDN. */
export const ECB_TIMEOUT_MS = 15_000;

/** The feed is a few kilobytes; anything far larger is not the feed. */
const MAX_FEED_BYTES = 1024 * 1024;

function unreadable(why: string): AppError {
  return new AppError("upstream_unavailable", `The ECB rate feed could not be read: ${why}`);
}

type Node = Record<string, unknown>;

function cubes(node: unknown): Node[] {
  if (node === null || typeof node !== "object") return [];
  const c = (node as Node)["Cube"];
  return Array.isArray(c) ? (c.filter((x) => x !== null && typeof x === "object") as Node[]) : [];
}

export function parseEcbRates(xml: string): EcbRates {
  // The feed has no DTD; one is refused unread (entity expansion, external entities).
  if (/<!DOCTYPE/i.test(xml)) throw unreadable("the document carries a DTD");
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw unreadable(`not well-formed XML (${valid.err.msg}, line ${valid.err.line})`);
  // Entities are never expanded (processEntities: false): the feed has none, and expansion is how
  // a hostile document grows. Namespace prefixes are dropped (gesmes:Envelope → Envelope).
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    processEntities: false,
    removeNSPrefix: true,
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => name === "Cube",
  });
  const doc = parser.parse(xml) as Node;
  const day = cubes(doc["Envelope"]).flatMap(cubes).find((c) => typeof c["@time"] === "string");
  if (!day) throw unreadable("no <Cube time=…> element");
  const asOf = String(day["@time"]).trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw unreadable(`the date "${asOf.slice(0, 32)}" is not YYYY-MM-DD`);
  const rates: EcbRates["rates"] = [];
  for (const c of cubes(day)) {
    const currency = String(c["@currency"] ?? "").trim().toUpperCase();
    const rate = String(c["@rate"] ?? "").trim();
    if (!/^[A-Z]{3}$/.test(currency)) throw unreadable(`"${currency.slice(0, 32)}" is not a currency code`);
    try {
      parseRatio(rate);
    } catch {
      throw unreadable(`the ${currency} rate "${rate.slice(0, 32)}" is not a positive decimal`);
    }
    rates.push({ currency, rate });
  }
  if (rates.length === 0) throw unreadable("the feed lists no rates");
  return { asOf, rates };
}

/** Fetches the feed's text. Every failure is an AppError upstream_unavailable with the reason. */
export async function fetchEcbXml(url: string, timeoutMs = ECB_TIMEOUT_MS): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/xml, text/xml" } });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
    throw new AppError("upstream_unavailable", `Could not fetch ECB rates from ${url}: ${cause === "TimeoutError" ? `no answer within ${timeoutMs} ms` : cause}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new AppError("upstream_unavailable", `Could not fetch ECB rates from ${url}: HTTP ${res.status}`);
  }
  if (Number(res.headers.get("content-length") ?? 0) > MAX_FEED_BYTES) {
    await res.body?.cancel();
    throw unreadable("the answer is larger than 1 MB");
  }
  const text = await res.text();
  if (Buffer.byteLength(text) > MAX_FEED_BYTES) throw unreadable("the answer is larger than 1 MB");
  return text;
}
