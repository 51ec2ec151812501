// The one network call of outgoing webhooks: a POST with undici. Redirects are not followed (a
// 3xx counts as a failed attempt), and the receiver's answer body is read and dropped, never kept.
// The connection's own DNS lookup checks the address it connects to (webhook-target.ts), so the
// address checked is the address used: no window for DNS rebinding between check and connect.
import { createRequire } from "node:module";
import type { Agent } from "undici";
import { RefusedTargetError, type WebhookTargetPolicy } from "./webhook-target.ts";

// undici loads with the first delivery, not with every process that builds a container.
const require = createRequire(import.meta.url);
const undici = () => require("undici") as typeof import("undici");

export interface WebhookSender {
  /** Resolves with the HTTP status; rejects on a network error, a timeout, a refused target or `signal` aborting. */
  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status: number }>;
  close(): Promise<void>;
}

function isRefusedTarget(e: unknown): boolean {
  for (let x: unknown = e, i = 0; x && i < 5; x = (x as { cause?: unknown }).cause, i++) {
    if ((x as { code?: unknown }).code === "EWEBHOOKTARGET") return true;
  }
  return false;
}

export function createWebhookSender(opts: { timeoutMs: number; policy: Pick<WebhookTargetPolicy, "checkLiteral" | "lookup"> }): WebhookSender {
  const connect = { timeout: opts.timeoutMs, ...(opts.policy.lookup ? { lookup: opts.policy.lookup } : {}) };
  let agent: Agent | undefined;
  const dispatcher = () => (agent ??= new (undici().Agent)({ connect, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs }));
  return {
    async post(url, headers, body, signal) {
      opts.policy.checkLiteral(url);
      try {
        const res = await undici().request(url, { method: "POST", headers, body, signal, dispatcher: dispatcher() });
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        return { status: res.statusCode };
      } catch (e) {
        // One text for every refused target, whatever undici wrapped it in.
        if (isRefusedTarget(e)) throw new RefusedTargetError();
        throw e;
      }
    },
    close: async () => {
      await agent?.close();
    },
  };
}

/** Per attempt: connecting, and waiting for the answer's headers and body. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
