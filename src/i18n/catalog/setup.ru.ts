// Русские тексты страниц раздела «setup»: те же ключи, что в setup.en.ts.
import type { setupEn } from "./setup.en.ts";

export const setupRu: Record<keyof typeof setupEn, string> = {
};
