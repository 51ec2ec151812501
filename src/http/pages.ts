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
label{display:block;margin:14px 0 4px;font-weight:600}
input[type=email],input[type=password],input[type=text]{box-sizing:border-box;width:100%;max-width:420px;padding:8px 10px;font:inherit;border:1px solid #c5cdd8;border-radius:6px}
button{font:inherit;padding:8px 18px;border:0;border-radius:6px;background:#2457c5;color:#fff;cursor:pointer}button.link{background:none;color:#2457c5;padding:0;text-decoration:underline}
.notice{padding:10px 14px;border-radius:6px;background:#eef4ff;border:1px solid #c9d8f5}.notice.error{background:#fff3f3;border-color:#e8b4b4}.notice.ok{background:#f0faf2;border-color:#b9e0c2}
`;

const FRAME_STYLE = `
main.wide{max-width:1180px}
nav.top{background:#1d2430;color:#fff}nav.top div{max-width:1180px;margin:0 auto;padding:0 20px;display:flex;flex-wrap:wrap;gap:4px 18px;align-items:center;min-height:48px}
nav.top a{color:#cfd8e6;text-decoration:none;padding:12px 0}nav.top a.on{color:#fff;border-bottom:2px solid #7fa6ff}nav.top .brand{color:#fff;font-weight:700;margin-right:10px}
nav.top form{margin:0 0 0 auto}nav.top button.link{color:#cfd8e6}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:16px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;background:#eef1f5;font-size:13px}
.num{text-align:right;font-variant-numeric:tabular-nums}
select,textarea{font:inherit;padding:6px 8px;border:1px solid #c5cdd8;border-radius:6px}
`;

/** A frame option: a navigation bar above the content and a wider content column (consoles). */
export interface PageFrame {
  nav?: SafeHtml;
  wide?: boolean;
  /** Extra markup for <head> (a status page's <meta http-equiv="refresh">). */
  head?: SafeHtml;
}

export function page(title: string, body: SafeHtml, frame: PageFrame = {}): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · partnerbill</title>${frame.head ?? ""}<style>${STYLE}${FRAME_STYLE}</style></head>
<body>${frame.nav ?? ""}<main${frame.wide ? html` class="wide"` : ""}>${body}</main></body></html>`.toString();
}

export function errorPage(status: number, title: string, message: string): string {
  return page(
    title,
    html`<div class="card error"><h1>${title}</h1><p>${message}</p><p class="muted">HTTP ${status}</p></div>`,
  );
}
