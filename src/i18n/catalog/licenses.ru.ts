// Русские строки продажи лицензий (issue 15); ключи — как в licenses.en.ts.
import type { licensesEn } from "./licenses.en.ts";

export const licensesRu: Record<keyof typeof licensesEn, string> = {
  "mail.license_key.subject": "Ключ лицензии ispmanager{named, select, yes { для «{name}»} other {}}",
  "mail.license_key.lead": "Ключ вашей лицензии ispmanager № {license} для сервера {ip} готов. Введите его в ispmanager или укажите при установке.",
  "mail.license_key.key": "Ключ лицензии",
  "mail.license_key.ip": "IP-адрес сервера",
  "mail.license_key.details": "Лицензия в личном кабинете",
};
