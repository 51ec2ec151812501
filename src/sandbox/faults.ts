// Injected faults of the sandbox (src/sandbox/README.md, "Faults"). A fault is a rule: a kind, a
// scope (which BILLmanager functions it applies to), a probability and/or a count of the next
// matching calls. Rolls come from one seeded generator, so a run with the same seed and the same
// sequence of calls injects the same faults.
import { randomInt } from "node:crypto";
import { z } from "zod";

export const FAULT_KINDS = [
  "latency",
  "error_rate",
  "http_5xx",
  "timeout_after_order",
  "reset_after_order",
  "insufficient_funds",
  "auth_failure",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Functions that spend the account's money. */
export const MONEY_FUNCS: readonly string[] = ["addition.order.param", "soft.order.param", "service.prolong"];

/**
 * Where a rule applies when it names no function: the *_after_order kinds and insufficient_funds
 * apply to the money-spending functions; every other kind to every call.
 */
const DEFAULT_SCOPE: Record<FaultKind, readonly string[] | null> = {
  latency: null,
  error_rate: null,
  http_5xx: null,
  auth_failure: null,
  insufficient_funds: MONEY_FUNCS,
  timeout_after_order: MONEY_FUNCS,
  reset_after_order: MONEY_FUNCS,
};

/** How long timeout_after_order holds the answer when the rule gives no `ms`: far beyond any client timeout. */
export const DEFAULT_HOLD_MS = 10 * 60 * 1000;

export const HTTP_5XX_STATUSES = [500, 502, 503] as const;

export const faultInputSchema = z
  .strictObject({
    kind: z.enum(FAULT_KINDS),
    /** One function or several; absent = the kind's default scope. */
    func: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    /** Chance that a matching call is hit, 0..1 (default 1). */
    probability: z.number().min(0).max(1).optional(),
    /** Hit at most this many calls, then stay inert (default: no limit). */
    count: z.number().int().min(1).optional(),
    /** latency: the delay; timeout_after_order: how long the answer is held. */
    ms: z.number().int().min(0).max(24 * 3600 * 1000).optional(),
    /** latency: up to this many extra milliseconds, drawn per call. */
    jitter: z.number().int().min(0).max(3600 * 1000).optional(),
    /** http_5xx: the status to answer (default: one of 500, 502, 503 drawn per call). */
    status: z.number().int().min(500).max(599).optional(),
  })
  .refine((f) => f.kind !== "latency" || f.ms !== undefined, { message: "latency needs ms", path: ["ms"] });

export type FaultInput = z.input<typeof faultInputSchema>;

export interface FaultRule {
  id: number;
  kind: FaultKind;
  /** Functions the rule applies to; null = every call. */
  funcs: readonly string[] | null;
  probability: number;
  /** Calls it may still hit; null = no limit. */
  remaining: number | null;
  ms?: number;
  jitter?: number;
  status?: number;
  /** How many calls it has hit so far. */
  hits: number;
}

/** mulberry32: small, fast, good enough to decide faults, and reproducible from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createFaults(opts: { seed?: number; rules?: FaultInput[] } = {}) {
  let seed = opts.seed ?? randomInt(0, 2 ** 31);
  let random = seededRandom(seed);
  let rules: FaultRule[] = [];
  let nextId = 1;

  function add(input: FaultInput): FaultRule {
    const f = faultInputSchema.parse(input);
    const rule: FaultRule = {
      id: nextId++,
      kind: f.kind,
      funcs: f.func === undefined ? DEFAULT_SCOPE[f.kind] : typeof f.func === "string" ? [f.func] : f.func,
      probability: f.probability ?? 1,
      remaining: f.count ?? null,
      hits: 0,
    };
    if (f.ms !== undefined) rule.ms = f.ms;
    if (f.jitter !== undefined) rule.jitter = f.jitter;
    if (f.status !== undefined) rule.status = f.status;
    rules.push(rule);
    return rule;
  }

  function applies(rule: FaultRule, kind: FaultKind, func: string): boolean {
    return rule.kind === kind && rule.remaining !== 0 && (rule.funcs === null || rule.funcs.includes(func));
  }

  /** Decides whether one rule hits this call; a hit uses up one of its count. */
  function hit(rule: FaultRule): boolean {
    // A certain rule draws no number, so adding one does not shift the rolls of the others.
    if (rule.probability < 1 && !(random() < rule.probability)) return false;
    if (rule.remaining !== null) rule.remaining--;
    rule.hits++;
    return true;
  }

  /** The first rule of `kind` that hits this call of `func`, or null. */
  function roll(kind: FaultKind, func: string): FaultRule | null {
    for (const rule of rules) if (applies(rule, kind, func) && hit(rule)) return rule;
    return null;
  }

  /** Total injected latency for this call: every latency rule that hits adds its delay. */
  function latencyMs(func: string): number {
    let total = 0;
    for (const rule of rules) {
      if (applies(rule, "latency", func) && hit(rule)) {
        total += (rule.ms ?? 0) + (rule.jitter ? Math.floor(random() * (rule.jitter + 1)) : 0);
      }
    }
    return total;
  }

  /** The status a hitting http_5xx rule answers. */
  function statusOf(rule: FaultRule): number {
    return rule.status ?? HTTP_5XX_STATUSES[Math.floor(random() * HTTP_5XX_STATUSES.length)]!;
  }

  for (const r of opts.rules ?? []) add(r);

  return {
    add,
    /** Removes one rule; false when there was none with that id. */
    remove(id: number): boolean {
      const before = rules.length;
      rules = rules.filter((r) => r.id !== id);
      return rules.length < before;
    },
    clear(): void {
      rules = [];
    },
    /** Restarts the generator, so that the rolls from here on are those of `s`. */
    reseed(s: number): void {
      seed = s >>> 0;
      random = seededRandom(seed);
    },
    list(): { seed: number; rules: FaultRule[] } {
      return { seed, rules: rules.map((r) => ({ ...r })) };
    },
    roll,
    latencyMs,
    statusOf,
  };
}

export type Faults = ReturnType<typeof createFaults>;
