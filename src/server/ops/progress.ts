import { formatBytes } from "../../shared/files.ts";

/** Where the operations' lines go: stderr from the CLI, a list in tests. */
export type Say = (line: string) => void;

/**
 * "files: 120 of 5000 (3.4 MB of 1200 MB)", at most once a second and once at the end; without a
 * count or a size known beforehand, "files: 120 (3.4 MB of 1200 MB)" or "files: 120 of 5000 (3.4 MB)".
 */
export class Progress {
  readonly #say: Say;
  readonly #label: string;
  readonly #count: number | null;
  readonly #bytes: number | null;
  readonly #everyMs: number;
  #done = 0;
  #doneBytes = 0;
  #lastAt = Date.now();

  constructor(say: Say, label: string, count: number | null, bytes: number | null, everyMs = 1000) {
    this.#say = say;
    this.#label = label;
    this.#count = count;
    this.#bytes = bytes;
    this.#everyMs = everyMs;
  }

  bytes(n: number): void {
    this.#doneBytes += n;
    if (Date.now() - this.#lastAt >= this.#everyMs) this.#report();
  }

  item(): void {
    this.#done++;
    if (Date.now() - this.#lastAt >= this.#everyMs) this.#report();
  }

  finish(): void {
    this.#report();
  }

  #report(): void {
    this.#lastAt = Date.now();
    this.#say(
      `${this.#label}: ${this.#done}${this.#count === null ? "" : ` of ${this.#count}`} (${formatBytes(this.#doneBytes)}${this.#bytes === null ? "" : ` of ${formatBytes(this.#bytes)}`})`,
    );
  }
}

/**
 * Aborted by Ctrl-C or SIGTERM, so a long operation stops between steps and removes its work.
 * Every signal is caught, not only the first: Ctrl-C through bin/portico.js's hand-over to Node 24
 * arrives twice (from the terminal and forwarded), and Node's default handler for the second
 * would end the process before its clean-up. Aborting again does nothing.
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort(new Error("interrupted"));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return controller.signal;
}
