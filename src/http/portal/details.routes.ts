// /account/details: the billing details invoices carry and the tax quote reads (country, EU VAT
// number: reverse charge). Invoices already issued keep the details they were issued with.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Container } from "../../app/container.ts";
import { html } from "../../lib/html.ts";
import { field } from "../auth-pages.ts";
import { csrfField } from "../session.ts";
import { sendPortalPage } from "./layout.ts";
import { doneNotice, me, notice, PORTAL_PAGE, refusalOf, see, type Form } from "./common.ts";

interface DetailsForm {
  name: string;
  company: string;
  address: string;
  country: string;
  vatId: string;
}

export function registerPortalDetailsRoutes(app: FastifyInstance, c: Container): void {
  function detailsPage(req: FastifyRequest, reply: FastifyReply, v: DetailsForm, problem?: { status: number; message: string }) {
    const text = (name: keyof DetailsForm, label: string, max: number, autocomplete?: string) =>
      html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="text" maxlength="${max}" value="${v[name]}"${autocomplete ? html` autocomplete="${autocomplete}"` : ""}>`;
    return sendPortalPage(req, reply, {
      title: "Billing details",
      section: "details",
      status: problem?.status ?? 200,
      body: html`<div class="card"><h1>Billing details</h1>${doneNotice(req, { saved: "Your billing details are saved. Invoices issued from now on carry them." })}${problem ? notice("error", problem.message) : ""}
<p class="muted">What your invoices say about you. With a valid EU VAT number from another EU country than ours, invoices are issued without VAT (reverse charge). Invoices already issued do not change.</p>
<form method="post" action="/account/details">${csrfField(req)}
${text("name", "Your name", 200, "name")}
${text("company", "Company (optional)", 200, "organization")}
<label for="address">Address</label><textarea id="address" name="address" rows="3" cols="40" maxlength="500" autocomplete="street-address">${v.address}</textarea>
${text("country", "Country (two letters, e.g. DE)", 2, "country")}
${text("vatId", "EU VAT number (optional)", 30)}
<p><button type="submit">Save</button></p></form></div>`,
    });
  }

  app.get("/account/details", PORTAL_PAGE, async (req, reply) => {
    const d = await c.portal.details(me(req).id);
    return detailsPage(req, reply, { name: d.name ?? "", company: d.company ?? "", address: d.address ?? "", country: d.country ?? "", vatId: d.vat_id ?? "" });
  });

  app.post<Form>("/account/details", PORTAL_PAGE, async (req, reply) => {
    const v: DetailsForm = {
      name: field(req.body, "name").slice(0, 1000),
      company: field(req.body, "company").slice(0, 1000),
      address: field(req.body, "address").slice(0, 2000),
      country: field(req.body, "country").slice(0, 100),
      vatId: field(req.body, "vatId").slice(0, 100),
    };
    try {
      await c.portal.updateDetails(me(req).id, { name: v.name, company: v.company, address: v.address, country: v.country, vatId: v.vatId });
      return see(reply, "/account/details?done=saved");
    } catch (e) {
      return detailsPage(req, reply, v, refusalOf(e));
    }
  });
}
