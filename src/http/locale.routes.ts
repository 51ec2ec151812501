// The language switch of every page's footer (src/http/pages.ts): POST /locale with the chosen
// language and the page to return to. It remembers the choice in a cookie; for a signed-in person
// whose form carries their session's CSRF token it also stores it on them, so that pages, e-mails
// and invoices follow them to other devices (docs/adr/0036-i18n.md).
//
// The route takes posts without a CSRF token: another site can at worst switch a browser's
// language cookie, never the stored choice, and an error page (no session loaded) still has a
// working switch.
import type { FastifyInstance } from "fastify";
import type { Container } from "../app/container.ts";
import { safeNext } from "../modules/accounts/accounts.logic.ts";
import { field, redirect } from "./auth-pages.ts";
import { chosenLocale, rememberLocale } from "./locale.ts";
import { LOCALE_SWITCH_PATHS } from "./pages.ts";
import { currentCustomer, currentStaff, formTokenValid } from "./session.ts";

export function registerLocaleRoutes(app: FastifyInstance, c: Container): void {
  const secure = c.config.PUBLIC_URL.startsWith("https:");
  for (const [realm, path] of Object.entries(LOCALE_SWITCH_PATHS)) app.post(path, { config: { surface: "page", csrf: false } }, async (req, reply) => {
    const next = safeNext(field(req.body, "next"), realm === "staff" ? "/admin" : "/", c.config.PUBLIC_URL);
    const locale = chosenLocale(field(req.body, "locale"));
    if (locale === undefined) return redirect(reply, next);
    rememberLocale(reply, locale, secure);
    if (formTokenValid(req)) {
      const customer = currentCustomer(req);
      const staff = currentStaff(req);
      if (customer) await c.customers.setLocale(customer.id, locale);
      else if (staff) await c.staffAuth.setLocale(staff.id, locale);
    }
    return redirect(reply, next);
  });
}
