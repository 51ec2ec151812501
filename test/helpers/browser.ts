// A real browser for tests: Debian's chromium (/usr/bin/chromium, installed by .ci/run) driven by
// playwright-core, which never downloads a browser of its own. Each launch gets a fresh profile in
// a temporary directory (removed on close) and saves screenshots under test-output/screenshots/.
// A machine without chromium fails the test with a message saying how to install it: a browser
// test that skips itself would let CI pass without ever running it.
import assert from "node:assert/strict";
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { ROOT } from "./cli.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOT_DIR = join(ROOT, "test-output", "screenshots");
export const DOC_SCREENSHOT_DIR = join(ROOT, "docs", "screenshots");

/** --headless comes from `headless: true`, --user-data-dir from launchPersistentContext. */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"];

export interface TestBrowser {
  page: Page;
  context: BrowserContext;
  /** Saves a full-page screenshot as test-output/screenshots/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Closes the browser and removes its profile; safe to call twice. */
  close(): Promise<void>;
}

function chromiumOrFail(): void {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    assert.fail(
      `Browser tests need Debian's chromium at ${CHROMIUM}, and it is not there. ` +
        "Install it with `apt-get update && apt-get install -y chromium` (.ci/run does this).",
    );
  }
}

export async function launchBrowser(opts: { viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  chromiumOrFail();
  const profile = mkdtempSync(join(tmpdir(), "pb-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: opts.viewport ?? { width: 1100, height: 800 },
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  let closed = false;
  return {
    page,
    context,
    async screenshot(name) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** Copies a screenshot into docs/screenshots/ (the README's pictures), when asked to. */
export function saveForDocs(path: string, name: string): void {
  mkdirSync(DOC_SCREENSHOT_DIR, { recursive: true });
  copyFileSync(path, join(DOC_SCREENSHOT_DIR, `${name}.png`));
}
