// Throwaway check (not committed): renders pages, saves HTML, checks 375px overflow and axe.
import { readFileSync, writeFileSync } from "node:fs";
import { createTestDatabase } from "./helpers/db.ts";
import { listenOnSandbox } from "./helpers/app.ts";
import { startSandbox } from "./helpers/sandbox.ts";
import { buildPortalWorld } from "./helpers/portal.ts";
import { launchBrowser } from "./helpers/browser.ts";

const AXE = readFileSync("/work/wt-pages-browser/node_modules/axe-core/axe.min.js", "utf8");
const db = await createTestDatabase("sqlite");
const sandbox = await startSandbox();
const r = await listenOnSandbox(db, sandbox);
const db2 = await createTestDatabase("sqlite");
const w = await buildPortalWorld(db2);
const ann = await w.customer("ann@example.com", 100001, "203.0.113.21");
await w.app.listen({ port: 0, host: "127.0.0.1" });
const a2 = w.app.server.address();
const base2 = `http://127.0.0.1:${typeof a2 === "object" && a2 ? a2.port : 0}`;
const annCookie = [...ann.web.cookies].map(([k, v]) => `${k}=${v}`).join("; ");

const paths = ["/", "/account/login", "/account/signup", "/account/forgot", "/account/verify", "/no/such/page", "/demo/mailbox", "/demo/panel?license=100001"].filter(() => process.env.ONLY_INVOICE !== "1");
const out: string[] = [];
for (const width of [375, 1280]) {
  const b = await launchBrowser({ viewport: { width, height: 800 } });
  for (const lang of ["en", "ru"]) {
    await b.context.clearCookies();
    await b.context.addCookies([{ name: "locale", value: lang, url: r.base }, { name: "locale", value: lang, url: base2 }]);
    await b.page.goto(base2 + "/account/login");
    await b.page.locator("#email").fill("ann@example.com");
    await b.page.locator("#password").fill("portal password 1");
    await b.page.locator("main button[type=submit]").click();
    await b.page.waitForLoadState();
    const all = [...paths.map((p) => r.base + p), `${base2}/account/invoices/${ann.invoiceId}`, `${base2}/account/signup`];
    for (const url of all) {
      await b.page.goto(url);
      const name = `${width}-${lang}-${url.replace(/^http:\/\/[^/]+/, "").replace(/[^a-z0-9]+/gi, "_")}`;
      if (width === 1280) writeFileSync(`/tmp/shell/${name}.html`, await b.page.content());
      const over = await b.page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      await b.page.evaluate(AXE);
      const v = await b.page.evaluate(async () => {
        // @ts-expect-error axe global
        const res = await axe.run(document, { resultTypes: ["violations"] });
        return res.violations.map((x: { id: string; impact: string; nodes: { target: string[] }[] }) => `${x.impact}:${x.id}:${x.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(",")}`);
      });
      out.push(`${name} scroll=${over[0]}/${over[1]} ${v.join(" | ")}`);
      if (width === 375) await b.page.screenshot({ path: `/tmp/shell/${name}.png`, fullPage: true });
    }
  }
  await b.close();
}
console.log(out.join("\n"));
await w.app.close(); await r.app.close(); await r.c.close(); await sandbox.stop();
process.exit(0);
