// The frame of every server-rendered page, and the readable error page browsers get.
import { html, type SafeHtml } from "../lib/html.ts";
import { STYLESHEET_PATH } from "./assets.ts";

/** A frame option: a navigation bar above the content and a wider content column (consoles). */
export interface PageFrame {
  nav?: SafeHtml;
  wide?: boolean;
  /** Extra markup for <head> (a status page's <meta http-equiv="refresh">, a script). */
  head?: SafeHtml;
  /** A class of <main> that gives a page its own look (the demo panel). */
  mainClass?: string;
}

export function page(title: string, body: SafeHtml, frame: PageFrame = {}): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · partnerbill</title><link rel="stylesheet" href="${STYLESHEET_PATH}">${frame.head ?? ""}</head>
<body>${frame.nav ?? ""}<main${mainClass(frame)}>${body}</main></body></html>`.toString();
}

function mainClass(frame: PageFrame): SafeHtml | string {
  const classes = [frame.wide ? "wide" : "", frame.mainClass ?? ""].filter((x) => x !== "").join(" ");
  return classes === "" ? "" : html` class="${classes}"`;
}

export function errorPage(status: number, title: string, message: string): string {
  return page(
    title,
    html`<div class="card error"><h1>${title}</h1><p>${message}</p><p class="muted">HTTP ${status}</p></div>`,
  );
}
