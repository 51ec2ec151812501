// The pieces the sign-in, sign-up and reset pages share: how they are sent (never cached, never
// framed, no referrer — their URLs can carry e-mailed tokens) and their form fields.
import type { FastifyReply } from "fastify";
import { html, type SafeHtml } from "../lib/html.ts";
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

export function emailField(value = "", autofocus = true): SafeHtml {
  return html`<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${value}"${autofocus ? html` autofocus` : ""}>`;
}

export function passwordField(name: string, label: string, autocomplete: "current-password" | "new-password", autofocus = false): SafeHtml {
  return html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="password" autocomplete="${autocomplete}" required maxlength="256"${autocomplete === "new-password" ? html` minlength="10"` : ""}${autofocus ? html` autofocus` : ""}>`;
}

export function codeField(): SafeHtml {
  return html`<label for="code">6-digit code from your authenticator app</label><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required autofocus>`;
}

/** Text of a form field ('' when absent or not text). */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === "string" ? v : "";
}
