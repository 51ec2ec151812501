// Job kinds, declared once. A kind is stored in every job row, so renaming one strands the jobs
// already queued under the old name: add a new kind instead and let the old one drain.
export const JOB_KINDS = {
  /** Deletes done and cancelled jobs past their retention (handlers/cleanup.ts). */
  cleanup: "jobs.cleanup",
} as const;

export type JobKind = (typeof JOB_KINDS)[keyof typeof JOB_KINDS];
