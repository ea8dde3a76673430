import type { Redis } from "ioredis";

// When PostgreSQL last changed, as every process of a deployment sees it: a counter in Redis that
// each process increments after it commits a write (changes-dialect.ts says when) and reads before
// it answers from a read cache (ReadCache in prepared.ts). The increment is awaited before the
// write's caller goes on, so a reader that asks after the writer answered (the customer who just
// replied, reading through another process) sees the new count and reads the database.
//
// Redis away or slow: readers read through (no cache, never an error) and a write whose increment
// failed is said again once Redis answers; entries cached before trouble are not trusted after it.
// What remains (a process partitioned from Redis while another keeps reading from it, a write made
// by hand in psql) is bounded by SHARED_MAX_AGE_MS, the read answers' own max-age.
//
// The lookups asked for in one turn of the event loop share one GET, sent after all of them were
// asked (setImmediate): each still reads a count taken after it asked, so none misses a write
// said before it. Under load a process sends one GET a turn, not one or two per request.

/** The longest an entry of a read cache is used on PostgreSQL, whatever the counter says. */
export const SHARED_MAX_AGE_MS = 10_000;
/** A Redis command taking longer counts as failed: the read goes to the database instead. */
const COMMAND_TIMEOUT_MS = 1_000;
/** After a failure, the counter is not asked for this long (reads go to the database at once). */
const BACK_OFF_MS = 1_000;

export interface ChangeClock {
  /**
   * The change count now, read from Redis after this call: a value to compare entries by, or null
   * when it cannot be known (Redis away), and the caller reads the database.
   */
  current(): Promise<string | null>;
  /** Says a committed write; resolves once Redis holds the new count (or it failed and is said later). */
  changed(): Promise<void>;
  close(): void;
}

export interface RedisChangeClockOptions {
  /** Redis stopped answering (said once per outage). */
  onUnavailable?: (err: Error) => void;
  /** Redis answers again. */
  onRecovered?: () => void;
}

class RedisChangeClock implements ChangeClock {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #opts: RedisChangeClockOptions;
  /** Part of every value answered; moved on at every trouble, so no entry from before it matches after. */
  #epoch = 0;
  #downUntil = 0;
  #down = false;
  /** A change could not be said: said again as soon as Redis answers. */
  #owed = false;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  /** The reading the lookups asked for in this turn of the event loop will share. */
  #next: Promise<string | null> | undefined;

  /** `key`: one per database (processes on the same database share it). */
  constructor(redis: Redis, key: string, opts: RedisChangeClockOptions = {}) {
    this.#redis = redis;
    this.#key = key;
    this.#opts = opts;
    redis.on("error", (err: Error) => this.#trouble(err));
    redis.on("close", () => this.#trouble(new Error("the connection to Redis closed")));
    redis.on("ready", () => this.#ready());
  }

  #usable(): boolean {
    return !this.#closed && this.#redis.status === "ready" && performance.now() >= this.#downUntil;
  }

  #trouble(err: Error): void {
    this.#epoch++;
    this.#downUntil = performance.now() + BACK_OFF_MS;
    if (this.#down || this.#closed) return;
    this.#down = true;
    this.#opts.onUnavailable?.(err);
  }

  #ready(): void {
    this.#epoch++;
    this.#downUntil = 0;
    if (this.#owed) void this.#sayOwed();
    if (!this.#down || this.#closed) return;
    this.#down = false;
    this.#opts.onRecovered?.();
  }

  current(): Promise<string | null> {
    if (!this.#usable()) return Promise.resolve(null);
    this.#next ??= new Promise((resolve) =>
      setImmediate(() => {
        this.#next = undefined;
        resolve(this.#read());
      }),
    );
    return this.#next;
  }

  /** The count now: one GET. */
  #read(): Promise<string | null> {
    if (!this.#usable()) return Promise.resolve(null);
    const epoch = this.#epoch;
    return this.#redis.get(this.#key).then(
      (count) => (epoch === this.#epoch ? `${epoch}:${count ?? 0}` : null),
      (err: Error) => {
        this.#trouble(err);
        return null;
      },
    );
  }

  changed(): Promise<void> {
    if (!this.#usable()) {
      this.#owe();
      return Promise.resolve();
    }
    return this.#redis.incr(this.#key).then(
      () => undefined,
      (err: Error) => {
        this.#trouble(err);
        this.#owe();
      },
    );
  }

  #owe(): void {
    if (this.#closed) return;
    this.#owed = true;
    this.#retry ??= setInterval(() => void this.#sayOwed(), BACK_OFF_MS).unref();
  }

  async #sayOwed(): Promise<void> {
    if (!this.#owed || !this.#usable()) return;
    this.#owed = false;
    try {
      await this.#redis.incr(this.#key);
      clearInterval(this.#retry);
      this.#retry = undefined;
    } catch (err) {
      this.#trouble(err as Error);
      this.#owed = true;
    }
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#retry);
    this.#redis.disconnect();
  }
}

/** The clock of the PostgreSQL database `databaseName`, on its own Redis connection. */
export async function openRedisChangeClock(
  url: string,
  databaseName: string,
  opts: RedisChangeClockOptions = {},
): Promise<RedisChangeClock> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url, {
    // A command while Redis is away fails at once (the read goes to the database) instead of
    // waiting in a queue; one that gets no answer in time fails too.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // The reads of many requests at once go out in one write.
    enableAutoPipelining: true,
  });
  return new RedisChangeClock(redis, `portico:db-changes:${databaseName}`, opts);
}
