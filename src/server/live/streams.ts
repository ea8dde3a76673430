import type { ServerResponse } from "node:http";
import type { LiveBus, LiveEvent } from "../ports.ts";

// The server-sent event streams of one process: each belongs to one agent's session in one
// workspace and hears that workspace's events only (those naming agents, only when it is one of
// them). A comment every HEARTBEAT_MS keeps proxies from closing an idle stream and, at the same
// time, checks that the session still holds; a stream ends at its session's expiry, at sign-out
// (the "session" event, from any process) and when the server closes (`closeAll`, before the
// HTTP drain, which must not wait for streams that never end by themselves).

export const HEARTBEAT_MS = 25_000;
/** What the browser waits before reconnecting after a stream ends. */
export const RETRY_MS = 3_000;
/**
 * What may wait in a stream's buffer for a client that does not read: beyond it the stream is
 * dropped (the browser reconnects and reloads what it missed) rather than grow without end.
 */
export const MAX_BUFFERED_BYTES = 256 * 1024;
/** Streams one agent may hold open on one process (a tab each). */
export const MAX_STREAMS_PER_AGENT = 8;

export interface StreamOwner {
  workspaceId: string;
  agentId: string;
  /** The session's id (the hash of its token): a "session" event naming it ends the stream. */
  sessionId: string;
  expiresAt: number;
  /** At each heartbeat: whether the session still holds (signed out elsewhere, deactivated). */
  stillValid: () => Promise<boolean>;
}

interface Stream {
  owner: StreamOwner;
  res: ServerResponse;
  timers: NodeJS.Timeout[];
}

/** What a page receives: the event without its routing. */
export function eventForPage(event: LiveEvent): Record<string, unknown> {
  return {
    topic: event.topic,
    ...(event.reference ? { reference: event.reference } : {}),
    ...(event.data ? { data: event.data } : {}),
  };
}

export class LiveStreams {
  readonly #streams = new Set<Stream>();
  readonly #unsubscribe: () => void;
  #closing = false;

  constructor(bus: LiveBus) {
    this.#unsubscribe = bus.subscribe((event) => this.#fanOut(event));
  }

  countOf(agentId: string): number {
    let n = 0;
    for (const s of this.#streams) if (s.owner.agentId === agentId) n++;
    return n;
  }

  get size(): number {
    return this.#streams.size;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Takes over `res` (already hijacked from Fastify): headers, the retry, then events until it ends. */
  open(res: ServerResponse, owner: StreamOwner, now: number): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // nginx would buffer the stream otherwise (docs/deploy/nginx.conf).
      "x-accel-buffering": "no",
    });
    res.write(`retry: ${RETRY_MS}\n: welcome\n\n`);
    const stream: Stream = { owner, res, timers: [] };
    this.#streams.add(stream);
    const heartbeat = setInterval(() => {
      owner.stillValid().then(
        (ok) => (ok ? this.#write(stream, ": heartbeat\n\n") : this.#end(stream)),
        () => this.#write(stream, ": heartbeat\n\n"),
      );
    }, HEARTBEAT_MS);
    // setTimeout takes at most 2^31-1 ms; sessions are shorter than that.
    const expiry = setTimeout(
      () => this.#end(stream),
      Math.max(0, Math.min(owner.expiresAt - now, 2 ** 31 - 1)),
    );
    stream.timers.push(heartbeat, expiry);
    res.on("close", () => this.#forget(stream));
  }

  #fanOut(event: LiveEvent): void {
    if (event.topic === "session") {
      const ended = event.data?.ended;
      for (const s of this.#streams) if (s.owner.sessionId === ended) this.#end(s);
      return;
    }
    let frame: string | undefined;
    for (const s of this.#streams) {
      if (s.owner.workspaceId !== event.workspaceId) continue;
      if (event.agentIds && !event.agentIds.includes(s.owner.agentId)) continue;
      frame ??= `data: ${JSON.stringify(eventForPage(event))}\n\n`;
      this.#write(s, frame);
    }
  }

  #write(stream: Stream, frame: string): void {
    const { res } = stream;
    if (res.writableEnded || res.destroyed) this.#forget(stream);
    else if (res.writableLength > MAX_BUFFERED_BYTES) {
      // A client that does not read: ending would wait behind the buffer, so the connection goes.
      this.#forget(stream);
      res.destroy();
    } else res.write(frame);
  }

  #end(stream: Stream, opts: { closeConnection?: boolean } = {}): void {
    this.#forget(stream);
    const { res } = stream;
    if (res.writableEnded) return;
    // At shutdown the connection goes too: once the answer is out it would otherwise sit idle
    // until its keep-alive ran out, after the server stopped looking for idle ones.
    res.end(opts.closeConnection ? () => res.socket?.end() : undefined);
  }

  #forget(stream: Stream): void {
    for (const t of stream.timers) clearTimeout(t);
    this.#streams.delete(stream);
  }

  /** Ends every stream (the server is closing); the browsers reconnect to another process. */
  closeAll(): void {
    this.#closing = true;
    for (const s of [...this.#streams]) this.#end(s, { closeConnection: true });
    this.#unsubscribe();
  }
}
