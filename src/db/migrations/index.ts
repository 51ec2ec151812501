// The ordered list of migrations. Names sort in the order they run; one set serves both dialects.
import type { Migration } from "kysely";
import * as m0001 from "./0001_catalog.ts";

export const migrations: Record<string, Migration> = {
  "0001_catalog": m0001,
};
