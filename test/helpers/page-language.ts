// Does a rendered page speak its reader's language? For the Russian renders of pages: visible
// text (tags, attributes' names, scripts and styles out; aria-labels, titles, alt texts and
// placeholders in, since people read those too), no fragment of an English catalog message, and
// no Latin word but what is data or a name (product, module, e-mail address…).
import assert from "node:assert/strict";
import { CATALOGS } from "../../src/i18n/t.ts";

/**
 * What a person reads or hears of a page: text, and the attributes read aloud or shown. Words
 * marked as another language (the language switch names English in English) are left out.
 */
export function readableText(page: string): string {
  const html = page.replace(/<(span|button|a)\b[^>]*\slang="en"[^>]*>[^<]*<\/\1>/g, " ");
  const attrs = [...html.matchAll(/\s(?:aria-label|title|alt|placeholder|data-label)="([^"]*)"/g)].map((m) => m[1]);
  const text = html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<[^>]+>/g, " ");
  return [text, ...attrs].join(" \n ").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

/** Literal pieces (8+ characters with a 4-letter word) of every English catalog message. */
export const ENGLISH_FRAGMENTS: readonly string[] = (() => {
  const out = new Set<string>();
  for (const message of Object.values(CATALOGS.en)) {
    for (const piece of message.split(/\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|[{}#]/)) {
      const p = piece.trim();
      if (p.length >= 8 && /[A-Za-z]{4}/.test(p)) out.add(p);
    }
  }
  return [...out];
})();

/** Words that stay as they are on a Russian page: names, codes, formats. */
const SAME_IN_EVERY_LANGUAGE = ["partnerbill", "ispmanager", "PDF", "UTC", "SMTP_URL", "IP"];

/** Fails unless `html` is a Russian page: Russian words, no English catalog text, Latin only in `data`. */
export function assertRussianPage(html: string, what: string, data: readonly string[] = []): void {
  assert.match(html, /<html lang="ru">/, `${what}: not marked Russian`);
  const text = readableText(html);
  assert.match(text, /[А-Яа-яЁё]{4}/, `${what}: no Russian`);
  assert.doesNotMatch(text, /[{}]|\uFFFD/, `${what}: an unformatted placeholder`);
  for (const fragment of ENGLISH_FRAGMENTS) assert.ok(!text.includes(fragment), `${what}: English catalog text "${fragment}"`);
  let rest = text.replace(/https?:\/\/\S+/g, " ").replace(/\S+@\S+/g, " ");
  for (const own of [...SAME_IN_EVERY_LANGUAGE, ...data].sort((a, b) => b.length - a.length)) rest = rest.split(own).join(" ");
  const latin = rest.match(/[A-Za-z]{3,}/g);
  assert.equal(latin, null, `${what}: Latin words left: ${latin?.join(", ")}`);
}
