import { Worker } from "node:worker_threads";
import type { Config } from "../config.ts";
import type { OutboxEmailTable } from "../db/schema.ts";
import type { Mailer } from "../ports.ts";
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
// hands each claimed row over; the thread is started on the first email and answers in order.
// A send not answered within SEND_DEADLINE_MS ends the thread (and its connection): the emails in
// it are tried again later, and a new thread takes the next.

type Answer = { id: number; rejected?: string[]; failure?: SendFailure };

class ThreadMailer implements Mailer {
  readonly kind: "smtp" | "file";
  readonly #settings: TransportSettings;
  readonly #pending = new Map<number, { resolve(v: { rejected: string[] }): void; reject(e: Error): void }>();
  #worker: Worker | null = null;
  #seq = 0;

  readonly #deadlineMs: number;

  constructor(settings: TransportSettings, deadlineMs: number) {
    this.#deadlineMs = deadlineMs;
    this.#settings = settings;
    this.kind = settings.smtpUrl ? "smtp" : "file";
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./mail.worker.ts", import.meta.url), { workerData: this.#settings });
    worker.unref();
    worker.on("message", (a: Answer) => {
      const p = this.#pending.get(a.id);
      this.#pending.delete(a.id);
      if (this.#pending.size === 0) worker.unref();
      if (a.failure) p?.reject(new SendFailedError(a.failure));
      else p?.resolve({ rejected: a.rejected ?? [] });
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
    worker.on("exit", (code) => lost(`the mail thread stopped (${code})`));
    this.#worker = worker;
    return worker;
  }

  deliver(row: OutboxEmailTable): Promise<{ rejected: string[] }> {
    const worker = this.#thread();
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      // Held open while an email is in flight, so a caller waiting for it is not left behind.
      if (this.#pending.size === 0) worker.ref();
      const deadline = setTimeout(() => {
        this.#giveUp(worker, `no answer within ${this.#deadlineMs / 1000} s`);
      }, this.#deadlineMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(deadline);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(deadline);
          reject(e);
        },
      });
      worker.postMessage({ id, row });
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
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }
}

/** The mailer of a process; a test may shorten the deadline of one send. */
export const createMailer = (config: Config, opts: { sendDeadlineMs?: number } = {}): Mailer =>
  new ThreadMailer(transportSettings(config), opts.sendDeadlineMs ?? SEND_DEADLINE_MS);
