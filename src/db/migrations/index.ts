// The ordered list of migrations. Names sort in the order they run; one set serves both dialects.
import type { Migration } from "kysely";
import * as m0001 from "./0001_catalog.ts";
import * as m0002 from "./0002_pricing.ts";
import * as m0003 from "./0003_jobs.ts";
import * as m0004 from "./0004_orders.ts";
import * as m0005 from "./0005_renewals.ts";

export const migrations: Record<string, Migration> = {
  "0001_catalog": m0001,
  "0002_pricing": m0002,
  "0003_jobs": m0003,
  "0004_orders": m0004,
  "0005_renewals": m0005,
};
