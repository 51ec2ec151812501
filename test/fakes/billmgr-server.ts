// A small BILLmanager client-area fake over real node:http, for what the sandbox (src/sandbox/)
// cannot produce: garbage bodies, DTD/entity bombs, JSON answers, HTTP statuses without a body
// that makes sense. It honours PROTOCOL.md §3: POST form bodies, authinfo=user:passwd in the body,
// XML documents, BILLmanager error documents with HTTP 200. Every request is recorded (method, URL,
// headers, raw body) so tests can check where credentials went.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { doc, el, type Element, type OutputFormat } from "../../src/protocol/document.ts";
import { errorDocument, okDocument, type BillmgrError } from "../../src/protocol/errors.ts";
import { contentTypeOf, write } from "../../src/protocol/write.ts";
import { readBody } from "./read-body.ts";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** What the next call of a func (or of any func, "*") does instead of the normal answer. */
export type Behaviour =
  | { kind: "delay"; ms: number }
  | { kind: "reset" }
  | { kind: "raw"; status?: number; body: string; contentType?: string }
  | { kind: "error"; error: BillmgrError | { type: string; object: string; message: string }; status?: number }
  | { kind: "format"; out: OutputFormat };

export interface FakeState {
  user: string;
  password: string;
  licenses: { id: number; licname: string; ip: string; pricelist: number; status: number; expiredate: string }[];
  modules: { id: number; item: number; pricelist: number; status: number; expiredate: string }[];
  tariffs: { id: number; name: string; intname: string; currency: string; costs: Record<number, string> }[];
  nextServiceId: number;
}

export function defaultState(): FakeState {
  return {
    user: "partner@example.com",
    password: "s3cr&t p@ss:word",
    licenses: [
      { id: 100001, licname: "ispmanager 6 Lite", ip: "203.0.113.11", pricelist: 3541, status: 2, expiredate: "2027-01-31" },
      { id: 100002, licname: "ispmanager 6 Pro", ip: "203.0.113.12", pricelist: 3542, status: 2, expiredate: "2027-02-28" },
    ],
    modules: [{ id: 5001, item: 100001, pricelist: 23221, status: 2, expiredate: "2026-12-31" }],
    tariffs: [
      { id: 23221, name: "DDoS-GUARD", intname: "DDoSGUARD", currency: "RUB", costs: { 1: "950.0000", 12: "9500.0000" } },
      { id: 55377, name: "Dr.Web Lite", intname: "DrWebLite", currency: "RUB", costs: { 1: "290.0050" } },
    ],
    nextServiceId: 6001,
  };
}

export interface FakeBillmgr {
  url: string;
  state: FakeState;
  requests: RecordedRequest[];
  /** Queue a behaviour for the next call of `func` ("*" = any func). */
  next(func: string, b: Behaviour): void;
  close(): Promise<void>;
}

function answer(state: FakeState, func: string, p: URLSearchParams): Element {
  const get = (k: string) => p.get(k) ?? "";
  switch (func) {
    case "pricelist.export": {
      const only = get("pricelist");
      return doc(
        state.tariffs
          .filter((t) => !only || String(t.id) === only)
          .map((t) =>
            el("pricelist", [
              el("id", String(t.id)),
              el("name", t.name),
              el("intname", t.intname),
              el("additionintname", t.intname),
              el(
                "price",
                Object.entries(t.costs).map(([months, cost]) =>
                  el("period", months === "1" ? "monthly" : "annually", { cost, type: "month", length: months }),
                ),
                { currency: t.currency },
              ),
            ]),
          ),
      );
    }
    case "soft":
      return doc(state.licenses.map((l) => el("elem", [
        el("id", String(l.id)), el("licname", l.licname), el("ip", l.ip), el("pricelist", String(l.pricelist)),
        el("expiredate", l.expiredate), el("status", String(l.status)),
      ])));
    case "soft.edit": {
      const l = state.licenses.find((x) => String(x.id) === get("elid"));
      if (!l) return errorDocument({ type: "missed", object: "elid", value: get("elid"), message: "License not found" });
      return doc([el("elid", String(l.id)), el("licname", l.licname), el("ip", l.ip), el("lickey", "KEY-" + l.id), el("expiredate", l.expiredate), el("status", String(l.status))]);
    }
    case "addition":
      return doc(state.modules.map((m) => el("elem", [
        el("id", String(m.id)), el("item", String(m.item)), el("pricelist", String(m.pricelist)),
        el("status", String(m.status)), el("expiredate", m.expiredate),
      ])));
    case "addition.edit": {
      const m = state.modules.find((x) => String(x.id) === get("elid"));
      if (!m) return errorDocument({ type: "missed", object: "elid", value: get("elid"), message: "Module not found" });
      if (get("sok") === "ok") {
        const lic = state.licenses.find((l) => String(l.id) === get("item"));
        if (!lic) return errorDocument({ type: "value", object: "item", value: get("item"), message: "License not found" });
        m.item = lic.id;
        return okDocument();
      }
      return doc([el("elid", String(m.id)), el("item", String(m.item)), el("pricelist", String(m.pricelist)), el("status", String(m.status)), el("expiredate", m.expiredate)]);
    }
    case "addition.order.param": {
      const lic = state.licenses.find((l) => String(l.id) === get("item"));
      if (!lic) return errorDocument({ type: "value", object: "item", value: get("item"), message: "License not found" });
      const tariff = state.tariffs.find((t) => String(t.id) === get("pricelist"));
      if (!tariff) return errorDocument({ type: "value", object: "pricelist", value: get("pricelist"), message: "Tariff not found" });
      const id = state.nextServiceId++;
      state.modules.push({ id, item: lic.id, pricelist: tariff.id, status: 2, expiredate: "2027-01-01" });
      return doc([el("id", String(id))]);
    }
    case "service.prolong": {
      const m = state.modules.find((x) => String(x.id) === get("elid"));
      if (!m) return errorDocument({ type: "missed", object: "elid", value: get("elid"), message: "Service not found" });
      m.expiredate = "2027-06-30";
      return doc([doc([el("newexpiredate", m.expiredate)])]);
    }
    case "addition.delete": {
      const before = state.modules.length;
      state.modules = state.modules.filter((x) => String(x.id) !== get("elid"));
      if (state.modules.length === before) return errorDocument({ type: "missed", object: "elid", value: get("elid"), message: "Module not found" });
      return okDocument();
    }
    default:
      return errorDocument({ type: "missed", object: "func", value: func, message: `Unknown function ${func}` });
  }
}

function handler(state: FakeState, requests: RecordedRequest[], queue: Map<string, Behaviour[]>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    const p = new URLSearchParams(body);
    const func = p.get("func") ?? "";
    let out: OutputFormat = p.get("out") === "json" ? "json" : p.get("out") === "bjson" ? "bjson" : "xml";
    const b = queue.get(func)?.shift() ?? queue.get("*")?.shift();
    const send = (status: number, text: string, type = contentTypeOf(out)) => {
      res.writeHead(status, { "content-type": type });
      res.end(text);
    };
    if (b?.kind === "reset") {
      req.socket.destroy();
      return;
    }
    if (b?.kind === "delay") await new Promise((r) => setTimeout(r, b.ms));
    if (b?.kind === "raw") return send(b.status ?? 200, b.body, b.contentType ?? "text/xml; charset=UTF-8");
    if (b?.kind === "format") out = b.out;
    const [user, ...rest] = (p.get("authinfo") ?? "").split(":");
    if (user !== state.user || rest.join(":") !== state.password) {
      return send(200, write(errorDocument({ type: "auth", object: "badpassword", message: "Invalid username or password" }), out));
    }
    if (b?.kind === "error") {
      const e = b.error;
      return send(b.status ?? 200, write(errorDocument({ ...e, type: e.type as BillmgrError["type"] }), out));
    }
    if (res.destroyed) return;
    send(200, write(answer(state, func, p), out));
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function build(server: Server, scheme: "http" | "https", state: FakeState, requests: RecordedRequest[], queue: Map<string, Behaviour[]>) {
  return async (): Promise<FakeBillmgr> => {
    const port = await listen(server);
    return {
      url: `${scheme}://${scheme === "https" ? "localhost" : "127.0.0.1"}:${port}/billmgr`,
      state,
      requests,
      next(func, b) {
        const q = queue.get(func) ?? [];
        q.push(b);
        queue.set(func, q);
      },
      async close() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  };
}

export async function startFakeBillmgr(state: FakeState = defaultState()): Promise<FakeBillmgr> {
  const requests: RecordedRequest[] = [];
  const queue = new Map<string, Behaviour[]>();
  const server = createServer(handler(state, requests, queue));
  return build(server, "http", state, requests, queue)();
}

/** The same fake over HTTPS with the given certificate (e.g. a self-signed one the client must refuse). */
export async function startFakeBillmgrTls(tls: { key: string; cert: string }, state: FakeState = defaultState()): Promise<FakeBillmgr> {
  const requests: RecordedRequest[] = [];
  const queue = new Map<string, Behaviour[]>();
  const server = createHttpsServer(tls, handler(state, requests, queue));
  return build(server as unknown as Server, "https", state, requests, queue)();
}
