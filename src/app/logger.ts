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

/** Paths whose query values are never logged: the pages e-mailed links lead to. */
const QUIET_QUERY_PATHS = /^\/account\/(verify|reset)(\/|$)/;
/** Query parameters never logged on any path. */
const SECRET_PARAM = /token|secret|password|passwd|authinfo|code|key|session/i;

/**
 * A request URL as it may be logged: on the pages e-mailed links open every query value is
 * replaced, and anywhere else the values of parameters named like secrets. E-mailed tokens travel
 * in URL fragments (never sent), so this only catches old or hand-made links — a second line.
 */
export function loggableUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const path = url.slice(0, q);
  const all = QUIET_QUERY_PATHS.test(path);
  const parts = url.slice(q + 1).split("&").map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, " "));
    } catch {
      // a malformed name is logged as it came, its value redacted below
    }
    return eq >= 0 && (all || SECRET_PARAM.test(decoded)) ? `${name}=[redacted]` : pair;
  });
  return `${path}?${parts.join("&")}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
  host?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "partnerbill" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      // fastify's request line, with the query values that could hold a secret redacted.
      serializers: {
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: typeof req.url === "string" ? loggableUrl(req.url) : req.url,
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        }),
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
