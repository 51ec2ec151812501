// API tokens: created (the text shown once), listed, revoked, and checked on every API request.
// Creation and revocation write their audit entry in the same transaction as the change.
import type { Db } from "../../db/database.ts";
import type { ApiTokenRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { AppError, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import type { AuditContext } from "../audit/audit.logic.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { ApiTokensRepo } from "./api-tokens.repo.ts";
import { checkTokenName, newTokenSecret, parseScopes, parseToken, scopesFromText, secretMatches, SCOPES, type Scope } from "./api-tokens.logic.ts";

/** A token as lists show it: never the secret, never its hash. */
export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function toTokenView(r: ApiTokenRow): ApiTokenView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: scopesFromText(r.scopes),
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

/** last_used_at is rewritten at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

function actorName(ctx: AuditContext): string {
  return `${ctx.actor.kind}:${ctx.actor.label ?? ctx.actor.id ?? "unknown"}`;
}

export function createApiTokensService(deps: {
  db: Db;
  tokens: ApiTokensRepo;
  audit: Pick<AuditService, "record">;
  clock: Clock;
  ids: IdGenerator;
}) {
  const { db, tokens, audit, clock, ids } = deps;

  /** Creates a token; `token` is its full text, which exists nowhere else once this returns. */
  async function create(input: { name: string; scopes: readonly string[] }, ctx: AuditContext): Promise<{ token: string; view: ApiTokenView }> {
    const name = checkTokenName(input.name);
    const scopes = parseScopes(input.scopes);
    const id = ids.next("tok");
    const secret = newTokenSecret(id);
    const row: ApiTokenRow = {
      id,
      name,
      prefix: secret.prefix,
      hash: secret.hash,
      scopes: scopes.join(" "),
      created_by: actorName(ctx),
      created_at: clock.now().toISOString(),
      last_used_at: null,
      revoked_at: null,
    };
    await db.transaction().execute(async (tx) => {
      await tokens.insert(tx, row);
      await audit.record(tx, { ...ctx, action: "api_token.create", subject: { type: "api_token", id }, after: toTokenView(row) });
    });
    return { token: secret.token, view: toTokenView(row) };
  }

  async function list(): Promise<ApiTokenView[]> {
    return (await tokens.list(db)).map(toTokenView);
  }

  async function get(id: string): Promise<ApiTokenView> {
    const r = await tokens.findById(db, id);
    if (!r) throw notFound(`No API token ${id}`);
    return toTokenView(r);
  }

  /** Revokes a token at once (the next request with it is refused). Revoking twice changes nothing. */
  async function revoke(id: string, ctx: AuditContext): Promise<ApiTokenView> {
    return db.transaction().execute(async (tx) => {
      const before = await tokens.findById(tx, id);
      if (!before) throw notFound(`No API token ${id}`);
      if (before.revoked_at) return toTokenView(before);
      const at = clock.now().toISOString();
      await tokens.revoke(tx, id, at);
      const after = { ...before, revoked_at: at };
      await audit.record(tx, { ...ctx, action: "api_token.revoke", subject: { type: "api_token", id }, before: toTokenView(before), after: toTokenView(after) });
      return toTokenView(after);
    });
  }

  /**
   * The live token a request's bearer text names, or `unauthenticated`. Every refusal says the
   * same thing, so a caller learns nothing about which part was wrong.
   */
  async function authenticate(text: string): Promise<ApiTokenView> {
    const refused = () => new AppError("unauthenticated", "A valid API token is required (Authorization: Bearer pb_…)");
    const parsed = parseToken(text);
    if (!parsed) throw refused();
    const row = await tokens.findById(db, parsed.id);
    if (!row || !secretMatches(parsed.secret, row.hash) || row.revoked_at) throw refused();
    const now = clock.now();
    await tokens.touch(db, row.id, now.toISOString(), new Date(now.getTime() - TOUCH_EVERY_MS).toISOString());
    return toTokenView(row);
  }

  /** `forbidden` unless the token carries `scope`. */
  function requireScope(token: Pick<ApiTokenView, "scopes">, scope: Scope): void {
    if (!token.scopes.includes(scope)) {
      throw new AppError("forbidden", `This token lacks the scope ${scope} (${SCOPES[scope]})`, { scope });
    }
  }

  return { create, list, get, revoke, authenticate, requireScope };
}

export type ApiTokensService = ReturnType<typeof createApiTokensService>;
