// The orders list's input: filters, the search box and the page cursor, validated into what the
// repository queries (docs/adr/0018-orders-list.md). Pure.
//
// Pages are keyset pages on (created_at desc, id desc): the cursor is the key of the last row
// shown, and the next page is "rows strictly before it" — one index range, as fast on page 20 000
// as on page 1, and stable while new orders arrive (they sort before the first page, never into
// the middle of a walk).
import { invalidInput } from "../../lib/errors.ts";
import { normalizeEmail } from "../customers/customers.logic.ts";
import { ORDER_STATES, isOrderState } from "./orders.logic.ts";

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 500;

/** What a caller (admin page, API, CLI) may ask for. */
export interface ListOrdersInput {
  state?: string;
  states?: readonly string[];
  kind?: string;
  customerId?: string;
  licenseId?: number;
  moduleId?: string;
  /** Inclusive; an ISO date (start of that day, UTC) or date-time. */
  createdFrom?: string;
  /** Inclusive of a whole day when a date (YYYY-MM-DD); exclusive when a date-time. */
  createdTo?: string;
  /** Order id, license number, customer e-mail or customer id (see parseSearch). */
  q?: string;
  /** The `next` of the previous page. */
  after?: string;
  limit?: number;
}

/** The key rows are ordered by, newest first. */
export interface OrderKey {
  createdAt: string;
  id: string;
}

/** The search box, recognised by its shape so that each kind is an exact, index-backed match. */
export type Search =
  | { by: "order"; id: string }
  | { by: "license"; licenseId: number }
  | { by: "email"; email: string }
  | { by: "customer"; id: string };

const ID = /^[a-z]{2,8}_[0-9a-z]{1,40}$/;
const LICENSE = /^[1-9]\d{0,14}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The search box: a number is a license, something with "@" a customer's e-mail (case-insensitive,
 * whole address), "ord_…" an order id and "cus_…" a customer id (whole ids). Anything else is
 * refused with a message saying what can be searched: a partial match could not use an index.
 */
export function parseSearch(raw: string): Search | null {
  const q = raw.trim();
  if (q === "") return null;
  if (q.length > 254) throw invalidInput("The search is too long");
  const lower = q.toLowerCase();
  if (LICENSE.test(q)) return { by: "license", licenseId: Number(q) };
  if (q.includes("@")) return { by: "email", email: normalizeEmail(q) };
  if (ID.test(lower) && lower.startsWith("ord_")) return { by: "order", id: lower };
  if (ID.test(lower) && lower.startsWith("cus_")) return { by: "customer", id: lower };
  throw invalidInput("Search for an order id (ord_…), a license number, a customer's e-mail address or a customer id (cus_…)");
}

export function encodeCursor(key: OrderKey): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id]), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): OrderKey {
  const bad = () => invalidInput("The page cursor is not valid; start again from the first page");
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw bad();
  const [createdAt, id] = parsed as unknown[];
  if (typeof createdAt !== "string" || !ISO_TIME.test(createdAt) || Number.isNaN(Date.parse(createdAt))) throw bad();
  if (typeof id !== "string" || !ID.test(id)) throw bad();
  return { createdAt, id };
}

function instant(name: string, v: string, endOfDay: boolean): string {
  const s = v.trim();
  if (DATE.test(s)) {
    const d = new Date(`${s}T00:00:00.000Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s) throw invalidInput(`${name} is not a valid date`);
    if (endOfDay) d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString();
  }
  const t = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(t)) throw invalidInput(`${name} must be a date (2026-12-01) or an ISO date-time`);
  return new Date(t).toISOString();
}

/** The filters as the repository takes them. */
export interface OrderPageFilter {
  /** Empty: any state. */
  states: string[];
  kind?: string;
  customerId?: string;
  licenseId?: number;
  moduleId?: string;
  orderId?: string;
  /** created_at >= createdFrom */
  createdFrom?: string;
  /** created_at < createdBefore */
  createdBefore?: string;
}

export interface ParsedListInput {
  filter: OrderPageFilter;
  search: Search | null;
  after: OrderKey | null;
  limit: number;
}

/** Validates everything; throws invalid_input naming each problem. Changes nothing. */
export function parseListInput(input: ListOrdersInput): ParsedListInput {
  const problems: string[] = [];
  const states = [...new Set([...(input.state ? [input.state] : []), ...(input.states ?? [])])];
  for (const s of states) if (!isOrderState(s)) problems.push(`state must be one of ${ORDER_STATES.join(", ")}`);
  if (input.kind !== undefined && input.kind !== "purchase" && input.kind !== "renewal") problems.push("kind must be purchase or renewal");
  if (input.licenseId !== undefined && !(Number.isSafeInteger(input.licenseId) && input.licenseId > 0)) problems.push("license must be a positive whole number");
  if (input.customerId !== undefined && !ID.test(input.customerId)) problems.push("customer must be a customer id (cus_…)");
  if (input.moduleId !== undefined && !/^(eu|ru)-\d{1,15}$/.test(input.moduleId)) problems.push("module must be a module id like eu-23221");
  const limit = input.limit ?? LIST_LIMIT_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) problems.push(`limit must be a whole number from 1 to ${LIST_LIMIT_MAX}`);
  const filter: OrderPageFilter = { states };
  const tryParse = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      problems.push((e as Error).message);
      return undefined;
    }
  };
  if (input.createdFrom) filter.createdFrom = tryParse(() => instant("from", input.createdFrom!, false));
  if (input.createdTo) filter.createdBefore = tryParse(() => instant("to", input.createdTo!, true));
  const search = input.q !== undefined ? (tryParse(() => parseSearch(input.q!)) ?? null) : null;
  const after = input.after ? (tryParse(() => decodeCursor(input.after!)) ?? null) : null;
  if (problems.length > 0) throw invalidInput([...new Set(problems)].join("; "), { problems: [...new Set(problems)] });
  if (input.kind) filter.kind = input.kind;
  if (input.customerId) filter.customerId = input.customerId;
  if (input.licenseId !== undefined) filter.licenseId = input.licenseId;
  if (input.moduleId) filter.moduleId = input.moduleId;
  if (filter.createdFrom === undefined) delete filter.createdFrom;
  if (filter.createdBefore === undefined) delete filter.createdBefore;
  return { filter, search, after, limit };
}

/**
 * Adds what the search pinned to the filters. Returns null when the two cannot both hold (the
 * search names another customer than the filter): the page is empty without asking the database.
 */
export function narrow(filter: OrderPageFilter, pinned: { orderId?: string; customerId?: string; licenseId?: number }): OrderPageFilter | null {
  const out = { ...filter };
  if (pinned.orderId !== undefined) out.orderId = pinned.orderId;
  if (pinned.customerId !== undefined) {
    if (out.customerId !== undefined && out.customerId !== pinned.customerId) return null;
    out.customerId = pinned.customerId;
  }
  if (pinned.licenseId !== undefined) {
    if (out.licenseId !== undefined && out.licenseId !== pinned.licenseId) return null;
    out.licenseId = pinned.licenseId;
  }
  return out;
}
