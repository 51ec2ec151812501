// The one network call of outgoing webhooks: a POST with undici. Redirects are not followed (a
// 3xx counts as a failed attempt), and the receiver's answer body is read and dropped, never kept.
import { createRequire } from "node:module";
import type { Agent } from "undici";

// undici loads with the first delivery, not with every process that builds a container.
const require = createRequire(import.meta.url);
const undici = () => require("undici") as typeof import("undici");

export interface WebhookSender {
  /** Resolves with the HTTP status; rejects on a network error, a timeout or `signal` aborting. */
  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status: number }>;
  close(): Promise<void>;
}

export function createWebhookSender(opts: { timeoutMs: number }): WebhookSender {
  let agent: Agent | undefined;
  const dispatcher = () => (agent ??= new (undici().Agent)({ connect: { timeout: opts.timeoutMs }, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs }));
  return {
    async post(url, headers, body, signal) {
      const res = await undici().request(url, { method: "POST", headers, body, signal, dispatcher: dispatcher() });
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      return { status: res.statusCode };
    },
    close: async () => {
      await agent?.close();
    },
  };
}

/** Per attempt: connecting, and waiting for the answer's headers and body. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
