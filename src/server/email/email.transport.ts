import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Transporter } from "nodemailer";
import type { Config } from "../config.ts";

// Where outgoing mail goes: an SMTP relay (SMTP_URL), or, on the embedded default, .eml files in
// DATA_DIR/mail, the exact bytes that would be sent, for a newcomer to open.

// nodemailer is loaded by the transport that uses it, on the mail thread (mail.worker.ts): the
// request thread imports this file for its settings and error classes only.
const require = createRequire(import.meta.url);
const nodemailer = () => require("nodemailer") as typeof import("nodemailer");
const mailComposer = () =>
  (require("nodemailer/lib/mail-composer") as typeof import("nodemailer/lib/mail-composer/index.js")).default;

export interface OutgoingMessage {
  /** The outbox row's id; names the .eml file. */
  id: string;
  from: { name: string; address: string };
  /** One recipient (with a name), or several (the team's notices). */
  to: { name: string | null; addresses: string[] };
  replyTo?: string | undefined;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo?: string | undefined;
  references?: string[] | undefined;
  date: Date;
  headers: Record<string, string>;
}

/** Sends one message where it goes; runs on the mail thread (mailer.ts). */
export interface MailTransport {
  readonly kind: "smtp" | "file";
  /** Resolves once accepted; with the recipients the relay refused, when it took the others. */
  send(message: OutgoingMessage): Promise<{ rejected: string[] }>;
  close(): void;
}

/** Why a send failed, as the outbox sees it: worth retrying, or final. */
export interface SendFailure {
  permanent: boolean;
  reason: string;
}

/** A send that failed on the mail thread, classified there (nodemailer's error stays there). */
export class SendFailedError extends Error {
  readonly failure: SendFailure;
  constructor(failure: SendFailure) {
    super(failure.reason);
    this.failure = failure;
  }
}

/** nodemailer's error → transient (connection, timeout, 4xx, authentication) or permanent (5xx, no recipient). */
export function classifySendError(err: unknown): SendFailure {
  if (err instanceof SendFailedError) return err.failure;
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const reason = (e.response ?? e.message ?? String(err)).replace(/\s+/g, " ").slice(0, 500);
  // A rejected login is the operator's to fix; the mail should wait for it, not be dropped.
  if (e.code === "EAUTH") return { permanent: false, reason };
  if (typeof e.responseCode === "number") return { permanent: e.responseCode >= 500, reason };
  if (e.code === "EENVELOPE" || e.code === "EMESSAGE") return { permanent: true, reason };
  return { permanent: false, reason };
}

/** nodemailer's options for a message, for sending and for building the .eml alike. */
export function mailOptions(m: OutgoingMessage) {
  return {
    from: { name: m.from.name, address: m.from.address },
    to:
      m.to.addresses.length === 1 && m.to.name
        ? { name: m.to.name, address: m.to.addresses[0] as string }
        : m.to.addresses,
    replyTo: m.replyTo,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    references: m.references,
    date: m.date,
    headers: m.headers,
    // Only the envelope addresses we name: never addresses parsed out of a header by the library.
    envelope: { from: m.from.address, to: m.to.addresses },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/**
 * The longest one send may take, relay or file: the mail thread is given up past it (mailer.ts),
 * so a row's claim, renewed before each send to outlast it, is never overtaken by a send.
 */
export const SEND_DEADLINE_MS = 30_000;

class SmtpTransport implements MailTransport {
  readonly kind = "smtp" as const;
  readonly #t: Transporter;
  constructor(url: string) {
    const u = new URL(url);
    // Timeouts so a relay that hangs is a transient failure, not a worker stuck forever; the
    // whole send is bounded by SEND_DEADLINE_MS besides.
    for (const [k, v] of Object.entries({
      connectionTimeout: "15000",
      greetingTimeout: "15000",
      socketTimeout: "25000",
    })) {
      if (!u.searchParams.has(k)) u.searchParams.set(k, v);
    }
    this.#t = nodemailer().createTransport(u.toString());
  }
  async send(m: OutgoingMessage): Promise<{ rejected: string[] }> {
    const info = await this.#t.sendMail(mailOptions(m));
    const rejected = (info.rejected ?? []) as (string | { address: string })[];
    return { rejected: rejected.map((r) => (typeof r === "string" ? r : r.address)) };
  }
  close() {
    this.#t.close();
  }
}

class FileTransport implements MailTransport {
  readonly kind = "file" as const;
  readonly #dir: string;
  readonly #Composer = mailComposer();
  constructor(dir: string) {
    this.#dir = dir;
  }
  async send(m: OutgoingMessage): Promise<{ rejected: string[] }> {
    // nodemailer's composer alone: what its stream transport (buffer, unix newlines) writes,
    // without the transport's per-message machinery around it. Bcc kept, as that transport does.
    const node = new this.#Composer(mailOptions(m)).compile();
    node.keepBcc = true;
    const built = await new Promise<Buffer>((resolve, reject) =>
      node.build((err, message) => (err ? reject(err) : resolve(message))),
    );
    // Unix newlines: every CR dropped, as the stream transport's newline: "unix" does.
    const message = Buffer.from(built.toString("latin1").replaceAll("\r", ""), "latin1");
    await fs.mkdir(this.#dir, { recursive: true, mode: 0o700 });
    // Named by the outbox id and written whole (temp file, then rename): sending twice after a
    // crash rewrites the same file, never a second copy.
    const file = path.join(this.#dir, `${m.id}.eml`);
    const temp = `${file}.tmp`;
    await fs.writeFile(temp, message, { mode: 0o600 });
    await fs.rename(temp, file);
    return { rejected: [] };
  }
  close() {}
}

export const mailDir = (config: Config) => path.join(config.dataDir, "mail");

/** Where mail goes, as plain data: what the mail thread is started with. */
export interface TransportSettings {
  smtpUrl: string | undefined;
  mailDir: string;
}

export const transportSettings = (config: Config): TransportSettings => ({
  smtpUrl: config.smtpUrl,
  mailDir: mailDir(config),
});

export function createTransport(settings: TransportSettings): MailTransport {
  return settings.smtpUrl ? new SmtpTransport(settings.smtpUrl) : new FileTransport(settings.mailDir);
}
