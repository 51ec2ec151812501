// The benchmark's baseline: a bare node:http server that answers the same bytes and headers
// partnerbill answered (captured by bench/run.ts and passed as a JSON file). It does the least a
// server that honours ETag and gzip must do — pick the 304, gzip or plain answer from two request
// headers — and nothing else, so it is the ceiling a Node HTTP server can reach on this machine.
// Usage: node --import tsx bench/baseline-server.ts <answers.json>; prints "listening <port>".
import { createServer, type OutgoingHttpHeaders } from "node:http";
import { readFileSync } from "node:fs";

export interface CapturedAnswer {
  status: number;
  /** Response headers in partnerbill's order, without the ones node:http adds itself (date, connection, keep-alive). */
  headers: [string, string][];
  bodyBase64: string;
}

export interface CapturedAnswers {
  plain: CapturedAnswer;
  gzip: CapturedAnswer;
  notModified: CapturedAnswer;
}

interface Prepared {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

function prepare(a: CapturedAnswer): Prepared {
  return { status: a.status, headers: Object.fromEntries(a.headers), body: Buffer.from(a.bodyBase64, "base64") };
}

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: baseline-server.ts <answers.json>\n");
  process.exit(2);
}
const answers = JSON.parse(readFileSync(file, "utf8")) as CapturedAnswers;
const plain = prepare(answers.plain);
const gzip = prepare(answers.gzip);
const notModified = prepare(answers.notModified);

const server = createServer((req, res) => {
  const a =
    req.headers["if-none-match"] !== undefined ? notModified :
    req.headers["accept-encoding"]?.includes("gzip") ? gzip :
    plain;
  res.writeHead(a.status, a.headers);
  res.end(a.body);
});
// Fastify's default, so both servers send the same Keep-Alive header.
server.keepAliveTimeout = 72_000;
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === "object" && addr ? addr.port : 0}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
