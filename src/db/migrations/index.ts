// The ordered list of migrations. Names sort in the order they run; one set serves both dialects.
import type { Migration } from "kysely";
import * as m0001 from "./0001_catalog.ts";
import * as m0002 from "./0002_pricing.ts";
import * as m0003 from "./0003_jobs.ts";
import * as m0004 from "./0004_orders.ts";
import * as m0005 from "./0005_renewals.ts";
import * as m0006 from "./0006_accounts.ts";
import * as m0007 from "./0007_money.ts";
import * as m0008 from "./0008_stripe.ts";
import * as m0009 from "./0009_mail.ts";
import * as m0010 from "./0010_api.ts";
import * as m0011 from "./0011_webhooks.ts";
import * as m0013 from "./0013_rate_limits.ts";
import * as m0014 from "./0014_roles_approvals.ts";
import * as m0015 from "./0015_upstream_truth.ts";
import * as m0017 from "./0017_locales.ts";
import * as m0019 from "./0019_order_refunds.ts";
import * as m0022 from "./0022_precheck_listing.ts";
import * as m0023 from "./0023_licenses.ts";

export const migrations: Record<string, Migration> = {
  "0001_catalog": m0001,
  "0002_pricing": m0002,
  "0003_jobs": m0003,
  "0004_orders": m0004,
  "0005_renewals": m0005,
  "0006_accounts": m0006,
  "0007_money": m0007,
  "0008_stripe": m0008,
  "0009_mail": m0009,
  "0010_api": m0010,
  "0011_webhooks": m0011,
  "0013_rate_limits": m0013,
  "0014_roles_approvals": m0014,
  "0015_upstream_truth": m0015,
  "0017_locales": m0017,
  "0019_order_refunds": m0019,
  "0022_precheck_listing": m0022,
  "0023_licenses": m0023,
};
