// Periodic work, registered once: each entry becomes one job per period, however many nodes run
// the scheduler role (./scheduler.ts). Add a line here for a new periodic task, and its handler
// to the registry in src/app/container.ts.
import { JOB_KINDS } from "./kinds.ts";
import type { PeriodicTask } from "./scheduler.ts";

const HOUR_MS = 3_600_000;

export const PERIODIC_TASKS: PeriodicTask[] = [
  // Daily at 03:00 UTC, away from midnight when renewals and reports tend to pile up.
  { kind: JOB_KINDS.cleanup, every: "daily", offsetMs: 3 * HOUR_MS, payload: { olderThanDays: 30 } },
];
