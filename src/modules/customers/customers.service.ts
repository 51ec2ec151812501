// Customer accounts and their balances. A credit is money entering from outside (staff, later
// payment providers): one balanced ledger transaction from `funding` to the customer.
import type { Db } from "../../db/database.ts";
import type { CustomerRow } from "../../db/schema.ts";
import type { Clock } from "../../lib/clock.ts";
import { conflict, invalidInput, notFound } from "../../lib/errors.ts";
import type { IdGenerator } from "../../lib/ids.ts";
import { isCurrency, parseDecimal, type Money } from "../../lib/money.ts";
import { transfer } from "../ledger/ledger.logic.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import type { CustomersRepo } from "./customers.repo.ts";
import { normalizeEmail } from "./customers.logic.ts";

export function createCustomersService(deps: {
  db: Db;
  customers: CustomersRepo;
  ledger: Pick<LedgerService, "post" | "customerBalances">;
  clock: Clock;
  ids: IdGenerator;
}) {
  const { db, customers, ledger, clock, ids } = deps;

  async function add(input: { email: string; name?: string | null }): Promise<CustomerRow> {
    const email = normalizeEmail(input.email);
    if (await customers.findByEmail(db, email)) throw conflict(`A customer with e-mail ${email} already exists`);
    const now = clock.now().toISOString();
    const row: CustomerRow = { id: ids.next("cus"), email, name: input.name?.trim() || null, created_at: now, updated_at: now };
    await customers.insert(db, row);
    return row;
  }

  /** Finds a customer by id or e-mail. */
  async function find(ref: string): Promise<CustomerRow> {
    const c = ref.includes("@") ? await customers.findByEmail(db, normalizeEmail(ref)) : await customers.findById(db, ref);
    if (!c) throw notFound(`No customer ${ref}`);
    return c;
  }

  async function credit(ref: string, input: { amount: string; currency: string; reason: string; actor: string }): Promise<Money> {
    const c = await find(ref);
    const currency = input.currency.trim().toUpperCase();
    if (!isCurrency(currency)) throw invalidInput(`Unknown currency "${input.currency}"`);
    const amount = parseDecimal(input.amount, currency);
    if (amount.minor <= 0) throw invalidInput("A credit must be greater than zero");
    if (!input.reason.trim()) throw invalidInput("A credit needs a reason");
    await db.transaction().execute(async (tx) => {
      await ledger.post(tx, {
        kind: "credit",
        memo: input.reason.trim(),
        actor: input.actor,
        postings: transfer({ kind: "funding" }, { kind: "customer", owner: c.id }, amount),
      });
    });
    return amount;
  }

  async function show(ref: string): Promise<{ customer: CustomerRow; balances: Money[] }> {
    const customer = await find(ref);
    return { customer, balances: await ledger.customerBalances(db, customer.id) };
  }

  return { add, find, credit, show, list: (limit?: number) => customers.list(db, limit) };
}

export type CustomersService = ReturnType<typeof createCustomersService>;
