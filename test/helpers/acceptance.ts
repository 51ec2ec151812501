// The frame of an acceptance test file (docs/adr/0041-acceptance-harness.md): one server and one
// browser for the file, a walk through the product in one language, then one test per check over
// every page the walk visited — axe-core, the W3C Nu HTML checker, horizontal scroll at 375 px,
// the page's language — each failing with the list of findings (page, language, width, what).
// The walk's own test fails where the walk cannot go on or misses what it must reach.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import type { Locale } from "../../src/i18n/locales.ts";
import { launchBrowser, type TestBrowser } from "./browser.ts";
import { PageAudit, pathOf, WIDTHS } from "./page-audit.ts";

export interface Walker {
  page: Page;
  browser: TestBrowser;
  audit: PageAudit;
  locale: Locale;
  /** Runs every check on the page now shown; returns the screenshots' paths. */
  check(label: string): Promise<{ desktop: string; phone: string }>;
  /** Does `act` and waits for the navigation it causes to load. */
  nav(act: () => Promise<unknown>): Promise<void>;
  /** Opens a path of the server under test. */
  open(path: string): Promise<void>;
  /** Records a state the walk should have reached but can go on without. */
  soft(ok: boolean, detail: string): void;
}

/**
 * Defines the describe block of one walk: `start` brings up what the walk needs (server, fakes),
 * `walk` goes through the product, `stop` tears down. Screenshots are named <name>-NN-<label>-<width>.png.
 */
export function acceptanceSuite<S extends { base: string }>(
  o: { name: string; title: string; locale: Locale; start: () => Promise<S>; walk: (w: Walker, s: S) => Promise<void>; stop: (s: S) => Promise<void>; timeoutMs?: number },
): void {
  describe(o.title, () => {
    let server: S | undefined;
    let browser: TestBrowser | undefined;
    let stylesheets: Array<{ url: string; text: string }> = [];
    const audit = new PageAudit(o.name);
    const startedAt = Date.now();

    before(async () => {
      server = await o.start();
      browser = await launchBrowser({ viewport: WIDTHS.desktop });
      audit.watch(browser.page);
    });

    after(async () => {
      const file = audit.save();
      console.log(`# ${o.name}: ${audit.visited.length} pages checked, ${audit.findings.length} findings (${file}); checks took ${Math.round(audit.spentMs / 1000)} s of ${Math.round((Date.now() - startedAt) / 1000)} s`);
      await browser?.close();
      if (server) await o.stop(server);
    });

    it(`walks the path in ${o.locale} at ${WIDTHS.desktop.width} and ${WIDTHS.phone.width} px`, { timeout: o.timeoutMs ?? 300_000 }, async () => {
      assert.ok(server && browser, "the server and the browser started");
      const b = browser;
      const base = server.base;
      const { page } = b;
      const w: Walker = {
        page,
        browser: b,
        audit,
        locale: o.locale,
        check: async (label) => {
          const shots = await audit.check(page, `${o.locale}-${label}`, o.locale);
          if (stylesheets.length === 0) stylesheets = await PageAudit.stylesheetsOf(page);
          return shots;
        },
        nav: async (act) => {
          await Promise.all([page.waitForNavigation({ waitUntil: "load" }), act()]);
        },
        open: async (path) => {
          await page.goto(`${base}${path}`, { waitUntil: "load" });
        },
        soft: (ok, detail) => audit.soft(ok, page, o.locale, detail),
      };
      try {
        await o.walk(w, server);
      } catch (e) {
        const err = new Error(`the walk stopped on ${pathOf(page.url())} (${o.locale}): ${(e as Error).message}`, { cause: e });
        try {
          await b.screenshot(`${o.name}-stopped-here`);
        } catch {
          // the page may be gone; the error says where it was
        }
        throw err;
      }
      assert.deepEqual(audit.report("walk"), [], "states the walk should have reached");
      assert.ok(audit.visited.length >= 5, `only ${audit.visited.length} pages checked`);
    });

    it("axe-core: no serious or critical violation on any page at either width", () => {
      assert.ok(audit.visited.length > 0, "no page was checked: the walk did not start");
      assert.deepEqual(audit.report("axe"), []);
    });

    it("W3C Nu HTML checker: no error in any page's HTML (nor in its stylesheet)", { timeout: 240_000 }, async () => {
      assert.ok(audit.visited.length > 0, "no page was checked: the walk did not start");
      await audit.validateHtml(stylesheets);
      assert.deepEqual(audit.report("vnu"), []);
    });

    it(`no horizontal scrolling at ${WIDTHS.phone.width} px`, () => {
      assert.ok(audit.visited.length > 0, "no page was checked: the walk did not start");
      assert.deepEqual(audit.report("scroll"), []);
    });

    it(`every page speaks the walk's language (<html lang="${o.locale}">)`, () => {
      assert.ok(audit.visited.length > 0, "no page was checked: the walk did not start");
      assert.deepEqual(audit.report("lang"), []);
    });
  });
}

/** Chooses the language with the footer's switch of the page now shown (English is the default). */
export async function chooseLanguage(w: Walker): Promise<void> {
  const current = await w.page.evaluate(() => document.documentElement.lang);
  if (current === w.locale) return;
  const button = w.page.locator(`footer button[name="locale"][value="${w.locale}"]`);
  assert.equal(await button.count(), 1, "the footer has a language switch with a button for the language");
  await w.nav(() => button.click());
  assert.equal(await w.page.evaluate(() => document.documentElement.lang), w.locale, "the switch changed the page's language");
}

/**
 * Whether the form just sent was accepted: no field marked invalid, and a success notice or else no
 * error notice at all (a page may carry a standing warning beside the success notice).
 */
export async function accepted(w: Walker): Promise<boolean> {
  const { page } = w;
  if ((await page.locator("main .field-error, main [aria-invalid='true']").count()) > 0) return false;
  return (await page.locator("main .notice.ok").count()) > 0 || (await page.locator("main .notice.error").count()) === 0;
}

/** Follows the navigation's link to `href`; when the page has none, notes it and opens the path. */
export async function navTo(w: Walker, href: string): Promise<void> {
  const link = w.page.locator(`nav a[href="${href}"]`);
  const here = pathOf(w.page.url());
  if ((await link.count()) > 0) await w.nav(() => link.first().click());
  else {
    w.soft(false, `the navigation of ${here} links ${href}`);
    await w.open(href);
  }
}

/** Fills `fields` by name in the first form of <main> posting to a path containing `action`, and submits it. */
export async function submitForm(w: Walker, action: string, fields: Record<string, string> = {}): Promise<void> {
  const { page } = w;
  const forms = page.locator(`main form[action*="${action}"]`);
  assert.ok((await forms.count()) > 0, `a form posting to …${action}`);
  const form = forms.first();
  for (const [name, value] of Object.entries(fields)) {
    const input = form.locator(`[name="${name}"]`).first();
    if ((await input.count()) === 0) continue;
    const tag = await input.evaluate((el) => el.tagName.toLowerCase());
    const type = await input.getAttribute("type");
    if (tag === "select") await input.selectOption(value);
    else if (type === "radio" || type === "checkbox") await form.locator(`[name="${name}"][value="${value}"]`).check();
    else await input.fill(value);
  }
  await w.nav(() => form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first().click());
}

/**
 * A money-moving or destructive action: submits the form posting to `action` (or first follows a
 * link to it, for a GET confirmation page) and, when the answer asks for confirmation — a form
 * posting to the same action again, with no field error — confirms it. Works for one-step forms
 * and for the confirmation step the pages brief asks for.
 */
export async function submitConfirmed(w: Walker, action: string, fields: Record<string, string> = {}, label?: string): Promise<void> {
  const { page } = w;
  const formSel = `main form[action*="${action}"]`;
  const linkSel = `main a[href*="${action}"]`;
  if ((await page.locator(formSel).count()) === 0 && (await page.locator(linkSel).count()) > 0) {
    await w.nav(() => page.locator(linkSel).first().click());
    if (label) await w.check(`${label}-confirm`);
  }
  await submitForm(w, action, fields);
  // A confirmation offers the same action again with what was typed kept (no required field left
  // empty) and reports nothing done yet (no success notice, no error).
  const again = page.locator(formSel);
  const isConfirmation =
    (await again.count()) > 0 &&
    (await page.locator("main .field-error, main [aria-invalid='true'], main .notice.error, main .notice.ok").count()) === 0 &&
    (await again.first().evaluate((f) => [...f.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input[required]:not([type=hidden]), textarea[required]")].every((i) => i.value.trim() !== "")));
  if (isConfirmation) {
    if (label) await w.check(`${label}-confirm`);
    await w.nav(() => again.first().locator('button[type="submit"], button:not([type]), input[type="submit"]').first().click());
  }
}

/** The decimal separator a person of the locale types (money inputs take both). */
export function typedMoney(locale: Locale, amount: string): string {
  return locale === "ru" ? amount.replace(".", ",") : amount;
}
