// A real nginx started with the SHIPPED site file (deploy/nginx.conf), in front of partnerbill
// nodes — for the deploy test and the multi-node test. The site file is rendered with test values
// only where a machine differs (ports on 127.0.0.1, the upstream nodes, a certificate made with
// openssl at test time, the ACME directory); everything else is exactly what operators install.
// nginx runs as a child process in the foreground, with its prefix, pid file and temp paths in a
// temporary directory, inside a minimal main config that stands in for Debian's /etc/nginx/nginx.conf.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./cli.ts";

export const SHIPPED_SITE = join(ROOT, "deploy", "nginx.conf");
/** The server_name of the shipped file; requests through nginx carry it as Host (and SNI). */
export const SITE_NAME = "billing.example.com";

/** The nginx binary: on PATH, or where Debian puts it (/usr/sbin is not on every PATH). */
export function nginxBinary(): string {
  for (const dir of (process.env["PATH"] ?? "").split(":").concat(["/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin"])) {
    if (dir && existsSync(join(dir, "nginx"))) return join(dir, "nginx");
  }
  throw new Error("nginx is not installed (.ci/run installs it: apt-get install nginx-light)");
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface SiteValues {
  httpPort: number;
  httpsPort: number;
  /** HOST:PORT of each partnerbill web node. */
  upstreams: string[];
  certFile: string;
  keyFile: string;
  acmeRoot: string;
}

function replaceOnce(text: string, from: string, to: string): string {
  const n = text.split(from).length - 1;
  if (n !== 1) throw new Error(`deploy/nginx.conf changed: expected "${from}" once, found it ${n} times — update test/helpers/nginx.ts`);
  return text.replace(from, () => to);
}

/** The shipped site file with this machine's values. Fails when the file no longer has the lines it replaces. */
export function renderSite(shipped: string, v: SiteValues): string {
  let s = shipped;
  s = replaceOnce(s, "    listen 80;\n    listen [::]:80;\n", `    listen 127.0.0.1:${v.httpPort};\n`);
  s = replaceOnce(s, "    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n", `    listen 127.0.0.1:${v.httpsPort} ssl http2;\n`);
  s = replaceOnce(
    s,
    "    server 127.0.0.1:8080 max_fails=3 fail_timeout=10s;\n",
    v.upstreams.map((u) => `    server ${u} max_fails=3 fail_timeout=10s;\n`).join(""),
  );
  s = replaceOnce(s, `/etc/letsencrypt/live/${SITE_NAME}/fullchain.pem`, v.certFile);
  s = replaceOnce(s, `/etc/letsencrypt/live/${SITE_NAME}/privkey.pem`, v.keyFile);
  s = replaceOnce(s, "root /var/www/html;", `root ${v.acmeRoot};`);
  return s;
}

/** Stands in for Debian's /etc/nginx/nginx.conf, including its `gzip on`. */
function mainConfig(dir: string, site: string): string {
  return `
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log stderr warn;
${process.getuid?.() === 0 ? "user root root;" : ""}
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${join(dir, "access.log")};
    client_body_temp_path ${join(dir, "body")};
    proxy_temp_path ${join(dir, "proxy")};
    fastcgi_temp_path ${join(dir, "fastcgi")};
    uwsgi_temp_path ${join(dir, "uwsgi")};
    scgi_temp_path ${join(dir, "scgi")};
    sendfile on;
    gzip on;
    include ${site};
}
`;
}

export interface RunningNginx {
  readonly httpsUrl: string;
  readonly httpUrl: string;
  /** The self-signed certificate nginx serves, to trust in requests. */
  readonly ca: string;
  /** The rendered site file, as nginx read it. */
  readonly site: string;
  /** The directory served under /.well-known/acme-challenge/. */
  readonly acmeRoot: string;
  /** What `nginx -t` said about the configuration. */
  readonly configTest: string;
  stderr(): string;
  stop(): Promise<void>;
}

/** Renders the shipped site for `upstreams`, starts nginx with it and waits until it accepts connections. */
export async function startNginx(opts: { upstreams: string[] }): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), "pb-nginx-"));
  // nginx's workers run as another user when the tests run as root; they must reach their files.
  chmodSync(dir, 0o755);
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", certFile,
    "-days", "1", "-subj", `/CN=${SITE_NAME}`, "-addext", `subjectAltName=DNS:${SITE_NAME}`,
  ], { stdio: "ignore" });
  const acmeRoot = join(dir, "acme");
  mkdirSync(join(acmeRoot, ".well-known", "acme-challenge"), { recursive: true });
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const site = renderSite(readFileSync(SHIPPED_SITE, "utf8"), { httpPort, httpsPort, upstreams: opts.upstreams, certFile, keyFile, acmeRoot });
  const sitePath = join(dir, "partnerbill.conf");
  writeFileSync(sitePath, site);
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, mainConfig(dir, sitePath));

  const bin = nginxBinary();
  // The configuration check operators run (`nginx -t`) must pass first.
  const check = spawnSync(bin, ["-t", "-p", dir, "-c", conf, "-e", "stderr"], { encoding: "utf8" });
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx -t failed:\n${check.stderr}\n--- site file as rendered ---\n${site}`);
  }
  const child = spawn(bin, ["-p", dir, "-c", conf, "-e", "stderr", "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGQUIT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited at start:\n${err}`);
    }
    const up = await new Promise<boolean>((resolve) => {
      const req = httpRequest(`${httpUrl}/`, { headers: { host: SITE_NAME } }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on("error", () => resolve(false));
      req.end();
    });
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not accept connections within 10 s:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { httpsUrl: `https://127.0.0.1:${httpsPort}`, httpUrl, ca: readFileSync(certFile, "utf8"), site, acmeRoot, configTest: check.stderr, stderr: () => err, stop };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One request. Through nginx, pass `ca` (and the Host header defaults to the site's name, which
 * is also sent as SNI); `localAddress` makes the client connect from another loopback address
 * (127.0.0.2), i.e. from a machine the allow-lists do not know.
 */
export function fetchRaw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; ca?: string; localAddress?: string } = {},
): Promise<Answer> {
  const u = new URL(url);
  const https = u.protocol === "https:";
  const headers = { ...(opts.ca ? { host: SITE_NAME } : {}), ...opts.headers };
  return new Promise((resolve, reject) => {
    const options = {
      method: opts.method ?? "GET",
      headers,
      agent: false as const,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      ...(https ? { ca: opts.ca, servername: SITE_NAME } : {}),
    };
    const req = (https ? httpsRequest : httpRequest)(u, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}
