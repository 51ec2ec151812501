// English strings of license reselling (issue 15). Spread into `en` (messages.en.ts); the Russian
// twin is licenses.ru.ts. Kept in their own file so other work on the catalogs does not collide.
export const licensesEn = {
  "mail.license_key.subject": "Your ispmanager license key{named, select, yes { for {name}} other {}}",
  "mail.license_key.lead": "The key of your ispmanager license {license} for the server {ip} is ready. Enter it in ispmanager, or run the installer with it.",
  "mail.license_key.key": "License key",
  "mail.license_key.ip": "Server IP",
  "mail.license_key.details": "Your license in your account",
} as const;
