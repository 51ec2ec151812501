// Общие для всех страниц слова: рамка страницы (шапка, выбор языка, подвал), кнопки и подписи,
// страницы ошибок. Те же ключи, что в common.en.ts.
import type { commonEn } from "./common.en.ts";

export const commonRu: Record<keyof typeof commonEn, string> = {
  "common.skip_to_content": "Перейти к содержанию",
  "common.language": "Язык",
  "common.language_switch": "Выбор языка",
  "common.footer": "Биллинг модулей и лицензий ispmanager",
  "common.error.not_found.title": "Страница не найдена",
  "common.error.not_allowed.title": "Доступ запрещён",
  "common.error.too_many.title": "Слишком много запросов",
  "common.error.internal.title": "Что-то пошло не так",
  "common.error.bad_request.title": "Запрос не может быть обработан",
  "common.error.status": "Ошибка {status}",
  "common.error.home": "На главную",
};
