// Writers for the document model: XML and the three JSON flavours (PROTOCOL.md §2.2).
//
// json / sjson: element text under "$", attributes as "$<name>"; a repeated child becomes an
//   array, a single one an object. sjson is written exactly like json (clients read it alike).
// bjson: no "$" markup — attributes are plain keys and an element with only text is a plain
//   string. An element with attributes *and* text keeps its text under "value". That last rule is
//   [assumed]: no public source shows the bjson shape of such an element.
//
// Every string is escaped for its format; characters XML 1.0 cannot carry are dropped, so an
// echoed input can never break the document or inject markup.

import type { Element, OutputFormat } from "./document.ts";

// XML 1.0 allows TAB, LF, CR and everything from U+0020 except surrogates and U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(text: string): string {
  return text.replace(XML_INVALID, "").replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;",
  );
}

function writeXmlElement(e: Element, out: string[]): void {
  out.push("<", e.name);
  if (e.attrs) for (const [k, v] of Object.entries(e.attrs)) out.push(" ", k, '="', xmlEscape(v), '"');
  const hasChildren = e.children !== undefined && e.children.length > 0;
  if (!hasChildren && (e.text === undefined || e.text === "")) {
    out.push("/>");
    return;
  }
  out.push(">");
  if (e.text !== undefined) out.push(xmlEscape(e.text));
  if (e.children) for (const c of e.children) writeXmlElement(c, out);
  out.push("</", e.name, ">");
}

export function toXml(root: Element): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  writeXmlElement(root, out);
  out.push("\n");
  return out.join("");
}

type Json = string | { [k: string]: Json } | Json[];

function groupChildren(children: readonly Element[], value: (e: Element) => Json): Record<string, Json> {
  const obj: Record<string, Json> = {};
  const counts = new Map<string, number>();
  for (const c of children) counts.set(c.name, (counts.get(c.name) ?? 0) + 1);
  for (const c of children) {
    const v = value(c);
    if ((counts.get(c.name) ?? 0) > 1) {
      const arr = (obj[c.name] as Json[] | undefined) ?? [];
      arr.push(v);
      obj[c.name] = arr;
    } else {
      obj[c.name] = v;
    }
  }
  return obj;
}

function markupValue(e: Element): Json {
  const obj: Record<string, Json> = {};
  if (e.attrs) for (const [k, v] of Object.entries(e.attrs)) obj["$" + k] = stripInvalid(v);
  if (e.children) Object.assign(obj, groupChildren(e.children, markupValue));
  if (e.text !== undefined) obj["$"] = stripInvalid(e.text);
  return obj;
}

function plainValue(e: Element): Json {
  const hasAttrs = e.attrs !== undefined && Object.keys(e.attrs).length > 0;
  const hasChildren = e.children !== undefined && e.children.length > 0;
  if (!hasAttrs && !hasChildren) return stripInvalid(e.text ?? "");
  const obj: Record<string, Json> = {};
  if (e.attrs) for (const [k, v] of Object.entries(e.attrs)) obj[k] = stripInvalid(v);
  if (e.children) Object.assign(obj, groupChildren(e.children, plainValue));
  if (e.text !== undefined && e.text !== "") obj["value"] = stripInvalid(e.text);
  return obj;
}

function stripInvalid(text: string): string {
  return text.replace(XML_INVALID, "");
}

/** JSON with <, > and & as \u escapes, so that a JSON answer opened in a browser cannot become markup. */
function safeStringify(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

export function toJson(root: Element, flavour: "json" | "sjson" | "bjson"): string {
  const value = flavour === "bjson" ? plainValue(root) : markupValue(root);
  return safeStringify({ [root.name]: value }) + "\n";
}

export function contentTypeOf(format: OutputFormat): string {
  return format === "xml" ? "text/xml; charset=UTF-8" : "application/json; charset=UTF-8";
}

export function write(root: Element, format: OutputFormat): string {
  return format === "xml" ? toXml(root) : toJson(root, format);
}
