import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

// A real SMTP server on loopback for tests: it records what it accepts, and can refuse for a
// while (4xx), reject recipients for good (5xx), or be down altogether (connection refused).

export type SinkMode = "accept" | "tempfail" | "reject" | "down";

export interface Received {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  mail: ParsedMail;
}

export interface SmtpSink {
  url: string;
  port: number;
  received: Received[];
  setMode(mode: SinkMode): Promise<void>;
  stop(): Promise<void>;
}

const fail = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

export async function startSmtpSink(): Promise<SmtpSink> {
  let mode: SinkMode = "accept";
  const received: Received[] = [];
  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ["AUTH", "STARTTLS"],
      logger: false,
      onMailFrom(_a, _s, cb) {
        if (mode === "tempfail") return cb(fail("Try again later", 451));
        cb();
      },
      onRcptTo(_a, _s, cb) {
        if (mode === "reject") return cb(fail("No such user here", 550));
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then((mail) => {
            received.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              raw,
              mail,
            });
            cb();
          }, cb);
        });
      },
    });
  let server = make();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const a = server.server.address();
        resolve(typeof a === "object" && a ? a.port : port);
      });
    });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  const port = await listen(0);
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    async setMode(next) {
      if (next === mode) return;
      if (next === "down") await close();
      if (mode === "down") {
        server = make();
        await listen(port);
      }
      mode = next;
    },
    async stop() {
      if (mode !== "down") await close();
    },
  };
}
