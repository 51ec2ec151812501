// The Probe that talks to a real billing over HTTP (undici). One deadline per request covers
// connecting, sending and reading the whole answer. Redirects are never followed (the Buy check
// must see the 3xx itself); bodies are read as bytes, still compressed if the server compressed
// them, and capped. TLS certificates are verified, as everywhere in partnerbill.
import { performance } from "node:perf_hooks";
import { Agent, request } from "undici";
import type { Probe, ProbeResponse } from "./types.ts";

/** A price list is a few kilobytes; anything near this is not one. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

export interface HttpProbe {
  readonly probe: Probe;
  close(): Promise<void>;
}

function reasonOf(e: unknown, timeoutMs: number, deadlineHit: boolean): string {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? "";
  if (deadlineHit || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") return `no complete answer within ${timeoutMs} ms`;
  if (code === "UND_ERR_CONNECT_TIMEOUT") return `could not connect within ${timeoutMs} ms`;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name does not resolve";
  if (TLS_CODES.test(code)) return `TLS failure (${code})`;
  if (code === "UND_ERR_RES_EXCEEDED_MAX_SIZE") return `answer larger than ${MAX_ANSWER_BYTES} bytes`;
  if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET") return "the server closed the connection";
  return `${code ? `${code}: ` : ""}${String(err.cause?.message ?? err.message ?? e).slice(0, 120)}`;
}

export function createHttpProbe(opts: { origin: string; timeoutMs: number; userAgent: string }): HttpProbe {
  const agent = new Agent({
    connect: { timeout: opts.timeoutMs },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    maxResponseSize: MAX_ANSWER_BYTES,
  });

  async function probe(req: Parameters<Probe>[0]): Promise<ProbeResponse> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const controller = new AbortController();
    let deadlineHit = false;
    const timer = setTimeout(() => {
      deadlineHit = true;
      controller.abort();
    }, opts.timeoutMs);
    try {
      const headers: Record<string, string> = { "user-agent": opts.userAgent, ...req.headers };
      if (req.form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
      const res = await request(`${opts.origin}${req.path}`, {
        method: req.method,
        headers,
        ...(req.form !== undefined ? { body: req.form } : {}),
        dispatcher: agent,
        signal: controller.signal,
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
      return { kind: "answer", status: res.statusCode, headers: out, body, ms: ms() };
    } catch (e) {
      return { kind: "failed", reason: reasonOf(e, opts.timeoutMs, deadlineHit), ms: ms() };
    } finally {
      clearTimeout(timer);
    }
  }

  return { probe, close: () => agent.close() };
}
