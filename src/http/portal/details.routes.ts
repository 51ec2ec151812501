// /account/details: the billing details invoices carry and the tax quote reads (country, EU VAT
// number: reverse charge). Invoices already issued keep the details they were issued with. The
// country is chosen from a list named in the page's language and stored as its ISO code — the
// country decides VAT, so it is never guessed from typed text ("Germany" is not GE).
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { countryName, countryOptions, isCountryCode } from "../../i18n/countries.ts";
import { t } from "../../i18n/t.ts";
import { isAppError } from "../../lib/errors.ts";
import { html } from "../../lib/html.ts";
import { normalizeVatId } from "../../modules/tax/vat.logic.ts";
import { field } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendPortalPage } from "./layout.ts";
import { doneNotice, fieldBlock, loc, me, notice, PORTAL_PAGE, refusalOf, refusalText, see, type Form } from "./common.ts";

interface DetailsForm {
  name: string;
  company: string;
  address: string;
  country: string;
  vatId: string;
}

type DetailsErrors = Partial<Record<keyof DetailsForm | "form", string>>;

const MAX: Record<Exclude<keyof DetailsForm, "country">, number> = { name: 200, company: 200, address: 500, vatId: 30 };

export function registerPortalDetailsRoutes(app: FastifyInstance, c: Container): void {
  function detailsPage(req: FastifyRequest, reply: FastifyReply, v: DetailsForm, errors: DetailsErrors = {}, status = 200) {
    const l = loc(req);
    const err = (k: keyof DetailsForm) => (errors[k] ? { error: errors[k] } : {});
    const text = (name: "name" | "company" | "vatId", label: string, autocomplete?: string, hint?: string) =>
      fieldBlock({
        id: name,
        label,
        ...(hint ? { hint } : {}),
        ...err(name),
        control: (a) => html`<input${a} name="${name}" type="text" maxlength="${MAX[name]}" value="${v[name]}"${autocomplete ? html` autocomplete="${autocomplete}"` : ""}>`,
      });
    const options = countryOptions(l, v.country);
    return sendPortalPage(req, reply, {
      title: t(l, "page.account_details.title"),
      section: "details",
      status,
      body: html`<section class="card"><h1>${t(l, "page.account_details.title")}</h1>${doneNotice(req, { saved: t(l, "page.account_details.saved") })}${errors.form ? notice("error", errors.form) : ""}
<p class="muted">${t(l, "page.account_details.lead")}</p>
<form method="post" action="/account/details">${csrfField(req)}
${text("name", t(l, "form.account.name.label"), "name")}
${text("company", t(l, "form.account.company.label"), "organization")}
${fieldBlock({ id: "address", label: t(l, "form.account.address.label"), ...err("address"), control: (a) => html`<textarea${a} name="address" rows="3" cols="40" maxlength="500" autocomplete="street-address">${v.address}</textarea>` })}
${fieldBlock({
  id: "country",
  label: t(l, "form.account.country.label"),
  ...err("country"),
  control: (a) => html`<select${a} name="country" autocomplete="country"><option value=""${options.some((o) => o.selected) ? "" : html` selected`}>${t(l, "form.account.country.none")}</option>${options.map((o) => html`<option value="${o.code}"${o.selected ? html` selected` : ""}>${o.name}</option>`)}</select>`,
})}
${text("vatId", t(l, "form.account.vat_id.label"), undefined, t(l, "form.account.vat_id.hint"))}
<p><button type="submit">${t(l, "page.account_details.submit")}</button></p></form></section>`,
    });
  }

  app.get("/account/details", PORTAL_PAGE, async (req, reply) => {
    const d = await c.portal.details(me(req).id);
    return detailsPage(req, reply, { name: d.name ?? "", company: d.company ?? "", address: d.address ?? "", country: d.country ?? "", vatId: d.vat_id ?? "" });
  });

  app.post<Form>("/account/details", PORTAL_PAGE, async (req, reply) => {
    const l = loc(req);
    const v: DetailsForm = {
      name: field(req.body, "name").slice(0, 1000),
      company: field(req.body, "company").slice(0, 1000),
      address: field(req.body, "address").slice(0, 2000),
      country: field(req.body, "country").trim().slice(0, 100),
      vatId: field(req.body, "vatId").slice(0, 100),
    };
    // Each field checked here, so that its error stands beside it and the rest of the form is kept.
    const errors: DetailsErrors = {};
    for (const k of ["name", "company", "address", "vatId"] as const) {
      if (v[k].trim().length > MAX[k]) errors[k] = t(l, "form.account.text.too_long", { max: MAX[k] });
    }
    const country = v.country.toUpperCase();
    if (country !== "" && !isCountryCode(country)) errors.country = t(l, "form.account.country.invalid");
    if (!errors.vatId && !errors.country && v.vatId.trim() !== "") {
      if (country === "") errors.vatId = t(l, "form.account.vat_id.no_country");
      else {
        try {
          normalizeVatId(v.vatId.trim(), country);
        } catch (e) {
          if (!isAppError(e)) throw e;
          errors.vatId = t(l, "form.account.vat_id.invalid", { country: countryName(country, l) ?? country });
        }
      }
    }
    if (Object.keys(errors).length > 0) return detailsPage(req, reply, v, errors, 400);
    try {
      await c.portal.updateDetails(me(req).id, { name: v.name, company: v.company, address: v.address, country, vatId: v.vatId });
      return see(reply, "/account/details?done=saved");
    } catch (e) {
      const r = refusalOf(e);
      return detailsPage(req, reply, v, { form: refusalText(r, l) }, r.status);
    }
  });
}
