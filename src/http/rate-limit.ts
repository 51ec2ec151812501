// Which requests count against the per-address rate limits (src/modules/ratelimit,
// docs/adr/0026-rate-limiting.md), decided in one place for every route:
//   signup     POST /account/signup (each sends a mail to an address the sender typed)
//   forgot     POST /account/forgot (each may send a mail)
//   buy        the panels' Buy redirect on /billmgr (each creates a pending order)
//   anonymous  any other write (POST, PUT, PATCH, DELETE) without a signed-in session or API token
// The sign-in forms are left to the login throttle (accounts), a provider's signed callback to its
// signature. The client's address is req.ip: the connection's, or what a proxy TRUST_PROXY
// believes says. A refused request gets a 429 with Retry-After in its surface's own form.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Container } from "../app/container.ts";
import { AppError } from "../lib/errors.ts";
import type { RateLimitScope } from "../modules/ratelimit/ratelimit.service.ts";
import { isBuyRedirect } from "./checkout.routes.ts";
import { surfaceOf } from "./errors.ts";
import { currentCustomer, currentStaff, pendingStaffId } from "./session.ts";
import { STRIPE_WEBHOOK_PATH } from "./stripe.routes.ts";

const OWN_THROTTLE = new Set(["/account/login", "/admin/login", "/admin/totp"]);
const SIGNED = new Set([STRIPE_WEBHOOK_PATH]);
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

function scopeOf(req: FastifyRequest): RateLimitScope | null {
  const route = req.routeOptions.url ?? "";
  const surface = req.routeOptions.config?.surface ?? surfaceOf(req.url);
  if (surface === "billmgr") {
    const params = { ...((req.query ?? {}) as Record<string, unknown>), ...(req.body && typeof req.body === "object" ? (req.body as Record<string, unknown>) : {}) };
    const func = typeof params["func"] === "string" ? params["func"].trim() : "";
    return func === "" && isBuyRedirect(params as Record<string, string>) ? "buy" : null;
  }
  if (READS.has(req.method)) return null;
  if (route === "/account/signup") return "signup";
  if (route === "/account/forgot") return "forgot";
  if (OWN_THROTTLE.has(route) || SIGNED.has(route)) return null;
  if (surface === "api") return req.headers.authorization ? null : "anonymous";
  if (surface !== "page") return null;
  return currentCustomer(req) || currentStaff(req) || pendingStaffId(req) ? null : "anonymous";
}

export function registerRateLimits(app: FastifyInstance, c: Container): void {
  // A preHandler registered after the sessions' one: it knows who is signed in, and a form the
  // CSRF check refused (which changes nothing) is not counted.
  app.addHook("preHandler", async (req) => {
    const scope = scopeOf(req);
    if (scope === null) return;
    const verdict = await c.rateLimiter.take(scope, req.ip);
    if (verdict.allowed) return;
    req.log.warn({ scope, ip: req.ip }, "rate limit reached");
    const seconds = verdict.retryAfterSeconds;
    throw new AppError("rate_limited", `Too many requests from your address. Please try again in ${describeWait(seconds)}.`, {
      retryAfterSeconds: seconds,
      // The same sentence for people, in their language (src/http/errors.ts).
      ...(seconds < 90 ? { messageKey: "common.error.too_many.seconds", values: { seconds } } : { messageKey: "common.error.too_many.minutes", values: { minutes: Math.ceil(seconds / 60) } }),
    });
  });
}

function describeWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
