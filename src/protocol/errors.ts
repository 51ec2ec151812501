// BILLmanager error documents (PROTOCOL.md §2.3):
//   <doc><error type="missed" object="func" lang="en">
//     <param name="object" type="msg">func</param><param name="value">order.unknown</param>
//     <msg>Unknown function order.unknown</msg></error></doc>
// Types seen in the wild: auth, access, exists, xml; `missed` and `value` follow the same scheme
// [assumed]. Echoed values are truncated; the writers escape them.

import { doc, el, type Element } from "./document.ts";

export type BillmgrErrorType = "missed" | "value" | "auth" | "access" | "exists" | "xml";

export interface BillmgrError {
  type: BillmgrErrorType;
  object: string;
  value?: string;
  message: string;
  lang?: string;
}

const MAX_ECHO = 64;

export function truncateEcho(value: string): string {
  return value.length > MAX_ECHO ? value.slice(0, MAX_ECHO) + "…" : value;
}

export function errorDocument(e: BillmgrError): Element {
  const params: Element[] = [el("param", e.object, { name: "object", type: "msg" })];
  if (e.value !== undefined) params.push(el("param", truncateEcho(e.value), { name: "value" }));
  return doc([
    el("error", [...params, el("msg", e.message)], { type: e.type, object: e.object, lang: e.lang ?? "en" }),
  ]);
}

export function okDocument(): Element {
  return doc([el("ok")]);
}
