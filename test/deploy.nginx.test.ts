// The shipped nginx site (deploy/nginx.conf) really started in front of a real `partnerbill serve`:
// panels get the same price list over HTTPS as from partnerbill directly (compressed by partnerbill,
// ETag intact), plain HTTP is redirected, /metrics answers only the allowed addresses, and the
// client's address — not one the client made up — reaches partnerbill.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { fetchRaw, SITE_NAME, startNginx, type RunningNginx } from "./helpers/nginx.ts";
import { startServe, type ServeProcess } from "./helpers/serve-process.ts";

const EXPORT = "/billmgr?func=pricelist.export&itemtype=addition&onlyavailable=on&out=xml";
/** A loopback address the shipped allow-list does not name: "another machine". */
const STRANGER = "127.0.0.2";

describe("nginx with the shipped config in front of partnerbill", () => {
  let dataDir = "";
  let node: ServeProcess;
  let nginx: RunningNginx;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "pb-deploy-"));
    node = await startServe(
      { DATA_DIR: dataDir, TRUST_PROXY: "127.0.0.1", LOG_REQUESTS: "true", LOG_LEVEL: "info", PUBLIC_URL: `https://${SITE_NAME}` },
      { roles: "web" },
    );
    nginx = await startNginx({ upstreams: [`127.0.0.1:${node.port}`] });
  });

  after(async () => {
    await nginx?.stop();
    await node?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves the same price list over HTTPS as partnerbill does directly, compressed by partnerbill with its ETag", async () => {
    const direct = await fetchRaw(node.url + EXPORT);
    const proxied = await fetchRaw(nginx.httpsUrl + EXPORT, { ca: nginx.ca });
    assert.equal(direct.status, 200);
    assert.equal(proxied.status, 200);
    assert.match(proxied.body.toString(), /<id>23221<\/id>/);
    assert.deepEqual(proxied.body, direct.body);
    assert.equal(proxied.headers["content-type"], direct.headers["content-type"]);
    assert.equal(proxied.headers["etag"], direct.headers["etag"]);
    assert.equal(proxied.headers["strict-transport-security"], "max-age=31536000");

    const zipped = await fetchRaw(nginx.httpsUrl + EXPORT, { ca: nginx.ca, headers: { host: SITE_NAME, "accept-encoding": "gzip" } });
    assert.equal(zipped.headers["content-encoding"], "gzip");
    assert.equal(zipped.headers["etag"], direct.headers["etag"], "nginx neither recompressed it nor weakened the ETag");
    assert.deepEqual(gunzipSync(zipped.body), direct.body);
    const cached = await fetchRaw(nginx.httpsUrl + EXPORT, { ca: nginx.ca, headers: { host: SITE_NAME, "if-none-match": String(direct.headers["etag"]) } });
    assert.equal(cached.status, 304);

    const viaManager = await fetchRaw(nginx.httpsUrl + EXPORT.replace("/billmgr", "/manager/billmgr"), { ca: nginx.ca });
    assert.deepEqual(viaManager.body, direct.body);
  });

  it("redirects plain HTTP to HTTPS, except the ACME challenges certbot renews with", async () => {
    const r = await fetchRaw(nginx.httpUrl + EXPORT, { headers: { host: SITE_NAME } });
    assert.equal(r.status, 301);
    assert.equal(r.headers["location"], `https://${SITE_NAME}${EXPORT}`);
    writeFileSync(join(nginx.acmeRoot, ".well-known", "acme-challenge", "token-123"), "token-123.thumbprint");
    const acme = await fetchRaw(`${nginx.httpUrl}/.well-known/acme-challenge/token-123`, { headers: { host: SITE_NAME } });
    assert.equal(acme.status, 200);
    assert.equal(acme.body.toString(), "token-123.thumbprint");
  });

  it("answers /metrics to this machine only", async () => {
    const local = await fetchRaw(`${nginx.httpsUrl}/metrics`, { ca: nginx.ca });
    assert.equal(local.status, 200);
    assert.match(local.body.toString(), /^partnerbill_http_requests_total\{/m);
    const stranger = await fetchRaw(`${nginx.httpsUrl}/metrics`, { ca: nginx.ca, localAddress: STRANGER });
    assert.equal(stranger.status, 403);
    assert.doesNotMatch(stranger.body.toString(), /partnerbill_/);
    const elsewhere = await fetchRaw(`${nginx.httpsUrl}/healthz`, { ca: nginx.ca, localAddress: STRANGER });
    assert.equal(elsewhere.status, 200, "the rest of the site is open to everyone");
  });

  it("refuses /metrics to strangers however the path is spelled (/metrics/, /%6Detrics, …)", async () => {
    const spellings = ["/metrics/", "/%6Detrics", "/%6detrics/", "/metrics?x=1", "//metrics", "/metrics%2F", "/%2Fmetrics", "/./metrics", "/metrics/.", "/x/../metrics", "/METRICS"];
    for (const path of spellings) {
      const r = await fetchRaw(`${nginx.httpsUrl}${path}`, { ca: nginx.ca, localAddress: STRANGER });
      assert.notEqual(r.status, 200, `${path} answered 200 to a stranger`);
      assert.doesNotMatch(r.body.toString(), /partnerbill_/, `${path} leaked metrics`);
    }
    const local = await fetchRaw(`${nginx.httpsUrl}/metrics/`, { ca: nginx.ca });
    assert.equal(local.status, 200, "the allowed machine reads /metrics/ too");
    // Without nginx, partnerbill refuses an address outside METRICS_ALLOW itself.
    for (const path of ["/metrics", "/metrics/", "/%6Detrics"]) {
      const direct = await fetchRaw(`${node.url}${path}`, { localAddress: STRANGER });
      assert.notEqual(direct.status, 200, `${path} direct`);
      assert.doesNotMatch(direct.body.toString(), /partnerbill_/);
    }
  });

  it("passes the client's real address to partnerbill, not the one the client claims", async () => {
    const r = await fetchRaw(`${nginx.httpsUrl}/healthz?probe=real-ip`, {
      ca: nginx.ca,
      localAddress: STRANGER,
      headers: { host: SITE_NAME, "x-forwarded-for": "203.0.113.66" },
    });
    assert.equal(r.status, 200);
    const logged = () => node.logs().filter((l) => (l["req"] as { url?: string } | undefined)?.url === "/healthz?probe=real-ip");
    // The child writes its log line a moment after answering.
    for (const until = Date.now() + 10_000; logged().length === 0 && Date.now() < until; ) await new Promise((w) => setTimeout(w, 25));
    const seen = logged();
    assert.equal(seen.length, 1, node.stdout());
    const req = seen[0]!["req"] as { remoteAddress?: string; host?: string };
    assert.equal(req.remoteAddress, STRANGER);
    assert.equal(req.host, SITE_NAME);
  });

  it("passes `nginx -t` without a warning", () => {
    assert.match(nginx.configTest, /configuration file .* test is successful/);
    assert.doesNotMatch(nginx.configTest, /\[(warn|error|crit|alert|emerg)\]/);
  });

  it("stops request bodies over 1 MiB at nginx", async () => {
    const r = await fetchRaw(`${nginx.httpsUrl}/billmgr`, {
      ca: nginx.ca,
      method: "POST",
      headers: { host: SITE_NAME, "content-type": "application/x-www-form-urlencoded" },
      body: Buffer.alloc(1024 * 1024 + 1, "a"),
    });
    assert.equal(r.status, 413);
  });
});
