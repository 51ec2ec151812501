// English page texts of the setup area (keys "page.<page>.*", "form.<field>.*"; docs/adr/0036-i18n.md).
// Spread into the catalog by ../messages.en.ts; setup.ru.ts must have exactly these keys.
export const setupEn = {
} as const;
