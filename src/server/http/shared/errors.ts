import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { OUTAGE_MESSAGES, type Outage, outageOf } from "../../lib/outage.ts";
import { fieldErrors } from "./validation.ts";

// The JSON answer of every error: { error: { code, message, fields? } } with the right status,
// and never internals on a 5xx. The page trees answer their errors with pages of their own.
// A dependency's outage (lib/outage.ts: the database down, the disk full) is a 503 with its
// stable code and Retry-After, on every tree; anything else unexpected is a 500.

const KNOWN: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, "invalid_json", "The body is not valid JSON."],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, "invalid_json", "The body is empty."],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, "payload_too_large", "The request body is too large."],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    415,
    "unsupported_media_type",
    "Send JSON (Content-Type: application/json).",
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "bad_request", "The Content-Length does not match the body."],
};

export function jsonErrorHandler(err: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    if (err.headers) reply.headers(err.headers);
    return reply.status(err.status).send({
      error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) },
    });
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const fields = fieldErrors(fe.validation as never);
    return reply.status(400).send({
      error: { code: "validation_failed", message: "Some fields need attention.", fields },
    });
  }
  const k = fe.code ? KNOWN[fe.code] : undefined;
  if (k) return reply.status(k[0]).send({ error: { code: k[1], message: k[2] } });
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own 4xx (a proto-poisoned body, a bad header): say so without internals.
    return reply
      .status(fe.statusCode)
      .send({ error: { code: "bad_request", message: "The request is not valid." } });
  }
  const outage = outageOf(err);
  if (outage) {
    answeringOutage(req, reply, outage, err);
    return reply.send({ error: { code: outage.code, message: OUTAGE_MESSAGES[outage.code] } });
  }
  req.log.error({ err }, "unhandled error");
  return reply.status(500).send({
    error: { code: "internal_error", message: "Something went wrong on our side. Please try again." },
  });
}

export const jsonNotFound = (_req: FastifyRequest, reply: FastifyReply) =>
  reply.status(404).send({ error: { code: "not_found", message: "Not found" } });

/** The outage an error stands for, unless it is one of ours (an AppError is never an outage). */
export const unexpectedOutage = (err: unknown): Outage | null =>
  err instanceof AppError ? null : outageOf(err);

/**
 * The status, Retry-After and log line of an outage's answer, the same on every tree; the caller
 * sends the body (JSON, a page, a form kept as typed).
 */
export function answeringOutage(req: FastifyRequest, reply: FastifyReply, outage: Outage, err: unknown) {
  // A write refused for want of disk room (or on a read-only disk) is remembered for /readyz.
  req.server.storage.record(outage);
  // A warning, not an error: nothing is wrong with the code, and the message is enough to act on.
  req.log.warn(
    { outage: outage.code, reason: outage.reason, err: err instanceof Error ? err.message : String(err) },
    "a dependency is unavailable: answered 503",
  );
  reply.status(503).header("Retry-After", String(outage.retryAfterSeconds));
}

/** An outage as the error beside a reply's text box: the reply is kept, to be sent again. */
export const outageFieldError = (outage: Outage) => ({
  body: `was not sent: ${OUTAGE_MESSAGES[outage.code].replace(/^The service/, "the service")} Your text is kept here.`,
});
