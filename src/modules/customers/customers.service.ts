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
import { normalizeCountry, normalizeVatId } from "../tax/vat.logic.ts";
import { LOCALES, toLocale } from "../../i18n/locales.ts";

export interface BillingDetailsInput {
  /** The customer's own name; left as it is when not given. */
  name?: string | null;
  company?: string | null;
  address?: string | null;
  /** ISO 3166-1 alpha-2. */
  country?: string | null;
  vatId?: string | null;
}

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

  /**
   * Sets what invoices say about the customer. Empty text clears a field. An EU VAT number must
   * have its country's shape (syntax only, no VIES call: ADR 0015); it decides the reverse charge
   * on invoices issued from now on — issued invoices keep the details they were issued with.
   */
  async function updateBilling(ref: string, input: BillingDetailsInput): Promise<CustomerRow> {
    const c = await find(ref);
    const clean = (v: string | null | undefined, max: number, what: string): string | null => {
      const t = (v ?? "").trim();
      if (t.length > max) throw invalidInput(`${what} is longer than ${max} characters`);
      return t === "" ? null : t;
    };
    const name = input.name === undefined ? undefined : clean(input.name, 200, "The name");
    const company = clean(input.company, 200, "The company name");
    const address = clean(input.address, 500, "The address");
    const countryText = (input.country ?? "").trim();
    const country = countryText === "" ? null : normalizeCountry(countryText);
    const vatText = clean(input.vatId, 30, "The VAT number");
    const vatId = vatText === null ? null : normalizeVatId(vatText, country);
    const patch = { ...(name !== undefined ? { name } : {}), company, address, country, vat_id: vatId, updated_at: clock.now().toISOString() };
    await customers.updateBilling(db, c.id, patch);
    return { ...c, ...patch };
  }

  /** The customer's language for pages, e-mails and invoices (the language switch); null: the partner's default. */
  async function setLocale(ref: string, locale: string | null): Promise<void> {
    const c = await find(ref);
    const value = locale === null ? null : toLocale(locale);
    if (value === undefined) throw invalidInput(`We do not speak "${String(locale).slice(0, 20)}" (known: ${LOCALES.join(", ")})`);
    await customers.setLocale(db, c.id, value, clock.now().toISOString());
  }

  return { add, find, credit, show, updateBilling, setLocale, list: (limit?: number) => customers.list(db, limit) };
}

export type CustomersService = ReturnType<typeof createCustomersService>;
