import { createRequire } from "node:module";
import type { SMTPServer, SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import type { SystemActor } from "../actors.ts";
import type { AppContext } from "../context.ts";
import { MAX_INBOUND_BYTES, workspaceForAddress } from "./inbound.store.ts";
import { receiveInboundEmail } from "./inbound.ts";

// The built-in SMTP listener (INBOUND_SMTP_PORT): mail for a workspace's addresses is accepted,
// anything else is refused at RCPT, so no bounce is ever ours to send. A message is answered
// 250 only once it is stored; a refusal or a crash before that leaves it with the sender's
// server, which tries again.

// smtp-server is loaded when a listener is made: only a process with INBOUND_SMTP_PORT needs it.
const require = createRequire(import.meta.url);

function smtpError(message: string, responseCode: number) {
  return Object.assign(new Error(message), { responseCode });
}

export function createSmtpListener(ctx: AppContext, actor: SystemActor): SMTPServer {
  const { SMTPServer } = require("smtp-server") as typeof import("smtp-server");
  return new SMTPServer({
    name: new URL(ctx.config.publicUrl ?? "http://portico.localhost").hostname,
    banner: "Portico",
    // Mail exchangers deliver without logging in; TLS is for a proxy in front to add.
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: MAX_INBOUND_BYTES,
    maxClients: 100,
    socketTimeout: 60_000,
    closeTimeout: 10_000,
    logger: false,
    onRcptTo(address, _session, cb) {
      workspaceForAddress(ctx, address.address).then(
        (ws) => (ws ? cb() : cb(smtpError("No such mailbox here", 550))),
        (err: unknown) => {
          ctx.log.warn({ err }, "an SMTP recipient could not be checked");
          cb(smtpError("Try again later", 451));
        },
      );
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_INBOUND_BYTES) chunks.push(c);
      });
      stream.on("error", (err) => cb(err));
      stream.on("end", () => {
        if (stream.sizeExceeded) return cb(smtpError("Message too large", 552));
        const raw = Buffer.concat(chunks);
        const mailFrom = session.envelope.mailFrom;
        receiveInboundEmail(ctx, actor, raw, {
          via: "smtp",
          envelopeFrom: mailFrom === false ? "" : mailFrom.address,
          recipients: session.envelope.rcptTo.map((r) => r.address),
          // An IPv4 client on a dual-stack socket is ::ffff:a.b.c.d; SPF wants a.b.c.d.
          clientIp: session.remoteAddress.replace(/^::ffff:(?=\d+\.)/, ""),
          clientHelo: session.hostNameAppearsAs || null,
        }).then(
          (results) => {
            ctx.log.info(
              { via: "smtp", bytes: raw.length, outcomes: results.map((r) => r.outcome) },
              "email received",
            );
            cb();
          },
          (err: unknown) => {
            ctx.log.error({ err }, "an incoming email could not be stored");
            cb(smtpError("Temporary failure, try again later", 451));
          },
        );
      });
    },
  });
}

export function listen(server: SMTPServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const addr = server.server.address();
      resolve(typeof addr === "object" && addr ? addr.port : port);
    });
  });
}

export function closeListener(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
