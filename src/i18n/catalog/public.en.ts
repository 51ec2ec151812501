// English page texts of the public area (keys "page.<page>.*", "form.<field>.*"; docs/adr/0036-i18n.md).
// Spread into the catalog by ../messages.en.ts; public.ru.ts must have exactly these keys.
export const publicEn = {
} as const;
