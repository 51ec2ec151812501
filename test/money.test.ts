// Money end to end over a real database of each dialect: tax at payment, invoices issued in the
// payment's transaction, credit notes, bank transfers confirmed by staff, the balance provider,
// and the ledger's figures.
import assert from "node:assert/strict";
import { it } from "node:test";
import { inflateSync } from "node:zlib";
import { PDFDocument } from "pdf-lib";
import { createTestContainer } from "./helpers/app.ts";
import { describeEachDialect, type TestDatabase } from "./helpers/db.ts";

const BUY = { module: "DDoSGUARD", license: "100001", ip: "192.0.2.10", module_id: "23221" };
const PAY = { returnUrl: "http://localhost/status", cancelUrl: "http://localhost/checkout", actor: "test" };

async function setup(t: TestDatabase, env: Record<string, string> = {}) {
  const built = createTestContainer(t, { FULFILLMENT_MODE: "manual", ...env });
  const c = built.container;
  await c.catalog.setPrice("23221", { period: 1, amount: "20.00", currency: "EUR" }, { source: "cli" });
  await c.settings.setMany({
    "seller.legal_name": "Hosting GmbH",
    "seller.address": "Hauptstr. 1\\n10115 Berlin",
    "seller.country": "DE",
    "seller.vat_id": "DE123456789",
    "seller.iban": "DE89 3704 0044 0532 0130 00",
    "seller.bic": "COBADEFFXXX",
    "seller.bank_name": "Commerzbank",
    "tax.rate_bp": "1900",
  });
  const ann = await c.customers.add({ email: "ann@example.com", name: "Ann" });
  await c.customers.updateBilling(ann.id, { company: "Ann's <b>Shop</b>", address: "Rue 2\nParis", country: "DE" });
  return { ...built, c, ann };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function credit(c: Setup["c"], who: string, amount: string) {
  await c.customers.credit(who, { amount, currency: "EUR", reason: "test", actor: "test" });
}

async function balanceOf(c: Setup["c"], customerId: string): Promise<number> {
  return (await c.ledger.balance(c.db, { kind: "customer", owner: customerId }, "EUR")).minor;
}

async function ledgerIsBalanced(c: Setup["c"]) {
  assert.deepEqual(await c.ledger.audit(c.db), { unbalanced: [], nonZeroTotals: [] });
}

/** The text a PDF shows is in compressed content streams; this finds the streams and inflates them. */
function pdfStreams(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString("latin1");
  const out: string[] = [];
  for (const m of text.matchAll(/stream\r?\n/g)) {
    const start = m.index! + m[0].length;
    const end = text.indexOf("endstream", start);
    try {
      out.push(inflateSync(Buffer.from(text.slice(start, end), "latin1")).toString("latin1"));
    } catch {
      // not a Flate stream (or a font): skip
    }
  }
  return out;
}

describeEachDialect("money", (ctx) => {
  it("issues a numbered invoice in the payment's transaction, with tax on top and the details of that moment", async () => {
    const { c, ann } = await setup(ctx());
    await credit(c, ann.id, "100");
    const { order } = await c.orders.intake(BUY, null);
    assert.deepEqual(await c.orders.quote(order.id, ann.id), { net: 2000, tax: 380, total: 2380, rateBp: 1900, reverseCharge: false });
    const paid = await c.orders.payFromBalance(order.id, ann.id, "test");
    assert.equal(paid.state, "manual_queue");
    assert.deepEqual([paid.net_minor, paid.tax_minor, paid.total_minor, paid.tax_rate_bp, paid.reverse_charge], [2000, 380, 2380, 1900, 0]);
    assert.equal(await balanceOf(c, ann.id), 10000 - 2380);
    const first = await c.invoices.show(paid.invoice_id!);
    assert.equal(first.invoice.number, "INV-2026-000001");
    assert.equal(first.status, "paid");
    assert.equal(first.invoice.seller.legalName, "Hosting GmbH");
    assert.equal(first.invoice.buyer.company, "Ann's <b>Shop</b>");
    assert.deepEqual(first.invoice.lines.map((l) => [l.net, l.tax, l.total]), [[2000, 380, 2380]]);

    // Later changes to the seller, the rate or the customer do not touch the issued invoice.
    await c.settings.set("seller.legal_name", "Renamed AG");
    await c.settings.set("tax.rate_bp", "2000");
    await c.customers.updateBilling(ann.id, { company: "Other" });
    const again = await c.invoices.show("INV-2026-000001");
    assert.deepEqual(again.invoice, first.invoice);
    const second = await c.orders.payFromBalance((await c.orders.intake({ ...BUY, license: "100002" }, null)).order.id, ann.id, "test");
    const next = await c.invoices.show(second.invoice_id!);
    assert.equal(next.invoice.number, "INV-2026-000002");
    assert.deepEqual([next.invoice.tax_minor, next.invoice.seller.legalName, next.invoice.buyer.company], [400, "Renamed AG", "Other"]);
    await ledgerIsBalanced(c);
  });

  it("applies the reverse charge to an EU business abroad and prints the note on the page and in the PDF", async () => {
    const { c, ann } = await setup(ctx());
    await c.customers.updateBilling(ann.id, { company: "Ann's <b>Shop</b>", country: "FR", vatId: "fr 40 303265045" });
    await credit(c, ann.id, "20");
    const { order } = await c.orders.intake(BUY, null);
    const paid = await c.orders.payFromBalance(order.id, ann.id, "test");
    assert.deepEqual([paid.tax_minor, paid.total_minor, paid.reverse_charge], [0, 2000, 1]);
    assert.equal(await balanceOf(c, ann.id), 0);
    const doc = await c.invoices.show(paid.invoice_id!);
    assert.equal(doc.invoice.buyer.vatId, "FR40303265045");
    assert.match(doc.invoice.notes.join(" "), /Reverse charge/);

    const page = await c.invoices.html(paid.invoice_id!);
    assert.match(page, /Invoice INV-2026-000001/);
    assert.match(page, /Reverse charge: VAT to be accounted for by the recipient/);
    assert.match(page, /Ann&#39;s &lt;b&gt;Shop&lt;\/b&gt;/);
    assert.doesNotMatch(page, /<b>Shop/);

    const pdf = await c.invoices.pdf(paid.invoice_id!);
    assert.equal(Buffer.from(pdf.subarray(0, 5)).toString(), "%PDF-");
    const parsed = await PDFDocument.load(pdf);
    assert.equal(parsed.getTitle(), "Invoice INV-2026-000001");
    assert.equal(parsed.getSubject(), "INV-2026-000001");
    assert.equal(parsed.getPageCount(), 1);
    // The page draws text (hex glyph strings shown with Tj).
    assert.ok(pdfStreams(pdf).some((s) => /<[0-9A-F]+> Tj/.test(s)));

    // Another customer cannot open it.
    const bob = await c.customers.add({ email: "bob@example.com" });
    await assert.rejects(c.invoices.html(paid.invoice_id!, bob.id), { code: "not_found" });
    assert.match(await c.invoices.html(paid.invoice_id!, ann.id), /INV-2026-000001/);
  });

  it("earns net as revenue and tax as tax payable at activation, books the upstream cost, and refunds an active order with a credit note", async () => {
    const { c, ann } = await setup(ctx());
    await c.repos.pricing.upsertCost(c.db, { module_id: "eu-23221", period_months: 1, cost_minor: 1200, currency: "EUR", cost_text: "12.0000", synced_at: "2026-12-01T00:00:00Z" });
    await credit(c, ann.id, "30");
    const { order } = await c.orders.intake(BUY, null);
    await c.orders.payFromBalance(order.id, ann.id, "test");
    assert.equal((await c.ledger.balance(c.db, { kind: "held" }, "EUR")).minor, 2380);
    await c.orders.placeManually(order.id, { upstreamId: 880001 }, "staff");
    const bal = async (kind: "held" | "revenue" | "tax_payable" | "upstream_cost" | "upstream") => (await c.ledger.balance(c.db, { kind }, "EUR")).minor;
    assert.deepEqual([await bal("held"), await bal("revenue"), await bal("tax_payable"), await bal("upstream_cost"), await bal("upstream")], [0, 2000, 380, 1200, -1200]);
    const [figures] = await c.ledger.figures(c.db, { from: "2026-01-01", to: "2027-01-01" });
    assert.deepEqual(figures, {
      currency: "EUR",
      revenue: { minor: 2000, currency: "EUR" },
      tax: { minor: 380, currency: "EUR" },
      upstreamCost: { minor: 1200, currency: "EUR" },
      margin: { minor: 800, currency: "EUR" },
    });

    await assert.rejects(c.orders.refundActive(order.id, " ", "staff"), { code: "invalid_input" });
    const refund = await c.orders.refundActive(order.id, "customer changed their mind", "staff");
    assert.equal(refund.creditNote?.number, "CN-2026-000001");
    assert.equal(await balanceOf(c, ann.id), 3000);
    assert.deepEqual([await bal("revenue"), await bal("tax_payable"), await bal("upstream_cost")], [0, 0, 1200]);
    const note = await c.invoices.show("CN-2026-000001");
    assert.deepEqual([note.invoice.kind, note.invoice.total_minor, note.invoice.tax_minor, note.related?.number], ["credit_note", -2380, -380, "INV-2026-000001"]);
    assert.equal((await c.invoices.show("INV-2026-000001")).status, "credited");
    assert.match(await c.invoices.html("CN-2026-000001"), /Credit note CN-2026-000001[\s\S]*customer changed their mind/);
    await assert.rejects(c.orders.refundActive(order.id, "again", "staff"), { code: "conflict" });
    assert.equal((await c.invoices.list({ kind: "credit_note" })).length, 1);

    const statement = await c.ledger.statement(c.db, ann.id, "EUR");
    assert.deepEqual(statement.map((r) => [r.kind, r.amount.minor, r.balance.minor]), [["credit", 3000, 3000], ["order_payment", -2380, 620], ["order_refund", 2380, 3000]]);
    await ledgerIsBalanced(c);
  });

  it("cancels the invoice of a rejected order with a credit note and returns the whole total", async () => {
    const { c, ann } = await setup(ctx());
    await credit(c, ann.id, "23.80");
    const { order } = await c.orders.intake(BUY, null);
    await c.orders.payFromBalance(order.id, ann.id, "test");
    await c.orders.reject(order.id, "license not found upstream", "staff");
    assert.equal(await balanceOf(c, ann.id), 2380);
    const [note] = await c.invoices.list({ kind: "credit_note" });
    assert.equal(note!.total_minor, -2380);
    assert.equal((await c.invoices.show("INV-2026-000001")).status, "credited");
    await ledgerIsBalanced(c);
  });

  it("pays by bank transfer: an invoice with a reference now, the order kept until it is overdue, staff confirmation credited once", async () => {
    const { c, ann, clock } = await setup(ctx());
    const { order } = await c.orders.intake(BUY, null);
    const start = await c.payments.payOrder("bank_transfer", { orderId: order.id, customerId: ann.id, ...PAY });
    assert.equal(start.kind, "invoice");
    const invoiceId = (start as { invoiceId: string }).invoiceId;
    const pending = await c.orders.get(order.id);
    assert.deepEqual([pending.state, pending.customer_id, pending.total_minor, pending.invoice_id], ["pending_payment", ann.id, 2380, invoiceId]);
    // Choosing it again gives the same invoice; the period can no longer change.
    assert.deepEqual(await c.payments.payOrder("bank_transfer", { orderId: order.id, customerId: ann.id, ...PAY }), start);
    await assert.rejects(c.orders.choosePeriod(order.id, 12), { code: "illegal_transition" });
    const doc = await c.invoices.show(invoiceId);
    assert.deepEqual([doc.status, doc.invoice.due_on, doc.invoice.method], ["awaiting_payment", "2026-12-15", "bank_transfer"]);
    assert.match(doc.transferReference!, /^PB-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const page = await c.invoices.html(invoiceId);
    assert.match(page, /DE89370400440532013000/);
    assert.ok(page.includes(doc.transferReference!));

    // Not expired while the invoice is not overdue.
    clock.advance(3 * 24 * 3_600_000);
    assert.equal(await c.orders.expirePending(1), 0);

    // A partial transfer stays on the balance; confirming it again changes nothing.
    const partial = await c.payments.confirmTransfer(doc.invoice.number, { amount: "10.00", actor: "staff" });
    assert.equal(partial.credited, true);
    assert.deepEqual([partial.order?.paid, partial.order?.state], [false, "pending_payment"]);
    assert.match(partial.order!.problem!, /13\.80 EUR short/);
    const repeat = await c.payments.confirmTransfer(doc.transferReference!.toLowerCase(), { amount: "10.00", actor: "staff" });
    assert.equal(repeat.credited, false);
    assert.equal(await balanceOf(c, ann.id), 1000);

    // The rest arrives in a second transfer (its own bank reference): the order is paid, the excess stays.
    const rest = await c.payments.confirmTransfer(invoiceId, { amount: "20.00", bankRef: "STMT-2", actor: "staff" });
    assert.deepEqual([rest.credited, rest.order?.paid, rest.order?.state], [true, true, "manual_queue"]);
    assert.equal(await balanceOf(c, ann.id), 3000 - 2380);
    assert.equal((await c.payments.confirmTransfer(invoiceId, { amount: "20.00", bankRef: "STMT-2", actor: "staff" })).credited, false);
    assert.equal(await balanceOf(c, ann.id), 620);
    assert.equal((await c.invoices.show(invoiceId)).status, "paid");
    assert.equal((await c.invoices.list({ kind: "invoice" })).length, 1);
    assert.equal((await c.ledger.balance(c.db, { kind: "clearing", owner: "bank_transfer" }, "EUR")).minor, -3000);

    await assert.rejects(c.payments.confirmTransfer("PB-NONE-NONE", { amount: "1", actor: "staff" }), { code: "not_found" });
    await assert.rejects(c.payments.confirmTransfer(invoiceId, { amount: "-1", actor: "staff" }), { code: "invalid_input" });
    await ledgerIsBalanced(c);
  });

  it("expires an overdue bank-transfer order and cancels its invoice with a credit note", async () => {
    const { c, ann, clock } = await setup(ctx());
    const { order } = await c.orders.intake(BUY, null);
    await c.payments.payOrder("bank_transfer", { orderId: order.id, customerId: ann.id, ...PAY });
    clock.advance(16 * 24 * 3_600_000);
    assert.equal(await c.orders.expirePending(1), 1);
    assert.equal((await c.orders.get(order.id)).state, "cancelled");
    assert.equal((await c.invoices.show("INV-2026-000001")).status, "credited");
    assert.equal((await c.invoices.list({ kind: "credit_note" }))[0]!.number, "CN-2026-000001");
  });

  it("pays from the balance through the provider, naming the shortfall when it is short", async () => {
    const { c, ann } = await setup(ctx());
    assert.deepEqual((await c.payments.providers()).map((p) => p.id).filter((id) => id !== "stripe"), ["balance", "bank_transfer"]);
    await credit(c, ann.id, "5");
    const { order } = await c.orders.intake(BUY, null);
    await assert.rejects(c.payments.payOrder("balance", { orderId: order.id, customerId: ann.id, ...PAY }), (e: { code: string; message: string; details: Record<string, unknown> }) => {
      assert.equal(e.code, "insufficient_funds");
      assert.match(e.message, /18\.80 EUR short/);
      assert.equal(e.details["shortfall"], "18.80 EUR");
      return true;
    });
    assert.equal((await c.invoices.list()).length, 0);
    await credit(c, ann.id, "18.80");
    assert.deepEqual(await c.payments.payOrder("balance", { orderId: order.id, customerId: ann.id, ...PAY }), { kind: "paid" });
    await assert.rejects(c.payments.payOrder("cash", { orderId: order.id, customerId: ann.id, ...PAY }), { code: "invalid_input" });
  });

  it("tops up by bank transfer with a reference, and records money sent back from the balance", async () => {
    const { c, ann } = await setup(ctx());
    const start = await c.payments.topUp("bank_transfer", { customerId: ann.id, amount: { minor: 5000, currency: "EUR" }, ...PAY });
    assert.equal(start.kind, "transfer");
    const reference = (start as { reference: string }).reference;
    await assert.rejects(c.payments.topUp("balance", { customerId: ann.id, amount: { minor: 5000, currency: "EUR" }, ...PAY }), { code: "invalid_input" });
    const r = await c.payments.confirmTransfer(reference, { amount: "50.00", actor: "staff" });
    assert.deepEqual([r.credited, r.order], [true, null]);
    assert.equal(await balanceOf(c, ann.id), 5000);
    await c.payments.refundToOutside({ customerId: ann.id, providerId: "bank_transfer", amount: "20", currency: "EUR", reason: "closing account", actor: "staff" });
    assert.equal(await balanceOf(c, ann.id), 3000);
    await assert.rejects(
      c.payments.refundToOutside({ customerId: ann.id, providerId: "bank_transfer", amount: "31", currency: "EUR", reason: "too much", actor: "staff" }),
      { code: "insufficient_funds" },
    );
    assert.equal((await c.ledger.balance(c.db, { kind: "clearing", owner: "bank_transfer" }, "EUR")).minor, -3000);
    await ledgerIsBalanced(c);
  });

  it("numbers invoices of concurrent payments 1..50 with no gap and no repeat", { timeout: 120_000 }, async () => {
    const { c } = await setup(ctx());
    const customers = [];
    for (let i = 0; i < 5; i++) {
      const cu = await c.customers.add({ email: `buyer${i}@example.com` });
      await credit(c, cu.id, "300");
      customers.push(cu);
    }
    const orders = [];
    for (let i = 0; i < 50; i++) orders.push({ order: (await c.orders.intake({ ...BUY, license: String(300000 + i) }, null)).order, customer: customers[i % 5]! });
    // A bank-transfer invoice and a rolled-back payment in the middle must not leave a gap either.
    const results = await Promise.allSettled([
      ...orders.map(({ order, customer }) => c.orders.payFromBalance(order.id, customer.id, "test")),
      c.orders.payFromBalance(orders[0]!.order.id, customers[0]!.id, "test"),
    ]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 50);
    assert.deepEqual(await c.invoices.seqs("invoice", 2026), Array.from({ length: 50 }, (_, i) => i + 1));
    const numbers = new Set((await c.invoices.list({ limit: 100 })).map((i) => i.number));
    assert.equal(numbers.size, 50);
    await ledgerIsBalanced(c);
  });

  it("refuses bad billing details and settings without storing them", async () => {
    const { c, ann } = await setup(ctx());
    await assert.rejects(c.customers.updateBilling(ann.id, { country: "Germany" }), { code: "invalid_input" });
    await assert.rejects(c.customers.updateBilling(ann.id, { country: "DE", vatId: "FR40303265045" }), { code: "invalid_input" });
    assert.equal((await c.customers.find(ann.id)).company, "Ann's <b>Shop</b>");
    await assert.rejects(c.settings.set("tax.rate_bp", "abc"), { code: "invalid_input" });
    await assert.rejects(c.settings.set("no.such", "1"), { code: "invalid_input" });
    await assert.rejects(c.settings.setMany({ "tax.rate_bp": "700", "seller.iban": "nope" }), { code: "invalid_input" });
    assert.equal((await c.settings.get()).tax.rateBp, 1900);
  });
});
