// What a job handler is. A handler file under ./handlers exports one `defineJob({...})`: its kind,
// payload schema, attempts, backoff, timeout and `handle()`. The dependencies a handler needs are
// typed on its context (`ctx: JobContext<{ orders: Pick<OrderService, "…"> }>`) and bound once,
// in src/app/container.ts, with `bindJob()`.
//
// Delivery is at least once: a handler can run again after a crash, a lost lease or a timeout.
// Exactly-once *effect* is the handler's job: record the intent before an external call, and on a
// later attempt check the world before acting again (docs/adr/0007-durable-job-queue.md).
import type { z } from "zod";
import type { Logger } from "../ports/logger.ts";

export interface Backoff {
  /** Delay before the second attempt; it doubles per attempt up to maxMs. */
  baseMs: number;
  maxMs: number;
}

export interface JobContext<Deps = unknown> {
  job: {
    id: string;
    kind: string;
    key: string;
    /** 1 on the first run. */
    attempt: number;
    maxAttempts: number;
  };
  /**
   * Aborted when the handler must stop: its timeout passed, this node lost the lease, or the
   * worker is shutting down and has released the job. Pass it to every network call.
   */
  signal: AbortSignal;
  logger: Logger;
  now(): Date;
  deps: Deps;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType, Deps = unknown> {
  kind: string;
  payloadSchema: S;
  maxAttempts: number;
  backoff: Backoff;
  /** Per attempt; the attempt fails (and ctx.signal aborts) when it runs longer. Default 5 minutes. */
  timeoutMs?: number;
  handle(payload: z.output<S>, ctx: JobContext<Deps>): Promise<void>;
}

export function defineJob<S extends z.ZodType, Deps = unknown>(def: JobDefinition<S, Deps>): JobDefinition<S, Deps> {
  if (!Number.isInteger(def.maxAttempts) || def.maxAttempts < 1) throw new Error(`${def.kind}: maxAttempts must be a positive integer`);
  if (def.backoff.baseMs < 0 || def.backoff.maxMs < def.backoff.baseMs) throw new Error(`${def.kind}: backoff needs 0 <= baseMs <= maxMs`);
  return def;
}

/** A handler definition together with the dependencies it is given at run time. */
export interface BoundJob {
  readonly def: JobDefinition<z.ZodType, unknown>;
  readonly deps: unknown;
}

export function bindJob<S extends z.ZodType, Deps>(def: JobDefinition<S, Deps>, deps: Deps): BoundJob {
  return { def: def as unknown as JobDefinition<z.ZodType, unknown>, deps };
}

/**
 * Thrown by a handler when retrying cannot help (the order no longer exists, upstream refused for
 * good): the job goes to the dead-letter state at once instead of using up its attempts.
 */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}

/**
 * Thrown by a handler that cannot finish yet but knows when to try again (an earlier upstream
 * call may still be in flight). The attempt still counts; `retryAfterMs` replaces the backoff.
 */
export class RetryLater extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = "RetryLater";
  }
}

const MAX_ERROR_LENGTH = 2000;

// Errors are stored and shown by `jobs show`; whatever a handler's error message carries must not
// leak credentials there. The log redaction (src/app/logger.ts) works on object paths; here the
// secret is inside free text, so patterns it is.
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/\/\/([^:@/\s]+):[^@/\s]*@/g, "//$1:***@"],
  [/\b(authinfo|password|passwd|secret|token|api[_-]?key|authorization)(["']?\s*[:=]\s*["']?)[^\s&"',;}]+/gi, "$1$2[redacted]"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, "$1 [redacted]"],
];

export function redactText(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/** The text stored as a job's last_error: the error's name, code and message, redacted and truncated. */
export function describeError(e: unknown): string {
  let text: string;
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    text = `${e.name}${typeof code === "string" ? ` [${code}]` : ""}: ${e.message}`;
  } else {
    text = String(e);
  }
  text = redactText(text);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
