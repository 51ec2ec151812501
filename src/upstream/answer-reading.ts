// Reading an upstream answer into what the caller asked for, as one step that can run on this
// thread or in a worker thread (./answer-worker.ts): parse the document, look for a BILLmanager
// error document, then read the typed result. The outcome is plain data, so a worker can post it.
import { AnswerError, errorOf, readModuleList } from "./answers.ts";
import { DocumentError, parseDocument } from "./document.ts";
import type { BillmgrErrorInfo } from "./errors.ts";
import type { Element } from "../protocol/document.ts";
import type { UpstreamModule } from "./types.ts";

export type AnswerReading<T> =
  | { kind: "ok"; result: T }
  | { kind: "billmgr"; error: BillmgrErrorInfo }
  | { kind: "document_error"; message: string; dtd: boolean }
  | { kind: "answer_error"; message: string }
  | { kind: "internal"; message: string };

/** Readers a worker thread can run: named, because functions cannot be posted to it. */
export interface OffThreadReaders {
  /** The `addition` list, only the modules of `license` when it is set (ADR 0043). */
  modules: { license: number | null; result: UpstreamModule[] };
}
export type OffThreadTask = { reader: "modules"; license: number | null };

export function readModulesOf(license: number | null): (doc: Element) => UpstreamModule[] {
  return (doc) => {
    const all = readModuleList(doc);
    return license === null ? all : all.filter((m) => m.license === license);
  };
}

export function readerOf(task: OffThreadTask): (doc: Element) => unknown {
  return readModulesOf(task.license);
}

/** Parses `body` and reads it with `read`; never throws. */
export function readAnswer<T>(body: string, read: (doc: Element) => T): AnswerReading<T> {
  let doc: Element;
  try {
    doc = parseDocument(body);
  } catch (e) {
    if (e instanceof DocumentError) return { kind: "document_error", message: e.message, dtd: e.dtd };
    return { kind: "internal", message: String((e as Error)?.message ?? e) };
  }
  const billmgr = errorOf(doc);
  if (billmgr) return { kind: "billmgr", error: billmgr };
  try {
    return { kind: "ok", result: read(doc) };
  } catch (e) {
    if (e instanceof AnswerError) return { kind: "answer_error", message: e.message };
    return { kind: "internal", message: String((e as Error)?.message ?? e) };
  }
}
