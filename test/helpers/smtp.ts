// A real SMTP server for mail tests (the `smtp-server` package) on 127.0.0.1 with a free port. It
// requires AUTH PLAIN/LOGIN with the given user and password, keeps every accepted message parsed
// with mailparser, and can be told to refuse recipients with a reply code (451: try later; 550:
// refused for good) — the way a real mail server does.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  parsed: ParsedMail;
  raw: string;
}

export interface TestSmtpServer {
  port: number;
  /** smtp://user:password@127.0.0.1:port */
  url: string;
  received: ReceivedMail[];
  /** Refuse every RCPT TO with this code until set back to null. */
  refuseWith: number | null;
  authAttempts: number;
  close(): Promise<void>;
}

export async function startSmtpServer(opts: { user?: string; password?: string } = {}): Promise<TestSmtpServer> {
  const user = opts.user ?? "mailer";
  const password = opts.password ?? "s3cret-Pässword!";
  const state: TestSmtpServer = {
    port: 0,
    url: "",
    received: [],
    refuseWith: null,
    authAttempts: 0,
    close: async () => {},
  };
  const server = new SMTPServer({
    secure: false,
    // Plain SMTP on loopback: no certificate to make, and AUTH is allowed without TLS here only.
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, cb) {
      state.authAttempts++;
      if (auth.username === user && auth.password === password) return cb(null, { user });
      const err = Object.assign(new Error("Authentication credentials invalid"), { responseCode: 535 });
      return cb(err);
    },
    onRcptTo(_address, _session, cb) {
      if (state.refuseWith !== null) {
        const text = state.refuseWith >= 500 ? "Mailbox unavailable" : "Greylisted, try again later";
        return cb(Object.assign(new Error(text), { responseCode: state.refuseWith }));
      }
      return cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom;
            state.received.push({
              envelope: { from: from ? from.address : "", to: session.envelope.rcptTo.map((r) => r.address) },
              parsed,
              raw,
            });
            cb();
          })
          .catch((e: Error) => cb(e));
      });
    },
  });
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  const port = (server.server.address() as AddressInfo).port;
  state.port = port;
  state.url = `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
