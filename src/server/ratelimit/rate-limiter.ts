import type { Redis } from "ioredis";

// Sliding-window counters. In memory for one process; in Redis when several processes must
// share them. A log of timestamps per key is exact, with no burst at a window boundary.

export interface RateDecision {
  allowed: boolean;
  /** Seconds until one more attempt would be allowed (0 when allowed). */
  retryAfterSeconds: number;
  /** The attempt consume counted, for takeBack. */
  attempt?: string;
}

export interface RateLimiter {
  /** Counts one attempt if under the limit. */
  consume(key: string, limit: number, windowMs: number): Promise<RateDecision>;
  /** Whether one more attempt would be allowed, counting nothing. */
  peek(key: string, limit: number, windowMs: number): Promise<RateDecision>;
  /** Counts one attempt regardless of the limit. */
  hit(key: string, windowMs: number): Promise<void>;
  /** Uncounts an attempt consume counted (its decision's attempt), for work that did not happen. */
  takeBack(key: string, attempt: string): Promise<void>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #hits = new Map<string, number[]>();
  readonly #now: () => number;
  #sweeps = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  // Each key's attempts are kept in time order, so dropping the expired ones is a binary search
  // and one splice, and counting one more is a push: cheap however high a limit is set.
  #live(key: string, windowMs: number): number[] {
    const now = this.#now();
    // Keys of clients that never come back are dropped now and then.
    if (++this.#sweeps % 10_000 === 0) this.#sweep(now);
    const list = this.#hits.get(key);
    if (!list) return [];
    const cutoff = now - windowMs;
    if ((list[0] as number) <= cutoff) {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((list[mid] as number) > cutoff) hi = mid;
        else lo = mid + 1;
      }
      list.splice(0, lo);
    }
    if (!list.length) this.#hits.delete(key);
    return list;
  }

  #record(key: string, list: number[]): number {
    const now = this.#now();
    // A clock set back keeps the order: the attempt goes where it belongs.
    let i = list.length;
    while (i > 0 && (list[i - 1] as number) > now) i--;
    list.splice(i, 0, now);
    this.#hits.set(key, list);
    return now;
  }

  #sweep(now: number) {
    const day = 24 * 3600_000;
    for (const [k, list] of this.#hits) if ((list.at(-1) ?? 0) < now - day) this.#hits.delete(k);
  }

  #decide(list: number[], limit: number, windowMs: number): RateDecision {
    if (list.length < limit) return { allowed: true, retryAfterSeconds: 0 };
    const oldestThatCounts = list[list.length - limit] as number;
    return {
      allowed: false,
      retryAfterSeconds: Math.ceil((oldestThatCounts + windowMs - this.#now()) / 1000),
    };
  }

  async consume(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    const list = this.#live(key, windowMs);
    const d = this.#decide(list, limit, windowMs);
    if (d.allowed) d.attempt = String(this.#record(key, list));
    return d;
  }

  async peek(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return this.#decide(this.#live(key, windowMs), limit, windowMs);
  }

  async hit(key: string, windowMs: number): Promise<void> {
    this.#record(key, this.#live(key, windowMs));
  }

  async takeBack(key: string, attempt: string): Promise<void> {
    // Attempts at the same millisecond are alike: taking back any one of them is the same.
    const list = this.#hits.get(key);
    const i = list?.lastIndexOf(Number(attempt)) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  async reset(key: string): Promise<void> {
    this.#hits.delete(key);
  }

  async close(): Promise<void> {}
}

// KEYS[1] = sorted set of attempt times; ARGV = now, window, limit, member, mode (consume|peek|hit).
// Runs atomically in Redis, so concurrent processes cannot both take the last slot.
const SCRIPT = `
local key, now, window, limit, member, mode = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if mode == 'hit' or (mode == 'consume' and count < limit) then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return {1, 0}
end
if count < limit then return {1, 0} end
local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
`;

export interface RedisLimiterOptions {
  /**
   * Redis became unreachable (or answered an error): said once, then at most every
   * WARN_EVERY_MS while it lasts. Without it the error is still handled.
   */
  onUnavailable?: (err: Error) => void;
  /** Redis answers again after an outage. */
  onRecovered?: () => void;
}

const WARN_EVERY_MS = 60_000;

/**
 * Shared windows in Redis. While Redis is unreachable the limits do not fail open: each process
 * counts in its own memory (a MemoryRateLimiter), so a request is never refused or crashed for
 * Redis's sake and the limits still hold per process; once Redis answers, it counts again.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;
  #seq = 0;
  readonly #now: () => number;
  readonly #fallback: MemoryRateLimiter;
  readonly #opts: RedisLimiterOptions;
  /** An outage was reported and its end not yet: only for the "answers again" line. */
  #reported = false;
  #warnedAt = Number.NEGATIVE_INFINITY;

  constructor(
    redis: Redis,
    prefix = "portico:rl:",
    now: () => number = Date.now,
    opts: RedisLimiterOptions = {},
  ) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#now = now;
    this.#opts = opts;
    this.#fallback = new MemoryRateLimiter(now);
    // ioredis emits "error" on every failed connection attempt; with this listener none crashes.
    redis.on("error", (err: Error) => this.#unavailable(err));
    redis.on("ready", () => {
      if (!this.#reported) return;
      this.#reported = false;
      this.#opts.onRecovered?.();
    });
  }

  /**
   * Whether the connection is lost now (between reconnects, or ended). Read from the client each
   * time rather than kept: an error answer on a healthy connection (READONLY, OOM, BUSY) falls
   * back for that one request, and the next one asks Redis again.
   */
  get #down(): boolean {
    const status = this.#redis.status;
    return status === "reconnecting" || status === "close" || status === "end";
  }

  #unavailable(err: Error) {
    this.#reported = true;
    const at = performance.now();
    if (at - this.#warnedAt < WARN_EVERY_MS) return;
    this.#warnedAt = at;
    this.#opts.onUnavailable?.(err);
  }

  async #run(
    key: string,
    limit: number,
    windowMs: number,
    mode: "consume" | "peek" | "hit",
  ): Promise<RateDecision> {
    if (this.#down) return this.#inMemory(key, limit, windowMs, mode);
    // The caller's clock, so every process judges by the same kind of time as in memory.
    const now = this.#now();
    const member = `${now}:${process.pid}:${++this.#seq}:${Math.random()}`;
    try {
      const [ok, waitMs] = (await this.#redis.eval(
        SCRIPT,
        1,
        this.#prefix + key,
        now,
        windowMs,
        limit,
        member,
        mode,
      )) as [number, number];
      return ok === 1
        ? { allowed: true, retryAfterSeconds: 0, ...(mode === "consume" ? { attempt: `r${member}` } : {}) }
        : { allowed: false, retryAfterSeconds: Math.ceil(waitMs / 1000) };
    } catch (err) {
      this.#unavailable(err as Error);
      return this.#inMemory(key, limit, windowMs, mode);
    }
  }

  async #inMemory(key: string, limit: number, windowMs: number, mode: "consume" | "peek" | "hit") {
    if (mode === "hit") {
      await this.#fallback.hit(key, windowMs);
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return mode === "consume"
      ? this.#fallback.consume(key, limit, windowMs)
      : this.#fallback.peek(key, limit, windowMs);
  }

  consume(key: string, limit: number, windowMs: number) {
    return this.#run(key, limit, windowMs, "consume");
  }
  peek(key: string, limit: number, windowMs: number) {
    return this.#run(key, limit, windowMs, "peek");
  }
  async hit(key: string, windowMs: number) {
    await this.#run(key, 0, windowMs, "hit");
  }
  /**
   * An attempt counted in Redis starts with "r"; one counted in memory (during an outage) does not.
   * While Redis does not answer, an attempt counted there stays counted until its window ends.
   */
  async takeBack(key: string, attempt: string) {
    if (!attempt.startsWith("r")) return this.#fallback.takeBack(key, attempt);
    if (this.#down) return;
    try {
      await this.#redis.zrem(this.#prefix + key, attempt.slice(1));
    } catch (err) {
      this.#unavailable(err as Error);
    }
  }
  async reset(key: string) {
    await this.#fallback.reset(key);
    if (this.#down) return;
    try {
      await this.#redis.del(this.#prefix + key);
    } catch (err) {
      this.#unavailable(err as Error);
    }
  }
  async close() {
    this.#redis.disconnect();
  }
}
