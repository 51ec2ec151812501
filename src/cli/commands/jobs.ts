// `partnerbill jobs list|show|retry`: look into the job queue and revive dead jobs.
import type { Command } from "commander";
import type { Container } from "../../app/container.ts";
import type { JobRow, JobState } from "../../db/schema.ts";
import { invalidInput, notFound } from "../../lib/errors.ts";
import { withContainer } from "../runtime.ts";
import { printTable } from "../table.ts";

const STATES: JobState[] = ["queued", "running", "done", "dead", "cancelled"];

function maxAttemptsOf(c: Container, job: JobRow): number | null {
  return job.max_attempts ?? c.jobs.registry.get(job.kind)?.def.maxAttempts ?? null;
}

function oneLine(text: string | null, width: number): string {
  if (!text) return "";
  const flat = text.replace(/\s+/g, " ");
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

function asJson(c: Container, job: JobRow) {
  let payload: unknown = job.payload;
  try {
    payload = JSON.parse(job.payload);
  } catch {
    // Shown as stored: a payload that is not JSON is exactly what someone debugging wants to see.
  }
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    key: job.idempotency_key,
    attempts: job.attempts,
    maxAttempts: maxAttemptsOf(c, job),
    runAt: job.run_at,
    leaseOwner: job.lease_owner,
    leaseExpiresAt: job.lease_expires_at,
    lastError: job.last_error,
    createdAt: job.created_at,
    updatedAt: job.updated_at,
    finishedAt: job.finished_at,
    payload,
  };
}

export function registerJobs(program: Command): void {
  const jobs = program.command("jobs").description("Inspect the job queue and retry dead jobs");

  jobs
    .command("list")
    .description("List jobs, most recently changed first")
    .option("--dead", "only dead jobs (failed for good; see `jobs retry`)")
    .option("--state <state>", `only jobs in this state: ${STATES.join(", ")}`)
    .option("--kind <kind>", "only jobs of this kind, e.g. jobs.cleanup")
    .option("--limit <n>", "at most this many (1–1000)", "50")
    .option("--json", "print JSON")
    .action(async (opts: { dead?: boolean; state?: string; kind?: string; limit: string; json?: boolean }) =>
      withContainer(async (c) => {
        if (opts.state !== undefined && !STATES.includes(opts.state as JobState)) {
          throw invalidInput(`--state must be one of ${STATES.join(", ")}`);
        }
        if (opts.dead && opts.state && opts.state !== "dead") throw invalidInput("--dead and --state disagree");
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalidInput("--limit must be a whole number from 1 to 1000");
        const state = opts.dead ? "dead" : (opts.state as JobState | undefined);
        const rows = await c.queue.list({ ...(state ? { state } : {}), ...(opts.kind ? { kind: opts.kind } : {}), limit });
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows.map((j) => asJson(c, j)), null, 2) + "\n");
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(state === "dead" ? "No dead jobs.\n" : "No jobs.\n");
          return;
        }
        printTable(
          ["id", "kind", "state", "attempts", "run at", "updated", "last error"],
          rows.map((j) => [
            j.id,
            j.kind,
            j.state,
            `${j.attempts}/${maxAttemptsOf(c, j) ?? "?"}`,
            j.run_at,
            j.updated_at,
            oneLine(j.last_error, 60),
          ]),
        );
      }),
    );

  jobs
    .command("show <id>")
    .description("Show one job with its payload and last error")
    .action(async (id: string) =>
      withContainer(async (c) => {
        const job = await c.queue.get(id);
        if (!job) throw notFound(`No job ${id}`);
        process.stdout.write(JSON.stringify(asJson(c, job), null, 2) + "\n");
      }),
    );

  jobs
    .command("retry [id]")
    .description("Queue a dead (or cancelled) job again with a fresh set of attempts")
    .option("--all-dead", "retry every dead job")
    .action(async (id: string | undefined, opts: { allDead?: boolean }) =>
      withContainer(async (c) => {
        if (Boolean(opts.allDead) === Boolean(id)) throw invalidInput("Give either a job id or --all-dead");
        if (opts.allDead) {
          const n = await c.queue.retryAllDead();
          process.stdout.write(`${n} dead job(s) queued again.\n`);
          return;
        }
        const job = await c.queue.retry(id!);
        process.stdout.write(`Job ${job.id} (${job.kind}) is queued again.\n`);
      }),
    );
}
