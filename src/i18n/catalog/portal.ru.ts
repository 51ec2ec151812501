// Русские тексты страниц раздела «portal»: те же ключи, что в portal.en.ts.
import type { portalEn } from "./portal.en.ts";

export const portalRu: Record<keyof typeof portalEn, string> = {
};
