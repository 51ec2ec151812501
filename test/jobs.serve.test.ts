// `partnerbill serve --roles …`: a node that only runs jobs, stopped the way an orchestrator does.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { runCli, startCli } from "./helpers/cli.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { queueOver, waitFor } from "./helpers/jobs.ts";

const dataDirs: string[] = [];
after(() => {
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), "pb-serve-roles-"));
  dataDirs.push(d);
  return d;
}

describeEachDialect("partnerbill serve --roles", (ctx) => {
  it("runs a worker-only node that processes jobs and exits cleanly on SIGTERM", async () => {
    const t = ctx();
    const child = startCli(["serve", "--roles=worker"], { DATABASE_URL: t.url, DATA_DIR: dataDir(), PORT: "0", LOG_LEVEL: "warn" });
    child.stdin.end();
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor("the node to start", () => out.includes("partnerbill is running (roles: worker;"));
      assert.doesNotMatch(out, /serving on http/, "no HTTP server without the web role");
      const queue = queueOver(t.database);
      const { job } = await queue.enqueue(t.database.db, { kind: "jobs.cleanup", payload: { olderThanDays: 30 }, key: "cleanup:test" });
      await waitFor("the job to be done", async () => (await queue.get(job.id))?.state === "done");
      assert.equal((await queue.list({ kind: "jobs.cleanup" })).length, 1, "no scheduler role: nothing else was enqueued");
      child.kill("SIGTERM");
      assert.equal(await exited, 0, out);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });

  it("refuses an unknown role with a message that lists the roles", async () => {
    const r = await runCli(["serve", "--roles=web,cron"], { DATABASE_URL: ctx().url, DATA_DIR: dataDir() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown role "cron" in --roles \(choose from web, worker, scheduler\)/);
  });
});
