import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countryName, countryOptions } from "./countries.ts";
import { fromAcceptLanguage, resolveLocale, toLocale } from "./locales.ts";

describe("choosing a locale", () => {
  it("reads Accept-Language by q value, then order", () => {
    assert.equal(fromAcceptLanguage("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7"), "ru");
    assert.equal(fromAcceptLanguage("de-DE,de;q=0.9,en;q=0.5,ru;q=0.4"), "en");
    assert.equal(fromAcceptLanguage("en;q=0.2, ru;q=0.8"), "ru");
    assert.equal(fromAcceptLanguage("ru;q=0, en"), "en");
    assert.equal(fromAcceptLanguage("de, *"), undefined);
    assert.equal(fromAcceptLanguage(""), undefined);
    assert.equal(fromAcceptLanguage(";;;,,q=abc"), undefined);
  });

  it("prefers the stored preference, then the cookie, the header, the partner's default, English", () => {
    const all = { stored: "ru", cookie: "en", acceptLanguage: "en", partnerDefault: "en" };
    assert.equal(resolveLocale(all), "ru");
    assert.equal(resolveLocale({ ...all, stored: null }), "en");
    assert.equal(resolveLocale({ cookie: "ru", acceptLanguage: "en" }), "ru");
    assert.equal(resolveLocale({ cookie: "xx", acceptLanguage: "ru-RU" }), "ru");
    assert.equal(resolveLocale({ acceptLanguage: "de", partnerDefault: "ru" }), "ru");
    assert.equal(resolveLocale({}), "en");
    assert.equal(toLocale("RU-ru"), "ru");
    assert.equal(toLocale("<script>"), undefined);
  });
});

describe("countries", () => {
  it("names countries in both languages from ISO codes", () => {
    assert.equal(countryName("DE", "en"), "Germany");
    assert.equal(countryName("DE", "ru"), "Германия");
    assert.equal(countryName("GE", "ru"), "Грузия");
    assert.equal(countryName("XX", "en"), undefined);
    assert.equal(countryName("", "en"), undefined);
  });

  it("lists every country sorted in the page's language with the stored code selected", () => {
    for (const locale of ["en", "ru"] as const) {
      const options = countryOptions(locale, "de");
      assert.ok(options.length > 240, `${locale}: ${options.length}`);
      const names = options.map((o) => o.name);
      assert.deepEqual(names, [...names].sort(new Intl.Collator(locale).compare));
      assert.deepEqual(options.filter((o) => o.selected).map((o) => o.code), ["DE"]);
      assert.ok(options.every((o) => /^[A-Z]{2}$/.test(o.code)));
    }
    assert.equal(countryOptions("ru")[0]?.name, "Австралия");
  });
});

describe("tHtml", () => {
  it("escapes the catalog text and plain values and keeps SafeHtml values as markup", async () => {
    const { tHtml } = await import("./t.ts");
    const { html } = await import("../lib/html.ts");
    assert.equal(
      tHtml("en", "invoice.transfer.reference", { reference: html`<strong>${"PB-<X>"}</strong>` }).value,
      "Reference: <strong>PB-&lt;X&gt;</strong> (quote it so that we can match your payment)",
    );
    assert.equal(tHtml("ru", "mail.order_failed.reason", { reason: "<b>x</b>" }).value, "Причина: &lt;b&gt;x&lt;/b&gt;");
  });
});
