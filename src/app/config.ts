// The one place that reads the environment. Every variable is declared once here, with a
// description (docs/CONFIG.md is generated from these) and a default that makes
// `npm install && npm start` work on a fresh machine. A bad configuration fails with one message
// that lists every problem.

import { isIP } from "node:net";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off"])
  .transform((v) => v === "true" || v === "1" || v === "yes" || v === "on");

const durationMs = z.coerce.number().int().min(1);

const PROXY_RANGE_NAMES = ["loopback", "linklocal", "uniquelocal"];

/** An IPv4/IPv6 address, or a CIDR range such as 10.0.0.0/8 or 2001:db8::/32. */
function isAddressOrRange(x: string): boolean {
  const [addr = "", bits, extra] = x.split("/");
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** TRUST_PROXY: a yes/no word, or a list of addresses, CIDR ranges and range names. */
const trustProxy = z.string().transform((text, ctx): boolean | string[] => {
  const v = text.trim().toLowerCase();
  if (["true", "yes", "on"].includes(v)) return true;
  if (["false", "no", "off"].includes(v)) return false;
  const items = v.split(",").map((x) => x.trim()).filter((x) => x !== "");
  const bad = items.filter((x) => !PROXY_RANGE_NAMES.includes(x) && !isAddressOrRange(x));
  if (items.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `must be true, false, or a comma-separated list of addresses, CIDR ranges or ${PROXY_RANGE_NAMES.join("/")}${bad.length > 0 ? ` (not understood: ${bad.join(", ")})` : ""}`,
    });
    return z.NEVER;
  }
  return items;
});

/** A list of addresses and CIDR ranges (METRICS_ALLOW), or `*` for everyone. */
const ipList = z.string().transform((text, ctx): string[] => {
  const items = text.split(",").map((x) => x.trim()).filter((x) => x !== "");
  if (items.length === 1 && items[0] === "*") return ["*"];
  const bad = items.filter((x) => !isAddressOrRange(x));
  if (items.length === 0 || bad.length > 0) {
    ctx.addIssue({ code: "custom", message: `must be * or a comma-separated list of addresses and CIDR ranges${bad.length > 0 ? ` (not understood: ${bad.join(", ")})` : ""}` });
    return z.NEVER;
  }
  return items;
});

export const UPSTREAM_PRESETS = {
  eu: "https://api-eu.ispmanager.com/billmgr",
  ru: "https://api.ispmanager.ru/billmgr",
} as const;

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080)
    .describe("TCP port of the HTTP server (0 picks a free one)."),
  HOST: z.string().min(1).default("127.0.0.1")
    .describe("Address to listen on. Use 0.0.0.0 behind a reverse proxy on another host."),
  TRUST_PROXY: trustProxy.default(false)
    .describe("Which reverse proxies to believe about the client's address and scheme (X-Forwarded-For, X-Forwarded-Proto). false: none, the connection's address counts. A comma-separated list of the proxies' addresses or CIDR ranges: `127.0.0.1` for nginx on the same machine (deploy/nginx.conf), e.g. `10.0.0.5,10.0.0.6` for proxies on other hosts; `loopback`, `linklocal` and `uniquelocal` name those ranges. true: trust any sender — only when nothing but the proxy can reach partnerbill."),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe("Public base URL of this billing as panels and customers reach it, e.g. https://billing.example.com. Default: http://HOST:PORT. The price-list URL given to ispmanager staff is PUBLIC_URL/billmgr."),
  DATA_DIR: z.string().min(1).default("data")
    .describe("Directory for the SQLite database, the generated secret key and other local state."),
  DATABASE_URL: z.string().regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, "must be sqlite:<path> or postgres://…").optional()
    .describe("sqlite:<path> (embedded, one node) or postgres://user@host/db (any number of nodes). Default: sqlite:DATA_DIR/partnerbill.db."),
  SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional()
    .describe("Key that encrypts stored secrets and signs tokens. When unset, one is generated into DATA_DIR/secret.key on first run; keep it in backups — without it stored credentials cannot be read."),
  UPSTREAM_URL: z.string().regex(/^(sandbox|eu|ru|https?:\/\/.+)$/, "must be sandbox, eu, ru or an http(s) URL").default("sandbox")
    .describe("ispmanager client area API: `sandbox` (the built-in emulator, with demo data), `eu` (api-eu.ispmanager.com), `ru` (api.ispmanager.ru) or a URL. With eu or ru, the client area chosen in the set-up wizard replaces it from the next start; a URL or sandbox fixes it."),
  UPSTREAM_REGION: z.enum(["eu", "ru"]).optional()
    .describe("Which client area's module tariff ids the catalog uses (Dr.Web and BitNinja differ between EU and RU). Default: ru when UPSTREAM_URL is ru, else eu."),
  UPSTREAM_USER: z.string().optional()
    .describe("Client-area login (e-mail). Never logged. Optional: the set-up wizard (/admin/setup) checks and stores the credentials encrypted instead; when set (with UPSTREAM_PASSWORD), these win."),
  UPSTREAM_PASSWORD: z.string().optional()
    .describe("Client-area password. Never logged, never put in a URL. Set both or neither (see UPSTREAM_USER)."),
  UPSTREAM_TIMEOUT_MS: durationMs.default(15000)
    .describe("Timeout of one upstream API call, in milliseconds."),
  FULFILLMENT_MODE: z.enum(["automatic", "manual"]).default("automatic")
    .describe("automatic: paid orders are placed upstream through the API; manual: they wait in a queue for staff. When set here it wins; otherwise the owner's choice in the admin console (/admin/setup) applies, and automatic until one is made."),
  RENEWAL_MODE: z.enum(["charge", "upstream"]).default("charge")
    .describe("How modules renew. charge: partnerbill invoices the customer RENEWAL_NOTICE_DAYS before expiry, takes the balance, then renews upstream with service.prolong (unpaid at expiry: the module expires). upstream: modules are ordered with upstream autoprolong, partnerbill charges nothing for renewals and follows the new expiry through reconciliation. Applies to modules bought from then on; never both for one module."),
  RENEWAL_NOTICE_DAYS: z.coerce.number().int().min(0).max(60).default(7)
    .describe("How many days before a module expires its renewal invoice is raised (and paid from the balance when it can be)."),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")
    .describe("pino log level."),
  LOG_REQUESTS: bool.default(false)
    .describe("Log every HTTP request (errors are always logged). Off by default: panels poll the price list often."),
  PENDING_ORDER_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(72)
    .describe("Unpaid orders (from Buy clicks that never became payments) are cancelled after this many hours."),
  LICENSE_IP_CHANGES_MAX: z.coerce.number().int().min(0).max(1000).default(3)
    .describe("How many times a customer may move one ispmanager license to another IP (soft.edit) from the portal or API. Staff are not limited; every change is audited."),
  PAY_WHEN_UPSTREAM_UNREACHABLE: bool.default(true)
    .describe("Automatic mode checks the license and module upstream before taking a payment. When the client area cannot be asked: true lets the payment proceed (fulfillment checks again before ordering), false refuses it until upstream answers."),
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: bool.default(false)
    .describe("Outgoing webhooks refuse targets on loopback, private (RFC 1918, unique-local), link-local, CGNAT and other non-public addresses, checked after DNS at creation and at every delivery. true allows them: for receivers on your own network (on-premise)."),
  UPSTREAM_LOW_BALANCE: z.string().trim().regex(/^\d{1,12}(\.\d{1,4})?$/, "must be an amount like 50 or 50.00").default("0")
    .describe("Raise the upstream_low_balance alert when the partner's client-area balance falls below this amount (in the client area's currency: EUR for eu, RUB for ru). 0: only when a waiting order costs more than the balance."),
  UPSTREAM_FUNDS_SHORT: z.enum(["proceed", "hold"]).default("proceed")
    .describe("Before a payment, when the last client-area balance read cannot pay for the module: proceed takes the payment and raises upstream_funds_short (the order waits in awaiting funds until a top-up); hold refuses the payment for now."),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(0)
    .describe("With UPSTREAM_URL=sandbox, the port of the in-process sandbox of the client area (on HOST; 0 picks a free one, printed at start-up)."),
  CATALOG_POLL_MS: durationMs.default(2000)
    .describe("How often a node checks whether another node changed the catalog (PostgreSQL), in milliseconds."),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4)
    .describe("How many jobs (upstream orders, e-mails, webhooks…) one node's worker runs at once."),
  JOB_LEASE_MS: z.coerce.number().int().min(1000).default(30000)
    .describe("How long a claimed job stays reserved for its worker, in milliseconds; the worker extends it while the job runs. When a node dies, its jobs are taken over by other nodes this long after its last extension."),
  ECB_RATES_URL: z.url({ protocol: /^https?$/ }).default("https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml")
    .describe("The ECB daily euro reference-rate feed (XML) that `partnerbill rates fetch-ecb` and the daily price sync read. It has no RUB: rates involving RUB are entered by hand (`partnerbill rates set`)."),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "must be a Stripe secret or restricted key (sk_live_…, sk_test_…, rk_…)").optional()
    .describe("Stripe secret API key; card payments (Stripe Checkout) are offered only when it and STRIPE_WEBHOOK_SECRET are set. Never logged, never put in a URL."),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9_]+$/, "must be a Stripe webhook signing secret (whsec_…)").optional()
    .describe("Signing secret of the Stripe webhook endpoint PUBLIC_URL/payments/stripe/webhook (Stripe Dashboard → Developers → Webhooks; events checkout.session.completed and payment_intent.succeeded). Never logged."),
  STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional()
    .describe("Base URL of the Stripe API, e.g. an egress proxy or stripe-mock (http://127.0.0.1:12111). Default: https://api.stripe.com."),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(60 * 24 * 30).default(120)
    .describe("A customer's session ends after this many minutes without a request."),
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 7)
    .describe("A customer's session ends this many hours after sign-in, however active."),
  STAFF_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(60 * 24).default(30)
    .describe("A staff session (/admin) ends after this many minutes without a request."),
  STAFF_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 7).default(12)
    .describe("A staff session ends this many hours after sign-in, however active."),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, "must be smtp://user:password@host:587 (STARTTLS when offered) or smtps://user:password@host:465").optional()
    .describe("SMTP server that sends e-mail (receipts, password resets…), with its credentials: smtp://user:password@host:587 or smtps://user:password@host:465; percent-encode special characters in the password. Never logged. Unset: mail is kept in the outbox with state held, for staff to read (`partnerbill mail outbox`)."),
  MAIL_FROM: z.string().regex(/^([^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, "must be an address, e.g. billing@example.com or \"Example Hosting <billing@example.com>\"").optional()
    .describe("Sender of every e-mail, e.g. \"Example Hosting <billing@example.com>\"; the name is also used in the texts. Required with SMTP_URL; the domain should have SPF/DKIM for the SMTP server."),
  MAIL_REPLY_TO: z.string().regex(/^([^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, "must be an address").optional()
    .describe("Reply-To of every e-mail (e.g. your support address). Default: none, replies go to MAIL_FROM."),
  SMTP_TIMEOUT_MS: durationMs.default(30000)
    .describe("Timeout for connecting to the SMTP server and for each of its replies, in milliseconds; a timed-out message is retried."),
  HTTP_REQUEST_TIMEOUT_MS: durationMs.default(55000)
    .describe("A request whose headers and body have not fully arrived this many milliseconds after it began is answered 408 and its connection closed (checked every second): a client dribbling a body cannot hold a connection longer. The default drops a slow body within a minute."),
  HTTP_HEADERS_TIMEOUT_MS: durationMs.default(20000)
    .describe("Time allowed for a request's headers to arrive, in milliseconds (at most HTTP_REQUEST_TIMEOUT_MS)."),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: durationMs.default(72000)
    .describe("How long an idle keep-alive connection stays open, in milliseconds. Longer than the proxy's upstream keep-alive (nginx: 60 s), so the proxy closes first."),
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(4096)
    .describe("Most connections one node holds open at once; further ones are closed on arrival. Keep it well under the process's file limit (deploy/partnerbill.service: LimitNOFILE=65536) so that the database, logs and the rest keep working under a flood."),
  METRICS_ALLOW: ipList.default(["127.0.0.1", "::1"])
    .describe("Client addresses or CIDR ranges allowed to read /metrics (comma-separated; the client's address as TRUST_PROXY determines it). Everyone else gets 403. `*` allows everyone."),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86400).default(600)
    .describe("Length of the fixed window of the per-address rate limits below, in seconds (docs/adr/0026-rate-limiting.md)."),
  RATE_LIMIT_SIGNUP: z.coerce.number().int().min(1).default(10)
    .describe("Sign-ups one client address may submit per window (each sends an e-mail)."),
  RATE_LIMIT_FORGOT: z.coerce.number().int().min(1).default(10)
    .describe("Password-reset requests one client address may submit per window (each may send an e-mail)."),
  RATE_LIMIT_BUY: z.coerce.number().int().min(1).default(60)
    .describe("Buy redirects from panels (each creates a pending order) one client address may make per window. Offices behind one address share it: keep it generous."),
  RATE_LIMIT_ANONYMOUS: z.coerce.number().int().min(1).default(120)
    .describe("Other writes (POSTs) without a signed-in session one client address may make per window: e-mail confirmation, password reset, checkout and demo forms. Sign-in has its own throttle."),
  DEMO_DATA: bool.optional()
    .describe("Seed demo prices into an empty catalog. Default: on when UPSTREAM_URL is sandbox."),
});

type Env = z.infer<typeof configSchema>;

export interface Config extends Omit<Env, "DATABASE_URL" | "UPSTREAM_REGION" | "DEMO_DATA" | "PUBLIC_URL"> {
  DATABASE_URL: string;
  UPSTREAM_REGION: "eu" | "ru";
  DEMO_DATA: boolean;
  PUBLIC_URL: string;
  /** The resolved upstream API base URL, or "sandbox". */
  upstreamBaseUrl: string;
  /** The variables given in the environment (not defaulted): they override console settings. */
  envSet: ReadonlySet<string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment once. Empty strings count as unset, as in most .env tooling.
 * `overrides` (command-line options such as `upstream check --url`) win over the environment. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Record<string, string | undefined> = {}): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = overrides[key] ?? env[key];
    if (v !== undefined && v !== "") input[key] = v;
  }
  const parsed = configSchema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join(".");
      // Never echo a value: SECRET_KEY and passwords go through here too.
      problems.push(`${key}: ${issue.message}`);
    }
  }
  // Checked on the fields themselves rather than on a successful parse, so that this problem is
  // listed together with the others instead of after they are fixed.
  // Client-area credentials may instead be entered in the set-up wizard (/admin/setup, stored
  // encrypted); only a half-given pair is a mistake here.
  if (Boolean(input["UPSTREAM_USER"]) !== Boolean(input["UPSTREAM_PASSWORD"])) {
    problems.push("UPSTREAM_USER and UPSTREAM_PASSWORD: set both, or neither and enter them at /admin/setup");
  }
  if (Boolean(input["STRIPE_SECRET_KEY"]) !== Boolean(input["STRIPE_WEBHOOK_SECRET"])) {
    problems.push("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set both to take card payments, or neither");
  }
  if (input["SMTP_URL"] && !input["MAIL_FROM"]) {
    problems.push("MAIL_FROM: required when SMTP_URL is set (the sender of every e-mail)");
  }
  if (parsed.success && parsed.data.HTTP_HEADERS_TIMEOUT_MS > parsed.data.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push("HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS");
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  const upstreamBaseUrl =
    e.UPSTREAM_URL === "eu" || e.UPSTREAM_URL === "ru" ? UPSTREAM_PRESETS[e.UPSTREAM_URL] : e.UPSTREAM_URL;
  const region = e.UPSTREAM_REGION ?? (e.UPSTREAM_URL === "ru" || /\.ru(\/|:|$)/.test(upstreamBaseUrl) ? "ru" : "eu");
  const publicUrl = (e.PUBLIC_URL ?? `http://${e.HOST.includes(":") ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/+$/, "");
  return {
    ...e,
    DATABASE_URL: e.DATABASE_URL ?? `sqlite:${e.DATA_DIR.replace(/\/+$/, "")}/partnerbill.db`,
    UPSTREAM_REGION: region,
    DEMO_DATA: e.DEMO_DATA ?? e.UPSTREAM_URL === "sandbox",
    PUBLIC_URL: publicUrl,
    upstreamBaseUrl,
    envSet: new Set(Object.keys(input)),
  };
}

/** Markdown reference of every variable, generated into docs/CONFIG.md. */
export function configReference(): string {
  const rows = Object.entries(configSchema.shape).map(([key, schema]) => {
    const s = schema as z.ZodType & { description?: string; def?: { defaultValue?: unknown } };
    const def = (s as unknown as { _zod: { def: { defaultValue?: unknown } } })._zod.def.defaultValue;
    const shown = def === undefined ? "" : `\`${String(def)}\``;
    return `| \`${key}\` | ${shown} | ${(s.description ?? "").replace(/\|/g, "\\|")} |`;
  });
  return [
    "# Configuration",
    "",
    "Generated from `src/app/config.ts` by `npm run docs:config`; do not edit by hand.",
    "partnerbill reads these environment variables once at start-up. A wrong value stops it with one",
    "message that lists every problem. Business settings (prices, markups, texts) live in the",
    "database, not here.",
    "",
    "| variable | default | meaning |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
