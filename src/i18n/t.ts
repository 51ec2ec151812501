// t(locale, key, values): one message of the catalogs, formatted with ICU MessageFormat
// (intl-messageformat: plurals by the locale's CLDR rules, select, numbers). Parsed messages are
// cached per locale and key. tHtml() is the same for markup: values are escaped unless they are
// SafeHtml, so a catalog string never needs markup and never lets a value through unescaped.
import { IntlMessageFormat } from "intl-messageformat";
import { escapeHtml, SafeHtml } from "../lib/html.ts";
import { type Locale } from "./locales.ts";
import { en, type MessageKey } from "./messages.en.ts";
import { ru } from "./messages.ru.ts";

export type { MessageKey } from "./messages.en.ts";

export const CATALOGS: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = { en, ru };

export type MessageValues = Record<string, string | number | null | undefined>;

const cache = new Map<string, IntlMessageFormat>();

function formatter(locale: Locale, key: MessageKey): IntlMessageFormat {
  const id = `${locale}\u0000${key}`;
  let f = cache.get(id);
  if (!f) {
    const message = CATALOGS[locale][key];
    if (message === undefined) throw new Error(`Message "${key}" is missing from the ${locale} catalog`);
    f = new IntlMessageFormat(message, locale);
    cache.set(id, f);
  }
  return f;
}

function clean(values: MessageValues | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(values ?? {})) out[k] = v ?? "";
  return out;
}

/** The message `key` in `locale` with `values` filled in. */
export function t(locale: Locale, key: MessageKey, values?: MessageValues): string {
  return String(formatter(locale, key).format(clean(values)));
}

/**
 * The message as markup: text of the catalog and plain values are escaped, SafeHtml values (a
 * <b> around a menu path, a link) are kept as they are.
 */
export function tHtml(locale: Locale, key: MessageKey, values: Record<string, string | number | SafeHtml | null | undefined> = {}): SafeHtml {
  const kept: SafeHtml[] = [];
  const plain: MessageValues = {};
  for (const [k, v] of Object.entries(values)) {
    if (v instanceof SafeHtml) {
      plain[k] = `\ue000${kept.length}\ue001`;
      kept.push(v);
    } else plain[k] = v;
  }
  // Markers from the Private Use Area: no catalog text or value contains them, and neither ICU
  // formatting nor escaping touches them.
  const text = escapeHtml(t(locale, key, plain));
  return new SafeHtml(text.replace(/\ue000(\d+)\ue001/g, (_, i: string) => kept[Number(i)]?.value ?? "").replace(/[\ue000\ue001]/g, ""));
}
