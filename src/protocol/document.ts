// The BILLmanager document model: a small element tree that every answer partnerbill gives to
// panels (and every answer the sandbox gives to partnerbill) is built from, then written as XML or
// one of the JSON flavours of PROTOCOL.md §2.2. Keeping one model guarantees that the four output
// formats always carry the same data.

export interface Element {
  readonly name: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly children?: readonly Element[];
}

export type OutputFormat = "xml" | "json" | "sjson" | "bjson";

/** `out` as a panel sends it; anything unknown or missing answers XML (PROTOCOL.md §2.2). */
export function parseOutputFormat(out: unknown): OutputFormat {
  return out === "json" || out === "sjson" || out === "bjson" ? out : "xml";
}

export function el(
  name: string,
  content?: string | readonly Element[],
  attrs?: Record<string, string>,
): Element {
  if (typeof content === "string") return attrs ? { name, text: content, attrs } : { name, text: content };
  if (content) return attrs ? { name, children: content, attrs } : { name, children: content };
  return attrs ? { name, attrs } : { name };
}

export function doc(children: readonly Element[]): Element {
  return { name: "doc", children };
}
