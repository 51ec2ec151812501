// Reads an upstream answer into the same element tree partnerbill writes (src/protocol/document.ts),
// whatever its format: XML (what we ask for), JSON with "$" markup (out=json/sjson) or plain JSON
// (out=bjson) — PROTOCOL.md §2.2. Readers of the tree (./answers.ts) never see the format.
//
// XML safety: BILLmanager never sends a DTD, so a document that declares one is refused unread —
// no entity of it is ever expanded (XXE, "billion laughs"). The parser additionally runs with entity
// processing off; the five predefined entities and character references are decoded here, in one
// pass, so "&amp;lt;" stays "&lt;" and nothing expands recursively.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Element } from "../protocol/document.ts";

export class DocumentError extends Error {
  constructor(message: string, readonly dtd = false) {
    super(message);
    this.name = "DocumentError";
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: "#cdata",
  commentPropName: false,
  trimValues: true,
});

const PREDEFINED: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

type OrderedNode = Record<string, unknown>;

function fromOrdered(name: string, content: unknown, attrs: unknown): Element {
  const children: Element[] = [];
  let text = "";
  for (const node of Array.isArray(content) ? (content as OrderedNode[]) : []) {
    if ("#text" in node) {
      text += decodeEntities(String(node["#text"]));
      continue;
    }
    if ("#cdata" in node) {
      // CDATA is literal: its text is not entity-decoded.
      for (const part of (node["#cdata"] as OrderedNode[]) ?? []) text += String(part["#text"] ?? "");
      continue;
    }
    const childName = Object.keys(node).find((k) => k !== ":@");
    if (childName !== undefined) children.push(fromOrdered(childName, node[childName], node[":@"]));
  }
  const attributes: Record<string, string> = {};
  if (attrs && typeof attrs === "object") {
    for (const [k, v] of Object.entries(attrs as Record<string, unknown>)) attributes[k] = decodeEntities(String(v));
  }
  return {
    name,
    ...(Object.keys(attributes).length > 0 ? { attrs: attributes } : {}),
    ...(text !== "" ? { text } : {}),
    ...(children.length > 0 ? { children } : {}),
  };
}

export function parseXml(body: string): Element {
  // A DOCTYPE (and with it any ENTITY) is refused before the parser sees it.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new DocumentError("the answer declares a DTD; refused unread", true);
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new DocumentError(`not well-formed XML (${valid.err.msg} at line ${valid.err.line})`);
  const nodes = parser.parse(body) as OrderedNode[];
  const rootNode = nodes.find((n) => Object.keys(n).some((k) => k !== ":@" && !k.startsWith("#")));
  if (!rootNode) throw new DocumentError("no root element");
  const rootName = Object.keys(rootNode).find((k) => k !== ":@")!;
  return fromOrdered(rootName, rootNode[rootName], rootNode[":@"]);
}

/**
 * JSON → element tree. "$" is text and "$name" an attribute (json/sjson); any other key is a child
 * element — an array is a repeated element, a string or number an element with only text (bjson,
 * where attributes are plain keys too: readers look a field up as a child, then as an attribute).
 */
function fromJson(name: string, value: unknown): Element[] {
  if (Array.isArray(value)) return value.flatMap((v) => fromJson(name, v));
  if (value === null || value === undefined) return [{ name }];
  if (typeof value !== "object") return [{ name, text: String(value) }];
  const attrs: Record<string, string> = {};
  const children: Element[] = [];
  let text: string | undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === "$") text = String(v);
    else if (k.startsWith("$") && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) attrs[k.slice(1)] = String(v);
    else children.push(...fromJson(k, v));
  }
  return [{
    name,
    ...(Object.keys(attrs).length > 0 ? { attrs } : {}),
    ...(text !== undefined && text !== "" ? { text } : {}),
    ...(children.length > 0 ? { children } : {}),
  }];
}

export function parseJson(body: string): Element {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    throw new DocumentError(`not valid JSON (${(e as Error).message})`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new DocumentError("JSON answer is not an object");
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new DocumentError("JSON answer has no single root element");
  const root = fromJson(keys[0]!, (value as Record<string, unknown>)[keys[0]!]);
  if (root.length !== 1) throw new DocumentError("JSON answer has no single root element");
  return root[0]!;
}

/** Parses an answer by its content (not its Content-Type, which proxies and servers get wrong). */
export function parseDocument(body: string): Element {
  const text = body.replace(/^\uFEFF/, "").trimStart();
  const root = text.startsWith("{") ? parseJson(text) : text.startsWith("<") ? parseXml(text) : null;
  if (root === null) throw new DocumentError("neither XML nor JSON");
  if (root.name !== "doc") throw new DocumentError(`root element is <${root.name}>, not <doc>`);
  return root;
}

// ---- reading the tree ----

export function child(e: Element, name: string): Element | undefined {
  return e.children?.find((c) => c.name === name);
}

export function childrenNamed(e: Element, name: string): Element[] {
  return e.children?.filter((c) => c.name === name) ?? [];
}

/** A field as a child's text, else as an attribute (bjson turns attributes into plain keys). */
export function field(e: Element, name: string): string | undefined {
  const c = child(e, name);
  if (c !== undefined) return c.text ?? "";
  return e.attrs?.[name];
}
