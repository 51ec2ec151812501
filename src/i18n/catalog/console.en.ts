// English page texts of the console area (keys "page.<page>.*", "form.<field>.*"; docs/adr/0036-i18n.md).
// Spread into the catalog by ../messages.en.ts; console.ru.ts must have exactly these keys.
export const consoleEn = {
} as const;
