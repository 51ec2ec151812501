// The catalogs themselves: the same keys in every language, every message valid ICU with the same
// arguments, Russian plurals with one/few/many, and no English left in the Russian catalog.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse, TYPE, type MessageFormatElement } from "@formatjs/icu-messageformat-parser";
import { LOCALES } from "./locales.ts";
import { CATALOGS } from "./t.ts";

function walk(elements: MessageFormatElement[], visit: (e: MessageFormatElement) => void): void {
  for (const e of elements) {
    visit(e);
    if (e.type === TYPE.plural || e.type === TYPE.select) for (const o of Object.values(e.options)) walk(o.value, visit);
    if (e.type === TYPE.tag) walk(e.children, visit);
  }
}

function argumentsOf(message: string): string[] {
  const names = new Set<string>();
  walk(parse(message), (e) => {
    if (e.type === TYPE.argument || e.type === TYPE.plural || e.type === TYPE.select || e.type === TYPE.number || e.type === TYPE.date) names.add(e.value);
  });
  return [...names].sort();
}

/** Literal text of a message, arguments left out. */
function literalText(message: string): string {
  const parts: string[] = [];
  walk(parse(message), (e) => {
    if (e.type === TYPE.literal) parts.push(e.value);
  });
  return parts.join(" ");
}

// Words that are the same in both languages: product names, codes, and the EU directive number.
const SAME_IN_BOTH = /\b(ispmanager|IBAN|SWIFT|VAT|EC|UTC|RUB|EUR)\b/g;

// Values some callers pass that English does not print: «Счёт № … от <date>».
const EXTRA_ARGUMENTS: Record<string, string[]> = {
  "invoice.title": ["date"],
  "invoice.credit_note_title": ["date"],
};

describe("message catalogs", () => {
  const keys = Object.keys(CATALOGS.en).sort();

  it("have exactly the same keys in every language", () => {
    for (const locale of LOCALES) assert.deepEqual(Object.keys(CATALOGS[locale]).sort(), keys, locale);
  });

  it("hold valid ICU messages with the same arguments as English", () => {
    for (const locale of LOCALES) {
      for (const key of keys) {
        const message = CATALOGS[locale][key as keyof (typeof CATALOGS)["en"]];
        assert.doesNotThrow(() => parse(message), `${locale} ${key}`);
        const mine = argumentsOf(message);
        const english = argumentsOf(CATALOGS.en[key as keyof (typeof CATALOGS)["en"]]);
        // A translation uses every value English shows, and only values its callers pass.
        for (const a of english) assert.ok(mine.includes(a), `${locale} ${key} does not show {${a}}`);
        for (const a of mine) assert.ok(english.includes(a) || EXTRA_ARGUMENTS[key]?.includes(a), `${locale} ${key} uses {${a}}, which its callers do not pass`);
      }
    }
  });

  it("give every Russian plural the forms one, few and many (and other for fractions)", () => {
    let plurals = 0;
    for (const [key, message] of Object.entries(CATALOGS.ru)) {
      walk(parse(message), (e) => {
        if (e.type !== TYPE.plural) return;
        plurals++;
        const forms = Object.keys(e.options);
        const exact = forms.every((f) => f.startsWith("="));
        if (exact) return;
        for (const form of ["one", "few", "many", "other"]) assert.ok(forms.includes(form), `${key}: plural of {${e.value}} lacks "${form}"`);
      });
    }
    assert.ok(plurals >= 7, `only ${plurals} plurals found`);
  });

  it("leave no English in the Russian catalog", () => {
    for (const [key, message] of Object.entries(CATALOGS.ru)) {
      const text = literalText(message).replace(SAME_IN_BOTH, "");
      assert.doesNotMatch(text, /[A-Za-z]{3,}/, `${key}: "${message}"`);
      if (/[A-Za-z]{3,}/.test(literalText(CATALOGS.en[key as keyof (typeof CATALOGS)["en"]]).replace(SAME_IN_BOTH, ""))) {
        assert.notEqual(message, CATALOGS.en[key as keyof (typeof CATALOGS)["en"]], `${key} is the English text`);
      }
    }
  });
});
