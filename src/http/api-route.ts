// One operation of the JSON API (/api/v1) as data: its method, path, scope, zod schemas and
// handler. api.routes.ts lists them and registers them with fastify; openapi.ts describes them.
// Kept apart from both so that neither imports the other.
import type { z } from "zod";
import type { ApiTokenView } from "../modules/api-tokens/api-tokens.service.ts";
import type { Scope } from "../modules/api-tokens/api-tokens.logic.ts";
import type { AuditContext } from "../modules/audit/audit.logic.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  token: ApiTokenView;
  /** Who is calling, from where: for audit entries. */
  ctx: AuditContext;
  /** How the token is named in order timelines, the ledger and price history. */
  actor: string;
}

/** One API operation; `handle` gets validated input and returns what `response` describes. */
export interface ApiRoute {
  method: HttpMethod;
  /** fastify form: /api/v1/modules/:module */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  scope: Scope;
  params?: AnyObject;
  query?: AnyObject;
  body?: z.ZodType;
  /** Status of a successful answer. */
  status: number;
  response: z.ZodType;
  /** True when a successful call changes something (and so writes an audit entry). */
  changes: boolean;
  handle(input: HandlerInput<any, any, any>): Promise<unknown>;
}

export function route<P extends AnyObject | undefined = undefined, Q extends AnyObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(def: {
  method: HttpMethod;
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  scope: Scope;
  params?: P;
  query?: Q;
  body?: B;
  status?: number;
  response: z.ZodType;
  handle(input: HandlerInput<P extends z.ZodType ? z.output<P> : undefined, Q extends z.ZodType ? z.output<Q> : undefined, B extends z.ZodType ? z.output<B> : undefined>): Promise<unknown>;
}): ApiRoute {
  return { ...def, status: def.status ?? 200, changes: def.method !== "GET" } as ApiRoute;
}
