// Customer accounts over real HTTP (app.inject through the whole fastify app) on both dialects:
// sign-up by e-mailed link, sign-in, sign-out, password reset, enumeration, CSRF, session
// fixation, throttling and lockout, session timeouts, and the realms staying apart.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { Container } from "../src/app/container.ts";
import { JOB_KINDS } from "../src/jobs/kinds.ts";
import { hashToken } from "../src/modules/accounts/accounts.logic.ts";
import { totpCode } from "../src/modules/accounts/totp.ts";
import { createTestApp } from "./helpers/app.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { followLink, mailedLink } from "./helpers/account-links.ts";
import { WebClient } from "./helpers/web-client.ts";

const PASSWORD = "correct horse battery";

async function mailCount(c: Container): Promise<number> {
  return (await c.mail.list({ limit: 1000 })).length;
}

async function signUp(web: WebClient, c: Container, email: string, password = PASSWORD): Promise<void> {
  const r = await web.submit("/account/signup", "/account/signup", { email });
  assert.equal(r.statusCode, 200, r.body);
  const confirm = await followLink(web, await mailedLink(c, email, "verify_email"), password);
  assert.equal(confirm.statusCode, 303, confirm.body);
}

async function login(web: WebClient, email: string, password: string, next?: string) {
  return web.submit("/account/login", "/account/login", { email, password, ...(next ? { next } : {}) });
}

describeEachDialect("customer accounts", (ctx) => {
  it("signs up by an e-mailed link, then signs in and out", async () => {
    const { app, c } = await createTestApp(ctx());
    const web = new WebClient(app);

    const form = await web.get("/account/signup");
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="_csrf"/);
    assert.doesNotMatch(form.body, /name="password"/, "no password before the address is proven");
    const sent = await web.post("/account/signup", { email: " Ann@Example.com " });
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /Check your e-mail/);
    assert.match(sent.body, /ann@example\.com/);
    assert.equal(await c.db.selectFrom("customers").select("id").where("email", "=", "ann@example.com").executeTakeFirst(), undefined, "no account before the link is opened");
    assert.equal((await login(new WebClient(app), "ann@example.com", PASSWORD)).statusCode, 401, "cannot sign in before confirming");

    const link = await mailedLink(c, "ann@example.com", "verify_email");
    const token = link.token;
    assert.ok(link.href.endsWith(`/account/verify#${token}`), "the token travels in the fragment, never sent to a server");
    const stored = await c.db.selectFrom("account_tokens").selectAll().executeTakeFirstOrThrow();
    assert.equal(stored.token_hash, hashToken(token), "only the token's hash is stored");
    assert.equal(stored.password_hash, null, "no password waits in the token");
    assert.ok(!JSON.stringify(stored).includes(token));

    // Opening the link shows a form that posts the token; that only shows the password form (mail
    // scanners open links and may run scripts); only the password form's POST spends the token.
    const page = await web.get(link.path);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<script src="\/account\/link\.js" defer><\/script>/);
    assert.equal(page.headers["referrer-policy"], "no-referrer");
    const choose = await web.post(link.path, { token });
    assert.equal(choose.statusCode, 200);
    assert.match(choose.body, /For <b>ann@example\.com<\/b>/);
    assert.equal((await web.post(link.path, { token })).statusCode, 200, "showing it again still works");
    const weak = await web.post(link.path, { token, password: "short" });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /at least 10 characters/);
    const confirmed = await web.post(link.path, { token, password: PASSWORD });
    assert.equal(confirmed.statusCode, 303);
    assert.equal(confirmed.headers.location, "/account");
    const row = await c.db.selectFrom("customers").selectAll().where("email", "=", "ann@example.com").executeTakeFirstOrThrow();
    assert.ok(row.email_verified_at);
    assert.match(row.password_hash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const account = await web.get("/account");
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /Signed in as <b>ann@example\.com<\/b>/);
    assert.equal(account.headers["cache-control"], "no-store");

    const reused = await followLink(new WebClient(app), link, "another password 1");
    assert.equal(reused.statusCode, 400, "the link works once");

    const out = await web.post("/account/logout", {}, web.csrfOfLastPage());
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, "/account/login?signed_out=1");
    assert.equal(await c.db.selectFrom("sessions").select("id_hash").executeTakeFirst(), undefined, "the session row is gone");
    const after = await web.get("/account");
    assert.equal(after.statusCode, 303);
    assert.equal(after.headers.location, "/account/login?next=%2Faccount");

    const again = await login(web, "ANN@example.com", PASSWORD);
    assert.equal(again.statusCode, 303);
    assert.equal((await web.get("/account")).statusCode, 200);
  });

  it("sends the browser back to a safe `next` after sign-in, never to another site", async () => {
    const { app, c } = await createTestApp(ctx());
    const web = new WebClient(app);
    await signUp(web, c, "ann@example.com");
    await web.post("/account/logout", {}, (await web.get("/account")) && web.csrfOfLastPage());

    const redirected = await web.get("/account?tab=orders");
    assert.equal(redirected.headers.location, "/account/login?next=%2Faccount%3Ftab%3Dorders");
    const page = await web.get(redirected.headers.location as string);
    assert.match(page.body, /name="next" value="\/account\?tab=orders"/);
    const r = await web.post("/account/login", { email: "ann@example.com", password: PASSWORD, next: "/checkout/ord_000001" });
    assert.equal(r.headers.location, "/checkout/ord_000001");

    const other = new WebClient(app);
    for (const evil of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      const res = await login(other, "ann@example.com", PASSWORD, evil);
      assert.equal(res.headers.location, "/account", evil);
      await other.post("/account/logout", {}, (await other.get("/account")) && other.csrfOfLastPage());
    }
  });

  it("answers a sign-up for a taken address exactly as for a new one, and mails the owner a reset link", async () => {
    const { app, c } = await createTestApp(ctx());
    await signUp(new WebClient(app), c, "ann@example.com");
    const before = await c.db.selectFrom("customers").select("id").execute();

    const taken = await new WebClient(app).submit("/account/signup", "/account/signup", { email: "ann@example.com", password: "another password 1" });
    const fresh = await new WebClient(app).submit("/account/signup", "/account/signup", { email: "bob@example.com", password: "another password 1" });
    assert.equal(taken.statusCode, fresh.statusCode);
    assert.equal(taken.body.replaceAll("ann@example.com", "X"), fresh.body.replaceAll("bob@example.com", "X"));
    assert.deepEqual(Object.keys(taken.headers).sort(), Object.keys(fresh.headers).sort());

    assert.deepEqual(await c.db.selectFrom("customers").select("id").execute(), before, "no account was created or changed");
    // The owner gets a link to reset instead; the sign-up's password was not applied.
    await mailedLink(c, "ann@example.com", "password_reset");
    assert.equal((await login(new WebClient(app), "ann@example.com", "another password 1")).statusCode, 401);
    assert.equal((await login(new WebClient(app), "ann@example.com", PASSWORD)).statusCode, 303);
  });

  it("refuses bad input on sign-up with a readable page, changing nothing", async () => {
    const { app, c } = await createTestApp(ctx());
    const web = new WebClient(app);
    const bad = await web.submit("/account/signup", "/account/signup", { email: "not-an-address<script>" });
    assert.equal(bad.statusCode, 400);
    // The problem under the field it belongs to, tied to it for screen readers; what was typed kept.
    assert.match(bad.body, /<input id="email" name="email" type="email" value="not-an-address&lt;script&gt;"[^>]* aria-invalid="true" aria-describedby="email-error">/);
    assert.match(bad.body, /<p class="field-error" id="email-error">Enter an e-mail address like name@example\.com\.<\/p>/);
    assert.doesNotMatch(bad.body, /<script>/);
    assert.equal(await mailCount(c), 0);
    assert.equal(await c.db.selectFrom("account_tokens").select("id").executeTakeFirst(), undefined);
  });

  it("resets a password by an e-mailed link: single use, signs out other sessions, old password refused", async () => {
    const { app, c } = await createTestApp(ctx());
    const ann = new WebClient(app);
    await signUp(ann, c, "ann@example.com");
    const elsewhere = new WebClient(app, "198.51.100.9");
    assert.equal((await login(elsewhere, "ann@example.com", PASSWORD)).statusCode, 303);
    assert.equal((await elsewhere.get("/account")).statusCode, 200);

    const browser = new WebClient(app);
    const sent = await browser.submit("/account/forgot", "/account/forgot", { email: "ann@example.com" });
    assert.equal(sent.statusCode, 200);
    const link = await mailedLink(c, "ann@example.com", "password_reset");
    const token = link.token;

    assert.equal((await browser.get(link.path)).statusCode, 200);
    const form = await browser.post(link.path, { token });
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Choose a new password/);
    const weak = await browser.post("/account/reset", { token, password: "short" });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /at least 10 characters/);
    const done = await browser.post("/account/reset", { token, password: "a brand new password" });
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, "/account");
    assert.equal((await browser.get("/account")).statusCode, 200, "signed in after the reset");

    assert.equal((await elsewhere.get("/account")).statusCode, 303, "the other session ended");
    assert.equal((await ann.get("/account")).statusCode, 303);
    assert.equal((await login(new WebClient(app), "ann@example.com", PASSWORD)).statusCode, 401, "the old password is refused");
    assert.equal((await login(new WebClient(app), "ann@example.com", "a brand new password")).statusCode, 303);

    const reused = await followLink(new WebClient(app), link, "yet another password");
    assert.equal(reused.statusCode, 400);
    assert.match(reused.body, /expired or has already been used/);
  });

  it("lets a customer that staff created claim the account by password reset", async () => {
    const { app, c } = await createTestApp(ctx());
    await c.customers.add({ email: "carl@example.com" });
    assert.equal((await login(new WebClient(app), "carl@example.com", "")).statusCode, 401);
    const web = new WebClient(app);
    await web.submit("/account/forgot", "/account/forgot", { email: "carl@example.com" });
    const link = await mailedLink(c, "carl@example.com", "password_reset");
    const r = await followLink(web, link, "carl's own password");
    assert.equal(r.statusCode, 303);
    const row = await c.db.selectFrom("customers").selectAll().where("email", "=", "carl@example.com").executeTakeFirstOrThrow();
    assert.ok(row.password_hash && row.email_verified_at, "password set and address verified");
    assert.equal((await login(new WebClient(app), "carl@example.com", "carl's own password")).statusCode, 303);
  });

  it("answers a reset request for an unknown address exactly as for a known one, mailing it a sign-up link", async () => {
    const { app, c } = await createTestApp(ctx());
    await c.customers.add({ email: "carl@example.com" });
    const known = await new WebClient(app).submit("/account/forgot", "/account/forgot", { email: "carl@example.com" });
    const unknown = await new WebClient(app).submit("/account/forgot", "/account/forgot", { email: "nobody@example.com" });
    assert.equal(known.statusCode, unknown.statusCode);
    assert.equal(known.body.replaceAll("carl@example.com", "X"), unknown.body.replaceAll("nobody@example.com", "X"));
    assert.equal(await mailCount(c), 2);
    await mailedLink(c, "carl@example.com", "password_reset");
    const signUpLink = await mailedLink(c, "nobody@example.com", "verify_email");
    const mail = (await c.mail.list({ limit: 10 })).find((m) => m.to_address === "nobody@example.com")!;
    assert.match((await c.mail.show(mail.id)).text, /has no account here yet/);
    assert.equal((await followLink(new WebClient(app), signUpLink, PASSWORD)).statusCode, 303, "the link creates the account");
  });

  it("mails an address at most three account links an hour (no mail bombing), answering the same", async () => {
    const { app, c, clock } = await createTestApp(ctx());
    await c.customers.add({ email: "carl@example.com" });
    const pages: Awaited<ReturnType<WebClient["submit"]>>[] = [];
    for (let i = 0; i < 5; i++) pages.push(await new WebClient(app).submit("/account/forgot", "/account/forgot", { email: "carl@example.com" }));
    assert.ok(pages.every((p) => p.statusCode === 200 && p.body === pages[0]!.body));
    assert.equal(await mailCount(c), 3);
    clock.advance(3_600_001);
    await new WebClient(app).submit("/account/forgot", "/account/forgot", { email: "carl@example.com" });
    assert.equal(await mailCount(c), 4);
  });

  it("refuses a wrong password and an unknown address with the same answer", async () => {
    const { app, c } = await createTestApp(ctx());
    await signUp(new WebClient(app), c, "ann@example.com");
    const wrong = await login(new WebClient(app), "ann@example.com", "not the password");
    const unknown = await login(new WebClient(app), "zed@example.com", "not the password");
    const malformed = await login(new WebClient(app), "zed", "not the password");
    for (const r of [wrong, unknown, malformed]) {
      assert.equal(r.statusCode, 401);
      assert.match(r.body, /The e-mail address or the password is not right/);
      assert.equal(r.cookies.some((k) => k.name === "pb_session" && k.value !== ""), false, "no session");
    }
    const strip = (body: string) => body.replace(/name="_csrf" value="[^"]+"/, "").replace(/(id="email" name="email" type="email") value="[^"]*"/, "$1");
    assert.equal(strip(wrong.body), strip(unknown.body));
  });

  it("refuses forms without a valid CSRF token with a 403 page, changing nothing", async () => {
    const { app, c } = await createTestApp(ctx());
    await signUp(new WebClient(app), c, "ann@example.com");
    const mailsBefore = await mailCount(c);

    const web = new WebClient(app);
    await web.get("/account/login");
    const missing = await web.post("/account/login", { email: "ann@example.com", password: PASSWORD }, null);
    assert.equal(missing.statusCode, 403);
    assert.match(missing.body, /This form has expired or did not come from this site, so nothing was changed/);
    assert.equal(missing.cookies.some((k) => k.name === "pb_session"), false);
    const wrong = await web.post("/account/login", { email: "ann@example.com", password: PASSWORD }, "x".repeat(43));
    assert.equal(wrong.statusCode, 403);

    // A token from another browser's page does not fit this browser's pre-session cookie.
    const attacker = new WebClient(app);
    await attacker.get("/account/signup");
    const foreign = attacker.csrfOfLastPage();
    const victim = new WebClient(app);
    await victim.get("/account/signup");
    const crossSite = await victim.post("/account/signup", { email: "eve@example.com" }, foreign);
    assert.equal(crossSite.statusCode, 403);
    // …nor does any token when the browser has no pre-session cookie at all.
    const noCookie = await new WebClient(app).post("/account/forgot", { email: "ann@example.com" }, foreign);
    assert.equal(noCookie.statusCode, 403);
    assert.equal(await mailCount(c), mailsBefore, "no mail queued");

    // Signed in: the token is bound to the session; a pre-session token is not enough.
    const ann = new WebClient(app);
    assert.equal((await login(ann, "ann@example.com", PASSWORD)).statusCode, 303);
    const preToken = ann.csrfOfLastPage();
    const refused = await ann.post("/account/logout", {}, preToken ?? "x");
    assert.equal(refused.statusCode, 403);
    assert.equal((await ann.get("/account")).statusCode, 200, "still signed in");
    assert.equal((await ann.post("/account/logout", {}, ann.csrfOfLastPage())).statusCode, 303);
  });

  it("never keeps a session id set before login (session fixation)", async () => {
    const { app, c } = await createTestApp(ctx());
    await signUp(new WebClient(app), c, "ann@example.com");
    await signUp(new WebClient(app), c, "eve@example.com");

    // Eve plants her own valid session id in Ann's browser, then Ann signs in.
    const eve = new WebClient(app);
    await login(eve, "eve@example.com", PASSWORD);
    const planted = eve.cookies.get("pb_session")!;
    const ann = new WebClient(app);
    ann.cookies.set("pb_session", planted);
    assert.match((await ann.get("/account")).body, /eve@example\.com/);
    // The sign-in form posted from that browser carries the planted session's own CSRF token.
    const r = await ann.post("/account/login", { email: "ann@example.com", password: PASSWORD });
    assert.equal(r.statusCode, 303);
    const issued = ann.cookies.get("pb_session")!;
    assert.notEqual(issued, planted);
    assert.match((await ann.get("/account")).body, /ann@example\.com/);
    const withPlanted = new WebClient(app);
    withPlanted.cookies.set("pb_session", planted);
    assert.equal((await withPlanted.get("/account")).statusCode, 303, "the planted id opens nothing any more");

    // A made-up id is never adopted either.
    const made = "A".repeat(43);
    const bob = new WebClient(app);
    bob.cookies.set("pb_session", made);
    await login(bob, "ann@example.com", PASSWORD);
    assert.notEqual(bob.cookies.get("pb_session"), made);
    assert.equal(await c.db.selectFrom("sessions").select("id_hash").where("id_hash", "=", hashToken(made)).executeTakeFirst(), undefined);
  });

  it("sets the session cookie HttpOnly, SameSite=Lax, and Secure with a __Host- name behind https", async () => {
    const plain = await createTestApp(ctx());
    await signUp(new WebClient(plain.app), plain.c, "ann@example.com");
    const r = await login(new WebClient(plain.app), "ann@example.com", PASSWORD);
    const cookie = [r.headers["set-cookie"]].flat().find((h) => h?.startsWith("pb_session="))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Secure/);

    const tls = await createTestApp(ctx(), { PUBLIC_URL: "https://billing.example.com" });
    const web = new WebClient(tls.app);
    await web.get("/account/login");
    assert.ok(web.cookies.has("__Host-pb_pre"));
    const res = await web.post("/account/login", { email: "ann@example.com", password: PASSWORD });
    const header = [res.headers["set-cookie"]].flat().find((h) => h?.startsWith("__Host-pb_session="))!;
    assert.match(header, /; Secure/);
    assert.match(header, /HttpOnly/);
  });

  it("locks sign-in after five failures, says the same for unknown accounts, and lifts the lock after 15 minutes", async () => {
    const { app, c, clock } = await createTestApp(ctx());
    await signUp(new WebClient(app), c, "ann@example.com");
    // Five passwords are checked (401); the sixth attempt is refused unchecked (429).
    for (let i = 0; i < 5; i++) assert.equal((await login(new WebClient(app), "ann@example.com", `wrong ${i} password`)).statusCode, 401);
    const locked = await login(new WebClient(app), "ann@example.com", PASSWORD);
    assert.equal(locked.statusCode, 429, "even the right password waits");
    assert.match(locked.body, /Too many failed sign-in attempts\. Please wait 15 minutes/);
    assert.equal(locked.headers["retry-after"], "900");
    assert.equal(locked.cookies.some((k) => k.name === "pb_session"), false);

    for (let i = 0; i < 5; i++) assert.equal((await login(new WebClient(app), "ghost@example.com", `wrong ${i} password`)).statusCode, 401);
    const ghost = await login(new WebClient(app), "ghost@example.com", PASSWORD);
    assert.equal(ghost.statusCode, 429);
    const strip = (b: string) => b.replace(/name="_csrf" value="[^"]+"/, "").replaceAll("ann@example.com", "X").replaceAll("ghost@example.com", "X");
    assert.equal(strip(ghost.body), strip(locked.body), "an unknown address is locked the same way");

    const throttleRow = await c.db.selectFrom("login_throttle").selectAll().where("key", "=", "customer:ann@example.com").executeTakeFirstOrThrow();
    assert.ok(throttleRow.locked_until, "stored in the database, for every node");

    clock.advance(15 * 60_000);
    assert.equal((await login(new WebClient(app), "ann@example.com", PASSWORD)).statusCode, 303, "the lock expired");
  });

  it("locks an address that fails across many accounts", async () => {
    const { app, c, clock } = await createTestApp(ctx());
    await signUp(new WebClient(app), c, "ann@example.com");
    for (let i = 0; i < 20; i++) await login(new WebClient(app, "192.0.2.50"), `user${i}@example.com`, "guessing password");
    assert.equal((await login(new WebClient(app, "192.0.2.50"), "ann@example.com", PASSWORD)).statusCode, 429);
    assert.equal((await login(new WebClient(app, "192.0.2.51"), "ann@example.com", PASSWORD)).statusCode, 303, "another address is not affected");
    clock.advance(15 * 60_000);
    assert.equal((await login(new WebClient(app, "192.0.2.50"), "ann@example.com", PASSWORD)).statusCode, 303);
  });

  it("ends a session after the idle time and at the absolute limit; the cleanup job deletes it", async () => {
    const { app, c, clock } = await createTestApp(ctx(), { SESSION_IDLE_MINUTES: "30", SESSION_MAX_HOURS: "2" });
    const web = new WebClient(app);
    await signUp(web, c, "ann@example.com");
    clock.advance(29 * 60_000);
    assert.equal((await web.get("/account")).statusCode, 200);
    clock.advance(29 * 60_000);
    assert.equal((await web.get("/account")).statusCode, 200, "activity keeps it alive");
    clock.advance(31 * 60_000);
    assert.equal((await web.get("/account")).statusCode, 303, "idle too long");

    const busy = new WebClient(app);
    await login(busy, "ann@example.com", PASSWORD);
    for (let i = 0; i < 7; i++) {
      clock.advance(15 * 60_000);
      assert.equal((await busy.get("/account")).statusCode, 200);
    }
    clock.advance(16 * 60_000);
    assert.equal((await busy.get("/account")).statusCode, 303, "two hours after sign-in, however active");

    const idle = new WebClient(app);
    await login(idle, "ann@example.com", PASSWORD);
    clock.advance(31 * 60_000);
    assert.ok(await c.db.selectFrom("sessions").select("id_hash").executeTakeFirst());
    const handler = c.jobs.registry.get(JOB_KINDS.cleanupAccounts);
    assert.ok(handler, "the cleanup job is registered");
    await c.queue.enqueue(c.db, { kind: JOB_KINDS.cleanupAccounts, key: "test-cleanup", payload: {} });
    const worker = c.jobs.createWorker({ concurrency: 8 });
    while ((await worker.runOnce()) > 0);
    const job = await c.db.selectFrom("jobs").select("state").where("idempotency_key", "=", "test-cleanup").executeTakeFirstOrThrow();
    assert.equal(job.state, "done");
    assert.equal(await c.db.selectFrom("sessions").select("id_hash").executeTakeFirst(), undefined);
  });

  it("keeps the realms apart: a customer session opens no admin page", async () => {
    const { app, c } = await createTestApp(ctx());
    const web = new WebClient(app);
    await signUp(web, c, "ann@example.com");
    // With no staff user at all, /admin leads to the set-up wizard instead (ADR 0023).
    await c.staffAuth.add({ email: "owner@example.com", role: "owner", password: "owner long password" });
    const admin = await web.get("/admin");
    assert.equal(admin.statusCode, 303);
    assert.equal(admin.headers.location, "/admin/login?next=%2Fadmin");
    // Even the customer's id in the staff cookie opens nothing: sessions are looked up per realm.
    web.cookies.set("pb_staff", web.cookies.get("pb_session")!);
    assert.equal((await web.get("/admin")).statusCode, 303);
    assert.equal((await web.get("/account")).statusCode, 200);
  });
});

describeEachDialect("staff accounts: one's own password", (ctx) => {
  const STAFF = { email: "desk@partner.example", password: "desk long password 1" };
  const NEW = "a brand new desk password";

  async function staffLogin(web: WebClient, password: string) {
    return web.submit("/admin/login", "/admin/login", { email: STAFF.email, password });
  }

  it("changes the password with the current one; refuses a wrong current, a mismatch or a weak one inline; other sessions end", async () => {
    const { app, c } = await createTestApp(ctx());
    await c.staffAuth.add({ email: "owner@partner.example", role: "owner", password: "owner long password" });
    const staff = await c.staffAuth.add({ email: STAFF.email, role: "support", password: STAFF.password });
    const desk = new WebClient(app, "198.51.100.61");
    const laptop = new WebClient(app, "198.51.100.62");
    assert.equal((await staffLogin(desk, STAFF.password)).statusCode, 303);
    assert.equal((await staffLogin(laptop, STAFF.password)).statusCode, 303);

    // The console's e-mail link (/admin/totp) leads to the account page.
    const viaLink = await desk.get("/admin/totp");
    assert.equal(viaLink.statusCode, 303);
    assert.equal(viaLink.headers.location, "/admin/account");
    const page = await desk.get("/admin/account");
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>My account<\/h1>/);
    assert.match(page.body, /<form method="post" action="\/admin\/account\/password">/, "a support account keeps its own account's forms");

    const change = (fields: Record<string, string>) => desk.submit("/admin/account", "/admin/account/password", fields);
    const wrong = await change({ current_password: "not my password", new_password: NEW, repeat_password: NEW });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /<p class="field-error" id="current_password-error">This is not your current password\.<\/p>/);
    assert.match(wrong.body, /id="current_password"[^>]*aria-describedby="current_password-error" aria-invalid="true"/);
    const mismatch = await change({ current_password: STAFF.password, new_password: NEW, repeat_password: `${NEW}!` });
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.body, /id="repeat_password-error">The two new passwords differ/);
    const weak = await change({ current_password: STAFF.password, new_password: "short", repeat_password: "short" });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /id="new_password-error">This password cannot be used\. At least 10 characters/);
    const self = await change({ current_password: STAFF.password, new_password: STAFF.email, repeat_password: STAFF.email });
    assert.equal(self.statusCode, 400, "not the e-mail address");
    assert.ok(!wrong.body.includes("not my password") && !weak.body.includes('value="short"'), "no password echoed");
    assert.equal((await c.audit.list({ action: "staff.password_change", limit: 5 })).entries.length, 0, "nothing changed");

    const ok = await change({ current_password: STAFF.password, new_password: NEW, repeat_password: NEW });
    assert.equal(ok.statusCode, 303, ok.body);
    assert.equal(ok.headers.location, "/admin/account?password=changed");
    assert.match((await desk.get("/admin/account?password=changed")).body, /Your password is changed/);
    assert.equal((await desk.get("/admin")).statusCode, 200, "this browser stays signed in");
    assert.equal((await laptop.get("/admin")).statusCode, 303, "the other browser is signed out");
    const again = new WebClient(app, "198.51.100.63");
    assert.equal((await staffLogin(again, STAFF.password)).statusCode, 401, "the old password no longer works");
    assert.equal((await staffLogin(again, NEW)).statusCode, 303, "the new one does");
    const e = (await c.audit.list({ action: "staff.password_change", limit: 5 })).entries;
    assert.equal(e.length, 1);
    assert.deepEqual(e[0]!.actor, { kind: "staff", id: staff.id, label: STAFF.email });
  });

  it("speaks Russian on the account page and its refusals, and locks after repeated wrong current passwords", async () => {
    const { app, c } = await createTestApp(ctx());
    await c.staffAuth.add({ email: STAFF.email, role: "owner", password: STAFF.password });
    const web = new WebClient(app, "198.51.100.64");
    web.cookies.set("locale", "ru");
    assert.equal((await staffLogin(web, STAFF.password)).statusCode, 303);
    const page = await web.get("/admin/account");
    assert.match(page.body, /<html lang="ru">/);
    for (const text of ["Мой аккаунт", "Смена пароля", "Текущий пароль", "Двухфакторная аутентификация выключена", "Настроить"]) assert.ok(page.body.includes(text), text);
    for (const text of ["My account", "Change password", "Current password", "Set it up"]) assert.ok(!page.body.includes(text), text);
    const typed = { new_password: NEW, repeat_password: NEW };
    const wrong = await web.submit("/admin/account", "/admin/account/password", { current_password: "wrong one", ...typed });
    assert.match(wrong.body, /Это не ваш текущий пароль\./);
    const weak = await web.submit("/admin/account", "/admin/account/password", { current_password: STAFF.password, new_password: "aaaaaaaaaaaa", repeat_password: "aaaaaaaaaaaa" });
    assert.match(weak.body, /Такой пароль нельзя использовать\./);
    // Wrong current passwords count like failed sign-ins on the account: a left-open console is no oracle.
    let last = wrong;
    for (let i = 0; i < 6 && last.statusCode !== 429; i++) last = await web.submit("/admin/account", "/admin/account/password", { current_password: `wrong ${i}`, ...typed });
    assert.equal(last.statusCode, 429);
    assert.match(last.body, /Слишком много неверных паролей\. Подождите \d+ минут/);
    const locked = await web.submit("/admin/account", "/admin/account/password", { current_password: STAFF.password, ...typed });
    assert.equal(locked.statusCode, 429, "even the right password waits");
  });
  it("turns two-factor authentication on and off from the account page; sign-in then asks for a code", async () => {
    const { app, c, clock } = await createTestApp(ctx());
    await c.staffAuth.add({ email: STAFF.email, role: "staff", password: STAFF.password });
    const web = new WebClient(app, "198.51.100.65");
    assert.equal((await staffLogin(web, STAFF.password)).statusCode, 303);
    const enrol = await web.submit("/admin/account", "/admin/totp/enrol", {});
    assert.equal(enrol.headers.location, "/admin/account#totp");
    const page = await web.get("/admin/account");
    const secret = /<dt>Secret<\/dt><dd><code>([A-Z2-7 ]+)<\/code>/.exec(page.body)?.[1]?.replace(/ /g, "");
    assert.ok(secret, "the secret is shown");
    assert.match(page.body, /href="otpauth:\/\/totp\//);
    const bad = await web.post("/admin/totp/confirm", { code: "000000" });
    assert.equal(bad.statusCode, 401);
    assert.match(bad.body, /<p class="field-error" id="code-error">That code is not right/);
    await web.get("/admin/account");
    const on = await web.post("/admin/totp/confirm", { code: totpCode(secret!, clock.now()) });
    assert.equal(on.headers.location, "/admin/account?totp=on");
    assert.match((await web.get("/admin/account?totp=on")).body, /Two-factor authentication is on\./);

    const other = new WebClient(app, "198.51.100.66");
    other.cookies.set("locale", "ru");
    const first = await staffLogin(other, STAFF.password);
    assert.match(String(first.headers.location), /^\/admin\/totp/);
    const step = await other.get(String(first.headers.location));
    assert.match(step.body, /Шестизначный код из приложения-аутентификатора/);
    clock.advance(30_000);
    assert.equal((await other.post("/admin/totp", { code: totpCode(secret!, clock.now()) })).statusCode, 303);
    assert.equal((await other.get("/admin")).statusCode, 200, "signed in with the code");

    clock.advance(30_000);
    await web.get("/admin/account");
    const off = await web.post("/admin/totp/disable", { code: totpCode(secret!, clock.now()) });
    assert.equal(off.headers.location, "/admin/account?totp=off");
    assert.equal((await c.staffAuth.find((await c.staffAuth.list())[0]!.id))!.totp, false);
  });
});
