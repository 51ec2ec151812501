// Sessions and CSRF for server-rendered pages (docs/adr/0013-accounts-and-sessions.md has the
// how-to for page authors). `registerSessions` adds one preHandler hook for every page route:
//   1. it loads the session of the route's realm from its cookie — /admin/… is the staff realm,
//      every other page the customer realm, each with its own cookie — and the signed-in subject;
//   2. it refuses any form POST (every method but GET/HEAD/OPTIONS) whose `_csrf` field is not the
//      token bound to that session — or, with no session, to the browser's pre-session cookie —
//      with a 403 page, before the handler runs, so nothing changes.
// Handlers then use currentCustomer/currentStaff, requireCustomer/requireStaff, csrfField, and
// startSession/endSession at login and logout.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { Container } from "../app/container.ts";
import type { SessionRow } from "../db/schema.ts";
import { AppError } from "../lib/errors.ts";
import { html, type SafeHtml } from "../lib/html.ts";
import { isWellFormedToken, newSecretToken, safeNext } from "../modules/accounts/accounts.logic.ts";
import type { Realm } from "../modules/accounts/sessions.service.ts";
import type { StaffRole } from "../modules/accounts/staff-auth.service.ts";
import { sendError, surfaceOf } from "./errors.ts";
import { requestLocale, setPageContext } from "./locale.ts";
import { realmOfPath } from "./realm.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * false: this page route takes POSTs without a CSRF token. Only for requests that carry their
     * own proof (a provider's signed callback) or change nothing of the user's (the demo panel).
     */
    csrf?: boolean;
  }
}

export interface SignedInCustomer {
  id: string;
  email: string;
  name: string | null;
  emailVerified: boolean;
  locale: string | null;
}

export interface SignedInStaff {
  id: string;
  email: string;
  role: StaffRole;
  totp: boolean;
  locale: string | null;
}

interface RequestAuth {
  realm: Realm;
  /** The live session of the realm, a staff login waiting for its TOTP code included. */
  session: SessionRow | null;
  customer: SignedInCustomer | null;
  staff: SignedInStaff | null;
  /** The pre-session cookie that binds anonymous forms; set on the reply once a form used it. */
  pre: { value: string; isNew: boolean; used: boolean };
  c: Container;
  csrfKey: Buffer;
  secure: boolean;
}

const state = new WeakMap<FastifyRequest, RequestAuth>();

/** The form field that carries the CSRF token. */
export const CSRF_FIELD = "_csrf";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export { realmOfPath };

/** Cookie names; with https the __Host- prefix pins them to this host, path / and Secure. */
export function cookieNames(secure: boolean) {
  const p = secure ? "__Host-" : "";
  return { customer: `${p}pb_session`, staff: `${p}pb_staff`, pre: `${p}pb_pre` } as const;
}

function cookieOptions(secure: boolean, maxAgeSeconds?: number) {
  return { path: "/", httpOnly: true, sameSite: "lax" as const, secure, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

function authOf(req: FastifyRequest): RequestAuth {
  const a = state.get(req);
  if (!a) throw new Error(`no session state for ${req.method} ${req.url}: session helpers work on page routes only`);
  return a;
}

function tokenFor(a: RequestAuth): string {
  if (a.session) return createHmac("sha256", a.csrfKey).update(`s:${a.session.csrf_secret}`).digest("base64url");
  a.pre.used = true;
  return createHmac("sha256", a.csrfKey).update(`p:${a.pre.value}`).digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function csrfValid(a: RequestAuth, given: unknown): boolean {
  if (typeof given !== "string" || given.length > 100) return false;
  // Without a session, a token is only good with the pre-session cookie the browser sent.
  if (!a.session && a.pre.isNew) return false;
  return sameText(given, tokenFor(a));
}

// ---- for page handlers -----------------------------------------------------------------------

/** The signed-in customer, or null (always null on /admin pages). */
export function currentCustomer(req: FastifyRequest): SignedInCustomer | null {
  return state.get(req)?.customer ?? null;
}

/** The signed-in staff user, or null (always null outside /admin, and until the TOTP step). */
export function currentStaff(req: FastifyRequest): SignedInStaff | null {
  return state.get(req)?.staff ?? null;
}

/** The staff user whose login waits for a TOTP code (the /admin/totp second step). */
export function pendingStaffId(req: FastifyRequest): string | null {
  const s = state.get(req)?.session;
  return s && s.realm === "staff" && s.pending_second_factor === 1 ? s.subject_id : null;
}

/** True when the form's CSRF token is the one of this browser (for routes that take POSTs without). */
export function formTokenValid(req: FastifyRequest): boolean {
  const a = state.get(req);
  return a !== undefined && csrfValid(a, (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD]);
}

/** The CSRF token for a form on this page. */
export function csrfToken(req: FastifyRequest): string {
  return tokenFor(authOf(req));
}

/** The hidden input every POST form of a page must contain. */
export function csrfField(req: FastifyRequest): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(req)}">`;
}

/** The path of this request, safe for a `next` parameter. */
function hereFor(req: FastifyRequest, fallback: string): string {
  return req.method === "GET" ? safeNext(req.url, fallback, authOf(req).c.config.PUBLIC_URL) : fallback;
}

/** preHandler: lets signed-in customers through; sends anyone else to the login page and back. */
export const requireCustomer: preHandlerAsyncHookHandler = async function (req, reply) {
  if (currentCustomer(req)) return undefined;
  return reply.code(303).header("location", `/account/login?next=${encodeURIComponent(hereFor(req, "/account"))}`).header("cache-control", "no-store").send();
};

/** The only POST routes a support account may use: its own sign-out, password and second factor. */
export const SUPPORT_MAY_POST: ReadonlySet<string> = new Set(["/admin/logout", "/admin/account/password", "/admin/totp/enrol", "/admin/totp/confirm", "/admin/totp/disable"]);

/** preHandler: lets signed-in staff through (of `role`, when given: owner pages); support staff only read. */
export function requireStaff(role?: StaffRole): preHandlerAsyncHookHandler {
  return async function (req, reply) {
    const staff = currentStaff(req);
    if (!staff) {
      return reply.code(303).header("location", `/admin/login?next=${encodeURIComponent(hereFor(req, "/admin"))}`).header("cache-control", "no-store").send();
    }
    // Support staff are read-only: every request that could change something is refused, except
    // signing out and the second factor of their own account (docs/adr/0029).
    if (staff.role === "support" && req.method !== "GET" && req.method !== "HEAD" && !SUPPORT_MAY_POST.has(req.routeOptions.url ?? "")) {
      return sendError(req, reply, new AppError("forbidden", `Support accounts can look but not change anything. You are signed in as ${staff.email} (support).`), "page");
    }
    if (role && staff.role !== role) {
      return sendError(req, reply, new AppError("forbidden", `Only ${role === "owner" ? "the owner" : "staff"} can open this page. You are signed in as ${staff.email} (${staff.role}).`), "page");
    }
    return undefined;
  };
}

/**
 * Signs the browser in: a brand-new session id (the one it had, whatever it was, is deleted) in
 * the realm's cookie. Also used after a privilege change (the TOTP step, turning TOTP on or off).
 */
export async function startSession(
  req: FastifyRequest,
  reply: FastifyReply,
  realm: Realm,
  subjectId: string,
  opts: { pendingSecondFactor?: boolean } = {},
): Promise<void> {
  const a = authOf(req);
  const names = cookieNames(a.secure);
  const started = await a.c.sessions.start(realm, subjectId, {
    replacing: req.cookies[names[realm]],
    ip: req.ip,
    userAgent: req.headers["user-agent"] ?? null,
    pendingSecondFactor: opts.pendingSecondFactor ?? false,
  });
  // Customers stay signed in across browser restarts (up to SESSION_MAX_HOURS); staff cookies
  // last as long as the browser session.
  const maxAge = realm === "customer" && !opts.pendingSecondFactor ? a.c.config.SESSION_MAX_HOURS * 3600 : undefined;
  reply.setCookie(names[realm], started.token, cookieOptions(a.secure, maxAge));
  if (realm === a.realm) {
    a.session = started.row;
    await loadSubject(a);
  }
}

/** Signs the browser out of the request's realm: the session row is deleted, the cookie cleared. */
export async function endSession(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const a = authOf(req);
  const name = cookieNames(a.secure)[a.realm];
  await a.c.sessions.end(req.cookies[name]);
  reply.clearCookie(name, cookieOptions(a.secure));
  a.session = null;
  a.customer = null;
  a.staff = null;
}

// ---- the hook --------------------------------------------------------------------------------

async function loadSubject(a: RequestAuth): Promise<void> {
  a.customer = null;
  a.staff = null;
  const s = a.session;
  if (!s || s.pending_second_factor === 1) return;
  if (s.realm === "customer") {
    const p = await a.c.customerAuth.profile(s.subject_id);
    if (p) a.customer = p;
  } else {
    const v = await a.c.staffAuth.find(s.subject_id);
    if (v && !v.disabled) a.staff = { id: v.id, email: v.email, role: v.role, totp: v.totp, locale: v.locale };
  }
}

export function registerSessions(app: FastifyInstance, c: Container): void {
  const secure = c.config.PUBLIC_URL.startsWith("https:");
  const names = cookieNames(secure);
  const csrfKey = createHmac("sha256", c.secretKey).update("partnerbill csrf v1").digest();

  app.addHook("preHandler", async (req, reply) => {
    const surface = req.routeOptions.config?.surface ?? surfaceOf(req.url);
    if (surface !== "page") return;
    const realm = realmOfPath(req.url);
    const cookies = req.cookies ?? {};
    const preCookie = cookies[names.pre];
    const a: RequestAuth = {
      realm,
      session: null,
      customer: null,
      staff: null,
      pre: isWellFormedToken(preCookie) ? { value: preCookie, isNew: false, used: false } : { value: newSecretToken(), isNew: true, used: false },
      c,
      csrfKey,
      secure,
    };
    state.set(req, a);
    const sessionCookie = cookies[names[realm]];
    if (sessionCookie !== undefined) {
      a.session = await c.sessions.resolve(realm, sessionCookie);
      await loadSubject(a);
      // A session whose subject is gone or disabled ends here.
      if (a.session && a.session.pending_second_factor === 0 && !a.customer && !a.staff) {
        await c.sessions.end(sessionCookie);
        a.session = null;
      }
      if (!a.session) reply.clearCookie(names[realm], cookieOptions(secure));
    }
    // The page's language (docs/adr/0036-i18n.md). Signed in, the language switch also stores the
    // choice on the person, which needs this session's CSRF token; anonymous, the cookie is all.
    setPageContext(req, {
      locale: requestLocale(req, { stored: a.customer?.locale ?? a.staff?.locale, partnerDefault: (await c.settings.get()).defaultLocale }),
      formToken: a.session ? () => tokenFor(a) : undefined,
    });

    if (SAFE_METHODS.has(req.method) || req.routeOptions.config?.csrf === false) return;
    // JSON cannot be sent across sites without a CORS preflight, which nothing here answers; a
    // browser form can only send urlencoded, multipart or text/plain bodies.
    if ((req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) return;
    const body = req.body as Record<string, unknown> | undefined;
    if (!csrfValid(a, body?.[CSRF_FIELD])) {
      req.log.warn({ path: req.url.split("?", 1)[0], realm }, "form refused: missing or wrong CSRF token");
      return sendError(
        req,
        reply,
        new AppError("forbidden", "This form has expired or did not come from this site, so nothing was changed. Go back, reload the page and try again.", { messageKey: "common.error.form_expired" }),
        "page",
      );
    }
    return undefined;
  });

  app.addHook("onSend", async (req, reply) => {
    const a = state.get(req);
    if (a?.pre.isNew && a.pre.used) reply.setCookie(names.pre, a.pre.value, cookieOptions(secure));
  });
}
