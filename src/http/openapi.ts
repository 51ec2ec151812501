// The OpenAPI 3.1 document of /api/v1, generated from the route table and its zod schemas
// (api.routes.ts, api.schemas.ts) with zod's own JSON Schema output — the schemas that validate
// requests are the ones the document shows.
import { z } from "zod";
import { SCOPES } from "../modules/api-tokens/api-tokens.logic.ts";
import type { ApiRoute } from "./api-route.ts";
import { ErrorBody } from "./api.schemas.ts";

export const OPENAPI_PATH = "/api/openapi.json";

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, inline, without `$schema`. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as JsonSchema;
  return rest;
}

/** /api/v1/modules/:module → /api/v1/modules/{module} */
export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function isOptional(s: z.ZodType): boolean {
  return s.safeParse(undefined).success;
}

function parametersOf(r: ApiRoute): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, obj] of [["path", r.params], ["query", r.query]] as const) {
    if (!obj) continue;
    for (const [name, prop] of Object.entries(obj.shape) as Array<[string, z.ZodType]>) {
      const schema = jsonSchemaOf(prop, "input");
      const description = typeof schema["description"] === "string" ? schema["description"] : undefined;
      out.push({ name, in: where, required: where === "path" || !isOptional(prop), ...(description ? { description } : {}), schema });
    }
  }
  return out;
}

/** One line per tag of the /api routes, for the document's `tags` (a tag without one falls back to its name). */
const TAG_DESCRIPTIONS: Record<string, string> = {
  audit: "Who changed what: the audit trail of staff, CLI and API changes.",
  catalog: "The ispmanager modules of the client area, and whether each is sold.",
  customers: "Customer accounts, their balances and their modules.",
  orders: "Orders from the panel's Buy button through payment to fulfillment, and the manual queue.",
  prices: "Sell prices per module and period, and their history.",
  webhooks: "Outgoing webhook endpoints and their deliveries.",
};

const ERROR_RESPONSE = { $ref: "#/components/responses/Error" };

export function buildOpenApi(routes: readonly ApiRoute[], opts: { serverUrl?: string | undefined } = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const operation: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      description: `Requires the scope \`${r.scope}\` (${SCOPES[r.scope]}).${r.changes ? " Writes an audit entry." : ""}`,
      tags: [r.tag],
      security: [{ bearer: [r.scope] }],
      "x-scope": r.scope,
      parameters: parametersOf(r),
      responses: {
        [String(r.status)]: { description: "Success", content: { "application/json": { schema: jsonSchemaOf(r.response, "output") } } },
        "400": ERROR_RESPONSE,
        "401": ERROR_RESPONSE,
        "403": ERROR_RESPONSE,
        ...(r.params ? { "404": ERROR_RESPONSE } : {}),
        ...(r.changes ? { "409": ERROR_RESPONSE } : {}),
        default: ERROR_RESPONSE,
      },
    };
    if (r.body) {
      operation["requestBody"] = { required: !isOptional(r.body), content: { "application/json": { schema: jsonSchemaOf(r.body, "input") } } };
    }
    (paths[openApiPath(r.path)] ??= {})[r.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "partnerbill API",
      version: "1.0.0",
      license: { name: "MIT", identifier: "MIT" },
      description:
        "Catalog, prices, orders, the manual queue, customers and balances of a partnerbill billing. " +
        "Authenticate with an API token (`partnerbill tokens create`) as `Authorization: Bearer pb_…`. " +
        "Errors are `{ error: { code, message } }` with a stable code; amounts are integer minor units with an ISO currency.",
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    security: [{ bearer: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "pb_<id>_<secret>",
          description: `API token. Scopes: ${Object.entries(SCOPES).map(([k, v]) => `\`${k}\` — ${v}`).join("; ")}.`,
        },
      },
      schemas: { Error: jsonSchemaOf(ErrorBody, "output") },
      responses: {
        Error: { description: "An error with a stable code", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;
