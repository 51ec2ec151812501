// The upstream client over real HTTP: against the sandbox (src/sandbox/) for everything the client
// area does, including its injected faults; against test/fakes/billmgr-server.ts only for what the
// sandbox cannot produce (garbage, DTDs, JSON answers, odd statuses, TLS).
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, afterEach, before, describe, it } from "node:test";
import { createUpstreamClient, OFF_THREAD_BYTES, type UpstreamClientOptions } from "../src/upstream/client.ts";
import { isUpstreamError, UpstreamError } from "../src/upstream/errors.ts";
import type { UpstreamCallEvent, UpstreamErrorKind, UpstreamErrorReason, UpstreamOutcome } from "../src/upstream/types.ts";
import { startFakeBillmgr, startFakeBillmgrTls, type FakeBillmgr } from "./fakes/billmgr-server.ts";
import { selfSignedCertificate } from "./fakes/self-signed.ts";
import { DEMO_ACCOUNTS, memoryLogger, startSandbox, type RecordedSandbox } from "./helpers/upstream-sandbox.ts";

const EU = DEMO_ACCOUNTS.eu;

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isUpstreamError(e), `expected an UpstreamError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the call to fail");
}

function expectKind(e: UpstreamError, kind: UpstreamErrorKind, outcome: UpstreamOutcome, reason?: UpstreamErrorReason): void {
  assert.equal(e.kind, kind, e.message);
  assert.equal(e.outcome, outcome, e.message);
  if (reason !== undefined) assert.equal(e.reason, reason, e.message);
}

describe("upstream client against the sandbox", () => {
  let s: RecordedSandbox;
  const clients: { close(): Promise<void> }[] = [];
  const client = (o: Partial<UpstreamClientOptions> = {}) => {
    const c = createUpstreamClient({ baseUrl: s.url, user: EU.email, password: EU.password, timeoutMs: 5_000, ...o });
    clients.push(c);
    return c;
  };

  before(async () => {
    s = await startSandbox();
  });
  afterEach(async () => {
    s.sandbox.faults.clear();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await s.close();
  });

  it("reads the partner's cost price list as money", async () => {
    const tariffs = await client().priceList();
    const ddos = tariffs.find((t) => t.id === 23221);
    assert.ok(ddos);
    assert.equal(ddos.currency, "EUR");
    assert.deepEqual(ddos.periods.map((p) => [p.months, p.costText, p.cost.minor, p.cost.currency]), [
      [1, "9.5000", 950, "EUR"],
      [12, "95.0000", 9500, "EUR"],
    ]);
    assert.deepEqual((await client().priceList({ pricelist: 55371 })).map((t) => t.id), [55371]);
  });

  it("orders a module, reads it, moves it, renews it and deletes it", async () => {
    const c = client();
    const licenses = await c.listLicenses();
    assert.ok(licenses.some((l) => l.id === 100001 && l.ip === "203.0.113.11" && l.status === "active"));
    const { serviceId } = await c.orderModule({ license: 100001, pricelist: 55361, period: 1, autoprolong: 1, remoteId: "ord_1" });
    const read = await c.readModule(serviceId);
    assert.deepEqual([read.id, read.license, read.pricelist, read.status], [serviceId, 100001, 55361, "active"]);
    assert.ok(read.expiresOn);
    assert.ok((await c.listModules()).some((m) => m.id === serviceId && m.license === 100001));

    await c.rebindModule(serviceId, 100002);
    assert.equal((await c.readModule(serviceId)).license, 100002);

    const renewed = await c.prolong(serviceId, 12);
    assert.ok(renewed.expiresOn && renewed.expiresOn > read.expiresOn!);

    await c.deleteModule(serviceId);
    assert.equal((await c.listModules()).find((m) => m.id === serviceId)?.status, "deleted");

    const license = await c.readLicense(100002);
    assert.deepEqual([license.id, license.ip, license.name], [100002, "203.0.113.12", "ispmanager 6 Pro"]);
  });

  it("sends every call as a POST form with authinfo in the body only", async () => {
    s.requests.length = 0;
    await client().listLicenses();
    assert.equal(s.requests.length, 1);
    const r = s.requests[0]!;
    assert.equal(r.method, "POST");
    assert.equal(r.url, "/billmgr");
    assert.match(String(r.headers["content-type"]), /^application\/x-www-form-urlencoded/);
    const form = new URLSearchParams(r.body);
    assert.equal(form.get("authinfo"), `${EU.email}:${EU.password}`);
    assert.equal(form.get("func"), "soft");
    assert.equal(form.get("out"), "xml");
  });

  describe("classifies each failure as certainly not done or outcome unknown", () => {
    it("wrong password → auth, not done", async () => {
      const e = await failure(client({ password: "wrong" }).listLicenses());
      expectKind(e, "auth", "not_done");
      assert.equal(e.billmgr?.type, "auth");
    });

    it("an account with two-factor auth → auth (two_factor), not done", async () => {
      const tf = DEMO_ACCOUNTS.twoFactor;
      const e = await failure(client({ user: tf.email, password: tf.password }).listLicenses());
      expectKind(e, "auth", "not_done", "two_factor");
    });

    it("insufficient funds → insufficient_funds, not done, and nothing is charged", async () => {
      const before = s.sandbox.state().charges.length;
      s.sandbox.faults.add({ kind: "insufficient_funds" });
      const e = await failure(client().orderModule({ license: 100003, pricelist: 23221, period: 1 }));
      expectKind(e, "insufficient_funds", "not_done");
      assert.equal(e.code, "insufficient_funds");
      assert.equal(e.billmgr?.type, "balance");
      assert.equal(s.sandbox.state().charges.length, before);
    });

    it("a rejected order → rejected, not done, with BILLmanager's type, object and message", async () => {
      const e = await failure(client().orderModule({ license: 100003, pricelist: 99999, period: 1 }));
      expectKind(e, "rejected", "not_done");
      assert.equal(e.billmgr?.type, "missed");
      assert.equal(e.billmgr?.object, "pricelist");
      assert.match(e.billmgr?.msg ?? "", /99999/);
      assert.equal(e.code, "upstream_rejected");
    });

    it("an order whose answer never comes → timeout, outcome unknown (and upstream did act)", async () => {
      s.sandbox.faults.add({ kind: "timeout_after_order", count: 1 });
      // Long enough for the order to reach the sandbox even on a loaded machine.
      const c = client({ timeoutMs: 3_000 });
      const e = await failure(c.orderModule({ license: 100004, pricelist: 55362, period: 1 }));
      expectKind(e, "timeout", "unknown");
      assert.equal(e.code, "upstream_unavailable");
      assert.equal((await c.listModules()).filter((m) => m.license === 100004 && m.pricelist === 55362).length, 1);
    });

    it("a slow read → timeout, outcome unknown", async () => {
      s.sandbox.faults.add({ kind: "latency", ms: 5_000, func: "soft", count: 1 });
      expectKind(await failure(client({ timeoutMs: 1_000 }).listLicenses()), "timeout", "unknown");
    });

    it("a connection reset after the order → connection (reset), outcome unknown", async () => {
      s.sandbox.faults.add({ kind: "reset_after_order", count: 1 });
      const c = client();
      const e = await failure(c.orderModule({ license: 100005, pricelist: 55363, period: 1 }));
      expectKind(e, "connection", "unknown", "reset");
      assert.equal((await c.listModules()).filter((m) => m.license === 100005 && m.pricelist === 55363).length, 1);
    });

    it("HTTP 5xx → server_error, outcome unknown", async () => {
      s.sandbox.faults.add({ kind: "http_5xx", status: 502, count: 1 });
      const e = await failure(client().orderModule({ license: 100003, pricelist: 55371, period: 1 }));
      expectKind(e, "server_error", "unknown");
      assert.equal(e.httpStatus, 502);
    });

    it("an injected error document → rejected, not done", async () => {
      s.sandbox.faults.add({ kind: "error_rate", count: 1 });
      const e = await failure(client().listModules());
      expectKind(e, "rejected", "not_done");
      assert.equal(e.billmgr?.type, "xml");
    });

    it("a refused connection → connection (refused), not done: nothing was sent", async () => {
      const port = await closedPort();
      const e = await failure(client({ baseUrl: `http://127.0.0.1:${port}/billmgr` }).listLicenses());
      expectKind(e, "connection", "not_done", "refused");
    });
  });

  it("never repeats a money-spending call by itself", async () => {
    for (const kind of ["timeout_after_order", "reset_after_order"] as const) {
      s.sandbox.faults.add({ kind, count: 1, func: "service.prolong" });
      const c = client({ timeoutMs: 3_000 });
      const { serviceId } = await c.orderModule({ license: 100001, pricelist: 55371, period: 1 });
      const charges = () => s.sandbox.state().charges.filter((x) => x.service === serviceId && x.func === "service.prolong").length;
      s.requests.length = 0;
      await failure(c.prolong(serviceId, 1));
      assert.equal(s.requests.filter((r) => new URLSearchParams(r.body).get("func") === "service.prolong").length, 1, kind);
      assert.equal(charges(), 1, kind);
    }
  });

  it("reports every call to onCall without credentials, with its outcome", async () => {
    const events: UpstreamCallEvent[] = [];
    const c = client({ onCall: (e) => events.push(e) });
    await c.listLicenses();
    await failure(c.orderModule({ license: 100003, pricelist: 99999, period: 1 }));
    assert.deepEqual(events.map((e) => [e.func, e.outcome, e.kind, e.spendsMoney, e.httpStatus]), [
      ["soft", "done", undefined, false, 200],
      ["addition.order.param", "not_done", "rejected", true, 200],
    ]);
    assert.deepEqual(events[1]!.params, { item: "100003", pricelist: "99999", period: "1", autoprolong: "null", skipbasket: "on", sok: "ok" });
    assert.ok(events.every((e) => typeof e.durationMs === "number" && e.durationMs >= 0));
    assert.ok(!JSON.stringify(events).includes(EU.password));
  });

  it("keeps the password out of every log line, URL, header, event and error message", async () => {
    const password = "Pa55:w0rd&authinfo=%41 é";
    const email = "leak-check@partner.example";
    await fetch(s.url.replace("/billmgr", "/sandbox-control/accounts"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password, balance: "100.00" }),
      signal: AbortSignal.timeout(10_000),
    }).then((r) => assert.ok(r.ok, `adding an account: HTTP ${r.status}`));
    const { logger, lines } = memoryLogger();
    const events: UpstreamCallEvent[] = [];
    const messages: string[] = [];
    const c = client({ user: email, password, logger, onCall: (e) => events.push(e) });
    s.requests.length = 0;

    await c.listLicenses();
    await c.priceList();
    for (const p of [
      c.orderModule({ license: 1, pricelist: 23221, period: 1 }),
      client({ user: email, password: password + "x", logger }).listModules(),
    ]) messages.push((await failure(p)).message);
    s.sandbox.faults.add({ kind: "http_5xx", count: 1 });
    messages.push((await failure(c.listModules())).message);
    s.sandbox.faults.add({ kind: "latency", ms: 1_000, count: 1 });
    messages.push((await failure(client({ user: email, password, timeoutMs: 100, logger }).listModules())).message);

    assert.ok(lines.length >= 6, "every call was logged");
    // The last call may time out before it reaches the server on a loaded machine.
    assert.ok(s.requests.length >= 5);
    const forms = [password, encodeURIComponent(password), new URLSearchParams({ p: password }).toString().slice(2)];
    const haystacks: Record<string, string[]> = {
      logs: lines,
      urls: s.requests.map((r) => r.url),
      headers: s.requests.map((r) => JSON.stringify(r.headers)),
      events: events.map((e) => JSON.stringify(e)),
      errors: messages,
    };
    for (const [where, texts] of Object.entries(haystacks)) {
      for (const text of texts) for (const f of forms) assert.ok(!text.includes(f), `password found in ${where}: ${text}`);
    }
    // …while it did travel, in the bodies.
    assert.ok(s.requests.every((r) => new URLSearchParams(r.body).get("authinfo")?.startsWith(email)));
  });

  it("refuses a base URL that carries credentials or a query string", () => {
    assert.throws(() => createUpstreamClient({ baseUrl: "https://u:p@api.example/billmgr", user: "u", password: "p", timeoutMs: 1000 }), { code: "invalid_input" });
    assert.throws(() => createUpstreamClient({ baseUrl: "https://api.example/billmgr?authinfo=u:p", user: "u", password: "p", timeoutMs: 1000 }), { code: "invalid_input" });
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("upstream client against answers the sandbox cannot give", () => {
  let f: FakeBillmgr;
  const clients: { close(): Promise<void> }[] = [];
  const client = (o: Partial<UpstreamClientOptions> = {}) => {
    const c = createUpstreamClient({ baseUrl: f.url, user: f.state.user, password: f.state.password, timeoutMs: 2_000, ...o });
    clients.push(c);
    return c;
  };

  before(async () => {
    f = await startFakeBillmgr();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await f.close();
  });

  it("understands JSON answers with $ markup and bjson answers", async () => {
    for (const out of ["json", "bjson"] as const) {
      f.next("soft", { kind: "format", out });
      f.next("pricelist.export", { kind: "format", out });
      f.next("addition.order.param", { kind: "format", out: "json" });
      const c = client();
      assert.deepEqual((await c.listLicenses()).map((l) => [l.id, l.ip, l.status]), [[100001, "203.0.113.11", "active"], [100002, "203.0.113.12", "active"]], out);
      const tariffs = await c.priceList();
      assert.deepEqual(tariffs.find((t) => t.id === 55377)?.periods.map((p) => p.cost), [{ minor: 29001, currency: "RUB" }], out);
      assert.ok((await c.orderModule({ license: 100001, pricelist: 23221, period: 1 })).serviceId > 0);
    }
  });

  it("reads a large module list in the worker thread, filtered to a license, as it reads a small one", async () => {
    const rows = (n: number) =>
      Array.from({ length: n }, (_, i) => `<elem><id>${600001 + i}</id><item>${100001 + (i % 4)}</item><pricelist>55361</pricelist><status>${i % 7 === 0 ? 4 : 2}</status><expiredate>2027-01-0${1 + (i % 9)}</expiredate></elem>`).join("");
    const body = (n: number) => `<?xml version="1.0" encoding="UTF-8"?>\n<doc>${rows(n)}</doc>`;
    assert.ok(Buffer.byteLength(body(2_000)) > OFF_THREAD_BYTES && Buffer.byteLength(body(40)) < OFF_THREAD_BYTES);
    for (const n of [40, 2_000]) {
      f.next("addition", { kind: "raw", body: body(n) });
      const all = await client().listModules();
      assert.equal(all.length, n, `${n}: every module`);
      f.next("addition", { kind: "raw", body: body(n) });
      const mine = await client().listModules({ license: 100003 });
      assert.deepEqual(mine, all.filter((m) => m.license === 100003), `${n}: only the license's, read the same way`);
      assert.equal(mine.length, Math.floor(n / 4));
      assert.ok(mine.some((m) => m.status === "deleted") && mine.some((m) => m.status === "active"));
    }
    // Failures read in the worker keep their kinds: an error document, a DTD, a bad row.
    const padding = `<!--${"x".repeat(OFF_THREAD_BYTES)}-->`;
    f.next("addition", { kind: "raw", body: `<doc>${padding}<error type="access" object="addition"><msg>Access denied</msg></error></doc>` });
    expectKind(await failure(client().listModules({ license: 100001 })), "access", "not_done");
    f.next("addition", { kind: "raw", body: `<!DOCTYPE doc [<!ENTITY x "y">]><doc>${rows(2_000)}</doc>` });
    expectKind(await failure(client().listModules()), "unparsable", "unknown", "dtd");
    f.next("addition", { kind: "raw", body: `<doc>${rows(2_000)}<elem><id>oops</id></elem></doc>` });
    const bad = await failure(client().listModules());
    expectKind(bad, "unparsable", "unknown");
    assert.match(bad.message, /unreadable answer/);
  });

  it("reads a JSON error document as a rejection", async () => {
    f.next("addition.edit", { kind: "format", out: "json" });
    const e = await failure(client().rebindModule(5001, 999));
    expectKind(e, "rejected", "not_done");
    assert.deepEqual(e.billmgr, { type: "value", object: "item", msg: "License not found" });
  });

  it("garbage → unparsable, outcome unknown", async () => {
    f.next("addition.order.param", { kind: "raw", body: "OK? ☃ <<<" });
    expectKind(await failure(client().orderModule({ license: 100001, pricelist: 23221, period: 1 })), "unparsable", "unknown");
  });

  it("a success answer without the expected content → unparsable, outcome unknown", async () => {
    f.next("addition.order.param", { kind: "raw", body: "<doc><ok/></doc>" });
    expectKind(await failure(client().orderModule({ license: 100001, pricelist: 23221, period: 1 })), "unparsable", "unknown");
    f.next("addition.edit", { kind: "raw", body: "<doc/>" });
    expectKind(await failure(client().rebindModule(5001, 100002)), "unparsable", "unknown");
  });

  it("an XXE or entity-bomb answer → unparsable (dtd), nothing expanded", async () => {
    const bodies = [
      '<?xml version="1.0"?><!DOCTYPE doc [<!ENTITY x SYSTEM "file:///etc/passwd">]><doc><elem><id>1</id><licname>&x;</licname></elem></doc>',
      '<?xml version="1.0"?><!DOCTYPE doc [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><doc><elem><id>1</id><licname>&c;</licname></elem></doc>',
    ];
    for (const body of bodies) {
      f.next("soft", { kind: "raw", body });
      expectKind(await failure(client().listLicenses()), "unparsable", "unknown", "dtd");
    }
  });

  it("an HTML error page with HTTP 500 → server_error; a BILLmanager error document decides whatever the status", async () => {
    f.next("soft", { kind: "raw", status: 500, body: "<html><body>Internal Server Error</body></html>", contentType: "text/html" });
    expectKind(await failure(client().listLicenses()), "server_error", "unknown");
    f.next("soft", { kind: "error", status: 500, error: { type: "access", object: "soft", message: "Access denied" } });
    const e = await failure(client().listLicenses());
    expectKind(e, "access", "not_done");
    assert.equal(e.httpStatus, 500);
  });

  it("an unexpected status without an error document → unparsable (http_status), outcome unknown", async () => {
    f.next("soft", { kind: "raw", status: 404, body: "<doc/>" });
    expectKind(await failure(client().listLicenses()), "unparsable", "unknown", "http_status");
  });

  it("a socket destroyed before answering → connection (reset), outcome unknown", async () => {
    f.next("soft", { kind: "reset" });
    expectKind(await failure(client().listLicenses()), "connection", "unknown", "reset");
  });

  it("a certificate it cannot trust → connection (tls), not done", async () => {
    const tls = await startFakeBillmgrTls(selfSignedCertificate());
    try {
      const c = createUpstreamClient({ baseUrl: tls.url, user: tls.state.user, password: tls.state.password, timeoutMs: 2_000 });
      clients.push(c);
      const e = await failure(c.listLicenses());
      expectKind(e, "connection", "not_done", "tls");
      assert.equal(tls.requests.length, 0, "nothing reached the server");
    } finally {
      await tls.close();
    }
  });

  it("scrubs credentials that an upstream message echoes back", async () => {
    const { logger, lines } = memoryLogger();
    const events: UpstreamCallEvent[] = [];
    f.next("soft", { kind: "error", error: { type: "value", object: "authinfo", message: `Bad authinfo ${f.state.user}:${f.state.password}` } });
    const e = await failure(client({ logger, onCall: (ev) => events.push(ev) }).listLicenses());
    assert.match(e.message, /Bad authinfo \[redacted\]/);
    for (const text of [e.message, JSON.stringify(e.details), JSON.stringify(events), ...lines]) {
      assert.ok(!text.includes(f.state.password), text);
    }
  });

  it("classifies BILLmanager's insufficient-funds wording in Russian too", async () => {
    f.next("service.prolong", { kind: "error", error: { type: "value", object: "order", message: "Недостаточно средств на счете" } });
    expectKind(await failure(client().prolong(5001, 1)), "insufficient_funds", "not_done");
  });
});
