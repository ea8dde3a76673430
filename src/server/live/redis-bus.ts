import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { LiveBus, LiveEvent } from "../ports.ts";
import { MemoryLiveBus } from "./memory-bus.ts";

// The live bus of several processes (REDIS_URL): an event is handed to this process's listeners at
// once and published on one Redis pub/sub channel, from which every other process hands it to its
// own. Each process tags what it publishes, so it does not hear its own events twice. While Redis
// is away, local delivery goes on (the agents on this process still hear this process's changes),
// the outage is said once, and ioredis resubscribes when Redis answers again.

export interface RedisLiveBusOptions {
  /** The channel: one per deployment (portico:live), one per test file. */
  channel?: string;
  /** Redis stopped answering: said once per outage. */
  onUnavailable?: (err: Error) => void;
  /** Redis answers again: the channel is subscribed again. */
  onRecovered?: () => void;
}

interface Envelope {
  from: string;
  event: LiveEvent;
}

export class RedisLiveBus implements LiveBus {
  readonly #local = new MemoryLiveBus();
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #channel: string;
  readonly #origin = randomUUID();
  readonly #opts: RedisLiveBusOptions;
  readonly #subscribed: Promise<void>;
  #down = false;
  #closed = false;

  /** `pub` and `sub` are two connections: a subscribed one can publish nothing. */
  constructor(pub: Redis, sub: Redis, opts: RedisLiveBusOptions = {}) {
    this.#pub = pub;
    this.#sub = sub;
    this.#channel = opts.channel ?? "portico:live";
    this.#opts = opts;
    for (const client of [pub, sub]) {
      client.on("error", (err: Error) => this.#unavailable(err));
      client.on("ready", () => this.#recovered());
    }
    sub.on("message", (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      let envelope: Envelope;
      try {
        envelope = JSON.parse(message) as Envelope;
      } catch {
        return;
      }
      if (envelope.from === this.#origin || !envelope.event?.workspaceId) return;
      this.#local.deliver(envelope.event);
    });
    this.#subscribed = sub.subscribe(this.#channel).then(
      () => undefined,
      (err: Error) => this.#unavailable(err),
    );
  }

  /** Resolves once the channel is subscribed (or the first attempt failed). */
  ready(): Promise<void> {
    return this.#subscribed;
  }

  #unavailable(err: Error): void {
    if (this.#down || this.#closed) return;
    this.#down = true;
    this.#opts.onUnavailable?.(err);
  }

  #recovered(): void {
    if (!this.#down || this.#closed) return;
    if (this.#pub.status !== "ready" || this.#sub.status !== "ready") return;
    this.#down = false;
    this.#opts.onRecovered?.();
  }

  publish(event: LiveEvent): void {
    this.#local.deliver(event);
    if (this.#closed) return;
    const envelope: Envelope = { from: this.#origin, event };
    // While Redis reconnects the publish waits in the client's queue for one attempt, then fails
    // (maxRetriesPerRequest) and is not sent again: other processes' agents, whose streams stay
    // open, see the change on their next event or reload (the pages poll only while their own
    // stream is down).
    this.#pub.publish(this.#channel, JSON.stringify(envelope)).catch((err: Error) => this.#unavailable(err));
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    return this.#local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#local.close();
    this.#sub.disconnect();
    this.#pub.disconnect();
  }
}

/** Two connections for a RedisLiveBus. */
export async function openRedisLiveBus(url: string, opts: RedisLiveBusOptions = {}): Promise<RedisLiveBus> {
  const { Redis } = await import("ioredis");
  const pub = new Redis(url, { maxRetriesPerRequest: 1 });
  const sub = new Redis(url, { maxRetriesPerRequest: null });
  return new RedisLiveBus(pub, sub, opts);
}
