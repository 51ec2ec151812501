// The text a PDF made by pdf-lib shows, page by page, read back through each font's ToUnicode
// CMap: pdf-lib draws subset fonts as glyph ids (`<0012002A> Tj`), so the text cannot be grepped
// from the content stream. Small on purpose: it understands what invoice.pdf.ts draws (Tf, Tj with
// hex strings, one text object per drawText), not PDFs in general.
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, type PDFObject } from "pdf-lib";

function bytesOf(doc: PDFDocument, obj: PDFObject | undefined): string {
  const o = obj instanceof PDFRef ? doc.context.lookup(obj) : obj;
  if (o instanceof PDFRawStream) return Buffer.from(decodePDFRawStream(o).decode()).toString("latin1");
  if (o instanceof PDFArray) return o.asArray().map((x) => bytesOf(doc, x)).join("\n");
  return "";
}

function hexToText(hex: string): string {
  const bytes = Buffer.from(hex.length % 2 ? hex + "0" : hex, "hex");
  let out = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) out += String.fromCharCode(bytes.readUInt16BE(i));
  return out;
}

/** glyph id (4 hex digits, upper case) → text, from a ToUnicode CMap. */
function parseCMap(cmap: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(m[1]!.toUpperCase().padStart(4, "0"), hexToText(m[2]!));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])/g)) {
      const lo = parseInt(m[1]!, 16);
      const hi = parseInt(m[2]!, 16);
      const dst = m[3]!;
      if (dst.startsWith("[")) {
        [...dst.matchAll(/<([0-9A-Fa-f]+)>/g)].forEach((d, i) => map.set((lo + i).toString(16).toUpperCase().padStart(4, "0"), hexToText(d[1]!)));
      } else {
        const base = hexToText(dst.slice(1, -1));
        for (let g = lo; g <= hi; g++) {
          const last = base.charCodeAt(base.length - 1) + (g - lo);
          map.set(g.toString(16).toUpperCase().padStart(4, "0"), base.slice(0, -1) + String.fromCharCode(last));
        }
      }
    }
  }
  return map;
}

/** The lines of text drawn on each page, in drawing order. */
export async function pdfText(bytes: Uint8Array): Promise<string[][]> {
  const doc = await PDFDocument.load(bytes);
  return doc.getPages().map((page) => {
    const fonts = new Map<string, Map<string, string>>();
    const fontDict = page.node.Resources()?.lookup(PDFName.of("Font"), PDFDict);
    for (const [name, ref] of fontDict?.entries() ?? []) {
      const font = doc.context.lookup(ref, PDFDict);
      fonts.set(name.asString(), parseCMap(bytesOf(doc, font.get(PDFName.of("ToUnicode")))));
    }
    const content = bytesOf(doc, page.node.get(PDFName.of("Contents")));
    const lines: string[] = [];
    let cmap = new Map<string, string>();
    for (const m of content.matchAll(/(\/[^\s/]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>\s*Tj/g)) {
      if (m[1]) cmap = fonts.get(m[1]) ?? new Map();
      else lines.push((m[2]!.toUpperCase().match(/.{4}/g) ?? []).map((g) => cmap.get(g) ?? "\uFFFD").join(""));
    }
    return lines;
  });
}
