import type { Server, ServerResponse } from "node:http";
import type { Logger } from "pino";

// Closing the HTTP side of a process that was told to stop (serve() in main.ts): no new
// connections, requests already in progress may finish within the grace, idle keep-alive
// connections are closed at once and the others as soon as their answer is out; whatever is left
// when the grace is over (a client that never finishes sending) is closed.

/** The answers in progress on a server, so a shutdown can tell their connections to close. */
export function trackAnswers(server: Server): Set<ServerResponse> {
  const open = new Set<ServerResponse>();
  server.on("request", (_req, res: ServerResponse) => {
    open.add(res);
    res.once("close", () => open.delete(res));
  });
  return open;
}

/** How often idle connections are closed while draining: each one as soon as its answer is out. */
const IDLE_SWEEP_MS = 50;

/**
 * Closes `app` within `graceMs`: Fastify stops taking requests (a new one on an open connection
 * gets 503), answers in progress end with `Connection: close`, and once the grace is over every
 * remaining connection is closed.
 */
export async function drainHttp(
  app: { server: Server; close(): PromiseLike<unknown> },
  answers: Set<ServerResponse>,
  opts: { graceMs: number; log: Logger },
): Promise<void> {
  const server = app.server;
  for (const res of answers) if (!res.headersSent) res.setHeader("connection", "close");
  const inFlight = answers.size;
  const closed = Promise.resolve(app.close());
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  let graceTimer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"grace">((resolve) => {
    graceTimer = setTimeout(() => resolve("grace"), opts.graceMs);
  });
  opts.log.info(
    { inFlight, graceSeconds: opts.graceMs / 1000 },
    "HTTP: not accepting; finishing requests in flight",
  );
  try {
    const first = await Promise.race([closed.then(() => "closed" as const), graceOver]);
    if (first === "grace") {
      opts.log.warn({ open: answers.size }, "HTTP: grace over, closing the remaining connections");
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearInterval(sweep);
    clearTimeout(graceTimer);
  }
  opts.log.info("HTTP: closed");
}
