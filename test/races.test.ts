// PostgreSQL races that used to answer 500 while the money stayed right (issue 13, finding 8), done
// over real HTTP with concurrent requests on both dialects: a double (and triple…) click on
// "Renew now" buys one term and answers the normal "already renewing" page; two customers paying
// one unclaimed order get one payment and one normal refusal; no 5xx and a balanced ledger.
// The lock order that makes it so is in src/modules/ledger/README.md (docs/adr/0028).
import assert from "node:assert/strict";
import { afterEach, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Container } from "../src/app/container.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { buildPortalWorld } from "./helpers/portal.ts";
import type { WebClient } from "./helpers/web-client.ts";

let listening: FastifyInstance | undefined;
afterEach(async () => { await listening?.close(); listening = undefined; });

async function serve(app: FastifyInstance): Promise<string> {
  listening = app;
  return app.listen({ port: 0, host: "127.0.0.1" });
}

/** A browser's form POST over real HTTP, with the cookies and CSRF token of its last page. */
function postAs(base: string, web: WebClient, path: string, fields: Record<string, string>): Promise<Response> {
  const form = new URLSearchParams({ ...fields, _csrf: web.csrfOfLastPage() ?? "" });
  const cookie = [...web.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  return fetch(base + path, { method: "POST", redirect: "manual", headers: { cookie, "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
}

async function eurBalance(c: Container, customerId: string): Promise<number> {
  return (await c.customers.show(customerId)).balances.find((b) => b.currency === "EUR")?.minor ?? 0;
}

describeEachDialect("races answer normally (finding 8)", (ctx) => {
  it("a burst of Renew now clicks buys one term and answers 303 once, 409 'already paid' for the rest", async () => {
    const w = await buildPortalWorld(ctx());
    const ann = await w.customer("ann@example.com", 100001, "203.0.113.1");
    const before = await eurBalance(w.c, ann.id);
    const base = await serve(w.app);
    assert.equal((await ann.web.get(`/account/modules/${ann.moduleId}/renew`)).statusCode, 200);

    const answers = await Promise.all(Array.from({ length: 6 }, () => postAs(base, ann.web, `/account/modules/${ann.moduleId}/renew`, {})));
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [303, 409, 409, 409, 409, 409], `statuses ${statuses.join(",")}`);
    for (const r of answers) if (r.status === 409) assert.match(await r.text(), /already paid and under way/);
    const renewals = await w.c.db.selectFrom("orders").selectAll().where("kind", "=", "renewal").execute();
    assert.equal(renewals.length, 1, "one renewal order");
    assert.equal(before - (await eurBalance(w.c, ann.id)), 1190, "one term charged");

    // Staff prolong it (manual mode): the term moves on. A click right after must not buy another one.
    await w.c.renewals.completeManually(renewals[0]!.id, { expiresOn: "2027-02-01" }, "staff:test");
    assert.equal((await ann.web.get(`/account/modules/${ann.moduleId}/renew`)).statusCode, 409);
    await ann.web.get("/account");
    const late = await Promise.all(Array.from({ length: 3 }, () => postAs(base, ann.web, `/account/modules/${ann.moduleId}/renew`, {})));
    assert.deepEqual(late.map((r) => r.status), [409, 409, 409]);
    assert.match(await late[0]!.text(), /renewed a moment ago and now runs until February 1, 2027/);
    assert.equal(before - (await eurBalance(w.c, ann.id)), 1190, "still one term charged");

    // Outside the window the customer may pay the next term on purpose.
    w.clock.set(new Date(w.clock.now().getTime() + 11 * 60_000).toISOString());
    assert.equal((await ann.web.get(`/account/modules/${ann.moduleId}/renew`)).statusCode, 200);
    const later = await postAs(base, ann.web, `/account/modules/${ann.moduleId}/renew`, {});
    assert.equal(later.status, 303);
    assert.equal(before - (await eurBalance(w.c, ann.id)), 2 * 1190);
    assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
  });

  it("two customers paying one unclaimed order at once: one pays, the other gets the normal answer", async () => {
    const w = await buildPortalWorld(ctx());
    const base = await serve(w.app);
    const buyers: Array<{ id: string; web: WebClient }> = [];
    for (const [i, email] of ["ann@example.com", "bob@example.com", "cy@example.com"].entries()) {
      const web = await w.signInNew(email, `203.0.113.${10 + i}`);
      const cu = (await w.c.db.selectFrom("customers").select("id").where("email", "=", email).executeTakeFirstOrThrow());
      await w.c.customers.credit(cu.id, { amount: "50.00", currency: "EUR", reason: "opening", actor: "test" });
      buyers.push({ id: cu.id, web });
    }
    for (let round = 0; round < 3; round++) {
      const order = (await w.c.orders.intake({ license: String(100100 + round), module_id: "23221" }, null)).order;
      const expects: string[] = [];
      for (const b of buyers) {
        const page = await b.web.get(`/checkout/${order.id}`);
        assert.equal(page.statusCode, 200);
        expects.push(/name="expect" value="([^"]+)"/.exec(page.body)![1]!);
      }
      const answers = await Promise.all(buyers.map((b, i) => postAs(base, b.web, `/checkout/${order.id}/pay`, { method: "balance", expect: expects[i]! })));
      const statuses = answers.map((r) => r.status);
      for (const s of statuses) assert.ok(s < 500, `no 5xx: ${statuses.join(",")}`);
      const paid = await w.c.orders.get(order.id);
      assert.equal(paid.state, "manual_queue");
      const winner = buyers.findIndex((b) => b.id === paid.customer_id);
      assert.ok(winner >= 0);
      assert.equal(statuses[winner], 303);
      for (const [i, s] of statuses.entries()) if (i !== winner) assert.ok(s === 404 || s === 409, `loser answered ${s}`);
      const payments = await w.c.db.selectFrom("ledger_transactions").select("id").where("idempotency_key", "=", `order:${order.id}:payment`).execute();
      assert.equal(payments.length, 1);
    }
    const spent = (await Promise.all(buyers.map((b) => eurBalance(w.c, b.id)))).reduce((a, b) => a + (5000 - b), 0);
    assert.equal(spent, 3 * 1190, "three orders, three payments");
    assert.deepEqual(await w.c.ledger.audit(w.c.db), { unbalanced: [], nonZeroTotals: [] });
  });
});
