// Which language a mail is written in when its request names none: the language the customer with
// that address chose (customers.locale), else the partner's default (setting `locale.default`).
// Read in the caller's transaction, like the rest of what the mail says.
import type { Executor } from "../../db/database.ts";
import { toLocale, type Locale } from "../../i18n/locales.ts";
import type { CustomersRepo } from "../customers/customers.repo.ts";
import { normalizeEmail } from "../customers/customers.logic.ts";

export function createRecipientLocale(deps: {
  customers: Pick<CustomersRepo, "findByEmail">;
  defaultLocale: (ex: Executor) => Promise<Locale>;
}) {
  return async function localeOf(ex: Executor, to: string): Promise<Locale> {
    let email: string | undefined;
    try {
      email = normalizeEmail(to);
    } catch {
      // An address normalizeEmail refuses belongs to no customer.
    }
    const stored = email === undefined ? undefined : (await deps.customers.findByEmail(ex, email))?.locale;
    return toLocale(stored) ?? (await deps.defaultLocale(ex));
  };
}
