// Which handler runs which job kind on this node. Built once in src/app/container.ts from the
// handler definitions bound to their dependencies; a kind with no handler here goes to the dead
// letter when this node claims it (docs/adr/0007-durable-job-queue.md).
import type { BoundJob } from "./job.ts";

export function createJobRegistry(jobs: BoundJob[]) {
  const byKind = new Map<string, BoundJob>();
  for (const job of jobs) {
    if (byKind.has(job.def.kind)) throw new Error(`Two handlers for job kind "${job.def.kind}"`);
    byKind.set(job.def.kind, job);
  }
  return {
    get: (kind: string): BoundJob | undefined => byKind.get(kind),
    kinds: (): string[] => [...byKind.keys()].sort(),
  };
}

export type JobRegistry = ReturnType<typeof createJobRegistry>;
