// Security headers on every answer — pages, error pages, 404s, JSON, /billmgr documents (the
// price-list fast path too), assets — set by helmet (docs/adr/0027-http-edge.md):
//   Content-Security-Policy  default-src 'self'; scripts and styles from our own files only (no
//                            inline <script>, <style> or style=""), no plugins, no framing
//   X-Content-Type-Options   nosniff
//   Referrer-Policy          no-referrer: no URL of ours travels to another site
//   X-Frame-Options          DENY (frame-ancestors for browsers that predate CSP)
//   and helmet's other defaults (Cross-Origin-Opener-Policy, Cross-Origin-Resource-Policy, …)
//   Strict-Transport-Security  only when PUBLIC_URL is https (max-age one year, this host only)
// form-action: our own pages, and Stripe Checkout when card payments are on — a checkout's or a
// top-up's form is answered with a redirect there, which browsers check against form-action.
import fastifyHelmet, { type FastifyHelmetOptions } from "@fastify/helmet";
import type { FastifyInstance } from "fastify";
import helmet, { type HelmetOptions } from "helmet";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface HeaderSettings {
  publicUrl: string;
  /** Origins forms may lead to besides our own (Stripe Checkout). */
  formTargets: readonly string[];
}

export function helmetOptions(o: HeaderSettings): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'", ...o.formTargets],
      },
    },
    strictTransportSecurity: o.publicUrl.startsWith("https:") ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: "no-referrer" },
    xFrameOptions: { action: "deny" },
  };
}

export async function registerSecurityHeaders(app: FastifyInstance, o: HeaderSettings): Promise<void> {
  // The same options object; @fastify/helmet's types come from helmet's CommonJS typings and
  // ours from its ES module typings, which TypeScript holds for unrelated types.
  await app.register(fastifyHelmet, { ...helmetOptions(o), global: true } as unknown as FastifyHelmetOptions);
}

/**
 * The same headers for answers that bypass fastify (the price-list fast path), computed once: with
 * these options every value is fixed, so helmet runs once here against a recording response
 * instead of on every poll (its dozen setHeader calls were a quarter of the fast path's CPU).
 */
export function staticSecurityHeaders(o: HeaderSettings): Readonly<Record<string, string>> {
  const out = new Map<string, [string, string]>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      out.set(name.toLowerCase(), [name, Array.isArray(value) ? value.join(", ") : String(value)]);
      return recorder;
    },
    removeHeader(name: string) {
      out.delete(name.toLowerCase());
    },
    getHeader(name: string) {
      return out.get(name.toLowerCase())?.[1];
    },
  };
  let done = false;
  helmet(helmetOptions(o))({} as IncomingMessage, recorder as unknown as ServerResponse, () => {
    done = true;
  });
  if (!done) throw new Error("helmet did not finish synchronously; the fast path's headers would be incomplete");
  return Object.fromEntries(out.values());
}
