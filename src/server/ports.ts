import type { Readable } from "node:stream";
import type { OutboxEmailTable } from "./db/schema.ts";

// The parts of AppContext that talk to the outside (the file store, the scanner, the mail
// thread), as interfaces only. The context and its callers depend on these; the feature modules
// (files/, email/) implement them. So context.ts imports no feature module, and no import circle
// runs through it.

/** Where sealed files live: DATA_DIR/files, or S3. It only ever sees ciphertext. */
export interface FileStore {
  readonly kind: "local" | "s3";
  /** Moves a finished, sealed temporary file into the store under `key`. */
  putFile(key: string, tempFile: string, size: number): Promise<void>;
  /** The sealed bytes, or null when there is no such object. */
  get(key: string): Promise<Readable | null>;
  delete(key: string): Promise<void>;
}

export interface MasterKey {
  key: Buffer;
  /** First bytes of the key's hash: a file sealed under another key is told apart from a damaged one. */
  id: Buffer;
}

export interface ScanSubject {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  /** The plaintext, read back from the sealed temporary file. */
  open(): Readable;
}

export type ScanVerdict =
  /** Accepted. With `unscanned` (why), accepted without a scan: the scanner could not answer and
   * is set to accept then; the upload is logged and marked as not scanned. */
  | { ok: true; unscanned?: string }
  /** Refused. `infected` names what was found (file_infected); `unavailable` when the scanner
   * could not answer and is set to refuse then (file_scan_unavailable); else the scanner's reason
   * (file_refused_by_scanner). */
  | { ok: false; reason: string; infected?: string; unavailable?: boolean };

/** The one hook for a content scanner (files/file.scanner.ts). */
export interface FileScanner {
  readonly name: string;
  scan(file: ScanSubject): Promise<ScanVerdict>;
  /** At boot: what answers (its version), or throws saying why nothing does. */
  check?(): Promise<string>;
}

/** Attachments: the store (local folder or S3), the encryption key and the scanner hook. */
export interface FileStorage {
  store: FileStore;
  key: MasterKey;
  scanner: FileScanner;
  /** Sealed uploads wait here while they are checked; inside DATA_DIR so a rename can store them. */
  tempDir: string;
}

/** One row's outcome in a batch: the recipients refused, or why it failed. */
export type SendOutcome = { rejected: string[] } | { failure: { permanent: boolean; reason: string } };

/** Outgoing mail: SMTP, or .eml files on the embedded default. Only the outbox worker sends. */
export interface Mailer {
  readonly kind: "smtp" | "file";
  /** Resolves once accepted, with the recipients refused; rejects with a SendFailedError. */
  deliver(row: OutboxEmailTable): Promise<{ rejected: string[] }>;
  /**
   * Several rows in one hand-over (the .eml files): each row's outcome, in order; rejects with a
   * SendFailedError when none could be tried. Absent: each row goes through deliver.
   */
  deliverMany?(rows: OutboxEmailTable[]): Promise<SendOutcome[]>;
  close(): Promise<void>;
}

/**
 * A DNS lookup as `dns.promises.resolve` answers it (TXT as lists of strings): how incoming mail's
 * senders are checked (SPF, DKIM, DMARC). The system's resolver, or a test's own records.
 */
export type DnsResolver = (name: string, rrtype: string) => Promise<string[][] | string[]>;

/** What changed, said to every process's live connections (live/): a ticket, the queue, an agent's notifications. */
export interface LiveEvent {
  workspaceId: string;
  /** "ticket": one ticket changed (its page and the queue refresh); "queue": many did;
   * "notifications": these agents' bells; "presence": who views or types on a ticket;
   * "session": a session ended (data.ended: its id), its streams close; never sent to a page. */
  topic: "ticket" | "queue" | "notifications" | "presence" | "session";
  /** The ticket's reference (TKT-0042), for "ticket" and "presence". */
  reference?: string | undefined;
  /** Only these agents hear it (notifications); absent: every agent of the workspace. */
  agentIds?: string[] | undefined;
  /** Small facts the pages show without asking again (presence: who, viewing or typing). */
  data?: Record<string, unknown> | undefined;
}

/** Live changes across processes: in memory for one process, over Redis pub/sub for several. */
export interface LiveBus {
  /** Best effort, never throws: a change is said once it is committed. */
  publish(event: LiveEvent): void;
  /** Every event of every workspace; returns the unsubscribe. */
  subscribe(listener: (event: LiveEvent) => void): () => void;
  close(): Promise<void>;
}
