// The live check of client-area credentials: lists the account's licenses and modules, and turns
// any failure into one line that says what to fix. Used by `partnerbill upstream check` and by the
// set-up wizard (/admin/setup), so both say the same thing.
import { createUpstreamClient } from "./client.ts";
import { isUpstreamError } from "./errors.ts";
import type { UpstreamLicense, UpstreamModule } from "./types.ts";

export interface UpstreamCheckInput {
  url: string;
  user: string;
  password: string;
  timeoutMs: number;
}

export type UpstreamCheckResult =
  | { ok: true; licenses: UpstreamLicense[]; modules: UpstreamModule[] }
  | { ok: false; reason: string };

/** One line an operator can act on, for any failure of the check. */
export function explainUpstreamFailure(e: unknown, input: Pick<UpstreamCheckInput, "url" | "user" | "timeoutMs">): string {
  const host = new URL(input.url).host;
  if (!isUpstreamError(e)) return e instanceof Error ? e.message : String(e);
  const said = e.billmgr?.msg ? ` (${host} said: "${e.billmgr.msg}")` : "";
  switch (e.kind) {
    case "auth":
      return e.reason === "two_factor"
        ? `the account ${input.user} has two-factor authentication enabled, and the API cannot log in with it: use a client-area account without two-factor authentication${said}`
        : `wrong user or password: ${host} refused the login of ${input.user}${said}`;
    case "access":
      return `the account ${input.user} is not allowed to use this function of the API${said}`;
    case "insufficient_funds":
      return `the client-area balance cannot pay${said}`;
    case "rejected":
      return `${host} rejected the request${said}`;
    case "timeout":
      return e.reason === "connect_timeout"
        ? `timeout: could not connect to ${host} within ${input.timeoutMs} ms (UPSTREAM_TIMEOUT_MS)`
        : `timeout: no answer from ${host} within ${input.timeoutMs} ms (UPSTREAM_TIMEOUT_MS)`;
    case "connection":
      if (e.reason === "refused") return `cannot reach ${host}: connection refused (is the URL right and the service up?)`;
      if (e.reason === "dns") return `cannot reach ${host}: the host name does not resolve (check UPSTREAM_URL)`;
      if (e.reason === "tls") return `TLS failure with ${host}: ${e.detail ?? "handshake failed"} (partnerbill never skips certificate checks)`;
      return `the connection to ${host} broke: ${e.detail ?? "reset"}`;
    case "server_error":
      return `${host} answered HTTP ${e.httpStatus ?? "5xx"}: the client area has a problem on its side; try again later`;
    case "unparsable":
      return `${input.url} does not answer like a BILLmanager API (${e.message.replace(/^[^:]*: /, "")}); the URL should end in /billmgr`;
  }
}

/** Lists the account's licenses and modules: the first call proves the credentials. */
export async function runUpstreamCheck(input: UpstreamCheckInput): Promise<UpstreamCheckResult> {
  let client;
  try {
    client = createUpstreamClient({ baseUrl: input.url, user: input.user, password: input.password, timeoutMs: input.timeoutMs });
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  try {
    const licenses = await client.listLicenses();
    const modules = await client.listModules();
    return { ok: true, licenses, modules };
  } catch (e) {
    return { ok: false, reason: explainUpstreamFailure(e, input) };
  } finally {
    await client.close();
  }
}
