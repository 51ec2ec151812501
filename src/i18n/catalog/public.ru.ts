// Русские тексты страниц раздела «public»: те же ключи, что в public.en.ts.
import type { publicEn } from "./public.en.ts";

export const publicRu: Record<keyof typeof publicEn, string> = {
};
