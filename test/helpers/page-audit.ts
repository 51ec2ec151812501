// The acceptance checks a browser walk runs on every page it visits (docs/adr/0041-acceptance-
// harness.md): at 1280 px and at 375 px, axe-core (injected into the page) with no serious or
// critical violation and no horizontal scrolling at 375 px; the page's <html lang> is the walk's
// language; a full-page screenshot at each width. The HTML the server sent is kept, and once per
// test file the W3C Nu HTML checker (vnu.jar from npm, on Debian's Java) checks all of it in one
// JVM. Findings are collected, not thrown, so that one run lists every problem of every page:
// the walk's own test asserts what the walk must reach, and one test per check fails with the list.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Page, Response } from "playwright-core";
import { ROOT } from "./cli.ts";
import { DOC_SCREENSHOT_DIR, SCREENSHOT_DIR } from "./browser.ts";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const VNU_JAR = require.resolve("vnu-jar/build/dist/vnu.jar");

export const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 375, height: 812 } } as const;
export type Check = "axe" | "vnu" | "scroll" | "lang" | "walk";

export interface Finding {
  check: Check;
  url: string;
  locale: string;
  /** The viewport width the finding was seen at; "any" for the HTML checker (it reads the markup). */
  width: number | "any";
  detail: string;
}

interface Visited {
  label: string;
  /** Milliseconds the checks of this page took (both widths). */
  ms?: number;
  url: string;
  locale: string;
  file: string;
}

/** One test file's audit: where its HTML, screenshots and findings go. */
export class PageAudit {
  readonly findings: Finding[] = [];
  readonly visited: Visited[] = [];
  private readonly htmlDir: string;
  private readonly documents = new Map<string, Promise<string | null>>();
  private readonly seenHtml = new Map<string, string>();
  private count = 0;
  /** Milliseconds spent in the checks themselves (axe, scroll, screenshots, vnu), for the ADR's figures. */
  spentMs = 0;

  constructor(readonly name: string) {
    this.htmlDir = join(ROOT, "test-output", "html", name);
    rmSync(this.htmlDir, { recursive: true, force: true });
    mkdirSync(this.htmlDir, { recursive: true });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }

  /** Keeps the body of every document the page's main frame receives, by URL (no fragment). */
  watch(page: Page): void {
    page.on("response", (r: Response) => {
      const req = r.request();
      if (!req.isNavigationRequest() || req.frame() !== page.mainFrame()) return;
      const status = r.status();
      if (status >= 300 && status < 400) return;
      if (!String(r.headers()["content-type"] ?? "").startsWith("text/html")) return;
      this.documents.set(withoutHash(r.url()), r.text().catch(() => null));
    });
  }

  /** Records a problem of the walk itself that need not stop it (a state it should have reached). */
  soft(ok: boolean, page: Page, locale: string, detail: string): void {
    if (!ok) this.findings.push({ check: "walk", url: pathOf(page.url()), locale, width: page.viewportSize()?.width ?? 0, detail });
  }

  /**
   * Every check on the page as it is now: at 1280 px and at 375 px axe-core, the document's
   * language and a screenshot; at 375 px the horizontal scroll. The server's HTML is kept for vnu.
   * Returns the screenshots' paths (desktop, phone).
   */
  async check(page: Page, label: string, locale: string): Promise<{ desktop: string; phone: string }> {
    const started = Date.now();
    await page.waitForLoadState("load");
    const url = pathOf(page.url());
    const n = String(++this.count).padStart(2, "0");
    const base = `${this.name}-${n}-${label}`;
    await this.keepHtml(page, url, locale, `${n}-${label}`);

    const shots = { desktop: "", phone: "" };
    const original = page.viewportSize() ?? WIDTHS.desktop;
    for (const [kind, size] of [["desktop", WIDTHS.desktop], ["phone", WIDTHS.phone]] as const) {
      if (page.viewportSize()?.width !== size.width) await page.setViewportSize(size);
      const lang = await page.evaluate(() => document.documentElement.lang);
      if (lang !== locale) this.findings.push({ check: "lang", url, locale, width: size.width, detail: `<html lang="${lang}">, the walk's language is ${locale}` });
      for (const v of await this.axe(page)) this.findings.push({ check: "axe", url, locale, width: size.width, detail: v });
      if (kind === "phone") {
        const m = await page.evaluate(() => {
          // The element sticking out furthest to the right names the culprit in the finding.
          const client = document.documentElement.clientWidth;
          let wide = "";
          let right = client;
          for (const el of document.querySelectorAll("body *")) {
            const r = el.getBoundingClientRect().right;
            if (r > right + 0.5) {
              right = r;
              wide = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.classList.length ? `.${[...el.classList].join(".")}` : ""} (right edge ${Math.round(r)} px)`;
            }
          }
          return { scroll: document.documentElement.scrollWidth, client, wide };
        });
        if (m.scroll > m.client) this.findings.push({ check: "scroll", url, locale, width: size.width, detail: `scrollWidth ${m.scroll} > clientWidth ${m.client}; widest: ${m.wide}` });
      }
      const path = join(SCREENSHOT_DIR, `${base}-${size.width}.png`);
      await page.screenshot({ path, fullPage: true });
      shots[kind] = path;
    }
    if (page.viewportSize()?.width !== original.width) await page.setViewportSize(original);
    const last = this.visited.at(-1);
    if (last && last.label === `${n}-${label}`) last.ms = Date.now() - started;
    this.spentMs += Date.now() - started;
    return shots;
  }

  private async keepHtml(page: Page, url: string, locale: string, label: string): Promise<void> {
    const sent = (await this.documents.get(withoutHash(page.url()))) ?? null;
    if (sent === null) {
      this.findings.push({ check: "walk", url, locale, width: "any", detail: "the HTML the server sent for this page was not seen (checked the browser's DOM instead)" });
    }
    const markup = sent ?? (await page.content());
    const hash = createHash("sha256").update(markup).digest("hex");
    if (this.seenHtml.has(hash)) return;
    const file = join(this.htmlDir, `${label}.html`);
    writeFileSync(file, markup);
    this.seenHtml.set(hash, file);
    this.visited.push({ label, url, locale, file });
  }

  private async axe(page: Page): Promise<string[]> {
    // page.evaluate runs over the DevTools protocol: the page's Content-Security-Policy, which
    // refuses inline scripts, does not apply to it, and the page itself is not changed.
    if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: AxeViolation[] }> } }).axe.run(document, { resultTypes: ["violations"] });
      return r.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.length} element(s): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}${n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, " ").slice(0, 160)})` : ""}`).join("; ")}`);
    });
    return violations;
  }

  /**
   * The W3C Nu HTML checker over every page kept, in one JVM; the stylesheet(s) the pages link are
   * checked too (--also-check-css). Adds a finding per error.
   */
  async validateHtml(stylesheets: Array<{ url: string; text: string }> = []): Promise<void> {
    const started = Date.now();
    const files = this.visited.map((v) => v.file);
    const cssFiles = stylesheets.map((s, i) => {
      const f = join(this.htmlDir, `stylesheet-${i}.css`);
      writeFileSync(f, s.text);
      return { file: f, url: s.url };
    });
    if (files.length === 0) return;
    const messages = await runVnu([...files, ...cssFiles.map((c) => c.file)]);
    for (const m of messages) {
      if (m.type !== "error" && !(m.type === "non-document-error")) continue;
      const file = m.url ? decodeURIComponent(m.url.replace(/^file:/, "")) : "";
      const v = this.visited.find((x) => x.file === file);
      const css = cssFiles.find((c) => c.file === file);
      this.findings.push({
        check: "vnu",
        url: v?.url ?? css?.url ?? file,
        locale: v?.locale ?? "any",
        width: "any",
        detail: `${m.lastLine ? `line ${m.lastLine}: ` : ""}${m.message}${m.extract ? ` «${m.extract.replace(/\s+/g, " ").trim().slice(0, 120)}»` : ""}`,
      });
    }
    this.spentMs += Date.now() - started;
  }

  /** The stylesheets the page links (for the HTML checker's CSS pass), fetched with the page's cookies. */
  static async stylesheetsOf(page: Page): Promise<Array<{ url: string; text: string }>> {
    const hrefs = await page.evaluate(() => [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')].map((l) => l.href));
    const out: Array<{ url: string; text: string }> = [];
    for (const href of hrefs) {
      const r = await page.request.get(href);
      out.push({ url: pathOf(href), text: await r.text() });
    }
    return out;
  }

  /** The findings of one check, one line each, for an assertion message. */
  report(check: Check): string[] {
    return this.findings
      .filter((f) => f.check === check)
      .map((f) => `[${f.locale} ${f.width === "any" ? "" : `${f.width}px `}${f.url}] ${f.detail}`);
  }

  /** Writes every finding as JSON next to the kept HTML (test-output/html/<name>/findings.json). */
  save(): string {
    const file = join(this.htmlDir, "findings.json");
    writeFileSync(file, JSON.stringify({ pages: this.visited.length, checksMs: this.spentMs, findings: this.findings }, null, 2));
    return file;
  }
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

interface VnuMessage {
  type: string;
  subType?: string;
  url?: string;
  lastLine?: number;
  message: string;
  extract?: string;
}

/** Runs vnu.jar once over the files; its JSON report comes on stderr, and it exits 1 when anything is wrong. */
export function runVnu(files: string[]): Promise<VnuMessage[]> {
  return new Promise((resolve, reject) => {
    execFile(
      "java",
      ["-Xss4m", "-jar", VNU_JAR, "--format", "json", "--exit-zero-always", "--also-check-css", ...files],
      { maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
      (err, _stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
          reject(new Error("The W3C Nu HTML checker needs Java: `apt-get install -y default-jre-headless` (.ci/run does this)."));
          return;
        }
        try {
          resolve((JSON.parse(stderr) as { messages: VnuMessage[] }).messages);
        } catch {
          reject(new Error(`vnu.jar did not answer with JSON (${err?.message ?? "no error"}):\n${stderr.slice(0, 2000)}`));
        }
      },
    );
  });
}

/** With SAVE_DOC_SCREENSHOTS=1 a screenshot is copied to docs/screenshots/<name>.png (the README's pictures). */
export function saveDocShot(path: string, name: string): void {
  if (process.env["SAVE_DOC_SCREENSHOTS"] !== "1") return;
  mkdirSync(DOC_SCREENSHOT_DIR, { recursive: true });
  writeFileSync(join(DOC_SCREENSHOT_DIR, `${name}.png`), readFileSync(path));
}

function withoutHash(url: string): string {
  const i = url.indexOf("#");
  return i < 0 ? url : url.slice(0, i);
}

/** Path and query of a URL: findings name pages the same way on every port. */
export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}
