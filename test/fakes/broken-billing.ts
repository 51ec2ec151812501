// A partner billing other than partnerbill, over real node:http, for `partnerbill conformance`.
// With no defect switched on it honours PROTOCOL.md §2 (its documents come from partnerbill's own
// writers, so they are escaped and well-formed); each defect breaks exactly one thing, the way a
// home-made billing might:
//   cost-format        costs written "950.0" instead of "950.0000"
//   no-monthly         Dr.Web Lite listed with a yearly period only
//   500-on-bad-input   HTTP 500 for any key or value that is not plain text (markup, %, control
//                      characters, brackets, over 100 characters)
//   unknown-func-html  an unknown func answers an HTML page instead of an error document
//   json-mismatch      out=json lists DDoS-GUARD at another monthly cost than XML
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isIP } from "node:net";
import { doc, el, parseOutputFormat, type Element } from "../../src/protocol/document.ts";
import { errorDocument, type BillmgrError } from "../../src/protocol/errors.ts";
import { contentTypeOf, write } from "../../src/protocol/write.ts";
import { readBody } from "./read-body.ts";

export const DEFECTS = ["cost-format", "no-monthly", "500-on-bad-input", "unknown-func-html", "json-mismatch"] as const;
export type Defect = (typeof DEFECTS)[number];

interface Tariff {
  id: number;
  name: string;
  intname: string;
  /** Orderable now (listed with onlyavailable=on). */
  available: boolean;
  /** Cost by period in months, as 4-decimal strings. */
  costs: Record<number, string>;
}

const TARIFFS: Tariff[] = [
  { id: 23221, name: "DDoS-GUARD", intname: "DDoSGUARD", available: true, costs: { 1: "950.0000", 12: "9500.0000" } },
  { id: 55377, name: "Dr.Web Lite", intname: "DrWebLite", available: true, costs: { 1: "290.0000" } },
  { id: 55390, name: "BitNinja", intname: "BitNinja", available: false, costs: { 1: "600.0000" } },
];

export interface BrokenBilling {
  /** Base URL, e.g. http://127.0.0.1:PORT (no /billmgr). */
  url: string;
  defects: ReadonlySet<Defect>;
  /** Buy redirects accepted (the "pending orders" this billing made). */
  orders: Array<{ moduleId: number; license: number; ip: string | null }>;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": contentType, "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function page(title: string, text: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

export async function startBrokenBilling(defects: readonly Defect[] = []): Promise<BrokenBilling> {
  const on = new Set<Defect>(defects);
  const orders: BrokenBilling["orders"] = [];

  function priceList(p: URLSearchParams, out: string): Element | BillmgrError {
    const itemtype = p.get("itemtype");
    if (itemtype !== null && itemtype !== "addition") return doc([]);
    const only = p.get("pricelist");
    if (only !== null && only !== "" && !/^\d+$/.test(only)) return { type: "value", object: "pricelist", message: "Invalid pricelist" };
    const onlyAvailable = ["on", "yes"].includes(p.get("onlyavailable") ?? "");
    return doc(
      TARIFFS.filter((t) => (!only || String(t.id) === only) && (!onlyAvailable || t.available)).map((t) => {
        let costs = Object.entries(t.costs).map(([months, cost]) => ({ months, cost }));
        if (on.has("no-monthly") && t.id === 55377) costs = [{ months: "12", cost: "2900.0000" }];
        if (on.has("json-mismatch") && out === "json" && t.id === 23221) costs = costs.map((c) => (c.months === "1" ? { ...c, cost: "900.0000" } : c));
        if (on.has("cost-format")) costs = costs.map((c) => ({ ...c, cost: c.cost.replace(/0+$/, "").replace(/\.$/, ".0") }));
        return el("pricelist", [
          el("id", String(t.id)),
          el("name", t.name),
          el("intname", t.intname),
          el("additionintname", t.intname),
          el("price", costs.map((c) => el("period", c.months === "1" ? "monthly" : "annually", { cost: c.cost, type: "month", length: c.months })), { currency: "RUB" }),
        ]);
      }),
    );
  }

  function buy(p: URLSearchParams, res: ServerResponse): void {
    const license = p.get("license") ?? "";
    const moduleId = p.get("module_id") ?? "";
    const ip = p.get("ip") || null;
    const problems: string[] = [];
    if (!/^[1-9]\d{0,14}$/.test(license)) problems.push("the license must be a number");
    if (!TARIFFS.some((t) => String(t.id) === moduleId)) problems.push("unknown module");
    if (ip !== null && isIP(ip) === 0) problems.push("the IP address is not valid");
    if (problems.length > 0) return send(res, 400, "text/html; charset=utf-8", page("Cannot start the order", problems.join("; ")));
    orders.push({ moduleId: Number(moduleId), license: Number(license), ip });
    send(res, 302, "text/html; charset=utf-8", "", { location: `/pay?order=${orders.length}` });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const body = req.method === "POST" ? await readBody(req) : "";
    if (url.pathname === "/pay") return send(res, 200, "text/html; charset=utf-8", page("Pay for your order", "Choose a payment method."));
    if (url.pathname !== "/billmgr" && url.pathname !== "/manager/billmgr") return send(res, 404, "text/plain", "not found");

    const p = new URLSearchParams(url.search);
    const form = /^application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? "") ? new URLSearchParams(body) : new URLSearchParams();
    for (const k of new Set(form.keys())) p.set(k, form.get(k)!);
    if (on.has("500-on-bad-input") && [...p].some(([k, v]) => !/^[A-Za-z0-9.@:_-]{0,100}$/.test(k) || !/^[A-Za-z0-9.@:_-]{0,100}$/.test(v))) {
      return send(res, 500, "text/plain", "Internal Server Error");
    }

    const out = parseOutputFormat(p.get("out") ?? undefined);
    const answer = (d: Element) => send(res, 200, contentTypeOf(out), write(d, out));
    const func = p.get("func");
    if (func === "pricelist.export") {
      const d = priceList(p, out);
      return answer("message" in d ? errorDocument(d) : d);
    }
    if (func === null || func === "") {
      if (p.has("module_id") || p.has("license") || p.has("module")) return buy(p, res);
      return answer(errorDocument({ type: "missed", object: "func", message: "Function not specified" }));
    }
    if (on.has("unknown-func-html")) return send(res, 200, "text/html; charset=utf-8", page("Page not found", "There is no such page."));
    return answer(errorDocument({ type: "missed", object: "func", value: func, message: `Unknown function ${func}` }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, "text/plain", "fake billing failed"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    defects: on,
    orders,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
