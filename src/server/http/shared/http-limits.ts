import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { HttpLimits } from "../../config.ts";
import { AppError } from "../../errors.ts";

// What one slow or greedy client may hold of a process (the README's "Timeouts, limits and
// shutdown"). Node's own checks bound the headers (HTTP_HEADERS_TIMEOUT_SECONDS), an idle
// keep-alive connection and a silent one. A body is bounded here, by its progress rather than by
// a flat time: it has HTTP_REQUEST_TIMEOUT_SECONDS, plus a second for every
// HTTP_BODY_MIN_KB_PER_SECOND that arrived, so a 25 MB upload on a slow line (8 KB/s and up, by
// default) finishes while a body dripping a byte a second is cut after the request timeout.
// Uploads at once are counted per process; past MAX_CONCURRENT_UPLOADS they get a 503.

/** The Fastify options that set Node's timeouts (the body's is ours: Node's is flat). */
export function httpServerOptions(limits: HttpLimits) {
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node's socket inactivity timeout: a connection silent both ways is closed.
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      // How often Node looks for connections past their headers' time (its default is 30 s).
      connectionsCheckingInterval: checkEvery(limits.headersTimeoutMs),
    },
  };
}

const checkEvery = (timeoutMs: number) => Math.max(100, Math.min(1000, Math.floor(timeoutMs / 4)));

interface Watched {
  req: IncomingMessage;
  res: ServerResponse;
  startedAt: number;
  bytesAtStart: number;
}

const TIMED_OUT_BODY = JSON.stringify({
  error: { code: "request_timeout", message: "The request's body came too slowly." },
});
const TIMED_OUT = [
  "HTTP/1.1 408 Request Timeout",
  "Connection: close",
  "Content-Type: application/json; charset=utf-8",
  `Content-Length: ${Buffer.byteLength(TIMED_OUT_BODY)}`,
  "",
  TIMED_OUT_BODY,
].join("\r\n");

/**
 * Closes the connection of a request whose body is late: more than `requestTimeoutMs` plus the
 * time its received bytes earn at `bodyMinBytesPerSecond`, counted from its headers. Progress is
 * the socket's bytes read, so the body stream itself is never touched. A 408 goes first when no
 * answer has started. Answers the stop of its timer.
 */
export function watchSlowBodies(server: Server, limits: HttpLimits, log: Logger): () => void {
  const watched = new Set<Watched>();
  let timer: NodeJS.Timeout | null = null;
  const sweep = () => {
    const now = performance.now();
    for (const w of watched) {
      const { req, res } = w;
      // Watched past an early answer too: the rest of its body is still read (and dropped).
      if (req.complete || req.socket.destroyed) {
        watched.delete(w);
        continue;
      }
      const received = req.socket.bytesRead - w.bytesAtStart;
      const earned = limits.bodyMinBytesPerSecond > 0 ? (received / limits.bodyMinBytesPerSecond) * 1000 : 0;
      if (now - w.startedAt <= limits.requestTimeoutMs + earned) continue;
      watched.delete(w);
      log.warn(
        { method: req.method, url: req.url, received, seconds: Math.round((now - w.startedAt) / 1000) },
        "request body too slow: connection closed",
      );
      const socket = req.socket;
      if (!res.headersSent && socket.writable) socket.end(TIMED_OUT, () => socket.destroy());
      else socket.destroy();
    }
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (req.complete) return;
    watched.add({ req, res, startedAt: performance.now(), bytesAtStart: req.socket.bytesRead });
    if (!timer) {
      timer = setInterval(sweep, checkEvery(limits.requestTimeoutMs));
      timer.unref();
    }
  };
  server.on("request", onRequest);
  return () => {
    server.off("request", onRequest);
    if (timer) clearInterval(timer);
    timer = null;
    watched.clear();
  };
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** The route takes a file as its body: it counts against MAX_CONCURRENT_UPLOADS. */
    upload?: boolean;
  }
}

/**
 * An onRequest hook counting uploads in progress (multipart forms, and routes marked
 * `config: { upload: true }`) until their answer is done or their connection gone; past `max`
 * an upload is refused before its body is read, and its connection closed so it is not read.
 */
export function limitConcurrentUploads(max: number) {
  let inProgress = 0;
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const type = req.headers["content-type"] ?? "";
    if (req.routeOptions.config.upload !== true && !/^multipart\/form-data/i.test(type)) return;
    if (inProgress >= max) {
      throw new AppError(
        503,
        "uploads_busy",
        "The server is taking as many uploads as it can. Try again in a few seconds.",
        { headers: { "retry-after": "5", connection: "close" } },
      );
    }
    inProgress++;
    reply.raw.once("close", () => {
      inProgress--;
    });
  };
}
