// Who is acting on an admin page, as an audit entry names them (ADR 0017).
import type { FastifyRequest } from "fastify";
import type { AuditContext } from "../../modules/audit/audit.logic.ts";
import { currentStaff } from "../session.ts";

export function staffAuditContext(req: FastifyRequest): AuditContext {
  const me = currentStaff(req);
  return { actor: { kind: "staff", id: me?.id ?? null, label: me?.email ?? null }, ip: req.ip, requestId: req.id };
}

/** Every value of a form field that may repeat (checkboxes): text values only. */
export function fieldValues(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  const list = Array.isArray(v) ? v : [v];
  return list.filter((x): x is string => typeof x === "string");
}
