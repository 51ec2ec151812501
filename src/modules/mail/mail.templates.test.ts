import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderMail, senderNameOf } from "./mail.templates.ts";
import { MAIL_TEMPLATES } from "./mail.types.ts";

const CTX = { publicUrl: "https://billing.example.com", senderName: "Example <Hosting> & Co" };
const HOSTILE = `<script>alert("x")</script>"'&<img src=x onerror=alert(1)>`;

/** Every value a template reads, each one hostile. */
function hostileData(): Record<string, string> {
  return {
    name: HOSTILE,
    order_id: `ord_${HOSTILE}`,
    module: HOSTILE,
    license: HOSTILE,
    period: HOSTILE,
    amount: HOSTILE,
    reason: HOSTILE,
    expires_on: HOSTILE,
    expires_hours: HOSTILE,
    expires_minutes: HOSTILE,
    code: HOSTILE,
    key: HOSTILE,
    ip: HOSTILE,
    message: HOSTILE,
    subject: HOSTILE,
    meaning: HOSTILE,
    action: HOSTILE,
    clears: HOSTILE,
    opened_at: HOSTILE,
    open_count: HOSTILE,
    stage: "final",
    kind: "purchase",
    url: `/x?a="><script>alert(1)</script>&b='`,
  };
}

describe("mail templates", () => {
  it("keeps an account link's token in the fragment and prints it as a code for pages without JavaScript", () => {
    const token = "A".repeat(43);
    for (const template of ["verify_email", "password_reset"] as const) {
      const path = template === "verify_email" ? "/account/verify" : "/account/reset";
      const m = renderMail(template, { url: `${path}#${token}`, code: token }, CTX);
      assert.ok(m.text.includes(`https://billing.example.com${path}#${token}`), m.text);
      assert.match(m.text, new RegExp(`paste this one:\\n${token}`));
      assert.ok(m.html.includes(`href="https://billing.example.com${path}#${token}"`));
      assert.ok(!m.text.includes("?token="));
    }
    assert.match(renderMail("verify_email", { url: `/account/verify#${token}`, reason: "forgot_no_account" }, CTX).text, /has no account here yet/);
  });

  for (const template of MAIL_TEMPLATES) {
    it(`renders ${template} with every value escaped in the HTML`, () => {
      const r = renderMail(template, hostileData(), CTX);
      assert.ok(r.subject.length > 0 && r.text.length > 0);
      assert.doesNotMatch(r.html, /<script|<img|onerror=alert\(1\)>|Example <Hosting>/);
      assert.match(r.html, /&lt;script&gt;/);
      assert.match(r.html, /Example &lt;Hosting&gt; &amp; Co/);
      // The subject is one header line whatever the data says.
      assert.doesNotMatch(r.subject, /[\r\n]/);
      // Links are absolute, from PUBLIC_URL, and stay inside their attribute.
      for (const [, href] of r.html.matchAll(/href="([^"]*)"/g)) assert.match(href!, /^https:\/\/billing\.example\.com\//);
      assert.doesNotMatch(r.text, /href=/);
    });
  }

  it("keeps line breaks out of the subject (no header injection)", () => {
    const r = renderMail("receipt", { order_id: "ord_1", module: "X\r\nBcc: victim@example.org" }, CTX);
    assert.doesNotMatch(r.subject, /[\r\n]/);
    assert.match(r.subject, /X Bcc: victim@example\.org/);
  });

  it("refuses links that are not http(s) and data a template needs", () => {
    assert.throws(() => renderMail("password_reset", { url: "javascript:alert(1)" }, CTX), { code: "invalid_input" });
    assert.throws(() => renderMail("verify_email", { url: "data:text/html,x" }, CTX), { code: "invalid_input" });
    assert.throws(() => renderMail("password_reset", {}, CTX), { code: "invalid_input" });
    assert.throws(() => renderMail("receipt", {}, CTX), { code: "invalid_input" });
    assert.throws(() => renderMail("nope" as never, {}, CTX), { code: "invalid_input" });
  });

  it("joins paths to PUBLIC_URL and links the order status page", () => {
    const r = renderMail("receipt", { order_id: "ord_01abc", module: "DDoS-GUARD", license: "100001", amount: "950.00 RUB" }, CTX);
    assert.match(r.text, /https:\/\/billing\.example\.com\/checkout\/ord_01abc/);
    assert.match(r.text, /Amount: 950\.00 RUB/);
    assert.match(r.html, /href="https:\/\/billing\.example\.com\/checkout\/ord_01abc"/);
  });

  it("tells the customer how to see an active module in ispmanager", () => {
    const r = renderMail("module_active", { order_id: "ord_1", module: "Dr.Web" }, CTX);
    assert.match(r.text, /License management → Update license information/);
    assert.match(r.text, /daily license refresh/);
    const renewed = renderMail("module_active", { order_id: "ord_2", module: "Dr.Web", kind: "renewal", expires_on: "2027-12-01" }, CTX);
    assert.equal(renewed.subject, "Dr.Web renewed");
    assert.match(renewed.text, /renewed until December 1, 2027/);
  });

  it("signs with MAIL_FROM's name, else PUBLIC_URL's host", () => {
    assert.equal(senderNameOf('"Example Hosting" <billing@example.com>', "https://b.example.com"), "Example Hosting");
    assert.equal(senderNameOf("Example Hosting <billing@example.com>", "https://b.example.com"), "Example Hosting");
    assert.equal(senderNameOf("billing@example.com", "https://b.example.com"), "b.example.com");
    assert.equal(senderNameOf(undefined, "http://127.0.0.1:8080"), "127.0.0.1:8080");
  });
});
