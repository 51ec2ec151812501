// The frame of every server-rendered page, and the readable error page browsers get.
import { html, type SafeHtml } from "../lib/html.ts";

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;background:#f5f7fa}
main{max-width:760px;margin:40px auto;padding:0 20px}
.card{background:#fff;border:1px solid #dfe4ea;border-radius:10px;padding:24px 28px;margin:0 0 20px}
h1{font-size:24px;margin:0 0 12px}h2{font-size:18px;margin:20px 0 8px}
code{background:#eef1f5;padding:1px 5px;border-radius:4px;font-size:14px;word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 8px;border-bottom:1px solid #eef1f5}
.muted{color:#6b7685}.error{border-color:#e8b4b4;background:#fff8f8}
`;

export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · partnerbill</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`.toString();
}

export function errorPage(status: number, title: string, message: string): string {
  return page(
    title,
    html`<div class="card error"><h1>${title}</h1><p>${message}</p><p class="muted">HTTP ${status}</p></div>`,
  );
}
