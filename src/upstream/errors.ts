// Typed failures of upstream calls. Every failure answers two questions for the caller:
//   kind    — what happened (auth, rejected, timeout, …), for people and for branching;
//   outcome — "not_done" when upstream certainly did not act, "unknown" when it may have.
// A money-spending call that fails with outcome "unknown" must never be repeated blindly
// (DESIGN.md §4): the caller looks the license's modules up first.
//
// Messages are built only from the func name, our own words and scrubbed upstream text, so a
// password or an authinfo string cannot reach a message, a log line or an event.
import { AppError, type ErrorCode } from "../lib/errors.ts";
import type { UpstreamErrorKind, UpstreamErrorReason, UpstreamOutcome } from "./types.ts";

/** What a BILLmanager error document said (PROTOCOL.md §2.3), scrubbed of credentials. */
export interface BillmgrErrorInfo {
  type: string;
  object: string;
  msg: string;
}

const OUTCOME_OF: Record<UpstreamErrorKind, UpstreamOutcome> = {
  auth: "not_done",
  access: "not_done",
  rejected: "not_done",
  insufficient_funds: "not_done",
  timeout: "unknown",
  connection: "unknown",
  server_error: "unknown",
  unparsable: "unknown",
};

/** Connection failures that happen before a byte of the request is sent: upstream cannot have acted. */
const NEVER_SENT: ReadonlySet<UpstreamErrorReason> = new Set(["refused", "dns", "tls", "connect_timeout"]);

export function outcomeOf(kind: UpstreamErrorKind, reason?: UpstreamErrorReason): UpstreamOutcome {
  if ((kind === "connection" || kind === "timeout") && reason !== undefined && NEVER_SENT.has(reason)) return "not_done";
  return OUTCOME_OF[kind];
}

// auth is upstream_rejected, not unauthenticated: the HTTP layer turns unauthenticated into a 401
// for *our* caller, who did nothing wrong when partnerbill's own client-area login fails.
const CODE_OF: Record<UpstreamErrorKind, ErrorCode> = {
  auth: "upstream_rejected",
  access: "upstream_rejected",
  rejected: "upstream_rejected",
  insufficient_funds: "insufficient_funds",
  timeout: "upstream_unavailable",
  connection: "upstream_unavailable",
  server_error: "upstream_unavailable",
  unparsable: "upstream_unavailable",
};

export interface UpstreamErrorInit {
  kind: UpstreamErrorKind;
  func: string;
  /** Our own description; must not contain credentials (built from scrubbed parts only). */
  message: string;
  reason?: UpstreamErrorReason;
  billmgr?: BillmgrErrorInfo;
  httpStatus?: number;
  /** The low-level cause as text (e.g. "DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate"), scrubbed. */
  detail?: string;
}

export class UpstreamError extends AppError {
  readonly kind: UpstreamErrorKind;
  readonly outcome: UpstreamOutcome;
  readonly func: string;
  readonly reason: UpstreamErrorReason | undefined;
  /** BILLmanager's own type/object/msg when it answered an error document. */
  readonly billmgr: BillmgrErrorInfo | undefined;
  readonly httpStatus: number | undefined;
  readonly detail: string | undefined;

  constructor(init: UpstreamErrorInit) {
    const outcome = outcomeOf(init.kind, init.reason);
    super(CODE_OF[init.kind], `${init.func}: ${init.message}`, {
      kind: init.kind,
      outcome,
      func: init.func,
      ...(init.reason ? { reason: init.reason } : {}),
      ...(init.httpStatus !== undefined ? { httpStatus: init.httpStatus } : {}),
      ...(init.billmgr ? { billmgr: init.billmgr } : {}),
      ...(init.detail ? { detail: init.detail } : {}),
    });
    this.name = "UpstreamError";
    this.kind = init.kind;
    this.outcome = outcome;
    this.func = init.func;
    this.reason = init.reason;
    this.billmgr = init.billmgr;
    this.httpStatus = init.httpStatus;
    this.detail = init.detail;
  }
}

export function isUpstreamError(e: unknown): e is UpstreamError {
  return e instanceof UpstreamError;
}

/**
 * Does a BILLmanager error say the partner's balance cannot pay? Real BILLmanager's wording for
 * this is not known [assumed]: no public source shows the error of an order the balance cannot
 * cover. So: the type "balance", or any of type/object/msg mentioning balance, funds or money,
 * in English or Russian. Adjust here when the real wording is seen.
 */
export function isInsufficientFunds(e: BillmgrErrorInfo): boolean {
  if (e.type === "balance") return true;
  const text = `${e.type} ${e.object} ${e.msg}`;
  return /balance|funds|money|недостаточно\s+средств|баланс|денег/i.test(text);
}

/**
 * Is an auth failure about two-factor authentication? An account with 2FA cannot use the API
 * [doc]. BILLmanager's own web client sees the error type "extraconfirm" when a second factor is
 * required [code]; the message wording is [assumed].
 */
export function isTwoFactor(e: BillmgrErrorInfo): boolean {
  if (e.type === "extraconfirm") return true;
  const text = `${e.object} ${e.msg}`;
  return /two[-\s]?factor|2fa|totp|one[-\s]time\s+(code|password)|двухфактор|extraconfirm/i.test(text);
}

/** Kind (and reason) of a BILLmanager error document. */
export function classifyBillmgrError(e: BillmgrErrorInfo): { kind: UpstreamErrorKind; reason?: UpstreamErrorReason } {
  if (e.type === "auth" || e.type === "extraconfirm") return isTwoFactor(e) ? { kind: "auth", reason: "two_factor" } : { kind: "auth" };
  if (e.type === "access") return { kind: "access" };
  if (isInsufficientFunds(e)) return { kind: "insufficient_funds" };
  return { kind: "rejected" };
}

/** The error for a BILLmanager error document answered to `func`. */
export function billmgrError(func: string, e: BillmgrErrorInfo, httpStatus?: number): UpstreamError {
  const { kind, reason } = classifyBillmgrError(e);
  const what =
    kind === "auth" ? (reason === "two_factor" ? "the account requires two-factor authentication, which the API cannot use" : "authentication failed") :
    kind === "access" ? "access denied" :
    kind === "insufficient_funds" ? "insufficient funds on the client-area balance" :
    "rejected";
  const detail = [e.type && `type=${e.type}`, e.object && `object=${e.object}`].filter(Boolean).join(" ");
  const message = `${what}${detail ? ` (${detail})` : ""}${e.msg ? `: ${e.msg}` : ""}`;
  return new UpstreamError({ kind, func, message, billmgr: e, ...(reason ? { reason } : {}), ...(httpStatus !== undefined ? { httpStatus } : {}) });
}

/**
 * Removes every form of the secret from text that came from outside (upstream messages, socket
 * errors): the password as is, URL-encoded and form-encoded, and the whole authinfo value.
 */
export function createScrubber(user: string, password: string): (text: string) => string {
  const secrets = new Set<string>();
  for (const s of [password, `${user}:${password}`]) {
    if (s === "" || s === `${user}:`) continue;
    secrets.add(s);
    secrets.add(encodeURIComponent(s));
    secrets.add(new URLSearchParams({ s }).toString().slice(2));
  }
  // Longest first, so that the authinfo value goes as one piece before the bare password.
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const s of ordered) out = out.split(s).join("[redacted]");
    return out;
  };
}
