// /sandbox-control/…: the sandbox's own JSON endpoint for tests and demos — set faults, look at
// the state, add accounts and licenses, set a balance, change a module behind the client's back.
// It is no part of the emulated API and shares nothing with /billmgr but the database.
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { isAppError } from "../lib/errors.ts";
import { parseDecimal } from "../lib/money.ts";
import { addMonths, type ExpiryRule } from "./dates.ts";
import { faultInputSchema, type Faults } from "./faults.ts";
import { REGION_CURRENCY } from "./seed.ts";
import type { SandboxStore } from "./store.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
const statusCode = z.number().int().min(1).max(5);

const faultsBody = z.union([
  faultInputSchema,
  z.array(faultInputSchema),
  z.strictObject({
    rules: z.array(faultInputSchema).default([]),
    /** Restart the rolls from this seed. */
    seed: z.number().int().min(0).optional(),
    /** Drop the rules in effect first. */
    replace: z.boolean().optional(),
  }),
]);

const accountBody = z.strictObject({
  email: z.email(),
  password: z.string().min(1),
  region: z.enum(["eu", "ru"]).default("eu"),
  balance: z.string().default("0"),
  twoFactor: z.boolean().default(false),
});

const balanceBody = z.strictObject({ amount: z.string() });

const licenseBody = z.strictObject({
  account: z.string().min(1),
  id: z.number().int().min(1).max(999_999_999).optional(),
  ip: z.string().min(1).max(100),
  licname: z.string().min(1).max(200).default("ispmanager 6 Lite"),
  pricelist: z.number().int().min(1).default(55227),
  expiredate: isoDate.optional(),
  status: statusCode.default(2),
});

const expiryRuleBody = z.discriminatedUnion("rule", [
  z.strictObject({ rule: z.literal("calendar") }),
  z.strictObject({ rule: z.literal("days"), days: z.number().int().min(1).max(366) }),
  z.strictObject({ rule: z.literal("fixed"), date: isoDate }),
]);

const keyDelayBody = z.strictObject({ ms: z.number().int().min(0).max(24 * 3600 * 1000) });

const moduleBody = z.strictObject({ status: statusCode.optional(), expiredate: isoDate.nullable().optional() });

function fail(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

/** Runs a handler, turning bad input into 400 and a conflict into 409 with a readable message. */
function guarded<T>(reply: FastifyReply, fn: () => T): T | FastifyReply {
  try {
    return fn();
  } catch (e) {
    if (e instanceof z.ZodError) return fail(reply, 400, "invalid_input", z.prettifyError(e));
    if (isAppError(e)) return fail(reply, e.code === "not_found" ? 404 : 400, e.code, e.message);
    if (e instanceof Error && /UNIQUE constraint failed/.test(e.message)) return fail(reply, 409, "conflict", "It exists already");
    throw e;
  }
}

export function registerControlRoutes(
  app: FastifyInstance,
  deps: {
    store: SandboxStore;
    faults: Faults;
    state: () => unknown;
    expiry: { get(): ExpiryRule; set(r: ExpiryRule): void };
    keyDelay: { get(): number; set(ms: number): void };
  },
): void {
  const { store, faults } = deps;
  const base = "/sandbox-control";

  app.get(`${base}/state`, async () => deps.state());

  app.get(`${base}/faults`, async () => faults.list());

  app.post(`${base}/faults`, async (req, reply) =>
    guarded(reply, () => {
      const body = faultsBody.parse(req.body ?? {});
      const batch = Array.isArray(body) ? { rules: body } : "kind" in body ? { rules: [body] } : body;
      if ("replace" in batch && batch.replace) faults.clear();
      if ("seed" in batch && batch.seed !== undefined) faults.reseed(batch.seed);
      for (const r of batch.rules) faults.add(r);
      return faults.list();
    }),
  );

  app.delete(`${base}/faults`, async () => {
    faults.clear();
    return faults.list();
  });

  app.delete<{ Params: { id: string } }>(`${base}/faults/:id`, async (req, reply) =>
    faults.remove(Number(req.params.id)) ? faults.list() : fail(reply, 404, "not_found", `No fault rule ${req.params.id}`),
  );

  // How end dates of new orders and renewals are set: calendar months (default), N days per month, or a fixed date.
  app.get(`${base}/key-delay`, async () => ({ ms: deps.keyDelay.get() }));
  app.post(`${base}/key-delay`, async (req, reply) =>
    guarded(reply, () => {
      const { ms } = keyDelayBody.parse(req.body ?? {});
      deps.keyDelay.set(ms);
      return { ms };
    }),
  );

  app.get(`${base}/expiry-rule`, async () => deps.expiry.get());
  app.post(`${base}/expiry-rule`, async (req, reply) =>
    guarded(reply, () => {
      const rule = expiryRuleBody.parse(req.body ?? {});
      deps.expiry.set(rule);
      return rule;
    }),
  );

  app.post(`${base}/accounts`, async (req, reply) =>
    guarded(reply, () => {
      const a = accountBody.parse(req.body ?? {});
      const row = store.insertAccount({
        email: a.email,
        password: a.password,
        region: a.region,
        balanceMinor: parseDecimal(a.balance, REGION_CURRENCY[a.region]).minor,
        twoFactor: a.twoFactor,
      });
      return reply.code(201).send({ email: row.email, region: row.region, currency: row.currency, balanceMinor: row.balance_minor, twoFactor: a.twoFactor });
    }),
  );

  app.post<{ Params: { email: string } }>(`${base}/accounts/:email/balance`, async (req, reply) =>
    guarded(reply, () => {
      const account = store.accountByEmail(req.params.email);
      if (!account) return fail(reply, 404, "not_found", `No account ${req.params.email}`);
      const { amount } = balanceBody.parse(req.body ?? {});
      const m = parseDecimal(amount, account.currency);
      if (m.minor < 0) return fail(reply, 400, "invalid_input", "A balance cannot be negative");
      store.setBalance(account.id, m.minor);
      return { email: account.email, currency: account.currency, balanceMinor: m.minor };
    }),
  );

  app.post(`${base}/licenses`, async (req, reply) =>
    guarded(reply, () => {
      const l = licenseBody.parse(req.body ?? {});
      const account = store.accountByEmail(l.account);
      if (!account) return fail(reply, 404, "not_found", `No account ${l.account}`);
      const row = store.insertLicense({
        ...(l.id !== undefined ? { id: l.id } : {}),
        accountId: account.id,
        ip: l.ip,
        licname: l.licname,
        pricelist: l.pricelist,
        expiredate: l.expiredate ?? addMonths(store.today(), 12),
        status: l.status,
      });
      return reply.code(201).send(row);
    }),
  );

  app.post<{ Params: { id: string } }>(`${base}/modules/:id`, async (req, reply) =>
    guarded(reply, () => {
      const s = /^\d{1,9}$/.test(req.params.id) ? store.service(Number(req.params.id)) : undefined;
      if (!s) return fail(reply, 404, "not_found", `No module service ${req.params.id}`);
      const change = moduleBody.parse(req.body ?? {});
      store.updateService(s.id, {
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.expiredate !== undefined ? { expiredate: change.expiredate } : {}),
      });
      return store.service(s.id);
    }),
  );
}
