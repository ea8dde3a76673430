import { Worker } from "node:worker_threads";
import type { Config } from "../config.ts";
import type { OutboxEmailTable } from "../db/schema.ts";
import { trackThread } from "../metrics/threads.ts";
import type { Mailer, SendOutcome } from "../ports.ts";
import {
  SEND_DEADLINE_MS,
  SendFailedError,
  type SendFailure,
  type TransportSettings,
  transportSettings,
} from "./email.transport.ts";

// Outgoing mail leaves through a thread of its own (mail.worker.ts). Rendering an email's HTML,
// composing its MIME parts and speaking SMTP cost about 1.5 ms of CPU per email, more than a whole
// submission; on the event loop that answers requests, delivering a burst's emails slowed the
// requests by a fifth. The outbox worker (delivery.ts) keeps the database side (claim, mark) and
// hands each claimed row over (to .eml files, a whole claim at once); the thread is started on
// the first email and answers in order.
// A send not answered within SEND_DEADLINE_MS ends the thread (and its connection): the emails in
// it are tried again later, and a new thread takes the next. It ends after MAIL_THREAD_IDLE_MS without an email, giving back its memory (a thread of its own
// holds some 35 MB and more after a burst); the next email starts it again in a fraction of a second.

/** How long the mail thread waits for the next email before it ends. */
export const MAIL_THREAD_IDLE_MS = 60_000;
/**
 * How long a new thread may take to load (its templates and message catalogues) before its
 * emails are given up too; a send's own deadline starts once it is loaded, so a slow start on a
 * busy machine is not taken for a relay that does not answer.
 */
export const MAIL_THREAD_START_MS = 30_000;

type Answer =
  | { id: number; rejected?: string[]; failure?: SendFailure; outcomes?: SendOutcome[] }
  | { ready: true };
type Settled = Exclude<Answer, { ready: true }>;

export class ThreadMailer implements Mailer {
  readonly kind: "smtp" | "file";
  readonly #settings: TransportSettings;
  readonly #pending = new Map<number, { resolve(v: Settled): void; reject(e: Error): void }>();
  #worker: Worker | null = null;
  /** Settled once the current thread has loaded. */
  #ready: Promise<void> = Promise.resolve();
  #idle: NodeJS.Timeout | null = null;
  #seq = 0;

  readonly #deadlineMs: number;
  readonly #idleMs: number;

  constructor(settings: TransportSettings, opts: { deadlineMs?: number; idleMs?: number } = {}) {
    this.#deadlineMs = opts.deadlineMs ?? SEND_DEADLINE_MS;
    this.#settings = settings;
    this.#idleMs = opts.idleMs ?? MAIL_THREAD_IDLE_MS;
    this.kind = settings.smtpUrl ? "smtp" : "file";
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./mail.worker.ts", import.meta.url), {
      workerData: this.#settings,
      // Objects of one email die young: a small young generation is enough, and it is what grows
      // under a burst.
      resourceLimits: { maxYoungGenerationSizeMb: 16 },
    });
    trackThread("mail", worker);
    worker.unref();
    let loaded: () => void = () => {};
    this.#ready = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    const start = setTimeout(
      () => this.#giveUp(worker, "the mail thread did not start"),
      MAIL_THREAD_START_MS,
    );
    start.unref();
    worker.on("message", (a: Answer) => {
      if ("ready" in a) {
        clearTimeout(start);
        loaded();
        return;
      }
      const p = this.#pending.get(a.id);
      this.#pending.delete(a.id);
      if (this.#pending.size === 0) {
        worker.unref();
        this.#endWhenIdle(worker);
      }
      p?.resolve(a);
    });
    const lost = (reason: string) => {
      // Only the current thread's emails are pending: one given up already took its own along.
      if (this.#worker !== worker) return;
      this.#worker = null;
      // Not the mail's fault: every email in flight is tried again later.
      for (const p of this.#pending.values()) p.reject(new SendFailedError({ permanent: false, reason }));
      this.#pending.clear();
    };
    worker.on("error", (err) => lost(`the mail thread failed: ${err.message}`));
    worker.on("exit", (code) => {
      clearTimeout(start);
      lost(`the mail thread stopped (${code})`);
    });
    this.#worker = worker;
    return worker;
  }

  #endWhenIdle(worker: Worker): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      this.#idle = null;
      if (this.#worker !== worker || this.#pending.size > 0) return;
      // Its end is no loss: nothing is in flight, and with #worker no longer this thread its
      // exit is not taken for a failure (see lost); the next email has a new thread.
      this.#worker = null;
      void worker.terminate();
    }, this.#idleMs);
    this.#idle.unref();
  }

  /** Whether the mail thread is running now (for tests). */
  get threadRunning(): boolean {
    return this.#worker !== null;
  }

  async deliver(row: OutboxEmailTable): Promise<{ rejected: string[] }> {
    const a = await this.#send({ row });
    if (a.failure) throw new SendFailedError(a.failure);
    return { rejected: a.rejected ?? [] };
  }

  /** The rows in one hand-over (the thread writes their files side by side); each row's outcome in order. */
  async deliverMany(rows: OutboxEmailTable[]): Promise<SendOutcome[]> {
    const a = await this.#send({ rows });
    return a.outcomes ?? [];
  }

  #send(payload: { row: OutboxEmailTable } | { rows: OutboxEmailTable[] }): Promise<Settled> {
    if (this.#idle) {
      clearTimeout(this.#idle);
      this.#idle = null;
    }
    const worker = this.#thread();
    const ready = this.#ready;
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      // Held open while an email is in flight, so a caller waiting for it is not left behind.
      if (this.#pending.size === 0) worker.ref();
      let deadline: NodeJS.Timeout | undefined;
      let settled = false;
      // Timed from when the thread has loaded: the send, not the thread's start, has the deadline.
      void ready.then(() => {
        if (settled) return;
        deadline = setTimeout(() => {
          this.#giveUp(worker, `no answer within ${this.#deadlineMs / 1000} s`);
        }, this.#deadlineMs);
      });
      this.#pending.set(id, {
        resolve: (v) => {
          settled = true;
          clearTimeout(deadline);
          resolve(v);
        },
        reject: (e) => {
          settled = true;
          clearTimeout(deadline);
          reject(e);
        },
      });
      worker.postMessage({ id, ...payload });
    });
  }

  /** Ends a thread whose send is past its deadline; its emails are tried again later. */
  #giveUp(worker: Worker, reason: string): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    for (const p of this.#pending.values()) p.reject(new SendFailedError({ permanent: false, reason }));
    this.#pending.clear();
    void worker.terminate();
  }

  async close(): Promise<void> {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }
}

/** The mailer of a process; a test may shorten the deadline of one send. */
export const createMailer = (config: Config, opts: { sendDeadlineMs?: number } = {}): Mailer =>
  new ThreadMailer(transportSettings(config), { deadlineMs: opts.sendDeadlineMs });
