// Русские тексты страниц раздела «console»: те же ключи, что в console.en.ts.
import type { consoleEn } from "./console.en.ts";

export const consoleRu: Record<keyof typeof consoleEn, string> = {
};
