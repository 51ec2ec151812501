// The real sandbox (src/sandbox/) over real HTTP for upstream client tests, mounted in a small
// host app that records every request as the server saw it (method, URL, headers, raw body), so
// tests can prove where credentials travel. Faults are set through the sandbox's own rules.
import Fastify from "fastify";
import { Readable, Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/app/logger.ts";
import { createSandbox, DEMO_ACCOUNTS, type Sandbox } from "../../src/sandbox/sandbox.ts";

export { DEMO_ACCOUNTS };

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RecordedSandbox {
  /** The API URL, …/billmgr. */
  url: string;
  sandbox: Sandbox;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startSandbox(): Promise<RecordedSandbox> {
  const sandbox = createSandbox({ dbFile: ":memory:", seed: 1 });
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const requests: SeenRequest[] = [];
  const seen = new WeakMap<object, SeenRequest>();
  app.addHook("onRequest", async (req) => {
    const r: SeenRequest = { method: req.method, url: req.raw.url ?? "", headers: { ...req.headers }, body: "" };
    requests.push(r);
    seen.set(req, r);
  });
  // The body exactly as it arrived, before the sandbox's parser reads it.
  app.addHook("preParsing", async (req, _reply, payload) => {
    const chunks: Buffer[] = [];
    for await (const c of payload) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const r = seen.get(req);
    if (r) r.body = body.toString("utf8");
    return Readable.from([body]);
  });
  await sandbox.register(app);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/billmgr`,
    sandbox,
    requests,
    async close() {
      await sandbox.close();
      await app.close();
    },
  };
}

/** A pino logger at trace whose every line is kept in memory. */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger("trace", sink), lines };
}
