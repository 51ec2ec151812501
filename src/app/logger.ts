// pino, with every place a secret could appear redacted. Secrets also never reach a log line by
// construction (authinfo travels only in request bodies, which are never logged); redaction is
// the second line of defence.
import pino, { type Logger } from "pino";

export const REDACT_PATHS = [
  "password", "*.password", "passwd", "*.passwd", "authinfo", "*.authinfo",
  "secret", "*.secret", "token", "*.token", "apiKey", "*.apiKey",
  "UPSTREAM_PASSWORD", "*.UPSTREAM_PASSWORD", "SECRET_KEY", "*.SECRET_KEY", "SMTP_URL", "*.SMTP_URL",
  "req.headers.authorization", "req.headers.cookie", "res.headers['set-cookie']",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "partnerbill" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
