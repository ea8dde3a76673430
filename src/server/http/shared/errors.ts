import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../errors.ts";
import { fieldErrors } from "./validation.ts";

// The JSON answer of every error: { error: { code, message, fields? } } with the right status,
// and never internals on a 5xx. The page trees answer their errors with pages of their own.

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
  req.log.error({ err }, "unhandled error");
  return reply.status(500).send({
    error: { code: "internal_error", message: "Something went wrong on our side. Please try again." },
  });
}

export const jsonNotFound = (_req: FastifyRequest, reply: FastifyReply) =>
  reply.status(404).send({ error: { code: "not_found", message: "Not found" } });
