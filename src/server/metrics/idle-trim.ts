import type { Server } from "node:http";
import v8 from "node:v8";
import vm from "node:vm";

// Memory given back while the server is quiet. Under load V8 grows its young generation to its
// limit (up to 128 MB reserved on a large machine) and lets garbage wait in the old generation
// before a full collection; left alone, it keeps that memory once the load is over, and a
// server that just started keeps what start-up needed. After QUIET_MS without a request, one full
// collection of the kind V8 runs when memory is short ("last resort": it also shrinks the young
// generation back to its minimum) gives it back: an idle server goes from about 300 to about 130
// MB resident (bench/README.md, Memory). It runs once per quiet period, never while requests come
// in, so it costs no speed under load; it pauses the main thread for tens of milliseconds.

/** A quiet period of QUIET_MS / 2 to QUIET_MS (no request started) ends with one full collection. */
const QUIET_MS = 2000;

type FullCollection = () => void;

/**
 * V8's full collection, as `--expose-gc` gives it, without exposing `gc` to the app's own code:
 * the flag is turned on only while one fresh context is made, whose `gc` is kept here.
 */
export function fullCollection(): FullCollection {
  const exposed = (globalThis as { gc?: (opts?: object) => void }).gc;
  let gc = exposed;
  if (!gc) {
    v8.setFlagsFromString("--expose-gc");
    try {
      gc = vm.runInNewContext("gc") as (opts?: object) => void;
    } finally {
      v8.setFlagsFromString("--no-expose-gc");
    }
  }
  const collect = gc;
  return () => collect({ type: "major", execution: "sync", flavor: "last-resort" });
}

/**
 * Watches a server's requests; `tick()` (every QUIET_MS / 2 once started) collects when no request
 * started since the tick before, once per quiet period.
 */
export class IdleTrim {
  readonly #collect: FullCollection;
  #requests = 0;
  #seen = -1;
  #trimmedAt = -1;
  #timer: NodeJS.Timeout | null = null;
  /** Full collections run so far. */
  trims = 0;

  constructor(server: Server, collect: FullCollection = fullCollection()) {
    this.#collect = collect;
    server.on("request", () => {
      this.#requests++;
    });
  }

  tick(): void {
    const requests = this.#requests;
    if (requests === this.#seen && this.#trimmedAt !== requests) {
      this.#trimmedAt = requests;
      this.trims++;
      this.#collect();
    }
    this.#seen = requests;
  }

  start(): this {
    this.#timer ??= setInterval(() => this.tick(), QUIET_MS / 2).unref();
    return this;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
