// Checks of a page rendered in Russian (accept-language: ru or the locale cookie): the Russian
// words expected are there, and no English sentence of the portal/checkout catalog is left in the
// page's text, nor an English table label (data-label, aria-label).
import assert from "node:assert/strict";
import { portalEn } from "../../src/i18n/catalog/portal.en.ts";

/** Literal text of every English portal/checkout message with two or more words (ICU arguments and plurals left out). */
export const ENGLISH_PORTAL_TEXTS: string[] = Object.values(portalEn)
  .flatMap((m) => m.split(/\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}/))
  .map((x) => x.trim())
  .filter((x) => /[A-Za-z]{3,}.*\s.*[A-Za-z]{3,}/.test(x));

export function assertRussian(body: string, words: RegExp[], what: string): void {
  assert.match(body, /<html lang="ru">/, `${what}: <html lang>`);
  for (const w of words) assert.match(body, w, `${what}: ${w}`);
  const text = body.replace(/<[^>]*>/g, " ").replace(/&[a-z#0-9]+;/g, " ").replace(/\s+/g, " ");
  for (const english of ENGLISH_PORTAL_TEXTS) assert.ok(!text.includes(english), `${what}: English left: "${english}"`);
  const labels = [...body.matchAll(/(?:data-label|aria-label)="([^"]*)"/g)].map((m) => m[1]!);
  for (const l of labels) assert.doesNotMatch(l, /^[A-Za-z ]{4,}$/, `${what}: English label "${l}"`);
}
