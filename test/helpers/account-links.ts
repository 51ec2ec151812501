// E-mailed account links as a browser follows them (docs/adr/0024-auth-hardening.md): the link
// carries its token in the fragment, which the browser never sends; the page's form POSTs it (the
// page's script does that in a real browser), which shows the password form; that form's POST
// uses the token with the chosen password.
import assert from "node:assert/strict";
import type { LightMyRequestResponse } from "fastify";
import type { Container } from "../../src/app/container.ts";
import type { WebClient } from "./web-client.ts";

export type LinkTemplate = "verify_email" | "password_reset";

export interface MailedLink {
  /** The path the link opens, without the fragment (what the browser requests). */
  path: "/account/verify" | "/account/reset";
  token: string;
  /** The whole link as mailed. */
  href: string;
}

/** Reads the link out of a mail's text (newest mail of `template` to `to`, or the given text). */
export function linkIn(text: string): MailedLink | null {
  const m = /https?:\/\/\S+?(\/account\/(?:verify|reset))#([A-Za-z0-9_-]{43})/.exec(text);
  return m ? { path: m[1] as MailedLink["path"], token: m[2]!, href: m[0] } : null;
}

export async function mailedLink(c: Container, to: string, template: LinkTemplate): Promise<MailedLink> {
  const mails = (await c.mail.list({ limit: 1000 })).filter((m) => m.to_address === to && m.template === template);
  assert.ok(mails.length > 0, `no ${template} mail to ${to}`);
  const { text } = await c.mail.show(mails[0]!.id);
  const link = linkIn(text);
  assert.ok(link, `no link in:\n${text}`);
  return link;
}

/**
 * Opens `link` in `web`, posts its token (the page's form) and then the password form with
 * `password`. Returns the last answer (303 to `next` when it worked).
 */
export async function followLink(web: WebClient, link: MailedLink, password: string): Promise<LightMyRequestResponse> {
  const opened = await web.get(link.path);
  assert.equal(opened.statusCode, 200, opened.body.slice(0, 500));
  assert.match(opened.body, /id="link-form"/);
  const form = await web.post(link.path, { token: link.token });
  if (form.statusCode !== 200) return form;
  assert.match(form.body, /name="password"/, form.body.slice(0, 800));
  return web.post(link.path, { token: link.token, password });
}
