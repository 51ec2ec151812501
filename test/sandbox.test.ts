// The sandbox's emulated client area over real HTTP: every function of PROTOCOL.md §3, the
// document shapes, authentication, money, and persistence across a restart.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import formbody from "@fastify/formbody";
import Fastify from "fastify";
import { createSandbox } from "../src/sandbox/sandbox.ts";
import { DEMO_AUTHINFO, RU_AUTHINFO, rows, startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

const ORDER = { func: "addition.order.param", item: "100001", pricelist: "23221", period: "1", autoprolong: "1", skipbasket: "on", sok: "ok" };
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

function balanceOf(sb: TestSandbox, email = "demo@partner.example"): number {
  return sb.sandbox.state().accounts.find((a) => a.email === email)!.balanceMinor;
}

describe("sandbox: the client area's functions over HTTP", () => {
  let sb: TestSandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(async () => {
    await sb.stop();
  });

  describe("authentication", () => {
    it("refuses a wrong password, missing credentials and an unknown session with auth errors", async () => {
      for (const params of [{ authinfo: "demo@partner.example:wrong" }, { authinfo: "nobody@example.com:demo-password" }, { authinfo: "no-colon" }]) {
        const r = await sb.call({ func: "soft", ...params });
        assert.equal(r.status, 200, "error documents come with HTTP 200");
        assert.match(r.body, /<error type="auth" object="badpassword"/);
      }
      assert.match((await sb.call({ func: "soft" }, { noAuth: true })).body, /<error type="auth" object="authinfo"/);
      assert.match((await sb.call({ func: "soft", auth: "0123456789abcdef" })).body, /<error type="auth" object="session"/);
    });

    it("refuses an account with two-factor authentication, saying so", async () => {
      const j = await sb.callJson({ func: "soft", authinfo: "twofactor@partner.example:demo-password" });
      assert.equal(j.doc.error.$type, "auth");
      assert.match(j.doc.error.msg.$, /two-factor/i);
      const viaSession = await sb.call({ func: "auth", username: "twofactor@partner.example", password: "demo-password" }, { noAuth: true });
      assert.match(viaSession.body, /<error type="auth"[^>]*>.*[Tt]wo-factor/s);
    });

    it("opens a session with func=auth that later calls use as auth=SID", async () => {
      const r = await sb.call({ func: "auth", username: "demo@partner.example", password: "demo-password" }, { noAuth: true });
      const m = /<doc><auth id="([0-9a-f]{32})">\1<\/auth><\/doc>/.exec(r.body);
      assert.ok(m, r.body);
      const list = await sb.call({ func: "soft", auth: m[1]! });
      assert.match(list.body, /<id>100001<\/id>/);
      assert.match((await sb.call({ func: "auth", username: "demo@partner.example", password: "x" }, { noAuth: true })).body, /type="auth"/);
    });

    it("takes the same call as GET with a query string, on /billmgr and /manager/billmgr", async () => {
      for (const path of ["/billmgr", "/manager/billmgr"]) {
        const res = await fetch(`${sb.url}${path}?func=soft&out=json&authinfo=${encodeURIComponent(DEMO_AUTHINFO)}`);
        assert.equal(res.status, 200);
        assert.equal(rows((await res.json()).doc.elem).length, 5);
      }
    });

    it("answers an unknown or missing function with missed/func", async () => {
      const j = await sb.callJson({ func: "order.unknown" });
      assert.deepEqual([j.doc.error.$type, j.doc.error.$object, j.doc.error.msg.$], ["missed", "func", "Unknown function order.unknown"]);
      assert.match((await sb.call({})).body, /<error type="missed" object="func"/);
    });
  });

  describe("pricelist.export", () => {
    it("lists the module tariffs of the account's client area with the partner's costs", async () => {
      const r = await sb.call({ func: "pricelist.export", itemtype: "addition", pricelist: "23221" });
      assert.equal(
        r.body,
        XML_HEAD +
          '<doc><pricelist><id>23221</id><name>DDoS-GUARD</name><intname>DDoSGUARD</intname><additionintname>DDoSGUARD</additionintname>' +
          '<price currency="EUR"><period cost="9.5000" type="month" length="1">monthly</period><period cost="95.0000" type="month" length="12">annually</period></price>' +
          "</pricelist></doc>\n",
      );
      const eu = await sb.callJson({ func: "pricelist.export", itemtype: "addition" });
      assert.deepEqual(rows(eu.doc.pricelist).map((p: any) => Number(p.id.$)), [23221, 55361, 55362, 55363, 55371]);
      const ru = JSON.parse((await sb.call({ func: "pricelist.export", itemtype: "addition", out: "json", authinfo: RU_AUTHINFO })).body);
      assert.deepEqual(rows(ru.doc.pricelist).map((p: any) => Number(p.id.$)), [23221, 55377, 55378, 55379, 55390]);
      const ddos = rows(ru.doc.pricelist)[0];
      assert.equal(ddos.price.$currency, "RUB");
      assert.deepEqual(ddos.price.period[0], { $cost: "750.0000", $type: "month", $length: "1", $: "monthly" });
    });

    it("gives other item types an empty list and refuses unknown ones", async () => {
      assert.equal((await sb.call({ func: "pricelist.export", itemtype: "certificate" })).body, XML_HEAD + "<doc/>\n");
      assert.match((await sb.call({ func: "pricelist.export", itemtype: "bogus" })).body, /<error type="value" object="itemtype"/);
      assert.match((await sb.call({ func: "pricelist.export", pricelist: "abc" })).body, /<error type="value" object="pricelist"/);
      assert.equal((await sb.call({ func: "pricelist.export", pricelist: "99999" })).body, XML_HEAD + "<doc/>\n");
    });
  });

  describe("addition.order.param", () => {
    it("debits the balance, creates an active module and answers its id", async () => {
      const before = balanceOf(sb);
      const r = await sb.call(ORDER);
      assert.equal(r.body, XML_HEAD + "<doc><id>500001</id></doc>\n");
      assert.equal(balanceOf(sb), before - 950);
      const list = await sb.callJson({ func: "addition" });
      assert.deepEqual(list.doc.elem, {
        id: { $: "500001" },
        item: { $: "100001" },
        pricelist: { $: "23221" },
        name: { $: "DDoS-GUARD" },
        period: { $: "1" },
        autoprolong: { $: "1" },
        status: { $: "2" },
        expiredate: { $: "2027-01-01" },
        createdate: { $: "2026-12-01" },
      });
      const charges = sb.sandbox.state().charges;
      assert.deepEqual(charges.map((c) => [c.service, c.func, c.amount, c.currency]), [[500001, "addition.order.param", "9.50", "EUR"]]);
    });

    it("orders a yearly module at the yearly cost and keeps autoprolong only when it equals the period", async () => {
      const before = balanceOf(sb);
      const j = await sb.callJson({ ...ORDER, period: "12", autoprolong: "1" });
      assert.equal(j.doc.id.$, "500001");
      assert.equal(balanceOf(sb), before - 9500);
      const m = sb.modulesOf(100001)[0]!;
      assert.deepEqual([m.period, m.autoprolong, m.expiredate], [12, null, "2027-12-01"]);
    });

    it("allows a second module of the same tariff on the same license (a blind retry buys twice)", async () => {
      await sb.call(ORDER);
      await sb.call(ORDER);
      assert.deepEqual(sb.modulesOf(100001).map((m) => m.id), [500001, 500002]);
    });

    it("without sok shows what would be ordered and changes nothing", async () => {
      const before = balanceOf(sb);
      const r = await sb.call({ ...ORDER, sok: "" });
      assert.equal(r.body, XML_HEAD + '<doc><item>100001</item><pricelist>23221</pricelist><period>1</period><autoprolong>1</autoprolong><cost currency="EUR">9.5000</cost></doc>\n');
      assert.equal(balanceOf(sb), before);
      assert.equal(sb.modulesOf(100001).length, 0);
    });

    it("without skipbasket=on puts an unpaid module in the cart: status 1, no debit", async () => {
      const before = balanceOf(sb);
      const r = await sb.call({ ...ORDER, skipbasket: "off" });
      assert.equal(r.body, XML_HEAD + "<doc><ok/></doc>\n");
      assert.equal(balanceOf(sb), before);
      const [m] = sb.modulesOf(100001);
      assert.deepEqual([m?.status, m?.expiredate], [1, null]);
      assert.match((await sb.call({ func: "service.prolong", elid: String(m!.id), period: "1", sok: "ok" })).body, /<error type="value" object="elid".*not paid/s);
    });

    it("refuses unknown, foreign or deleted licenses, unknown tariffs and periods, and charges nothing", async () => {
      const before = balanceOf(sb);
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ item: "" }, /type="value" object="item"/],
        [{ item: "abc" }, /type="value" object="item"/],
        [{ item: "999999" }, /type="missed" object="item"/],
        [{ item: "100011" }, /type="missed" object="item"/], // the RU account's license
        [{ pricelist: "55377" }, /type="missed" object="pricelist"/], // a RU tariff id
        [{ period: "6" }, /type="value" object="period"/],
        [{ period: "0" }, /type="value" object="period"/],
      ];
      for (const [change, expected] of cases) assert.match((await sb.call({ ...ORDER, ...change })).body, expected, JSON.stringify(change));
      await sb.control("POST", "/licenses", { account: "demo@partner.example", id: 100099, ip: "203.0.113.99", status: 4 });
      assert.match((await sb.call({ ...ORDER, item: "100099" })).body, /type="value" object="item".*deleted/s);
      assert.equal(balanceOf(sb), before);
      assert.equal(sb.sandbox.state().modules.length, 0);
    });

    it("refuses a debit the balance cannot pay with type=balance and changes nothing", async () => {
      assert.equal((await sb.control("POST", "/accounts/demo@partner.example/balance", { amount: "9.49" })).status, 200);
      const j = await sb.callJson(ORDER);
      assert.deepEqual([j.doc.error.$type, j.doc.error.$object], ["balance", "account"]);
      assert.match(j.doc.error.msg.$, /Insufficient funds: 9\.50 EUR needed, 9\.49 EUR/);
      assert.equal(balanceOf(sb), 949);
      assert.equal(sb.modulesOf(100001).length, 0);
      await sb.control("POST", "/accounts/demo@partner.example/balance", { amount: "9.50" });
      assert.equal((await sb.callJson(ORDER)).doc.id.$, "500001");
      assert.equal(balanceOf(sb), 0);
    });
  });

  describe("service.prolong", () => {
    it("debits and extends the end date, answering it at /doc/doc/newexpiredate", async () => {
      await sb.call(ORDER);
      const before = balanceOf(sb);
      const r = await sb.call({ func: "service.prolong", elid: "500001", period: "1", sok: "ok" });
      assert.equal(r.body, XML_HEAD + "<doc><doc><newexpiredate>2027-02-01</newexpiredate></doc></doc>\n");
      const j = await sb.callJson({ func: "service.prolong", elid: "500001", period: "12", sok: "ok" });
      assert.deepEqual(j, { doc: { doc: { newexpiredate: { $: "2028-02-01" } } } });
      assert.equal(balanceOf(sb), before - 950 - 9500);
      assert.equal(sb.modulesOf(100001)[0]!.expiredate, "2028-02-01");
    });

    it("shows a module past its end date as stopped and renews it from today", async () => {
      await sb.call(ORDER);
      sb.clock.set("2027-03-10T12:00:00Z");
      assert.equal((await sb.callJson({ func: "addition" })).doc.elem.status.$, "3");
      const j = await sb.callJson({ func: "service.prolong", elid: "500001", period: "1", sok: "ok" });
      assert.equal(j.doc.doc.newexpiredate.$, "2027-04-10");
      assert.equal((await sb.callJson({ func: "addition" })).doc.elem.status.$, "2");
    });

    it("without sok shows the cost and changes nothing; refuses unknown services and periods", async () => {
      await sb.call(ORDER);
      const before = balanceOf(sb);
      assert.equal(
        (await sb.call({ func: "service.prolong", elid: "500001", period: "12" })).body,
        XML_HEAD + '<doc><elid>500001</elid><expiredate>2027-01-01</expiredate><period>12</period><cost currency="EUR">95.0000</cost></doc>\n',
      );
      assert.match((await sb.call({ func: "service.prolong", elid: "123", period: "1", sok: "ok" })).body, /type="missed" object="elid"/);
      assert.match((await sb.call({ func: "service.prolong", elid: "500001", period: "3", sok: "ok" })).body, /type="value" object="period"/);
      assert.match((await sb.call({ func: "service.prolong", elid: "500001", sok: "ok" })).body, /type="value" object="period"/);
      assert.equal(balanceOf(sb), before);
    });
  });

  describe("addition.edit", () => {
    it("rebinds a module to another license of the account", async () => {
      await sb.call(ORDER);
      const r = await sb.call({ func: "addition.edit", elid: "500001", item: "100002", sok: "ok" });
      assert.equal(r.body, XML_HEAD + "<doc><ok/></doc>\n");
      assert.equal(sb.modulesOf(100001).length, 0);
      assert.deepEqual(sb.modulesOf(100002).map((m) => m.id), [500001]);
    });

    it("without sok returns the module's fields at the top of the document", async () => {
      await sb.call(ORDER);
      const j = await sb.callJson({ func: "addition.edit", elid: "500001" });
      assert.deepEqual(
        Object.fromEntries(Object.entries(j.doc).map(([k, v]: [string, any]) => [k, v.$])),
        { elid: "500001", id: "500001", item: "100001", pricelist: "23221", name: "DDoS-GUARD", period: "1", autoprolong: "1", status: "2", expiredate: "2027-01-01", createdate: "2026-12-01" },
      );
    });

    it("refuses another account's license and another account's module", async () => {
      await sb.call(ORDER);
      assert.match((await sb.call({ func: "addition.edit", elid: "500001", item: "100011", sok: "ok" })).body, /type="missed" object="item"/);
      assert.match((await sb.call({ func: "addition.edit", elid: "500001", item: "100002", sok: "ok", authinfo: RU_AUTHINFO })).body, /type="missed" object="elid"/);
      assert.deepEqual(sb.modulesOf(100001).map((m) => m.id), [500001]);
    });
  });

  describe("addition.delete", () => {
    it("marks the module deleted (status 4), answers ok again for a repeat, and it can no longer be renewed or moved", async () => {
      await sb.call(ORDER);
      assert.equal((await sb.call({ func: "addition.delete", elid: "500001" })).body, XML_HEAD + "<doc><ok/></doc>\n");
      assert.equal((await sb.call({ func: "addition.delete", elid: "500001" })).body, XML_HEAD + "<doc><ok/></doc>\n");
      assert.equal((await sb.callJson({ func: "addition" })).doc.elem.status.$, "4");
      const before = balanceOf(sb);
      assert.match((await sb.call({ func: "service.prolong", elid: "500001", period: "1", sok: "ok" })).body, /type="value" object="elid".*deleted/s);
      assert.match((await sb.call({ func: "addition.edit", elid: "500001", item: "100002", sok: "ok" })).body, /type="value" object="elid"/);
      assert.match((await sb.call({ func: "addition.delete", elid: "777" })).body, /type="missed" object="elid"/);
      assert.equal(balanceOf(sb), before);
    });
  });

  describe("soft and soft.edit", () => {
    it("lists the account's licenses in XML, json, sjson and bjson", async () => {
      const xml = (await sb.call({ func: "soft" })).body;
      assert.ok(
        xml.startsWith(
          XML_HEAD +
            "<doc><elem><id>100001</id><licname>ispmanager 6 Lite</licname><ip>203.0.113.11</ip><pricelist>55227</pricelist><expiredate>2027-12-01</expiredate><status>2</status><createdate>2026-12-01</createdate></elem><elem><id>100002</id>",
        ),
        xml,
      );
      const json = await sb.callJson({ func: "soft" });
      assert.equal(json.doc.elem.length, 5);
      assert.deepEqual(json.doc.elem[0].ip, { $: "203.0.113.11" });
      assert.equal((await sb.call({ func: "soft", out: "sjson" })).body, (await sb.call({ func: "soft", out: "json" })).body);
      const bjson = JSON.parse((await sb.call({ func: "soft", out: "bjson" })).body);
      assert.deepEqual(bjson.doc.elem[4], { id: "100005", licname: "ispmanager 6 Pro", ip: "203.0.113.15", pricelist: "55228", expiredate: "2027-12-01", status: "2", createdate: "2026-12-01" });
      const ru = JSON.parse((await sb.call({ func: "soft", out: "json", authinfo: RU_AUTHINFO })).body);
      assert.deepEqual(rows(ru.doc.elem).map((e: any) => e.id.$), ["100011", "100012", "100013"]);
    });

    it("reads one license with its key; another account's license is missing", async () => {
      const j = await sb.callJson({ func: "soft.edit", elid: "100003" });
      assert.equal(j.doc.ip.$, "203.0.113.13");
      assert.equal(j.doc.licname.$, "ispmanager 6 Host");
      assert.match(j.doc.lickey.$, /^[0-9A-F]{24}$/);
      assert.equal(j.doc.status.$, "2");
      assert.equal(j.doc.expiredate.$, "2027-12-01");
      assert.match((await sb.call({ func: "soft.edit", elid: "100011" })).body, /type="missed" object="elid"/);
      assert.match((await sb.call({ func: "soft.edit" })).body, /type="value" object="elid"/);
    });
  });

  it("escapes echoed input and lets nothing break the document", async () => {
    const r = await sb.call({ func: "<x>&\u0001" });
    assert.match(r.body, /<param name="value">&lt;x&gt;&amp;<\/param>/);
  });
});

describe("sandbox: storage and mounting", () => {
  it("keeps accounts, balances and modules across a restart on the same file, seeding only once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-sandbox-"));
    const dbFile = join(dir, "nested", "sandbox.db");
    try {
      const first = await startSandbox({ dbFile });
      await first.call(ORDER);
      await first.control("POST", "/licenses", { account: "demo@partner.example", ip: "192.0.2.7" });
      const balance = balanceOf(first);
      await first.stop();

      const second = await startSandbox({ dbFile });
      try {
        assert.equal(balanceOf(second), balance, "not re-seeded");
        assert.deepEqual(second.modulesOf(100001).map((m) => m.id), [500001]);
        assert.equal(second.sandbox.state().licenses.filter((l) => l.ip === "192.0.2.7").length, 1);
        assert.equal((await second.callJson(ORDER)).doc.id.$, "500002", "ids continue");
        assert.equal(second.sandbox.state().accounts.length, 3);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("mounts under a prefix of a host app that parses forms itself, without changing the host's parsing", async () => {
    const sandbox = createSandbox({ dbFile: ":memory:", seed: 1 });
    const host = Fastify({ logger: false });
    await host.register(formbody);
    host.post("/echo", async (req) => ({ body: req.body }));
    await sandbox.register(host, "/sandbox");
    await host.listen({ port: 0, host: "127.0.0.1" });
    try {
      const addr = host.server.address();
      const base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
      const res = await fetch(`${base}/sandbox/billmgr`, { method: "POST", body: new URLSearchParams({ ...ORDER, authinfo: DEMO_AUTHINFO }) });
      assert.match(await res.text(), /<doc><id>500001<\/id><\/doc>/);
      const state = await (await fetch(`${base}/sandbox/sandbox-control/state`)).json();
      assert.equal(state.modules.length, 1);
      const echo = await (await fetch(`${base}/echo`, { method: "POST", body: new URLSearchParams({ a: "1" }) })).json();
      assert.deepEqual(echo, { body: { a: "1" } });
    } finally {
      await host.close();
      await sandbox.close();
    }
  });
});
