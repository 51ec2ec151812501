// Issue 13, findings 1, 2, 3, 4 and 7: each attack performed as an attacker would, over real HTTP
// (the app listening on a port) where the finding is about HTTP, on SQLite and PostgreSQL.
//   1. a burst of ~100 parallel sign-in guesses (the right password inside it), customer and staff:
//      at most the policy's number of passwords are checked, the right one does not get in once
//      the account is locked, and no answer is a 5xx;
//   2. a stranger signs up with the victim's address and a password: whatever link the victim
//      opens, she never ends up with a password she did not type;
//   3. `next` payloads that normalise to another origin, after sign-in, sign-up, reset and staff
//      sign-in: no Location leaves the origin;
//   4. sign-up, reset and old-style links with LOG_REQUESTS=true: no token in the log written;
//   7. "forgot your password" does the same work for an address with and without an account.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Container } from "../src/app/container.ts";
import { createPasswordHasher, type PasswordHasher } from "../src/modules/accounts/passwords.ts";
import { followLink, mailedLink } from "./helpers/account-links.ts";
import { createTestApp } from "./helpers/app.ts";
import { describeEachDialect } from "./helpers/db.ts";
import { WebClient } from "./helpers/web-client.ts";

const PASSWORD = "correct horse battery";

/** A browser over real HTTP (fetch): a cookie jar, the CSRF token of the last page, no redirects followed. */
class HttpBrowser {
  readonly cookies = new Map<string, string>();
  lastBody = "";

  constructor(readonly origin: string) {}

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";", 1);
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === "" || /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private headers(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }

  async get(path: string): Promise<{ status: number; location: string | null; body: string }> {
    const res = await fetch(`${this.origin}${path}`, { redirect: "manual", headers: this.headers() });
    this.keep(res);
    this.lastBody = await res.text();
    return { status: res.status, location: res.headers.get("location"), body: this.lastBody };
  }

  csrf(): string {
    const m = /name="_csrf" value="([^"]+)"/.exec(this.lastBody);
    assert.ok(m, `no form on the last page:\n${this.lastBody.slice(0, 400)}`);
    return m[1]!;
  }

  /** Posts a form with the given CSRF token (default: the last page's); keeps the cookies it gets. */
  async post(path: string, fields: Record<string, string>, csrf = this.csrf()): Promise<{ status: number; location: string | null; body: string }> {
    const res = await fetch(`${this.origin}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", ...this.headers() },
      body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    });
    this.keep(res);
    const body = await res.text();
    this.lastBody = body;
    return { status: res.status, location: res.headers.get("location"), body };
  }
}

async function listening(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.server.address();
  assert.ok(addr && typeof addr === "object");
  return `http://127.0.0.1:${addr.port}`;
}

/** A confirmed customer with PASSWORD (sign-up by its link, as a browser does). */
async function customer(app: FastifyInstance, c: Container, email: string): Promise<void> {
  const web = new WebClient(app, "198.51.100.200");
  assert.equal((await web.submit("/account/signup", "/account/signup", { email })).statusCode, 200);
  assert.equal((await followLink(web, await mailedLink(c, email, "verify_email"), PASSWORD)).statusCode, 303);
}

interface BurstResult {
  statuses: number[];
  right: number;
}

/**
 * Sends raw HTTP requests as one burst: every socket is connected first, then every request is
 * written in the same tick, so they all reach the server together (as an attack tool sends them).
 * Answers the status code of each.
 */
async function rawBurst(origin: string, requests: string[]): Promise<number[]> {
  const { hostname, port } = new URL(origin);
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: hostname, port: Number(port) }, () => resolve(s));
          s.once("error", reject);
        }),
    ),
  );
  const answers = sockets.map(
    (s) =>
      new Promise<number>((resolve, reject) => {
        let data = "";
        s.setEncoding("latin1");
        s.on("data", (chunk: string) => {
          data += chunk;
        });
        s.once("error", reject);
        s.once("close", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
      }),
  );
  sockets.forEach((s, i) => s.write(requests[i]!));
  return Promise.all(answers);
}

/**
 * 100 sign-in guesses at once from one browser (one pre-session cookie and CSRF token, as a script
 * would reuse them), the right password at position 50.
 */
async function burst(origin: string, loginPath: string, emails: (i: number) => string, rightEmail: string): Promise<BurstResult> {
  const b = new HttpBrowser(origin);
  await b.get(loginPath);
  const csrf = b.csrf();
  const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const host = new URL(origin).host;
  const requests = Array.from({ length: 100 }, (_, i) => {
    const body = new URLSearchParams(
      i === 50 ? { email: rightEmail, password: PASSWORD, _csrf: csrf } : { email: emails(i), password: `wrong guess ${i}`, _csrf: csrf },
    ).toString();
    return `POST ${loginPath} HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  });
  const statuses = await rawBurst(origin, requests);
  return { statuses, right: statuses[50]! };
}

/**
 * The real argon2id hasher, counting the passwords it checks, each check made 250 ms slower — a
 * busy server, where the window between "is it locked?" and "record the failure" of a
 * check-then-record throttle is widest. The contract (PasswordHasher) is unchanged.
 */
function countingHasher(): { hasher: PasswordHasher; checks: () => number } {
  const real = createPasswordHasher();
  let checks = 0;
  const slow = () => new Promise((r) => setTimeout(r, 250));
  return {
    hasher: {
      hash: (password) => real.hash(password),
      async verify(hash, password) {
        checks++;
        await slow();
        return real.verify(hash, password);
      },
      async verifyDummy(password) {
        checks++;
        await slow();
        return real.verifyDummy(password);
      },
    },
    checks: () => checks,
  };
}

function tally(statuses: number[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const s of statuses) t[s] = (t[s] ?? 0) + 1;
  return t;
}

describeEachDialect("issue 13: sign-in throttle under a parallel burst (finding 1)", (ctx) => {
  let apps: FastifyInstance[] = [];
  before(() => {
    apps = [];
  });
  after(async () => {
    for (const a of apps) await a.close();
  });

  it("checks at most 5 passwords of a customer account however many guesses arrive at once, and the right one does not get in once locked", { timeout: 120_000 }, async () => {
    const counted = countingHasher();
    const { app, c } = await createTestApp(ctx(), {}, { passwords: counted.hasher });
    apps.push(app);
    await customer(app, c, "ann@example.com");
    const origin = await listening(app);

    const r = await burst(origin, "/account/login", () => "ann@example.com", "ann@example.com");
    const t = tally(r.statuses);
    assert.ok(counted.checks() <= 5, `${counted.checks()} passwords checked: ${JSON.stringify(t)}`);
    assert.equal(r.statuses.filter((s) => s >= 500).length, 0, `no 5xx: ${JSON.stringify(t)}`);
    // 401: a password checked and wrong; 303: checked and right; 429: refused unchecked.
    const checked = (t[401] ?? 0) + (t[303] ?? 0);
    assert.ok(checked <= 5, `at most 5 passwords checked, got ${JSON.stringify(t)}`);
    assert.equal(checked + (t[429] ?? 0), 100, JSON.stringify(t));
    if (r.right === 303) assert.ok((t[401] ?? 0) <= 4, "the right password got in only before the lock");
    else assert.equal(r.right, 429, "the right password inside the burst is refused once locked");
    if ((t[401] ?? 0) === 5) {
      const again = new HttpBrowser(origin);
      await again.get("/account/login");
      assert.equal((await again.post("/account/login", { email: "ann@example.com", password: PASSWORD })).status, 429, "still locked after the burst");
    }
  });

  it("checks at most 20 passwords from one address spread over many accounts", { timeout: 120_000 }, async () => {
    const counted = countingHasher();
    const { app, c } = await createTestApp(ctx(), {}, { passwords: counted.hasher });
    apps.push(app);
    await customer(app, c, "ann@example.com");
    const origin = await listening(app);
    const r = await burst(origin, "/account/login", (i) => `guess${i}@example.com`, "ann@example.com");
    const t = tally(r.statuses);
    assert.ok(counted.checks() <= 20, `${counted.checks()} passwords checked: ${JSON.stringify(t)}`);
    assert.equal(r.statuses.filter((s) => s >= 500).length, 0, `no 5xx: ${JSON.stringify(t)}`);
    assert.ok((t[401] ?? 0) + (t[303] ?? 0) <= 20, `at most 20 passwords checked, got ${JSON.stringify(t)}`);
  });

  it("checks at most 5 passwords of a staff account under the same burst", { timeout: 120_000 }, async () => {
    const counted = countingHasher();
    const { app, c } = await createTestApp(ctx(), {}, { passwords: counted.hasher });
    apps.push(app);
    await c.staffAuth.add({ email: "owner@example.com", role: "owner", password: PASSWORD });
    const origin = await listening(app);
    const r = await burst(origin, "/admin/login", () => "owner@example.com", "owner@example.com");
    const t = tally(r.statuses);
    assert.ok(counted.checks() <= 5, `${counted.checks()} passwords checked: ${JSON.stringify(t)}`);
    assert.equal(r.statuses.filter((s) => s >= 500).length, 0, `no 5xx: ${JSON.stringify(t)}`);
    const checked = (t[401] ?? 0) + (t[303] ?? 0);
    assert.ok(checked <= 5, `at most 5 passwords checked, got ${JSON.stringify(t)}`);
    if (r.right === 303) assert.ok((t[401] ?? 0) <= 4, "the right password got in only before the lock");
    else assert.equal(r.right, 429);
    const rows = await c.db.selectFrom("login_throttle").selectAll().where("key", "=", "staff:owner@example.com").execute();
    assert.equal(rows.length, 1, "one counter row, shared by every node through the database");
  });
});

describeEachDialect("issue 13: nobody pre-sets the password of someone else's account (finding 2)", (ctx) => {
  for (const opened of ["the stranger's link (older)", "her own link (newer)"] as const) {
    it(`a stranger signs up with the victim's address; the victim opens ${opened} and has only the password she typed`, async () => {
      const { app, c } = await createTestApp(ctx());
      const stranger = new WebClient(app, "192.0.2.66");
      const sent = await stranger.submit("/account/signup", "/account/signup", { email: "vera@example.com", password: "stranger's password" });
      assert.equal(sent.statusCode, 200);
      const strangers = await mailedLink(c, "vera@example.com", "verify_email");
      const vera = new WebClient(app, "198.51.100.7");
      await vera.submit("/account/signup", "/account/signup", { email: "vera@example.com" });
      const own = await mailedLink(c, "vera@example.com", "verify_email");
      assert.notEqual(own.token, strangers.token);
      const tokens = await c.db.selectFrom("account_tokens").select("password_hash").execute();
      assert.ok(tokens.every((t) => t.password_hash === null), "no password is stored with a sign-up");

      const first = opened === "the stranger's link (older)" ? strangers : own;
      const second = first === own ? strangers : own;
      // The link's page cannot finish without a password typed on it.
      const noPassword = await vera.post(first.path, { token: first.token, password: "" }, (await vera.get(first.path)) && vera.csrfOfLastPage());
      assert.equal(noPassword.statusCode, 400);
      assert.equal((await followLink(vera, first, "vera's own password")).statusCode, 303);
      assert.equal((await followLink(new WebClient(app), second, "yet another password")).statusCode, 400, "the other sign-up link stopped working");

      const login = (password: string) => new WebClient(app).submit("/account/login", "/account/login", { email: "vera@example.com", password });
      assert.equal((await login("stranger's password")).statusCode, 401, "the stranger's password opens nothing");
      assert.equal((await login("yet another password")).statusCode, 401);
      assert.equal((await login("vera's own password")).statusCode, 303);
    });
  }
});

const EVIL = [
  "//evil.example",
  "///evil.example",
  "/.//evil.example",
  "/a/..//evil.example",
  "/%2e//evil.example",
  "/%2E%2E//evil.example",
  "/./%2e/..//evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "/.\\/evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "\t//evil.example",
  "/\r\n/evil.example",
  "https://evil.example/",
  "http:evil.example",
  "//user@evil.example",
  "https:/\\evil.example",
  "javascript:alert(1)",
];

function assertSameOrigin(location: string | null, origin: string, payload: string): void {
  assert.ok(location, `a redirect for ${JSON.stringify(payload)}`);
  const target = new URL(location, origin);
  assert.equal(target.origin, origin, `${JSON.stringify(payload)} → Location ${location}`);
  assert.ok(!location.startsWith("//") && !location.includes("\\"), `${JSON.stringify(payload)} → Location ${location}`);
}

describeEachDialect("issue 13: open redirects through `next` (finding 3)", (ctx) => {
  let app: FastifyInstance | undefined;
  after(async () => {
    await app?.close();
  });

  it("no Location after sign-in, sign-up, reset or staff sign-in leaves the origin", { timeout: 120_000 }, async () => {
    const built = await createTestApp(ctx());
    app = built.app;
    const { c } = built;
    await customer(built.app, c, "ann@example.com");
    await c.staffAuth.add({ email: "owner@example.com", role: "owner", password: PASSWORD });
    const origin = await listening(built.app);

    for (const [i, evil] of EVIL.entries()) {
      // Sign-in.
      const b = new HttpBrowser(origin);
      await b.get(`/account/login?next=${encodeURIComponent(evil)}`);
      assert.doesNotMatch(b.lastBody, /evil\.example/, "the form does not carry it on");
      const signedIn = await b.post("/account/login", { email: "ann@example.com", password: PASSWORD, next: evil });
      assert.equal(signedIn.status, 303);
      assertSameOrigin(signedIn.location, origin, evil);
      // A signed-in browser sent to the login page with it.
      assertSameOrigin((await b.get(`/account/login?next=${encodeURIComponent(evil)}`)).location, origin, evil);

      // Sign-up: the `next` rides in the e-mailed link's token.
      const email = `new${i}@example.com`;
      const s = new HttpBrowser(origin);
      await s.get("/account/signup");
      assert.equal((await s.post("/account/signup", { email, next: evil })).status, 200);
      const link = await mailedLink(c, email, "verify_email");
      await s.get(link.path);
      await s.post(link.path, { token: link.token });
      const made = await s.post(link.path, { token: link.token, password: PASSWORD });
      assert.equal(made.status, 303, made.body.slice(0, 300));
      assertSameOrigin(made.location, origin, evil);

      // Reset.
      const r = new HttpBrowser(origin);
      await r.get("/account/forgot");
      await r.post("/account/forgot", { email, next: evil });
      const reset = await mailedLink(c, email, "password_reset");
      await r.get(reset.path);
      await r.post(reset.path, { token: reset.token });
      const done = await r.post(reset.path, { token: reset.token, password: "another good password" });
      assert.equal(done.status, 303);
      assertSameOrigin(done.location, origin, evil);

      // Staff sign-in.
      const st = new HttpBrowser(origin);
      await st.get(`/admin/login?next=${encodeURIComponent(evil)}`);
      const staff = await st.post("/admin/login", { email: "owner@example.com", password: PASSWORD, next: evil });
      assert.equal(staff.status, 303);
      assertSameOrigin(staff.location, origin, evil);
    }
  });
});

describeEachDialect("issue 13: one-time tokens never reach the request log (finding 4)", (ctx) => {
  let app: FastifyInstance | undefined;
  after(async () => {
    await app?.close();
  });

  it("runs sign-up and reset with LOG_REQUESTS=true and finds no token in what was logged", { timeout: 120_000 }, async () => {
    const built = await createTestApp(ctx(), { LOG_REQUESTS: "true" });
    app = built.app;
    const { c, logs } = built;
    const origin = await listening(built.app);
    const b = new HttpBrowser(origin);

    await b.get("/account/signup");
    await b.post("/account/signup", { email: "ann@example.com" });
    const verify = await mailedLink(c, "ann@example.com", "verify_email");
    // What a browser does with the link: the fragment stays in the browser; the page POSTs it.
    await b.get(new URL(verify.href).pathname + new URL(verify.href).search);
    await b.post(verify.path, { token: verify.token });
    assert.equal((await b.post(verify.path, { token: verify.token, password: PASSWORD })).status, 303);

    const other = new HttpBrowser(origin);
    await other.get("/account/forgot");
    await other.post("/account/forgot", { email: "ann@example.com" });
    const reset = await mailedLink(c, "ann@example.com", "password_reset");
    // An old-style link, or one somebody made by hand, with the token in the query: redacted.
    await other.get(`/account/reset?token=${reset.token}`);
    await other.get(`/account/verify?token=${reset.token}&next=%2Faccount`);
    await other.get(`/checkout/nothing?token=${reset.token}`);
    await other.get(reset.path);
    await other.post(reset.path, { token: reset.token });
    assert.equal((await other.post(reset.path, { token: reset.token, password: "a new good password" })).status, 303);

    const written = logs.join("");
    assert.match(written, /"url":"\/account\/reset\?token=\[redacted\]"/, "request lines were logged (the test can fail)");
    for (const token of [verify.token, reset.token]) assert.ok(!written.includes(token), `token ${token} found in the log`);
  });
});

describeEachDialect("issue 13: `forgot your password` is the same for every address (finding 7)", (ctx) => {
  const COUNTED = ["account_tokens", "mail_outbox", "jobs", "customers", "sessions", "login_throttle", "audit_log"] as const;

  async function counts(c: Container): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of COUNTED) {
      const r = await c.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  }

  it("writes the same rows and answers the same page for an address with and without an account", async () => {
    const { app, c } = await createTestApp(ctx());
    await customer(app, c, "ann@example.com");
    const delta = async (email: string) => {
      const web = new WebClient(app, "192.0.2.9");
      await web.get("/account/forgot");
      const before = await counts(c);
      const r = await web.post("/account/forgot", { email });
      const afterCounts = await counts(c);
      const d: Record<string, number> = {};
      for (const t of COUNTED) d[t] = afterCounts[t]! - before[t]!;
      return { d, status: r.statusCode, body: r.body.replace(/name="_csrf" value="[^"]+"/g, "").replaceAll(email, "X"), headers: Object.keys(r.headers).sort() };
    };
    const known = await delta("ann@example.com");
    const unknown = await delta("nobody@example.com");
    assert.deepEqual(unknown.d, known.d, "the same rows written");
    assert.ok(known.d["mail_outbox"]! >= 1, "a mail is queued in both cases");
    assert.equal(unknown.status, known.status);
    assert.equal(unknown.body, known.body);
    assert.deepEqual(unknown.headers, known.headers);
  });
});
