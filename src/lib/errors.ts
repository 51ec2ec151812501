// One error type with a closed list of codes. Messages are for people; codes are for programs
// and tests. The HTTP layer maps a code to a status and to the surface's own format
// (JSON, HTML page, BILLmanager error document) in one place: src/http/errors.ts.

export const ERROR_CODES = [
  "invalid_input",
  "not_found",
  "conflict",
  "forbidden",
  "unauthenticated",
  "illegal_transition",
  "insufficient_funds",
  "rate_limited",
  "upstream_unavailable",
  "upstream_rejected",
  "config_invalid",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Structured context safe to show (never secrets). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
}

export const invalidInput = (message: string, details?: Record<string, unknown>) =>
  new AppError("invalid_input", message, details);
export const notFound = (message: string, details?: Record<string, unknown>) =>
  new AppError("not_found", message, details);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new AppError("conflict", message, details);

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
