// The vocabulary of `partnerbill conformance`: what a check reports, and the one seam between the
// check logic and the network (a Probe). Everything in this folder except ./http.ts is free of I/O.

/**
 * fail — breaks a rule PROTOCOL.md §2 states as known behaviour ([seed], [doc], [code]) that a
 *        panel or a customer depends on;
 * warn — departs from an [assumed] point, from partnerbill's own choices, or from something a
 *        panel ignores; worth a look, never a failure;
 * info — an optional feature (caching, compression) that is absent;
 * skip — could not be judged (an earlier check failed, or the operator turned it off).
 */
export type CheckStatus = "pass" | "fail" | "warn" | "info" | "skip";

export interface CheckResult {
  /** Stable, dotted, lower-case: what tests and scripts key on (e.g. "rows.cost-format"). */
  readonly id: string;
  readonly status: CheckStatus;
  /** What the check expects, as a person reads it. */
  readonly title: string;
  /** What was seen: the HTTP status, the offending modules, the reason of a skip. */
  readonly detail?: string;
}

export interface ProbeRequest {
  readonly method: "GET" | "POST";
  /** Path from the target's origin, with the query string exactly as it goes on the wire. */
  readonly path: string;
  /** An application/x-www-form-urlencoded body (POST only). */
  readonly form?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ProbeAnswer {
  readonly kind: "answer";
  readonly status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as it came off the wire (still compressed if content-encoding says so). */
  readonly body: Buffer;
  readonly ms: number;
}

export interface ProbeFailure {
  readonly kind: "failed";
  /** A short reason a person can act on: "connection refused", "no answer within 10000 ms". */
  readonly reason: string;
  readonly ms: number;
}

export type ProbeResponse = ProbeAnswer | ProbeFailure;

/** Sends one request and never follows a redirect; never throws for a network failure. */
export type Probe = (req: ProbeRequest) => Promise<ProbeResponse>;
