// The pieces the sign-in, sign-up and reset pages share: how they are sent (never cached, never
// framed, no referrer — their URLs can carry e-mailed tokens) and their form fields. The fields
// follow the design system (docs/adr/0037-design-system.md): a <div class="field"> with its label,
// an optional hint and an inline error tied to the input by aria-describedby, keeping what was typed.
import type { FastifyReply } from "fastify";
import { type Locale } from "../i18n/locales.ts";
import { t } from "../i18n/t.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { PASSWORD_MIN } from "../modules/accounts/accounts.logic.ts";
import { page, type PageFrame } from "./pages.ts";

export function sendAuthPage(reply: FastifyReply, title: string, body: SafeHtml, status = 200, frame: PageFrame = {}): FastifyReply {
  return reply
    .code(status)
    .type("text/html; charset=utf-8")
    .header("cache-control", "no-store")
    // No referrer, no framing, forms to ourselves only: the headers every answer carries
    // (src/http/security-headers.ts).
    // A refusal (a foreign id's 404, a 403) never repeats the address it was asked for.
    .send(page(reply.request, title, body, status === 403 || status === 404 ? { returnTo: "/", ...frame } : frame));
}

export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header("location", location).header("cache-control", "no-store").send();
}

export function notice(kind: "error" | "ok" | null, text: string | null | undefined): SafeHtml {
  if (!kind || !text) return html``;
  return html`<p class="${kind === "error" ? "notice error" : "notice ok"}" role="${kind === "error" ? "alert" : "status"}">${text}</p>`;
}

/** One input of a form, with its label, hint and inline error (the design system's `.field`). */
export interface InputFieldProps {
  id: string;
  /** The name sent with the form; the id when not given. */
  name?: string;
  label: string;
  type?: "text" | "email" | "password" | "number" | "search" | "url" | "tel" | "date";
  /** What was typed (kept when the form comes back with an error); never for passwords. */
  value?: string;
  hint?: string;
  /** The problem with this field; the field is marked aria-invalid and focused. */
  error?: string;
  required?: boolean;
  autocomplete?: string;
  autofocus?: boolean;
  inputmode?: "numeric" | "decimal" | "email" | "text";
  maxlength?: number;
  minlength?: number;
  pattern?: string;
  spellcheck?: boolean;
}

export function inputField(p: InputFieldProps): SafeHtml {
  const hintId = `${p.id}-hint`;
  const errorId = `${p.id}-error`;
  const described = [p.hint ? hintId : "", p.error ? errorId : ""].filter((x) => x !== "").join(" ");
  const attr = (name: string, value: string | number | undefined) => (value === undefined ? "" : html` ${name}="${String(value)}"`);
  const flag = (name: string, on: boolean | undefined) => (on ? html` ${name}` : "");
  return html`<div class="field"><label for="${p.id}">${p.label}</label><input id="${p.id}" name="${p.name ?? p.id}" type="${p.type ?? "text"}"${attr("value", p.type === "password" ? undefined : p.value)}${attr("autocomplete", p.autocomplete)}${attr("inputmode", p.inputmode)}${attr("maxlength", p.maxlength)}${attr("minlength", p.minlength)}${attr("pattern", p.pattern)}${p.spellcheck === false ? html` spellcheck="false"` : ""}${flag("required", p.required)}${flag("autofocus", p.autofocus || p.error !== undefined)}${p.error ? html` aria-invalid="true"` : ""}${described ? html` aria-describedby="${described}"` : ""}>${
    p.hint ? html`<p class="hint" id="${hintId}">${p.hint}</p>` : ""
  }${p.error ? html`<p class="field-error" id="${errorId}">${p.error}</p>` : ""}</div>`;
}

interface FieldOptions {
  /** The page's language: the label (and the hint of a new password) come from the catalogs. */
  locale?: Locale;
  error?: string;
  label?: string;
}

export function emailField(value = "", autofocus = true, o: FieldOptions = {}): SafeHtml {
  const label = o.label ?? t(o.locale ?? "en", "form.email.label");
  return inputField({ id: "email", label, type: "email", value, autocomplete: "username", required: true, maxlength: 254, autofocus, ...(o.error ? { error: o.error } : {}) });
}

export function passwordField(name: string, label: string, autocomplete: "current-password" | "new-password", autofocus = false, o: Omit<FieldOptions, "label"> = {}): SafeHtml {
  const fresh = autocomplete === "new-password";
  return inputField({
    id: name,
    label,
    type: "password",
    autocomplete,
    required: true,
    maxlength: 256,
    ...(fresh ? { minlength: PASSWORD_MIN } : {}),
    ...(fresh && o.locale ? { hint: t(o.locale, "form.password.hint", { min: PASSWORD_MIN }) } : {}),
    ...(o.error ? { error: o.error } : {}),
    autofocus,
  });
}

export function codeField(o: Omit<FieldOptions, "label"> = {}): SafeHtml {
  return inputField({
    id: "code",
    label: t(o.locale ?? "en", "form.code.label"),
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9 ]{6,7}",
    maxlength: 7,
    required: true,
    autofocus: true,
    ...(o.error ? { error: o.error } : {}),
  });
}

/** Text of a form field ('' when absent or not text). */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v : "";
}
