// The acceptance checks can fail (test/helpers/page-audit.ts, docs/adr/0041-acceptance-harness.md):
// a page with known faults — an image without alt text, a field without a label, text below 4.5:1
// contrast, a table wider than a phone, <p> around a <div>, a CSS parse error, the wrong <html lang> —
// gets a finding from each check, and a clean page gets none. Served by a tiny HTTP server of its
// own, so the checks are tested apart from partnerbill's pages.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { launchBrowser, type TestBrowser } from "./helpers/browser.ts";
import { PageAudit, WIDTHS } from "./helpers/page-audit.ts";

const CLEAN = `<!doctype html><html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Заказы</title><link rel="stylesheet" href="/good.css"></head>
<body><main><h1>Заказы</h1><form><label for="q">Поиск</label><input id="q" name="q"><button type="submit">Найти</button></form></main></body></html>`;

const BROKEN = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Broken</title><link rel="stylesheet" href="/bad.css"></head>
<body><main><h1>Broken</h1><p><div>block in a paragraph</div></p><img src="/x.png"><input name="nolabel">
<p style="color:#bbb;background:#fff">too light to read</p>
<table style="width:900px"><tr><td>a table wider than a phone</td></tr></table></main></body></html>`;

describe("the acceptance checks", () => {
  let server: Server;
  let base = "";
  let browser: TestBrowser;
  const audit = new PageAudit("harness-self-test");

  before(async () => {
    server = createServer((req, res) => {
      const pages: Record<string, [string, string]> = {
        "/clean": ["text/html; charset=utf-8", CLEAN],
        "/broken": ["text/html; charset=utf-8", BROKEN],
        "/good.css": ["text/css", "body { font-family: \"DejaVu Sans\", sans-serif; }"],
        "/bad.css": ["text/css", "body { color: ; font-family: &quot;Segoe UI&quot;; }"],
      };
      const [type, body] = pages[req.url ?? ""] ?? ["text/plain", "not found"];
      res.writeHead(pages[req.url ?? ""] ? 200 : 404, { "content-type": type }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser({ viewport: WIDTHS.desktop });
    audit.watch(browser.page);
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  it("finds nothing on a clean page", async () => {
    await browser.page.goto(`${base}/clean`);
    await audit.check(browser.page, "clean", "ru");
    await audit.validateHtml([{ url: "/good.css", text: "body { font-family: \"DejaVu Sans\", sans-serif; }" }]);
    assert.deepEqual(audit.findings, []);
  });

  it("finds each fault of a broken page with the check, page, language and width that saw it", { timeout: 120_000 }, async () => {
    await browser.page.goto(`${base}/broken`);
    await audit.check(browser.page, "broken", "ru");
    await audit.validateHtml([{ url: "/bad.css", text: "body { color: ; font-family: &quot;Segoe UI&quot;; }" }]);
    const all = audit.findings.map((f) => `${f.check} ${f.url} ${f.locale} ${f.width} ${f.detail}`).join("\n");
    for (const width of [1280, 375]) {
      assert.match(all, new RegExp(`^axe /broken ru ${width} critical image-alt`, "m"), all);
      assert.match(all, new RegExp(`^axe /broken ru ${width} (critical|serious) label`, "m"), all);
      assert.match(all, new RegExp(`^axe /broken ru ${width} serious color-contrast`, "m"), all);
      assert.match(all, new RegExp(`^lang /broken ru ${width} <html lang="en">`, "m"), all);
    }
    assert.match(all, /^scroll \/broken ru 375 scrollWidth \d+ > clientWidth 375; widest: table/m, all);
    assert.doesNotMatch(all, /^scroll \/broken ru 1280/m, "the table fits at 1280 px");
    assert.match(all, /^vnu \/broken ru any .*“p”/m, all);
    assert.match(all, /^vnu \/bad\.css any any /m, all);
    assert.ok(audit.report("axe").every((line) => line.startsWith("[ru ")), "findings name their language");
  });
});
