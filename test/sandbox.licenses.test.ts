// The sandbox sells ispmanager licenses (PROTOCOL.md §4b) over real HTTP: the soft price list,
// soft.order.param with a delayed key, soft.edit changes and a new key, soft.checkip, trials once
// per IP, service.prolong of a license, and the after-order faults striking license orders too.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { SOFT_TARIFF_IDS } from "../src/sandbox/seed.ts";
import { RU_AUTHINFO, rows, startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

const EU = SOFT_TARIFF_IDS.eu;
const ORDER = { func: "soft.order.param", pricelist: String(EU.pro), period: "12", ip: "192.0.2.50", licname: "web-1", skipbasket: "on", clicked_button: "finish", sok: "ok" };

function balanceOf(sb: TestSandbox): number {
  return sb.sandbox.state().accounts.find((a) => a.email === "demo@partner.example")!.balanceMinor;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("sandbox: licenses", () => {
  let sb: TestSandbox;
  beforeEach(async () => {
    sb = await startSandbox({ keyDelayMs: 300 });
  });
  afterEach(async () => {
    await sb.stop();
  });

  it("lists license tariffs with costs per period; trials have the -100 period; the Russian area has its own ids", async () => {
    const j = await sb.callJson({ func: "pricelist.export", itemtype: "soft" });
    const ids = rows(j.doc.pricelist).map((p: any) => Number(p.id.$));
    assert.deepEqual(ids, [EU.lite, EU.pro, EU.host, EU.business, EU.liteTrial, EU.businessTrial]);
    const pro = rows(j.doc.pricelist).find((p: any) => Number(p.id.$) === EU.pro);
    assert.equal(pro.price.$currency, "EUR");
    assert.deepEqual(rows(pro.price.period).map((p: any) => [p.$length, p.$cost]), [["1", "12.0000"], ["12", "120.0000"]]);
    const trial = rows(j.doc.pricelist).find((p: any) => Number(p.id.$) === EU.liteTrial);
    assert.deepEqual(trial.price.period, { $cost: "0.0000", $type: "trial", $length: "-100", $: "trial" });
    const ru = JSON.parse((await sb.call({ func: "pricelist.export", itemtype: "soft", out: "json", authinfo: RU_AUTHINFO })).body);
    assert.deepEqual(rows(ru.doc.pricelist).map((p: any) => Number(p.id.$)), Object.values(SOFT_TARIFF_IDS.ru));
    assert.equal(rows(ru.doc.pricelist)[0].price.$currency, "RUB");
  });

  it("orders a license: debit, new id, remoteid stored but not shown, key empty until it is generated", async () => {
    const before = balanceOf(sb);
    const r = await sb.callJson({ ...ORDER, remoteid: "ord_1" });
    const id = Number(r.doc.id.$);
    assert.ok(id > 100005);
    assert.equal(balanceOf(sb), before - 12000);
    const first = await sb.callJson({ func: "soft.edit", elid: String(id) });
    assert.equal(first.doc.lickey.$ ?? "", "");
    assert.equal(first.doc.ip.$, "192.0.2.50");
    assert.equal(first.doc.licname.$, "web-1");
    assert.equal(first.doc.expiredate.$, "2027-12-01");
    assert.equal(first.doc.status.$, "2");
    await sleep(350);
    const later = await sb.callJson({ func: "soft.edit", elid: String(id) });
    assert.match(later.doc.lickey.$, /^[0-9A-F]{24}$/);
    const list = (await sb.call({ func: "soft" })).body;
    assert.match(list, new RegExp(`<id>${id}</id>`));
    assert.doesNotMatch(list, /ord_1/);
    assert.equal(sb.sandbox.state().licenses.find((l) => l.id === id)!.remoteId, "ord_1");
  });

  it("refuses an invalid IP, an IP with a live license, a wrong period and an unknown tariff, taking nothing", async () => {
    const before = balanceOf(sb);
    assert.match((await sb.call({ ...ORDER, ip: "300.1.1.1" })).body, /type="value" object="ip"/);
    assert.match((await sb.call({ ...ORDER, ip: "203.0.113.11" })).body, /type="exists" object="ip"/);
    assert.match((await sb.call({ ...ORDER, period: "-100" })).body, /type="value" object="period"/);
    assert.match((await sb.call({ ...ORDER, period: "6" })).body, /type="value" object="period"/);
    assert.match((await sb.call({ ...ORDER, pricelist: "55361" })).body, /type="missed" object="pricelist"/);
    assert.equal(balanceOf(sb), before);
    // soft.checkip says the same without ordering.
    assert.match((await sb.call({ func: "soft.checkip", pricelist: String(EU.pro), period: "1", ip: "203.0.113.12" })).body, /type="exists" object="ip"/);
    assert.match((await sb.call({ func: "soft.checkip", pricelist: String(EU.pro), period: "1", ip: "192.0.2.77" })).body, /<ok\/>/);
  });

  it("gives a trial once per IP, even after the trial license is deleted", async () => {
    const trial = { ...ORDER, pricelist: String(EU.liteTrial), period: "-100", ip: "192.0.2.60" };
    const id = (await sb.callJson(trial)).doc.id.$;
    const read = await sb.callJson({ func: "soft.edit", elid: id });
    assert.equal(read.doc.expiredate.$, "2026-12-31");
    assert.match((await sb.call({ func: "soft.delete", elid: id, sok: "ok" })).body, /<ok\/>/);
    assert.match((await sb.call(trial)).body, /type="exists" object="trial"/);
    assert.match((await sb.call({ func: "soft.checkip", pricelist: String(EU.businessTrial), period: "-100", ip: "192.0.2.60" })).body, /object="trial"/);
    // A paid license for that IP is fine once the trial is gone.
    assert.ok((await sb.callJson({ ...ORDER, ip: "192.0.2.60" })).doc.id.$);
    assert.match((await sb.call({ func: "service.prolong", elid: id, period: "1", sok: "ok" })).body, /type="value" object="elid"/);
  });

  it("soft.edit changes IP and name, refuses an occupied IP, and issues a new key", async () => {
    const id = (await sb.callJson(ORDER)).doc.id.$;
    assert.match((await sb.call({ func: "soft.edit", elid: id, ip: "192.0.2.51", licname: "web-2", sok: "ok" })).body, /<ok\/>/);
    let j = await sb.callJson({ func: "soft.edit", elid: id });
    assert.equal(j.doc.ip.$, "192.0.2.51");
    assert.equal(j.doc.licname.$, "web-2");
    assert.match((await sb.call({ func: "soft.edit", elid: id, ip: "203.0.113.12", sok: "ok" })).body, /type="exists" object="ip"/);
    assert.match((await sb.call({ func: "soft.edit", elid: id, ip: "nope", sok: "ok" })).body, /type="value" object="ip"/);
    const k = await sb.callJson({ func: "soft.edit", elid: id, clicked_button: "newkey", sok: "ok" });
    assert.match(k.doc.lickey.$, /^[0-9A-F]{24}$/);
    j = await sb.callJson({ func: "soft.edit", elid: id });
    assert.equal(j.doc.lickey.$, k.doc.lickey.$);
  });

  it("service.prolong moves a license's expiry and debits its tariff's cost", async () => {
    const before = balanceOf(sb);
    const r = await sb.callJson({ func: "service.prolong", elid: "100002", period: "1", sok: "ok" });
    assert.equal(r.doc.doc.newexpiredate.$, "2028-01-01");
    assert.equal(balanceOf(sb), before - 1200);
    assert.equal((await sb.callJson({ func: "soft.edit", elid: "100002" })).doc.expiredate.$, "2028-01-01");
  });

  it("the after-order faults strike license orders too: the license exists although no answer came", async () => {
    await sb.control("POST", "/faults", { kind: "reset_after_order", func: "soft.order.param", count: 1 });
    await assert.rejects(sb.call({ ...ORDER, remoteid: "ord_reset" }));
    const made = sb.sandbox.state().licenses.filter((l) => l.remoteId === "ord_reset");
    assert.equal(made.length, 1);
    await sb.control("POST", "/faults", { kind: "http_5xx", func: "soft.order.param", count: 1 });
    assert.equal((await sb.call({ ...ORDER, ip: "192.0.2.99" })).status >= 500, true);
    assert.equal(sb.sandbox.state().licenses.filter((l) => l.ip === "192.0.2.99").length, 0);
  });

  it("the key delay is a control", async () => {
    assert.deepEqual((await sb.control("POST", "/key-delay", { ms: 0 })).json, { ms: 0 });
    const id = (await sb.callJson(ORDER)).doc.id.$;
    assert.match((await sb.callJson({ func: "soft.edit", elid: id })).doc.lickey.$, /^[0-9A-F]{24}$/);
    assert.equal((await sb.control("POST", "/key-delay", { ms: -1 })).status, 400);
  });
});
