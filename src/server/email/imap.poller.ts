import type { ImapFlow } from "imapflow";
import type { Logger } from "pino";
import { parseImapUrl } from "../lib/imap-url.ts";
import { MAX_INBOUND_BYTES } from "./inbound.store.ts";

// IMAP polling for support mailboxes kept at a provider: every unseen message is handed on as
// its raw bytes, and marked \Seen only once the ingest function resolved. The \Seen flag is the
// only state, so delivery is at least once: a connection lost between ingest and the flag store
// hands the message on again next poll (ingest deduplicates by Message-ID). The bytes are the
// server's FETCH BODY[] answer untouched; servers give lines ending in CRLF there, as IMAP wants,
// even for a message that was stored with bare LFs.

export interface ImapSettings {
  /** imap://user:pass@host:port/MAILBOX or imaps://… (mailbox defaults to INBOX; user/pass URL-decoded). */
  url: string;
  /** Seconds between polls. */
  intervalSeconds: number;
}

/** What the poller hands on for each message: the raw RFC 5322 bytes exactly as stored on the server. */
export type IngestRaw = (raw: Buffer, meta: { via: "imap"; mailbox: string; uid: number }) => Promise<void>;

/** Messages above this are not fetched. */
/** The same cap as the SMTP listener's: one limit for mail however it arrives. */
export const MAX_MESSAGE_BYTES = MAX_INBOUND_BYTES;
/** UIDs per FETCH. */
const BATCH = 50;
/** Sources held in memory at once, at most (a single message may still be up to MAX_MESSAGE_BYTES). */
const BATCH_BYTES = 50 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { responseText?: string; code?: string };
  const text = e.responseText || e.message;
  return e.code && !text.includes(e.code) ? `${text} (${e.code})` : text;
}

/** One poll: connect, fetch every message not yet \Seen in the mailbox, hand each to ingest (in UID order), and only after ingest resolved mark it \Seen. A message whose ingest throws stays unseen (retried next poll) and does not stop the others. Returns counts. */
export async function pollImapOnce(
  settings: ImapSettings,
  ingest: IngestRaw,
  log: Logger,
): Promise<{ fetched: number; ingested: number; failed: number }> {
  const { secure, host, port, user, pass, mailbox } = parseImapUrl(settings.url);
  // Only these go in logs and errors, never the password.
  const where = `${user}@${host}:${port}/${mailbox}`;
  const counts = { fetched: 0, ingested: 0, failed: 0 };
  // Loaded on the first poll: only a process with IMAP_URL needs it.
  const { ImapFlow } = await import("imapflow");
  const client = new ImapFlow({
    host,
    port,
    secure,
    auth: { user, pass },
    // imapflow logs every command at debug and info; what matters is logged here.
    logger: false,
    disableAutoIdle: true,
    // The raw source, never the server's decoded BINARY form.
    disableBinary: true,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    // Idle time allowed on an open connection, which includes a slow ingest between two commands.
    socketTimeout: 120_000,
    // A server announcing a bigger literal than we would ever accept ends the connection.
    maxLiteralSize: MAX_MESSAGE_BYTES + 1024 * 1024,
  });
  // Socket errors after connect are reported through the command that fails; without a listener
  // the 'error' event would throw.
  client.on("error", () => undefined);

  try {
    await client.connect();
  } catch (err) {
    client.close();
    const e = err as { authenticationFailed?: boolean };
    if (e.authenticationFailed) throw new Error(`IMAP login failed for ${where}: ${reason(err)}`);
    throw new Error(`IMAP connection to ${host}:${port} failed: ${reason(err)}`);
  }

  try {
    let lock: Awaited<ReturnType<ImapFlow["getMailboxLock"]>>;
    try {
      lock = await client.getMailboxLock(mailbox);
    } catch (err) {
      throw new Error(`IMAP mailbox "${mailbox}" could not be opened for ${where}: ${reason(err)}`);
    }
    try {
      const found = await client.search({ seen: false }, { uid: true });
      const uids = (found || []).sort((a, b) => a - b);
      for (let i = 0; i < uids.length; i += BATCH) {
        await pollBatch(client, uids.slice(i, i + BATCH), mailbox, where, ingest, log, counts);
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  if (counts.fetched > 0) log.info({ imap: where, ...counts }, "IMAP poll done");
  return counts;
}

async function pollBatch(
  client: ImapFlow,
  uids: number[],
  mailbox: string,
  where: string,
  ingest: IngestRaw,
  log: Logger,
  counts: { fetched: number; ingested: number; failed: number },
): Promise<void> {
  // Sizes first, so that neither an oversized message nor a batch of big ones is read into memory.
  const sizes = new Map<number, number>();
  for (const msg of await client.fetchAll(uids.join(","), { uid: true, size: true }, { uid: true })) {
    sizes.set(msg.uid, msg.size ?? 0);
  }
  let group: number[] = [];
  let groupBytes = 0;
  const groups: number[][] = [];
  for (const uid of uids) {
    const size = sizes.get(uid);
    if (size === undefined) continue; // expunged since the search
    if (size > MAX_MESSAGE_BYTES) {
      // Skipped for good: it would be refused at every poll, so it is marked \Seen to stop that,
      // and stays on the server for someone to read in a mail client.
      log.warn(
        { imap: where, uid, size },
        `IMAP message over ${MAX_MESSAGE_BYTES} bytes skipped and marked seen`,
      );
      await client.messageFlagsAdd(String(uid), ["\\Seen"], { uid: true });
      continue;
    }
    if (group.length > 0 && groupBytes + size > BATCH_BYTES) {
      groups.push(group);
      group = [];
      groupBytes = 0;
    }
    group.push(uid);
    groupBytes += size;
  }
  if (group.length > 0) groups.push(group);

  for (const g of groups) {
    // fetchAll, not fetch(): no other command may run on the connection while a FETCH streams.
    const messages = await client.fetchAll(g.join(","), { uid: true, source: true }, { uid: true });
    messages.sort((a, b) => a.uid - b.uid);
    for (const msg of messages) {
      if (!msg.source) continue;
      counts.fetched++;
      try {
        await ingest(msg.source, { via: "imap", mailbox, uid: msg.uid });
      } catch (err) {
        counts.failed++;
        log.warn(
          { imap: where, uid: msg.uid, reason: reason(err) },
          `IMAP message ${msg.uid} not ingested, left unseen for the next poll: ${reason(err)}`,
        );
        continue;
      }
      counts.ingested++;
      await client.messageFlagsAdd(String(msg.uid), ["\\Seen"], { uid: true });
    }
  }
}

/** Polls every intervalSeconds until the returned stop() is called; never two polls at once; errors (server down, bad login) are logged as warnings with the reason and retried at the next interval, never thrown. stop() resolves once a poll in progress has finished. */
export function startImapPoller(
  settings: ImapSettings,
  ingest: IngestRaw,
  log: Logger,
): { stop(): Promise<void> } {
  let where = "(invalid IMAP URL)";
  try {
    const { host, port, user, mailbox } = parseImapUrl(settings.url);
    where = `${user}@${host}:${port}/${mailbox}`;
  } catch {
    // reported by every poll below
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const poll = async () => {
    try {
      await pollImapOnce(settings, ingest, log);
    } catch (err) {
      log.warn(
        { imap: where, reason: reason(err) },
        `IMAP poll failed, retrying in ${settings.intervalSeconds} s: ${reason(err)}`,
      );
    }
  };
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    running = poll().then(() => {
      // The next poll is timed from the end of this one: never two at once.
      if (!stopped) timer = setTimeout(tick, settings.intervalSeconds * 1000);
    });
  };
  log.info({ imap: where, intervalSeconds: settings.intervalSeconds }, "IMAP polling started");
  tick(); // the first poll right away

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
