// Moving a customer's module to another ispmanager license (addition.edit) against the real sandbox
// over HTTP: validated like a Buy redirect and against the partner's upstream account; an unknown
// outcome settled by reading the module back; nothing changes when a move is refused.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { describeEachDialect } from "./helpers/db.ts";
import { buildWorld, newPartnerAccount } from "./helpers/renewals.ts";
import { startSandbox, type TestSandbox } from "./helpers/sandbox.ts";

let sb: TestSandbox;
before(async () => { sb = await startSandbox(); });
after(async () => { await sb.stop(); });

describeEachDialect("moving a module to another license", (ctx) => {
  it("moves an active module upstream and here, takes the license's IP, and records the move", async () => {
    const w = await buildWorld(ctx(), sb);
    const [a, b] = w.account.licenses;
    const cm = await w.buy(a!.id);
    const moved = await w.c.customerModules.move(cm.id, { license: String(b!.id) }, { actor: "staff" });
    assert.equal(Number(moved.license_id), b!.id);
    assert.equal(moved.ip, b!.ip);
    assert.equal(w.upstreamModule(Number(cm.upstream_service_id)).license, b!.id);
    const stored = await w.c.customerModules.get(cm.id);
    assert.equal(Number(stored.license_id), b!.id);
    assert.equal(stored.ip, b!.ip);
    const history = await w.c.customerModules.history(cm.id);
    assert.deepEqual(history.map((e) => [e.kind, e.actor, e.detail?.["from"], e.detail?.["to"]]), [
      ["moved", "staff", { license: a!.id, ip: null }, { license: b!.id, ip: b!.ip }],
    ]);
    // The purchase order keeps the license it was bought for; the module is what moved.
    assert.equal(Number((await w.c.orders.get(cm.created_order_id)).license_id), a!.id);
  });

  it("accepts the license's IP when given and refuses one that differs upstream", async () => {
    const w = await buildWorld(ctx(), sb);
    const [a, b] = w.account.licenses;
    const cm = await w.buy(a!.id);
    await assert.rejects(w.c.customerModules.move(cm.id, { license: b!.id, ip: "203.0.113.250" }, { actor: "staff" }), (e: any) => {
      assert.equal(e.code, "invalid_input");
      assert.match(e.message, new RegExp(`has IP ${b!.ip.replace(/\./g, "\\.")} upstream, not 203\\.0\\.113\\.250`));
      return true;
    });
    assert.equal(w.upstreamModule(Number(cm.upstream_service_id)).license, a!.id);
    const moved = await w.c.customerModules.move(cm.id, { license: b!.id, ip: b!.ip }, { actor: "staff" });
    assert.equal(Number(moved.license_id), b!.id);
  });

  it("refuses bad input, licenses outside the partner's account and a license that already has the module, changing nothing", async () => {
    const w = await buildWorld(ctx(), sb);
    const [a, b, third] = w.account.licenses;
    const cm = await w.buy(a!.id);
    const other = await newPartnerAccount(sb, 1);
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ license: "abc" }, "invalid_input", /license must be a positive whole number/],
      [{ license: "0" }, "invalid_input", /license must be a positive whole number/],
      [{ license: "" }, "invalid_input", /license is missing/],
      [{ license: String(b!.id), ip: "300.1.1.1" }, "invalid_input", /ip is not a valid/],
      [{ license: String(a!.id) }, "invalid_input", /already on license/],
      [{ license: "999999" }, "invalid_input", /not in the partner's client-area account/],
      [{ license: String(other.licenses[0]!.id) }, "invalid_input", /not in the partner's client-area account/],
    ];
    for (const [input, code, re] of cases) {
      await assert.rejects(w.c.customerModules.move(cm.id, input as { license: unknown }, { actor: "staff" }), (e: any) => {
        assert.equal(e.code, code, JSON.stringify(input));
        assert.match(e.message, re, JSON.stringify(input));
        return true;
      });
    }
    // The third license gets the same module of its own: a move there would make two.
    const onThird = await w.buy(third!.id);
    await assert.rejects(w.c.customerModules.move(cm.id, { license: third!.id }, { actor: "staff" }), { code: "conflict" });
    await assert.rejects(w.c.customerModules.move("cmod_nope", { license: b!.id }, { actor: "staff" }), { code: "not_found" });
    await assert.rejects(w.c.customerModules.move(cm.id, { license: b!.id }, { actor: "customer", customerId: "cus_someone_else" }), { code: "not_found" });

    assert.equal(w.upstreamModule(Number(cm.upstream_service_id)).license, a!.id);
    assert.equal(w.upstreamModule(Number(onThird.upstream_service_id)).license, third!.id);
    assert.equal(Number((await w.c.customerModules.get(cm.id)).license_id), a!.id);
    assert.deepEqual(await w.c.customerModules.history(cm.id), []);
  });

  it("refuses to move a module that is not active", async () => {
    const w = await buildWorld(ctx(), sb);
    const [a, b] = w.account.licenses;
    const cm = await w.buy(a!.id);
    await w.c.repos.orders.updateCustomerModule(w.c.db, cm.id, { state: "expired" });
    await assert.rejects(w.c.customerModules.move(cm.id, { license: b!.id }, { actor: "staff" }), { code: "illegal_transition" });
    assert.equal(w.upstreamModule(Number(cm.upstream_service_id)).license, a!.id);
  });

  it("settles a lost answer of addition.edit by reading the module back", async () => {
    const w = await buildWorld(ctx(), sb);
    const [a, b] = w.account.licenses;
    const cm = await w.buy(a!.id);
    const rule = sb.sandbox.faults.add({ kind: "reset_after_order", func: "addition.edit", count: 1 });
    try {
      const moved = await w.c.customerModules.move(cm.id, { license: b!.id }, { actor: "staff" });
      assert.equal(Number(moved.license_id), b!.id);
      assert.equal(sb.sandbox.faults.list().rules.find((r) => r.id === rule.id)?.hits, 1, "the answer really was lost");
      assert.equal(w.upstreamModule(Number(cm.upstream_service_id)).license, b!.id);
      const [ev] = await w.c.customerModules.history(cm.id);
      assert.match(String(ev!.detail?.["upstream"]), /confirmed by reading the module back/);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
  });

  it("changes nothing when the move did not happen upstream, and succeeds when run again", async () => {
    const w = await buildWorld(ctx(), sb);
    const [a, b] = w.account.licenses;
    const cm = await w.buy(a!.id);
    const rule = sb.sandbox.faults.add({ kind: "http_5xx", func: "addition.edit", count: 1 });
    try {
      // The 5xx strikes the move itself; the read-back that follows shows the old license.
      await assert.rejects(w.c.customerModules.move(cm.id, { license: b!.id }, { actor: "staff" }), (e: any) => {
        assert.equal(e.code, "upstream_unavailable");
        assert.match(e.message, /did not happen upstream/);
        return true;
      });
      assert.equal(Number((await w.c.customerModules.get(cm.id)).license_id), a!.id);
      assert.equal(w.upstreamModule(Number(cm.upstream_service_id)).license, a!.id);
    } finally {
      sb.sandbox.faults.remove(rule.id);
    }
    const moved = await w.c.customerModules.move(cm.id, { license: b!.id }, { actor: "staff" });
    assert.equal(Number(moved.license_id), b!.id);
  });

  it("in manual mode records a move staff made in the client area, without calling upstream", async () => {
    const w = await buildWorld(ctx(), sb, { env: { FULFILLMENT_MODE: "manual" } });
    const [a, b] = w.account.licenses;
    const { order } = await w.c.orders.intake({ license: String(a!.id), module_id: "23221" }, null);
    await w.c.orders.payFromBalance(order.id, w.customer.id, "test");
    const { serviceId } = await w.c.upstream.orderModule({ license: a!.id, pricelist: 23221, period: 1 });
    const placed = await w.c.orders.placeManually(order.id, { upstreamId: serviceId }, "staff");
    const moved = await w.c.customerModules.move(placed.customer_module_id!, { license: b!.id, ip: "192.0.2.77" }, { actor: "staff" });
    assert.equal(Number(moved.license_id), b!.id);
    assert.equal(moved.ip, "192.0.2.77");
    assert.equal(w.upstreamModule(serviceId).license, a!.id, "upstream untouched: staff move it by hand");
    assert.equal((await w.c.customerModules.history(placed.customer_module_id!))[0]!.detail?.["upstream"], "recorded");
  });
});
