// The sandbox's injected faults over real HTTP, each kind on its own, and its control endpoint.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, it } from "node:test";
import Fastify from "fastify";
import { faultsFromFlags } from "../src/cli/commands/sandbox.ts";
import { createSandbox } from "../src/sandbox/sandbox.ts";
import { DEMO_AUTHINFO, rows, startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

const ORDER = { func: "addition.order.param", item: "100001", pricelist: "23221", period: "1", skipbasket: "on", sok: "ok" };

function balanceOf(sb: TestSandbox): number {
  return sb.sandbox.state().accounts.find((a) => a.email === "demo@partner.example")!.balanceMinor;
}

/** Waits (bounded) until the sandbox has seen what the test is waiting for. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await sleep(10);
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe("sandbox faults over HTTP", () => {
  let sb: TestSandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(async () => {
    await sb.stop();
  });

  it("latency delays a call without holding up other calls", async () => {
    sb.sandbox.faults.add({ kind: "latency", func: "soft", ms: 60_000 });
    let settled = false;
    const slow = sb.call({ func: "soft" }).finally(() => (settled = true));
    await until("the slow call arrived", () => sb.sandbox.faults.list().rules[0]!.hits === 1);
    const other = await sb.call({ func: "addition" });
    assert.equal(other.status, 200);
    assert.equal(settled, false, "the delayed call is still waiting");
    // Closing the sandbox ends the wait: the delayed call gets no answer.
    await sb.stop();
    await assert.rejects(slow);
  });

  it("latency still answers the call once the delay is over", async () => {
    sb.sandbox.faults.add({ kind: "latency", ms: 20, jitter: 10 });
    assert.equal((await sb.callJson(ORDER)).doc.id.$, "500001");
  });

  it("error_rate answers an error document and does nothing", async () => {
    sb.sandbox.faults.add({ kind: "error_rate", count: 1 });
    const before = balanceOf(sb);
    const j = await sb.callJson(ORDER);
    assert.deepEqual([j.doc.error.$type, j.doc.error.$object], ["xml", "sandbox_fault"]);
    assert.equal(sb.modulesOf(100001).length, 0);
    assert.equal(balanceOf(sb), before);
    assert.equal((await sb.callJson(ORDER)).doc.id.$, "500001", "the count is used up");
  });

  it("http_5xx answers a proxy error page with the status and does nothing", async () => {
    sb.sandbox.faults.add({ kind: "http_5xx", func: "addition.order.param", count: 2, status: 502 });
    const before = balanceOf(sb);
    for (let i = 0; i < 2; i++) {
      const r = await sb.call(ORDER);
      assert.equal(r.status, 502);
      assert.match(r.body, /<h1>502 Bad Gateway<\/h1>/);
    }
    assert.equal(sb.modulesOf(100001).length, 0);
    assert.equal(balanceOf(sb), before);
    assert.equal((await sb.call({ func: "soft" })).status, 200, "other functions are out of scope");
    assert.equal((await sb.call(ORDER)).status, 200);
    assert.equal(sb.modulesOf(100001).length, 1);
  });

  it("http_5xx without a status answers 500, 502 or 503", async () => {
    sb.sandbox.faults.add({ kind: "http_5xx", count: 6 });
    for (let i = 0; i < 6; i++) assert.ok([500, 502, 503].includes((await sb.call({ func: "soft" })).status));
  });

  it("timeout_after_order makes the order, then holds the answer until the client gives up", async () => {
    sb.sandbox.faults.add({ kind: "timeout_after_order", count: 1 });
    const before = balanceOf(sb);
    await assert.rejects(sb.call(ORDER, { signal: AbortSignal.timeout(300) }), { name: "TimeoutError" });
    const list = await sb.callJson({ func: "addition" });
    assert.equal(list.doc.elem.id.$, "500001", "the module exists although the client saw a timeout");
    assert.equal(list.doc.elem.status.$, "2");
    assert.equal(balanceOf(sb), before - 950);
    assert.equal((await sb.callJson(ORDER)).doc.id.$, "500002", "later orders answer normally");
  });

  it("timeout_after_order with ms answers late to a client that waits", async () => {
    sb.sandbox.faults.add({ kind: "timeout_after_order", ms: 50 });
    assert.equal((await sb.callJson(ORDER)).doc.id.$, "500001");
  });

  it("reset_after_order makes the order, then drops the connection without an answer", async () => {
    sb.sandbox.faults.add({ kind: "reset_after_order", count: 1 });
    const before = balanceOf(sb);
    const err = await sb.call(ORDER).then(
      () => assert.fail("expected the connection to be dropped"),
      (e: Error & { cause?: { code?: string } }) => e,
    );
    assert.equal(err.name, "TypeError");
    assert.equal(err.cause?.code, "UND_ERR_SOCKET");
    assert.deepEqual(sb.modulesOf(100001).map((m) => m.id), [500001]);
    assert.equal(balanceOf(sb), before - 950);
    assert.equal((await sb.callJson({ func: "addition" })).doc.elem.id.$, "500001");
  });

  it("reset_after_order applies to renewals and, when scoped so, to rebinding: the change is made", async () => {
    await sb.call(ORDER);
    sb.sandbox.faults.add({ kind: "reset_after_order" });
    sb.sandbox.faults.add({ kind: "reset_after_order", func: "addition.edit" });
    await assert.rejects(sb.call({ func: "service.prolong", elid: "500001", period: "1", sok: "ok" }));
    assert.equal(sb.modulesOf(100001)[0]!.expiredate, "2027-02-01");
    await assert.rejects(sb.call({ func: "addition.edit", elid: "500001", item: "100002", sok: "ok" }));
    assert.equal(sb.modulesOf(100002).length, 1);
    // A call that changes nothing is answered normally.
    assert.equal((await sb.call({ func: "addition.edit", elid: "500001" })).status, 200);
    assert.equal((await sb.call({ func: "addition.edit", elid: "500001", item: "100002", sok: "ok" })).status, 200);
  });

  it("insufficient_funds refuses money-spending calls as if the balance were too low", async () => {
    await sb.call(ORDER);
    sb.sandbox.faults.add({ kind: "insufficient_funds", count: 2 });
    const before = balanceOf(sb);
    const order = await sb.callJson({ ...ORDER, item: "100002" });
    assert.deepEqual([order.doc.error.$type, order.doc.error.$object], ["balance", "account"]);
    const renew = await sb.callJson({ func: "service.prolong", elid: "500001", period: "1", sok: "ok" });
    assert.equal(renew.doc.error.$type, "balance");
    assert.equal(rows((await sb.callJson({ func: "soft" })).doc.elem).length, 5, "other calls are unaffected");
    assert.equal(balanceOf(sb), before);
    assert.equal(sb.modulesOf(100002).length, 0);
    assert.equal(sb.modulesOf(100001)[0]!.expiredate, "2027-01-01");
    assert.equal((await sb.callJson({ ...ORDER, item: "100002" })).doc.id.$, "500002");
  });

  it("auth_failure answers an auth error to correct credentials until it is removed", async () => {
    await sb.control("POST", "/faults", { kind: "auth_failure" });
    for (const func of ["soft", "addition", "pricelist.export"]) {
      const j = await sb.callJson({ func });
      assert.deepEqual([j.doc.error.$type, j.doc.error.$object], ["auth", "badpassword"]);
    }
    assert.equal((await sb.control("DELETE", "/faults")).status, 200);
    assert.equal(rows((await sb.callJson({ func: "soft" })).doc.elem).length, 5);
  });

  it("injects the same faults in the same order for the same seed", async () => {
    const run = async () => {
      await sb.control("POST", "/faults", { replace: true, seed: 99, rules: [{ kind: "http_5xx", probability: 0.5, func: "soft" }] });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await sb.call({ func: "soft" })).status);
      return statuses;
    };
    const first = await run();
    assert.ok(first.some((s) => s === 200) && first.some((s) => s >= 500), String(first));
    assert.deepEqual(await run(), first);
  });
});

describe("sandbox control endpoint", () => {
  let sb: TestSandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(async () => {
    await sb.stop();
  });

  it("adds fault rules one at a time, as a list or as a batch, lists them and removes them", async () => {
    assert.equal((await sb.control("POST", "/faults", { kind: "latency", ms: 5 })).status, 200);
    await sb.control("POST", "/faults", [{ kind: "error_rate", probability: 0.1 }, { kind: "http_5xx", func: "soft", count: 3, status: 503 }]);
    const listed = (await sb.control("GET", "/faults")).json;
    assert.equal(listed.seed, 1);
    assert.deepEqual(
      listed.rules.map((r: any) => [r.id, r.kind, r.funcs, r.probability, r.remaining]),
      [[1, "latency", null, 1, null], [2, "error_rate", null, 0.1, null], [3, "http_5xx", ["soft"], 1, 3]],
    );
    assert.deepEqual((await sb.control("DELETE", "/faults/2")).json.rules.map((r: any) => r.id), [1, 3]);
    assert.equal((await sb.control("DELETE", "/faults/2")).status, 404);
    const replaced = (await sb.control("POST", "/faults", { replace: true, seed: 5, rules: [{ kind: "reset_after_order" }] })).json;
    assert.equal(replaced.seed, 5);
    assert.deepEqual(replaced.rules.map((r: any) => [r.kind, r.funcs]), [["reset_after_order", ["addition.order.param", "soft.order.param", "service.prolong"]]]);
    assert.deepEqual((await sb.control("DELETE", "/faults")).json.rules, []);
  });

  it("refuses a malformed fault rule with a readable 400 and keeps the rules it had", async () => {
    for (const body of [{ kind: "meteor" }, { kind: "latency" }, { kind: "error_rate", probability: 2 }, { kind: "http_5xx", typo: 1 }]) {
      const r = await sb.control("POST", "/faults", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, "invalid_input");
      assert.ok(r.json.error.message.length > 0);
    }
    const res = await fetch(`${sb.url}/sandbox-control/faults`, { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
    assert.equal(res.status, 400);
    assert.deepEqual(sb.sandbox.faults.list().rules, []);
  });

  it("creates accounts that can then use the API, and sets balances", async () => {
    const created = await sb.control("POST", "/accounts", { email: "ru-reseller@example.com", password: "p:ss", region: "ru", balance: "500.00" });
    assert.equal(created.status, 201);
    assert.equal(created.json.currency, "RUB");
    const j = JSON.parse((await sb.call({ func: "pricelist.export", out: "json", authinfo: "ru-reseller@example.com:p:ss" })).body);
    assert.equal(rows(j.doc.pricelist)[0].price.$currency, "RUB");
    assert.equal((await sb.control("POST", "/accounts", { email: "ru-reseller@example.com", password: "x" })).status, 409);
    assert.equal((await sb.control("POST", "/accounts/ru-reseller@example.com/balance", { amount: "12.34" })).json.balanceMinor, 1234);
    assert.equal((await sb.control("POST", "/accounts/ru-reseller@example.com/balance", { amount: "-1" })).status, 400);
    assert.equal((await sb.control("POST", "/accounts/ru-reseller@example.com/balance", { amount: "1.234" })).status, 400);
    assert.equal((await sb.control("POST", "/accounts/nobody@example.com/balance", { amount: "1" })).status, 404);
  });

  it("adds licenses to an account, which the API then lists and sells modules for", async () => {
    const r = await sb.control("POST", "/licenses", { account: "demo@partner.example", id: 100100, ip: "192.0.2.10", licname: "ispmanager 6 Business" });
    assert.equal(r.status, 201);
    assert.equal(r.json.id, 100100);
    const auto = await sb.control("POST", "/licenses", { account: "demo@partner.example", ip: "192.0.2.11" });
    assert.equal(auto.json.id, 100101, "the next free id");
    assert.equal((await sb.control("POST", "/licenses", { account: "demo@partner.example", id: 100100, ip: "192.0.2.12" })).status, 409);
    assert.equal((await sb.control("POST", "/licenses", { account: "nobody@example.com", ip: "192.0.2.13" })).status, 404);
    assert.equal((await sb.control("POST", "/licenses", { account: "demo@partner.example", id: 0, ip: "x" })).status, 400);
    const soft = await sb.callJson({ func: "soft" });
    assert.ok(rows(soft.doc.elem).some((e: any) => e.id.$ === "100100" && e.licname.$ === "ispmanager 6 Business"));
    assert.equal((await sb.callJson({ ...ORDER, item: "100100" })).doc.id.$, "500001");
  });

  it("changes a module behind the client's back and shows the whole state", async () => {
    await sb.call(ORDER);
    const changed = await sb.control("POST", "/modules/500001", { status: 3, expiredate: "2026-12-15" });
    assert.equal(changed.status, 200);
    const elem = (await sb.callJson({ func: "addition" })).doc.elem;
    assert.deepEqual([elem.status.$, elem.expiredate.$], ["3", "2026-12-15"]);
    assert.equal((await sb.control("POST", "/modules/999", { status: 3 })).status, 404);
    assert.equal((await sb.control("POST", "/modules/500001", { status: 9 })).status, 400);

    const state = (await sb.control("GET", "/state")).json;
    assert.deepEqual(state.accounts.map((a: any) => [a.email, a.region, a.currency, a.twoFactor]), [
      ["demo@partner.example", "eu", "EUR", false],
      ["demo-ru@partner.example", "ru", "RUB", false],
      ["twofactor@partner.example", "eu", "EUR", true],
    ]);
    assert.equal(state.accounts[0].balance, "99990.50");
    assert.deepEqual(state.modules.map((m: any) => [m.id, m.account, m.license, m.name, m.status]), [[500001, "demo@partner.example", 100001, "DDoS-GUARD", 3]]);
    assert.deepEqual(state.charges.map((c: any) => [c.service, c.amount, c.currency]), [[500001, "9.50", "EUR"]]);
    assert.equal(state.tariffs.length, 10);
    assert.deepEqual(state.tariffs.find((t: any) => t.region === "ru" && t.id === 55377).costs, { 1: "290.00", 12: "2900.00" });
    assert.equal(state.licenses.length, 9);
  });

  it("turns the CLI's fault flags into rules", () => {
    assert.deepEqual(
      faultsFromFlags({
        port: 0,
        host: "127.0.0.1",
        latency: 200,
        latencyJitter: 50,
        errorRate: 0.1,
        http5xx: 0.2,
        timeoutAfterOrder: 0.05,
        resetAfterOrder: 0.05,
        insufficientFunds: true,
        authFailure: 0.5,
        fault: [{ kind: "http_5xx", count: 3 }],
      }),
      [
        { kind: "latency", ms: 200, jitter: 50 },
        { kind: "error_rate", probability: 0.1 },
        { kind: "http_5xx", probability: 0.2 },
        { kind: "timeout_after_order", probability: 0.05 },
        { kind: "reset_after_order", probability: 0.05 },
        { kind: "insufficient_funds" },
        { kind: "auth_failure", probability: 0.5 },
        { kind: "http_5xx", count: 3 },
      ],
    );
  });
});

describe("sandbox mounted in a host app", () => {
  it("ends held answers when the host app closes, instead of keeping it open for minutes", { timeout: 10_000 }, async () => {
    const sandbox = createSandbox({ dbFile: ":memory:", seed: 1, faults: [{ kind: "timeout_after_order" }] });
    const host = Fastify({ logger: false });
    await sandbox.register(host, "/sandbox");
    await host.listen({ port: 0, host: "127.0.0.1" });
    const addr = host.server.address();
    const url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/sandbox/billmgr`;
    const pending = fetch(url, { method: "POST", body: new URLSearchParams({ ...ORDER, authinfo: DEMO_AUTHINFO }) });
    const outcome = pending.then(() => "answered", () => "dropped");
    await until("the order was made", () => sandbox.state().modules.length === 1);
    await host.close();
    await sandbox.close();
    assert.equal(await outcome, "dropped");
  });
});
