// English words every page shares: the frame (header, language switch, footer), buttons and
// labels used everywhere, error pages (docs/adr/0036-i18n.md). common.ru.ts has exactly these keys.
export const commonEn = {
  "common.skip_to_content": "Skip to content",
  "common.language": "Language",
  "common.language_switch": "Choose language",
  "common.footer": "Billing for ispmanager modules and licenses",
  "common.error.not_found.title": "Page not found",
  "common.error.not_allowed.title": "Not allowed",
  "common.error.too_many.title": "Too many requests",
  "common.error.internal.title": "Something went wrong",
  "common.error.bad_request.title": "This request cannot be processed",
  "common.error.status": "Error {status}",
  "common.error.home": "Go to the home page",
} as const;
