// Configuration (src/app/config.ts): defaults that make `npm start` work on a fresh machine, one
// error that lists every problem without echoing a value, and docs/CONFIG.md kept in step.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { ConfigError, configReference, configSchema, loadConfig } from "../src/app/config.ts";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail("expected the configuration to be refused");
}

describe("configuration", () => {
  it("runs a fresh install with no variables set: local SQLite, sandbox upstream, demo data", () => {
    const c = loadConfig({});
    assert.equal(c.PORT, 8080);
    assert.equal(c.HOST, "127.0.0.1");
    assert.equal(c.DATA_DIR, "data");
    assert.equal(c.DATABASE_URL, "sqlite:data/partnerbill.db");
    assert.equal(c.PUBLIC_URL, "http://127.0.0.1:8080");
    assert.equal(c.UPSTREAM_URL, "sandbox");
    assert.equal(c.upstreamBaseUrl, "sandbox");
    assert.equal(c.UPSTREAM_REGION, "eu");
    assert.equal(c.FULFILLMENT_MODE, "automatic");
    assert.equal(c.DEMO_DATA, true);
    assert.equal(c.LOG_LEVEL, "info");
    assert.equal(c.LOG_REQUESTS, false);
    assert.equal(c.CATALOG_POLL_MS, 2000);
    assert.equal(c.UPSTREAM_TIMEOUT_MS, 15000);
    assert.equal(c.SECRET_KEY, undefined);
  });

  it("derives what it can: database from DATA_DIR, public URL from HOST and PORT, region from the upstream", () => {
    assert.equal(loadConfig({ DATA_DIR: "/var/lib/partnerbill/" }).DATABASE_URL, "sqlite:/var/lib/partnerbill/partnerbill.db");
    assert.equal(loadConfig({ HOST: "::1", PORT: "9000" }).PUBLIC_URL, "http://[::1]:9000");
    assert.equal(loadConfig({ PUBLIC_URL: "https://billing.example.com/" }).PUBLIC_URL, "https://billing.example.com");
    const ru = loadConfig({ UPSTREAM_URL: "ru", UPSTREAM_USER: "a@example.com", UPSTREAM_PASSWORD: "pw" });
    assert.equal(ru.upstreamBaseUrl, "https://api.ispmanager.ru/billmgr");
    assert.equal(ru.UPSTREAM_REGION, "ru");
    assert.equal(ru.DEMO_DATA, false);
    assert.equal(loadConfig({ UPSTREAM_URL: "eu", FULFILLMENT_MODE: "manual" }).UPSTREAM_REGION, "eu");
    assert.equal(loadConfig({ UPSTREAM_URL: "https://my.example.ru/billmgr", FULFILLMENT_MODE: "manual" }).UPSTREAM_REGION, "ru");
    assert.equal(loadConfig({ UPSTREAM_URL: "ru", FULFILLMENT_MODE: "manual", UPSTREAM_REGION: "eu" }).UPSTREAM_REGION, "eu");
  });

  it("reads booleans the way people write them and treats empty values as unset", () => {
    assert.equal(loadConfig({ DEMO_DATA: "off" }).DEMO_DATA, false);
    assert.equal(loadConfig({ DEMO_DATA: "0" }).DEMO_DATA, false);
    assert.equal(loadConfig({ LOG_REQUESTS: "yes" }).LOG_REQUESTS, true);
    assert.equal(loadConfig({ LOG_REQUESTS: "true" }).LOG_REQUESTS, true);
    assert.equal(loadConfig({ PORT: "", HOST: "", DATABASE_URL: "" }).PORT, 8080);
  });

  it("ignores variables it does not know", () => {
    assert.equal(loadConfig({ PATH: "/usr/bin", HOME: "/root", PORTT: "1" }).PORT, 8080);
  });

  it("lists every problem in one error", () => {
    const problems = problemsOf({
      PORT: "abc",
      LOG_LEVEL: "loud",
      CATALOG_POLL_MS: "0",
      DATABASE_URL: "mysql://localhost/db",
      SECRET_KEY: "too-short",
      FULFILLMENT_MODE: "sometimes",
      UPSTREAM_URL: "eu",
    });
    const keys = problems.map((p) => p.split(":")[0]);
    assert.deepEqual(keys.sort(), ["CATALOG_POLL_MS", "DATABASE_URL", "FULFILLMENT_MODE", "LOG_LEVEL", "PORT", "SECRET_KEY"]);
    assert.throws(() => loadConfig({ PORT: "70000", UPSTREAM_URL: "eu", UPSTREAM_USER: "a@example.com" }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 2, "a port out of range and the half-given credentials, together");
      assert.match(e.message, /^Invalid configuration:\n {2}- PORT: .+\n {2}- UPSTREAM_USER and UPSTREAM_PASSWORD: set both/);
      return true;
    });
  });

  it("takes client-area credentials as a pair, or none (the set-up wizard stores them)", () => {
    assert.equal(problemsOf({ UPSTREAM_URL: "https://api-eu.ispmanager.com/billmgr", UPSTREAM_PASSWORD: "pw" }).length, 1);
    assert.doesNotThrow(() => loadConfig({ UPSTREAM_URL: "https://api-eu.ispmanager.com/billmgr" }));
    assert.doesNotThrow(() => loadConfig({ UPSTREAM_URL: "eu", FULFILLMENT_MODE: "manual" }));
    assert.doesNotThrow(() => loadConfig({ UPSTREAM_URL: "sandbox" }));
  });

  it("never echoes a value in the error, secrets included", () => {
    const env = {
      SECRET_KEY: "tok1-secret",
      DATABASE_URL: "mysql://user:tok2-dbpass@db/x",
      PUBLIC_URL: "ftp://tok3-host",
      UPSTREAM_URL: "ftp://tok4-upstream",
      PORT: "tok5",
      LOG_LEVEL: "tok6",
      UPSTREAM_TIMEOUT_MS: "tok7",
      UPSTREAM_REGION: "tok8",
      DEMO_DATA: "tok9",
      UPSTREAM_PASSWORD: "tok10-password",
    };
    assert.throws(() => loadConfig(env), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 10, "nine bad values and a password without a user");
      assert.doesNotMatch(e.message, /tok\d/);
      return true;
    });
  });

  it("documents every variable in docs/CONFIG.md, generated and up to date", () => {
    const reference = configReference();
    for (const key of Object.keys(configSchema.shape)) assert.match(reference, new RegExp(`\\| \`${key}\` \\|`), key);
    const doc = readFileSync(new URL("../docs/CONFIG.md", import.meta.url), "utf8");
    assert.equal(doc, reference, "docs/CONFIG.md is out of date: run npm run docs:config");
  });
});
