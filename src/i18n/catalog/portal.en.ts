// English page texts of the portal area (keys "page.<page>.*", "form.<field>.*"; docs/adr/0036-i18n.md).
// Spread into the catalog by ../messages.en.ts; portal.ru.ts must have exactly these keys.
export const portalEn = {
} as const;
