import { Worker } from "node:worker_threads";
import { trackThread } from "../metrics/threads.ts";

// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
// crosses the WAL's size limit: it copies every frame into the database file and fsyncs it, on the
// writer connection, so on the one event loop. On a large database that was most of the COMMITs'
// time. Instead a worker thread with its own connection runs a PASSIVE checkpoint every
// CHECKPOINT_EVERY_MS: it never blocks the writer or the readers, and SQLite keeps its guarantees
// (with synchronous=FULL the database file is fsynced before the WAL is reused). Durability does
// not depend on it: every COMMIT is fsynced into the WAL before it is answered. The writer's own
// automatic checkpoint stays, at a higher limit, as the fallback should the worker fall behind.

export const CHECKPOINT_EVERY_MS = 100;
/** The writer's automatic checkpoint, in WAL pages: only reached if the worker falls behind. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

export interface CheckpointResult {
  /** Frames in the WAL, and how many of them are in the database file. */
  log: number;
  checkpointed: number;
  busy: number;
}

// The thread's code, as plain JavaScript: a worker started from a .ts file loads Node's
// TypeScript stripper into its own isolate first, which costs more memory (about 17 MB) than
// everything this thread does. Its own connection copies committed WAL frames into the database
// file while the writer goes on committing; a busy or locked round is left to the next one (and
// the writer's own automatic checkpoint remains as the fallback).
const THREAD_SOURCE = `
const { DatabaseSync } = require("node:sqlite");
const { parentPort: port, workerData } = require("node:worker_threads");
const db = new DatabaseSync(workerData.file, { timeout: 1000 });
const checkpoint = db.prepare("pragma wal_checkpoint(passive)");
const run = () => checkpoint.get();
const timer = setInterval(() => {
  try { run(); } catch {}
}, workerData.everyMs);
port.on("message", (msg) => {
  if (msg.type === "checkpoint") {
    try { port.postMessage({ id: msg.id, result: run() }); }
    catch (err) { port.postMessage({ id: msg.id, error: String(err) }); }
  } else {
    clearInterval(timer);
    db.close();
    port.postMessage({ id: msg.id, result: null });
    port.close();
  }
});
`;

/**
 * The thread runs while the database is being written: it starts on the first commit and ends
 * after IDLE_MS without one (its V8 isolate is about 19 MB of an idle server's memory); the next
 * commit starts it again.
 */
const IDLE_MS = 10_000;

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve(v: unknown): void; reject(e: Error): void }>;
}

export class Checkpointer {
  readonly #file: string;
  #thread: Thread | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #committedSinceLook = false;
  #seq = 0;
  #stopped: Promise<void> | null = null;
  /** Threads started so far (for tests). */
  starts = 0;

  constructor(file: string) {
    this.#file = file;
  }

  /** Called after each commit: starts the thread when it is not running. */
  wake(): void {
    this.#committedSinceLook = true;
    if (!this.#thread && !this.#stopped) this.#start();
  }

  /** Whether the thread runs now. */
  get running(): boolean {
    return this.#thread !== null;
  }

  #start(): Thread {
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { file: this.#file, everyMs: CHECKPOINT_EVERY_MS },
      // It allocates a few objects per round: a small heap is plenty.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    this.starts++;
    trackThread("checkpointer", worker);
    // A process that forgets to close its database still exits.
    worker.unref();
    const pending: Thread["pending"] = new Map();
    worker.on("message", (msg: { id: number; result?: unknown; error?: string }) => {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error !== undefined) p?.reject(new Error(msg.error));
      else p?.resolve(msg.result);
    });
    worker.on("error", (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    const thread = { worker, pending };
    this.#thread = thread;
    this.#committedSinceLook = false;
    this.#idleTimer = setInterval(() => {
      if (this.#committedSinceLook) this.#committedSinceLook = false;
      else void this.#retire();
    }, IDLE_MS).unref();
    return thread;
  }

  /** Ends the running thread, if any: its connection closes, the next commit starts another. */
  #retire(): Promise<void> {
    const thread = this.#thread;
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    this.#idleTimer = null;
    this.#thread = null;
    if (!thread) return Promise.resolve();
    const end = () => thread.worker.terminate().then(() => undefined);
    return this.#ask(thread, "stop").then(end, end);
  }

  #ask(thread: Thread, type: "checkpoint" | "stop"): Promise<unknown> {
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ type, id });
    });
  }

  /** One checkpoint now, answered with SQLite's counts (for tests and operators). */
  checkpoint(): Promise<CheckpointResult> {
    if (this.#stopped) return Promise.reject(new Error("the checkpointer has stopped"));
    const thread = this.#thread ?? this.#start();
    this.#committedSinceLook = true;
    return this.#ask(thread, "checkpoint") as Promise<CheckpointResult>;
  }

  /** Ends the thread when idle now, as IDLE_MS without a commit would (for tests). */
  retireIfRunning(): Promise<void> {
    return this.#retire();
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#retire();
    return this.#stopped;
  }
}
