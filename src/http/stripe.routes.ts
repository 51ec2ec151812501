// Stripe's two ways back into partnerbill:
//   POST /payments/stripe/webhook  — Stripe's servers, signed over the exact bytes they sent. The
//     route lives in its own encapsulated plugin whose only content-type parser keeps the body as
//     raw bytes: re-serialised JSON would not match the signature.
//   GET  /payments/stripe/return   — the customer's browser after paying (Checkout's success_url).
// Both settle a paid Checkout Session through the same service call, so they credit once between
// them whichever comes first.
import type { FastifyInstance } from "fastify";
import type { Container } from "../app/container.ts";
import { t } from "../i18n/t.ts";
import { isAppError, notFound } from "../lib/errors.ts";
import { sendError } from "./errors.ts";
import { pageLocale } from "./locale.ts";
import { errorPage } from "./pages.ts";

export const STRIPE_WEBHOOK_PATH = "/payments/stripe/webhook";
export const STRIPE_RETURN_PATH = "/payments/stripe/return";

export async function registerStripeRoutes(app: FastifyInstance, c: Container): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 512 * 1024 }, (_req, body, done) => done(null, body));
    scope.post(STRIPE_WEBHOOK_PATH, { config: { surface: "api" } }, async (req, reply) => {
      try {
        if (!c.stripe.enabled()) throw notFound("Card payments are not configured");
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const sig = req.headers["stripe-signature"];
        const result = await c.stripe.handleWebhook(body, typeof sig === "string" ? sig : undefined);
        return reply.type("application/json; charset=utf-8").send({ received: true, status: result.status });
      } catch (e) {
        // A 4xx tells Stripe not to count on this delivery; a 5xx makes it retry later.
        return sendError(req, reply, e, "api");
      }
    });
  });

  app.get<{ Querystring: { session_id?: string } }>(STRIPE_RETURN_PATH, { config: { surface: "page" } }, async (req, reply) => {
    try {
      const id = typeof req.query.session_id === "string" ? req.query.session_id : "";
      const { redirectTo } = await c.stripe.returnFromCheckout(id);
      return reply.code(303).header("location", redirectTo).header("cache-control", "no-store").send();
    } catch (e) {
      // The one refusal a customer's browser meets here, in their language (the rest as every page).
      if (isAppError(e) && e.code === "not_found") {
        return reply.code(404).type("text/html; charset=utf-8").header("cache-control", "no-store").send(errorPage(req, 404, t("en", "page.card_return.not_found"), t(pageLocale(req), "page.card_return.not_found")));
      }
      return sendError(req, reply, e, "page");
    }
  });
}
