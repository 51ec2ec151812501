// The readiness probe's database check. It lives in db/ because only db/, repositories and the
// job queue speak SQL (test/architecture.test.ts).
import { sql } from "kysely";
import type { Executor } from "./database.ts";

export async function ping(db: Executor): Promise<void> {
  await sql`select 1`.execute(db);
}
