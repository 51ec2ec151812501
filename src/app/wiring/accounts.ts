// Accounts and sessions (docs/adr/0013-accounts-and-sessions.md), and demo mode (ADR 0020), whose
// credit a new customer gets when their address is verified — only with the built-in sandbox,
// never with a real (money-spending) upstream.
import type { Core } from "./core.ts";
import type { LedgerService } from "../../modules/ledger/ledger.service.ts";
import type { MailService } from "../../modules/mail/mail.service.ts";
import { createPasswordHasher, type PasswordHasher } from "../../modules/accounts/passwords.ts";
import { createSessionService } from "../../modules/accounts/sessions.service.ts";
import { createLoginThrottle } from "../../modules/accounts/throttle.service.ts";
import { createCustomerAuthService } from "../../modules/accounts/customer-auth.service.ts";
import { createStaffAuthService } from "../../modules/accounts/staff-auth.service.ts";
import { createDemoService } from "../../modules/demo/demo.service.ts";

const MINUTES = 60_000;
const HOURS = 3_600_000;

export function wireAccounts(core: Core, deps: { passwords: PasswordHasher | undefined; ledger: LedgerService; mail: MailService }) {
  const { config, db, repos, clock, ids, region } = core;
  const passwords = deps.passwords ?? createPasswordHasher();
  const sessions = createSessionService({
    db,
    sessions: repos.sessions,
    clock,
    lifetimes: {
      customer: { idleMs: config.SESSION_IDLE_MINUTES * MINUTES, absoluteMs: config.SESSION_MAX_HOURS * HOURS },
      staff: { idleMs: config.STAFF_SESSION_IDLE_MINUTES * MINUTES, absoluteMs: config.STAFF_SESSION_MAX_HOURS * HOURS },
    },
  });
  const throttle = createLoginThrottle({ db, accounts: repos.accounts, clock });
  const demo = createDemoService({
    enabled: config.DEMO_DATA && config.UPSTREAM_URL === "sandbox",
    ledger: deps.ledger,
    ledgerRepo: repos.ledger,
    catalog: repos.catalog,
    region,
  });
  const customerAuth = createCustomerAuthService({
    db,
    accounts: repos.accounts,
    sessions,
    passwords,
    throttle,
    mail: deps.mail,
    clock,
    ids,
    publicUrl: config.PUBLIC_URL,
    onVerified: (tx, customerId) => demo.creditNewCustomer(tx, customerId),
  });
  const staffAuth = createStaffAuthService({
    db,
    accounts: repos.accounts,
    sessions,
    passwords,
    throttle,
    clock,
    ids,
    secretKey: core.secretKey,
    issuer: `partnerbill ${new URL(config.PUBLIC_URL).hostname}`,
  });
  return { passwords, sessions, demo, customerAuth, staffAuth };
}
