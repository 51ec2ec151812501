// The page catalogs are split by area (catalog/*.{en,ru}.ts) and spread into one catalog per
// language; a key defined in two areas would silently take the later one. Each key has one home.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

const DIR = join(import.meta.dirname, "catalog");

describe("catalog areas", () => {
  for (const lang of ["en", "ru"]) {
    it(`defines each ${lang} key in one area only`, async () => {
      const homes = new Map<string, string[]>();
      const files = readdirSync(DIR).filter((f) => f.endsWith(`.${lang}.ts`) || f.endsWith(`.${lang}.js`));
      assert.ok(files.length >= 2, `area files of ${lang} in ${DIR}`);
      for (const file of files) {
        const mod = (await import(join(DIR, file))) as Record<string, Record<string, string>>;
        for (const messages of Object.values(mod)) for (const key of Object.keys(messages)) homes.set(key, [...(homes.get(key) ?? []), file]);
      }
      // Nor in the catalog file the areas are spread into.
      const main = readFileSync(join(import.meta.dirname, `messages.${lang}.ts`), "utf8");
      for (const key of homes.keys()) if (main.includes(`"${key}":`)) homes.set(key, [...(homes.get(key) ?? []), `messages.${lang}.ts`]);
      const twice = [...homes].filter(([, where]) => where.length > 1).map(([key, where]) => `${key}: ${where.join(", ")}`);
      assert.deepEqual(twice, []);
    });
  }
});
