// `partnerbill jobs …` as an operator runs it, over a test database of each dialect.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { runCli } from "./helpers/cli.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { queueOver } from "./helpers/jobs.ts";

const dataDirs: string[] = [];
after(() => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

describeEachDialect("partnerbill jobs", (ctx) => {
  const cli = (...args: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "pb-jobs-cli-"));
    dataDirs.push(dir);
    return runCli(args, { DATABASE_URL: ctx().url, DATA_DIR: dir });
  };

  async function deadJob() {
    const { database } = ctx();
    const queue = queueOver(database);
    const { job } = await queue.enqueue(database.db, { kind: "order.place", payload: { orderId: "ord_1" }, key: "order:ord_1:place" });
    await queue.claim("node-a", 1, 30_000);
    await queue.fail(job.id, "node-a", "AppError [upstream_unavailable]: client area did not answer", null);
    await queue.enqueue(database.db, { kind: "jobs.cleanup", key: "cleanup:today" });
    return { queue, job };
  }

  it("lists dead jobs with their last error, and shows one job in full", async () => {
    const { job } = await deadJob();
    const list = await cli("jobs", "list", "--dead");
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^id\s+kind\s+state\s+attempts\s+run at\s+updated\s+last error$/);
    assert.equal(lines.length, 3, list.stdout);
    assert.match(lines[2]!, new RegExp(`^${job.id}\\s+order\\.place\\s+dead\\s+1/12\\s+.*client area did not answer$`));

    const all = JSON.parse((await cli("jobs", "list", "--json")).stdout) as Array<{ kind: string; maxAttempts: number | null }>;
    assert.deepEqual(all.map((j) => j.kind).sort(), ["jobs.cleanup", "order.place"]);
    assert.equal(all.find((j) => j.kind === "jobs.cleanup")?.maxAttempts, 3, "the handler's attempts are shown when the job has none of its own");

    const show = await cli("jobs", "show", job.id);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as Record<string, unknown>;
    assert.equal(shown["state"], "dead");
    assert.equal(shown["key"], "order:ord_1:place");
    assert.deepEqual(shown["payload"], { orderId: "ord_1" });
  });

  it("retries a dead job so that it is queued again with fresh attempts", async () => {
    const { queue, job } = await deadJob();
    const r = await cli("jobs", "retry", job.id);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Job ${job.id} \\(order\\.place\\) is queued again`));
    const row = await queue.get(job.id);
    assert.equal(row?.state, "queued");
    assert.equal(row?.attempts, 0);

    const again = await cli("jobs", "retry", job.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is queued; only dead or cancelled jobs can be retried/);
  });

  it("retries every dead job at once, and explains wrong usage", async () => {
    const { queue, job } = await deadJob();
    const r = await cli("jobs", "retry", "--all-dead");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1 dead job\(s\) queued again\.$/m);
    assert.equal((await queue.get(job.id))?.state, "queued");

    const neither = await cli("jobs", "retry");
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /either a job id or --all-dead/);
    const missing = await cli("jobs", "show", "job_nope");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No job job_nope/);
    const badState = await cli("jobs", "list", "--state", "sleeping");
    assert.equal(badState.code, 2);
    assert.match(badState.stderr, /--state must be one of queued, running, done, dead, cancelled/);
  });
});
