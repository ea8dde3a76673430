import type { FastifyBaseLogger, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { Bindings, ChildLoggerOptions, Level, Logger } from "pino";

// Fastify gives every request a child logger with the request id. A pino child costs several
// microseconds (its bindings are serialised and redacted at creation), which is a measurable share
// of a fast request, and most requests never log anything of their own: the request line is
// written by the app's logger with the id in it (app.ts). So the child is made on the first call
// at a level that is enabled, and never otherwise. What it writes is what the child would write.

const LEVELS: readonly Level[] = ["fatal", "error", "warn", "info", "debug", "trace"];

export class RequestLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  /** The real child, made once. */
  get real(): Logger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  /** Whether the child exists yet (for tests). */
  get created(): boolean {
    return this.#child !== undefined;
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }
  set level(level: string) {
    this.real.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.#child ? this.#child.isLevelEnabled(level) : this.#enabled(level as Level);
  }

  #enabled(level: Level): boolean {
    if (this.#options.level === undefined) return this.#parent.isLevelEnabled(level);
    const values = this.#parent.levels.values;
    return (values[level] ?? 0) >= (values[this.#options.level] ?? 0);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, options);
  }

  silent(): void {}

  declare fatal: Logger["fatal"];
  declare error: Logger["error"];
  declare warn: Logger["warn"];
  declare info: Logger["info"];
  declare debug: Logger["debug"];
  declare trace: Logger["trace"];
}

for (const level of LEVELS) {
  Object.defineProperty(RequestLogger.prototype, level, {
    value(this: RequestLogger, ...args: unknown[]) {
      if (!this.isLevelEnabled(level)) return;
      (this.real[level] as (...a: unknown[]) => void)(...args);
    },
  });
}

/** Fastify's childLoggerFactory: the request's logger, made lazily. */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new RequestLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger;
}

/**
 * The one structured line per request, through the app's logger with the id in it: what the
 * request's child would write, without making one per request. The route pattern is logged,
 * never the URL (a tracking token travels in the query string); no bodies, cookies or passwords.
 */
export function requestLine(log: FastifyBaseLogger) {
  return (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    log.info(
      {
        reqId: req.id,
        method: req.method,
        route: req.routeOptions.url ?? "(no route)",
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ip: req.ip,
      },
      "request",
    );
    done();
  };
}
