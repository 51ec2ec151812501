// Slow clients cannot hold partnerbill's connections: a body dribbled a byte at a time is dropped
// once HTTP_REQUEST_TIMEOUT_MS has passed, headers that never end once HTTP_HEADERS_TIMEOUT_MS
// has, and no more than HTTP_MAX_CONNECTIONS are held — so /healthz answers while slow sockets
// are open, and again once they are gone. (Before, requestTimeout was 0: 21,000 slow POSTs took
// the process down.) Real sockets, with the limits shortened for the test.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { createTestApp } from "./helpers/app.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/db.ts";

const REQUEST_TIMEOUT_MS = 2000;
const HEADERS_TIMEOUT_MS = 1000;
const MAX_CONNECTIONS = 40;

interface Slow {
  socket: Socket;
  closedAt: Promise<number>;
  received: () => string;
  stop: () => void;
}

/** Opens a socket that sends `head` and then one more byte every 100 ms, forever. */
function slowClient(port: number, head: string, drip = "a"): Slow {
  const socket = connect(port, "127.0.0.1");
  let text = "";
  socket.on("data", (d) => { text += d.toString(); });
  socket.on("error", () => {});
  socket.write(head);
  const timer = setInterval(() => { if (!socket.destroyed) socket.write(drip); }, 100);
  const closedAt = new Promise<number>((resolve) => socket.on("close", () => { clearInterval(timer); resolve(Date.now()); }));
  return { socket, closedAt, received: () => text, stop: () => { clearInterval(timer); socket.destroy(); } };
}

const SLOW_POST = "POST /account/signup HTTP/1.1\r\nHost: billing.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 20000\r\n\r\nemail=";

async function healthz(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
  await r.arrayBuffer();
  return r.status;
}

describe("HTTP server limits against slow clients", () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let port = 0;

  before(async () => {
    t = await createTestDatabase("sqlite");
    ({ app } = await createTestApp(t, {
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
    }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as { port: number }).port;
  });

  after(async () => {
    await app.close();
    await t.dispose();
  });

  it("closes a connection whose body is still dribbling in once the request timeout has passed", async () => {
    const started = Date.now();
    const slow = slowClient(port, SLOW_POST);
    const closed = await Promise.race([slow.closedAt, new Promise<number>((r) => setTimeout(() => r(-1), REQUEST_TIMEOUT_MS + 5000))]);
    slow.stop();
    assert.notEqual(closed, -1, "the server never closed the slow socket");
    const took = closed - started;
    assert.ok(took >= REQUEST_TIMEOUT_MS - 100 && took <= REQUEST_TIMEOUT_MS + 2500, `closed after ${took} ms`);
    assert.match(slow.received(), /^HTTP\/1\.1 408 /, "the client is told: request timeout");
  });

  it("closes a connection whose headers never end once the headers timeout has passed", async () => {
    const started = Date.now();
    const slow = slowClient(port, "GET /healthz HTTP/1.1\r\nHost: billing.test\r\nX-Slow: ", "b");
    const closed = await Promise.race([slow.closedAt, new Promise<number>((r) => setTimeout(() => r(-1), HEADERS_TIMEOUT_MS + 5000))]);
    slow.stop();
    assert.notEqual(closed, -1, "the server never closed the slow socket");
    const took = closed - started;
    assert.ok(took <= HEADERS_TIMEOUT_MS + 2500, `closed after ${took} ms`);
  });

  it("answers /healthz while slow sockets are open, holds no more than the connection cap, and recovers when they are dropped", async () => {
    const all: Slow[] = [];
    try {
      const first = Array.from({ length: MAX_CONNECTIONS - 10 }, () => slowClient(port, SLOW_POST));
      all.push(...first);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await healthz(port), 200, "healthz answers beside the slow sockets");

      const flood = Array.from({ length: 60 }, () => slowClient(port, SLOW_POST));
      all.push(...flood);
      await new Promise((r) => setTimeout(r, 500));
      const held = await new Promise<number>((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
      assert.ok(held <= MAX_CONNECTIONS, `the server holds ${held} connections, cap ${MAX_CONNECTIONS}`);

      // Every slow socket is dropped by the request timeout; the server is whole again.
      await Promise.all(all.map((s) => Promise.race([s.closedAt, new Promise((r) => setTimeout(r, REQUEST_TIMEOUT_MS + 3000))])));
      assert.equal(all.filter((s) => !s.socket.destroyed).length, 0, "every slow socket was dropped");
      assert.equal(await healthz(port), 200);
    } finally {
      for (const s of all) s.stop();
    }
  });
});

describe("HTTP server limits by default", () => {
  it("drops a slow body within 60 s and caps connections", async () => {
    const { testConfig } = await import("./helpers/app.ts");
    const c = testConfig();
    // The timeout is checked every second: 55 s + 1 s stays within the minute.
    assert.ok(c.HTTP_REQUEST_TIMEOUT_MS + 1000 <= 60_000);
    assert.ok(c.HTTP_HEADERS_TIMEOUT_MS <= c.HTTP_REQUEST_TIMEOUT_MS);
    assert.ok(c.HTTP_KEEP_ALIVE_TIMEOUT_MS > 60_000, "longer than nginx's upstream keep-alive");
    assert.ok(c.HTTP_MAX_CONNECTIONS > 0 && c.HTTP_MAX_CONNECTIONS < 65536, "under the unit's LimitNOFILE");
  });
});

describe("HTTP edge settings", () => {
  it("refuses headers timeouts above the request timeout and metrics allow-lists it cannot read", async () => {
    const { testConfig } = await import("./helpers/app.ts");
    assert.throws(() => testConfig({ HTTP_REQUEST_TIMEOUT_MS: "1000", HTTP_HEADERS_TIMEOUT_MS: "2000" }), /HTTP_HEADERS_TIMEOUT_MS: must not exceed/);
    assert.throws(() => testConfig({ METRICS_ALLOW: "10.0.0.0/33,prometheus" }), /METRICS_ALLOW: .*not understood: 10\.0\.0\.0\/33, prometheus/);
    assert.deepEqual(testConfig({ METRICS_ALLOW: "10.0.0.5, 2001:db8::/32" }).METRICS_ALLOW, ["10.0.0.5", "2001:db8::/32"]);
    assert.deepEqual(testConfig().METRICS_ALLOW, ["127.0.0.1", "::1"]);
  });
});
